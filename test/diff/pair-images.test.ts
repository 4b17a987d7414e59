import { describe, expect, it } from 'vitest';
import { pairImages } from '../../src/diff/pair-images.js';
import type { ImageReport } from '../../src/model/image.js';
import { UsageError } from '../../src/model/errors.js';

const image = (tag: string, platform: string | null): ImageReport => ({
  tags: [tag],
  configDigest: null,
  manifestDigest: null,
  platform,
  created: null,
  contentSize: 0,
  uncompressedSize: 0,
  compressedSize: null,
  layers: [],
  history: [],
});
const labels = { from: 'old.tar', to: 'new.tar' };

describe('pairImages', () => {
  it('pairs one image with one image', () => {
    const a = image('a:1', 'linux/amd64');
    const b = image('a:2', 'linux/amd64');
    expect(pairImages([a], [b], labels)).toEqual({ pairs: [{ from: a, to: b }], unpaired: [] });
  });

  it('pairs one image of unknown platform with anything', () => {
    const a = image('a:1', null);
    const b = image('a:2', 'linux/arm64');
    expect(pairImages([a], [b], labels).pairs).toHaveLength(1);
  });

  it('pairs multi-platform sides by platform and lists the rest', () => {
    const [a1, a2, b1, b2] = [
      image('a:1', 'linux/amd64'),
      image('a:1', 'linux/arm64'),
      image('a:2', 'linux/arm64'),
      image('a:2', 'linux/amd64'),
    ] as const;
    const c = image('a:2', 'linux/ppc64le');
    expect(pairImages([a1, a2], [b1, b2, c], labels)).toEqual({
      pairs: [
        { from: a1, to: b2 },
        { from: a2, to: b1 },
      ],
      unpaired: [{ side: 'to', image: c }],
    });
    expect(pairImages([a2], [b1, b2], labels)).toEqual({
      pairs: [{ from: a2, to: b1 }],
      unpaired: [{ side: 'to', image: b2 }],
    });
  });

  it.each([
    [
      [image('a:1', 'linux/amd64'), image('b:1', 'linux/amd64')],
      [image('a:2', 'linux/amd64')],
      /old.tar holds 2 images: pick one with --image/,
    ],
    [[], [image('a:2', 'linux/amd64')], /old.tar holds no image to compare/],
    [
      [image('a:1', 'linux/amd64')],
      [image('a:2', 'linux/arm64')],
      /old.tar is linux\/amd64 but new.tar is linux\/arm64/,
    ],
    [
      [image('a:1', 'linux/amd64'), image('a:1', 'linux/arm64')],
      [image('a:2', 'linux/s390x'), image('a:2', 'linux/ppc64le')],
      /have no platform in common/,
    ],
  ])('refuses what it cannot pair with a usage error that says what to pass (%#)', (from, to, message) => {
    expect(() => pairImages(from, to, labels)).toThrow(UsageError);
    expect(() => pairImages(from, to, labels)).toThrow(message);
  });
});
