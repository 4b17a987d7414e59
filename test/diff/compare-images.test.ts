import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compareImages, type ImageDiff } from '../../src/diff/compare-images.js';
import { diffNotes, renderDiffText } from '../../src/report/diff-report.js';
import type { ImageReport } from '../../src/model/image.js';
import { readArchive } from '../../src/read-archive.js';
import { buildArchive, type ImageSpec, type LayerSpec } from '../helpers/fixture-builder.js';

/** Builds `spec` with the independent tar writer and reads it back as `diff` does (hashing files). */
async function imageOf(spec: ImageSpec, options: { hashFiles?: boolean } = {}): Promise<ImageReport> {
  const { bytes } = await buildArchive('oci', [spec]);
  const report = await readArchive(Readable.from([bytes]), {
    label: 'test.tar',
    keepFiles: true,
    hashFiles: options.hashFiles ?? true,
  });
  const [image] = report.images;
  if (!image) throw new Error('no image');
  return image;
}

const base: LayerSpec = {
  files: [
    { path: 'etc/', type: 'dir' },
    { path: 'etc/os-release', content: 'ID=sample\nVERSION=1\n' },
    { path: 'bin/', type: 'dir' },
    { path: 'bin/sh', content: Buffer.alloc(4000, 1) },
    { path: 'bin/bash', type: 'symlink', target: 'sh' },
  ],
};
const rebuiltBase: LayerSpec = {
  files: [
    { path: 'etc/', type: 'dir' },
    { path: 'etc/os-release', content: 'ID=sample\nVERSION=2\n' },
    { path: 'bin/', type: 'dir' },
    { path: 'bin/sh', content: Buffer.alloc(4100, 1) },
    { path: 'bin/bash', type: 'symlink', target: 'sh' },
  ],
};
const app: LayerSpec = {
  files: [
    { path: 'app/', type: 'dir' },
    { path: 'app/server.js', content: 'serve()\n' },
  ],
};
const spec = (layers: LayerSpec[], steps: string[], tag = 'example/app:1'): ImageSpec => ({
  tags: [tag],
  layers,
  history: steps.map((createdBy) => ({ createdBy })),
});
const v1 = spec([base, app], ['ADD base', 'COPY app']);

/** Every list of a diff, without the images: what the tests check exactly. */
const lists = (diff: ImageDiff) => ({
  sizeDelta: diff.sizeDelta,
  shared: diff.layers.shared,
  sharedByChainId: diff.layers.sharedByChainId,
  chainBreak: diff.layers.chainBreak,
  added: diff.layers.added.map((l) => [l.index, l.size, l.createdBy]),
  removed: diff.layers.removed.map((l) => [l.index, l.size, l.createdBy]),
  steps: diff.steps.map((s) => [s.index, s.sizeDelta, s.createdBy]),
  files: diff.files && {
    comparedBy: diff.files.comparedBy,
    added: diff.files.added,
    removed: diff.files.removed,
    changed: diff.files.changed,
    folders: diff.files.folders,
  },
});

describe('compareImages', () => {
  it('finds nothing between an image and itself, and the pull costs nothing', async () => {
    const image = await imageOf(v1);
    const diff = compareImages(image, await imageOf({ ...v1, tags: ['example/app:again'] }));
    expect(lists(diff)).toEqual({
      sizeDelta: 0,
      shared: 2,
      sharedByChainId: 2,
      chainBreak: null,
      added: [],
      removed: [],
      steps: [],
      files: { comparedBy: 'sha256', added: [], removed: [], changed: [], folders: [] },
    });
    expect(diff.percent).toBe(0);
    expect(diff.pull).toMatchObject({ pullLayers: 0, pullSize: 0, diskSize: 0 });
    expect(diff.packages).toBeNull();
  });

  it('says a rebuilt base changed every ChainID above it although the app layer is the same', async () => {
    const diff = compareImages(
      await imageOf(v1),
      await imageOf(spec([rebuiltBase, app], ['ADD base', 'COPY app'], 'example/app:2')),
    );
    expect(lists(diff)).toEqual({
      sizeDelta: 100,
      shared: 1,
      sharedByChainId: 0,
      chainBreak: 0,
      added: [[0, 4100 + 20 + 2, 'ADD base']],
      removed: [[0, 4000 + 20 + 2, 'ADD base']],
      steps: [[0, 100, 'ADD base']],
      files: {
        comparedBy: 'sha256',
        added: [],
        removed: [],
        changed: [
          { path: 'bin/sh', fromSize: 4000, toSize: 4100 },
          { path: 'etc/os-release', fromSize: 20, toSize: 20 },
        ],
        folders: [
          { folder: 'bin/', status: 'changed', sizeDelta: 100, added: 0, removed: 0, changed: 1 },
          { folder: 'etc/', status: 'changed', sizeDelta: 0, added: 0, removed: 0, changed: 1 },
        ],
      },
    });
    expect(diff.pull).toMatchObject({ pullLayers: 1, diskSize: 4122 });
  });

  it('shows a package upgrade as its files replaced and its folder grown, under the step that did it', async () => {
    const pkgV1: LayerSpec = {
      files: [
        { path: 'usr/lib/libssl.so.3.0.1', content: Buffer.alloc(3000, 2) },
        { path: 'usr/share/doc/openssl/changelog', content: Buffer.alloc(500, 3) },
      ],
    };
    const pkgV2: LayerSpec = {
      files: [
        { path: 'usr/lib/libssl.so.3.0.2', content: Buffer.alloc(3300, 2) },
        { path: 'usr/share/doc/openssl/changelog', content: Buffer.alloc(600, 3) },
      ],
    };
    const diff = compareImages(
      await imageOf(spec([base, pkgV1, app], ['ADD base', 'RUN apt-get install openssl', 'COPY app'])),
      await imageOf(spec([base, pkgV2, app], ['ADD base', 'RUN apt-get install openssl', 'COPY app'], 'x:2')),
    );
    expect(lists(diff)).toEqual({
      sizeDelta: 400,
      shared: 2,
      sharedByChainId: 1,
      chainBreak: 1,
      added: [[1, 3900, 'RUN apt-get install openssl']],
      removed: [[1, 3500, 'RUN apt-get install openssl']],
      steps: [[1, 400, 'RUN apt-get install openssl']],
      files: {
        comparedBy: 'sha256',
        added: [{ path: 'usr/lib/libssl.so.3.0.2', size: 3300 }],
        removed: [{ path: 'usr/lib/libssl.so.3.0.1', size: 3000 }],
        changed: [{ path: 'usr/share/doc/openssl/changelog', fromSize: 500, toSize: 600 }],
        folders: [
          { folder: 'usr/lib/', status: 'changed', sizeDelta: 300, added: 1, removed: 1, changed: 0 },
          { folder: 'usr/share/doc/openssl/', status: 'changed', sizeDelta: 100, added: 0, removed: 0, changed: 1 },
        ],
      },
    });
  });

  it('reports a moved file as removed from one folder and added to a new one', async () => {
    const moved: LayerSpec = {
      files: [
        { path: 'srv/', type: 'dir' },
        { path: 'srv/www/', type: 'dir' },
        { path: 'srv/www/server.js', content: 'serve()\n' },
      ],
    };
    const diff = compareImages(await imageOf(v1), await imageOf(spec([base, moved], ['ADD base', 'COPY app'], 'x:2')));
    expect(lists(diff).files).toEqual({
      comparedBy: 'sha256',
      added: [{ path: 'srv/www/server.js', size: 8 }],
      removed: [{ path: 'app/server.js', size: 8 }],
      changed: [],
      folders: [
        { folder: 'app/', status: 'removed', sizeDelta: -8, added: 0, removed: 1, changed: 0 },
        { folder: 'srv/', status: 'added', sizeDelta: 8, added: 1, removed: 0, changed: 0 },
      ],
    });
    expect(diff.sizeDelta).toBe(0);
  });

  it('compares FINAL trees: a file a whiteout deletes is removed though its bytes still ship', async () => {
    const cleanup: LayerSpec = { files: [{ path: 'etc/.wh.os-release', content: '' }] };
    const diff = compareImages(
      await imageOf(v1),
      await imageOf(spec([base, app, cleanup], ['ADD base', 'COPY app', 'RUN rm /etc/os-release'], 'x:2')),
    );
    expect(lists(diff)).toEqual({
      sizeDelta: 0,
      shared: 2,
      sharedByChainId: 2,
      chainBreak: null,
      added: [[2, 0, 'RUN rm /etc/os-release']],
      removed: [],
      steps: [[2, 0, 'RUN rm /etc/os-release']],
      files: {
        comparedBy: 'sha256',
        added: [],
        removed: [{ path: 'etc/os-release', size: 20 }],
        changed: [],
        folders: [{ folder: 'etc/', status: 'changed', sizeDelta: -20, added: 0, removed: 1, changed: 0 }],
      },
    });
  });

  it("moves a hard-linked file's bytes to its other name when one name is removed", async () => {
    const perl: LayerSpec = {
      files: [
        { path: 'usr/', type: 'dir' },
        { path: 'usr/bin/', type: 'dir' },
        { path: 'usr/bin/perl', content: Buffer.alloc(3000, 7) },
        { path: 'usr/bin/perl5.36.0', type: 'hardlink', target: 'usr/bin/perl' },
      ],
    };
    const rm: LayerSpec = { files: [{ path: 'usr/bin/.wh.perl', content: '' }] };
    const diff = compareImages(
      await imageOf(spec([perl], ['ADD perl'])),
      await imageOf(spec([perl, rm], ['ADD perl', 'RUN rm /usr/bin/perl'], 'x:2')),
    );
    // The inode stays under perl5.36.0: the final tree holds the same bytes.
    expect(lists(diff).files).toEqual({
      comparedBy: 'sha256',
      added: [],
      removed: [{ path: 'usr/bin/perl', size: 3000 }],
      changed: [{ path: 'usr/bin/perl5.36.0', fromSize: 0, toSize: 3000 }],
      folders: [{ folder: 'usr/bin/', status: 'changed', sizeDelta: 0, added: 0, removed: 1, changed: 1 }],
    });
  });

  it('puts a chmod copy-up on its step, not among changed files: the content is the same', async () => {
    const chmod: LayerSpec = { files: [{ path: 'bin/sh', content: Buffer.alloc(4000, 1), mode: 0o755 }] };
    const diff = compareImages(
      await imageOf(v1),
      await imageOf(spec([base, app, chmod], ['ADD base', 'COPY app', 'RUN chmod 755 /bin/sh'], 'x:2')),
    );
    expect(lists(diff)).toEqual({
      sizeDelta: 4000,
      shared: 2,
      sharedByChainId: 2,
      chainBreak: null,
      added: [[2, 4000, 'RUN chmod 755 /bin/sh']],
      removed: [],
      steps: [[2, 4000, 'RUN chmod 755 /bin/sh']],
      files: { comparedBy: 'sha256', added: [], removed: [], changed: [], folders: [] },
    });
    expect(diff.to.layers[2]?.files.record(0).mode).toBe(0o755);
  });

  it('folds a new node_modules into one folder line with its total', async () => {
    const deps: LayerSpec = {
      files: [
        { path: 'app/node_modules/a/index.js', content: Buffer.alloc(100) },
        { path: 'app/node_modules/a/package.json', content: Buffer.alloc(10) },
        { path: 'app/node_modules/b/lib/b.js', content: Buffer.alloc(1000) },
      ],
    };
    const diff = compareImages(
      await imageOf(v1),
      await imageOf(spec([base, app, deps], ['ADD base', 'COPY app', 'RUN npm ci'], 'x:2')),
    );
    expect(diff.files?.folders).toEqual([
      { folder: 'app/node_modules/', status: 'added', sizeDelta: 1110, added: 3, removed: 0, changed: 0 },
    ]);
    expect(diff.files?.added.map((f) => f.path)).toEqual([
      'app/node_modules/a/index.js',
      'app/node_modules/a/package.json',
      'app/node_modules/b/lib/b.js',
    ]);
  });

  it('sees a same-size edit only with hashes, and says when it compared sizes only', async () => {
    const edited: LayerSpec = {
      files: [
        { path: 'app/', type: 'dir' },
        { path: 'app/server.js', content: 'SERVE()\n' },
      ],
    };
    const next = spec([base, edited], ['ADD base', 'COPY app'], 'x:2');
    const hashed = compareImages(await imageOf(v1), await imageOf(next));
    expect(hashed.files?.changed).toEqual([{ path: 'app/server.js', fromSize: 8, toSize: 8 }]);
    const sizesOnly = compareImages(await imageOf(v1, { hashFiles: false }), await imageOf(next));
    expect(sizesOnly.files?.comparedBy).toBe('size');
    expect(sizesOnly.files?.changed).toEqual([]);
  });

  it('compares packages when both sides have them', async () => {
    const image = await imageOf(v1);
    const diff = compareImages(image, image, {
      packages: {
        from: [{ ecosystem: 'apk', name: 'musl', version: '1.2.4', size: 600 }],
        to: [{ ecosystem: 'apk', name: 'musl', version: '1.2.5', size: 610 }],
      },
    });
    expect(diff.packages?.changed).toEqual([
      { ecosystem: 'apk', name: 'musl', fromVersion: '1.2.4', toVersion: '1.2.5', fromSize: 600, toSize: 610 },
    ]);
  });
});

describe('diff text: the packages table', () => {
  it('gives package names the room a wide terminal leaves, and fits 80 columns', async () => {
    const image = await imageOf(v1);
    const name = 'google-cloud-cli-firestore-emulator';
    const diff = compareImages(image, image, {
      packages: {
        from: [{ ecosystem: 'dpkg', name, version: '527.0.0-0', size: 50_000_000 }],
        to: [{ ecosystem: 'dpkg', name, version: '528.0.0-0', size: 53_400_000 }],
      },
    });
    const rowOf = (width: number) =>
      renderDiffText({ comparisons: [diff], unpaired: [] }, width)
        .split('\n')
        .find((line) => line.includes('changed') && line.includes('google'));
    expect(rowOf(160)).toContain(`dpkg ${name}`);
    expect(rowOf(80)).toContain('dpkg google-cloud-cli-firesto…');
    expect(rowOf(80)?.length).toBeLessThanOrEqual(80);
  });
});

describe('diffNotes', () => {
  it('says how much of the growth is in the final tree and how much in copies later layers hide', async () => {
    // NEW adds a 50 kB cache in one layer and removes it in the next: it ships 50 kB more, its
    // final tree is the same; and it adds a 2 kB file that stays.
    const cache: LayerSpec = { files: [{ path: 'var/cache/big.bin', content: Buffer.alloc(50_000, 2) }] };
    const cleanup: LayerSpec = {
      files: [
        { path: 'var/cache/.wh.big.bin', content: '' },
        { path: 'srv/kept.txt', content: Buffer.alloc(2_000, 3) },
      ],
    };
    const diff = compareImages(
      await imageOf(spec([base], ['ADD base'], 'x:1')),
      await imageOf(spec([base, cache, cleanup], ['ADD base', 'RUN fetch', 'RUN clean'], 'x:2')),
    );
    expect(diffNotes(diff)).toContain(
      'Of the +52 kB, +2 kB is in the final tree and +50 kB in copies that later layers hide (removed or overwritten, still shipped in the layers below: audit names them).',
    );
    // No such note when the final tree is all of it.
    const plain = compareImages(
      await imageOf(spec([base], ['ADD base'], 'x:1')),
      await imageOf(spec([base, app], ['ADD base', 'COPY app'], 'x:3')),
    );
    expect(diffNotes(plain).join('\n')).not.toMatch(/copies that later layers hide/);
  });
});
