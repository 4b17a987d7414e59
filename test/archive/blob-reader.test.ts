import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BlobReader, type BlobFacts } from '../../src/archive/blob-reader.js';
import { EntryCollector } from '../../src/archive/entry-collector.js';
import { DEFAULT_JSON_CAP } from '../../src/model/limits.js';
import { buildLayer } from '../helpers/fixture-builder.js';
import { appLayer } from '../helpers/specs.js';
import { ODD_CHUNK_SIZES } from '../helpers/streams.js';
import { zstdRawFrame } from '../helpers/zstd-raw.js';

const options = { jsonCap: 1024 * 1024, keepFiles: true };

/** Feeds `bytes` through one buffer that is overwritten as soon as each write has settled. */
async function readReusing(bytes: Buffer, size: number): Promise<BlobFacts> {
  const reader = new BlobReader(options);
  const buffer = Buffer.alloc(size);
  for (let offset = 0; offset < bytes.length; offset += size) {
    const length = bytes.copy(buffer, 0, offset, offset + size);
    const wait = reader.write(buffer.subarray(0, length));
    if (wait) await wait;
    buffer.fill(0xee); // what a reused read buffer would hold next
  }
  return reader.end();
}

async function readFresh(bytes: Buffer): Promise<BlobFacts> {
  const reader = new BlobReader(options);
  const wait = reader.write(Buffer.from(bytes));
  if (wait) await wait;
  return reader.end();
}

describe('BlobReader', () => {
  const kinds = [
    ['an uncompressed layer', async () => (await buildLayer(appLayer())).tar],
    ['a gzip layer', async () => gzipSync((await buildLayer(appLayer())).tar)],
    ['a zstd layer', async () => zstdRawFrame((await buildLayer(appLayer())).tar)],
    [
      'a JSON config',
      () => Promise.resolve(Buffer.from(JSON.stringify({ rootfs: { diff_ids: ['x'] }, pad: 'y'.repeat(3000) }))),
    ],
  ] as const;
  for (const [name, make] of kinds) {
    it.each(ODD_CHUNK_SIZES)(
      `lets go of each chunk once its write settles: ${name} read through one reused %i-byte buffer`,
      async (size) => {
        const bytes = await make();
        const expected = await readFresh(bytes);
        expect(expected.decodeError).toBeNull();
        expect(await readReusing(bytes, size)).toEqual(expected);
      },
    );
  }
});

describe('zstd layers', () => {
  // zstd:chunked (podman, buildah) writes a layer as many frames. Node 24's own decoder stopped
  // at the first frame that ended inside a chunk, with no error, and the diff id came out wrong.
  it.each(ODD_CHUNK_SIZES)('decode every frame of a several-frame layer, fed in %i-byte chunks', async (size) => {
    const { tar, diffId } = await buildLayer(appLayer());
    const cuts = [0, 700, 1500, tar.length];
    const blob = Buffer.concat(cuts.slice(1).map((end, i) => zstdRawFrame(tar.subarray(cuts[i], end))));
    const facts = await readReusing(blob, size);
    expect(facts.decodeError).toBeNull();
    expect(facts.uncompressedDigest).toBe(diffId);
    expect(facts.uncompressedSize).toBe(tar.length);
  });
});

describe('EntryCollector', () => {
  it('keeps the later copy of a path even when the earlier one is recorded last (workers finish out of order)', () => {
    const collector = new EntryCollector(DEFAULT_JSON_CAP);
    const entry = (position: number) => ({
      path: 'a.json',
      type: 'file' as const,
      linkTarget: null,
      blob: null,
      position,
    });
    collector.record(entry(5));
    collector.record(entry(2));
    const walk = collector.result(true);
    expect(walk.entries.get('a.json')?.position).toBe(5);
    expect(walk.duplicates).toEqual(['a.json']);
  });
});
