import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/archive/decompress.js';
import { ZstdChecksums } from '../../src/archive/zstd-checksum.js';
import { ODD_CHUNK_SIZES } from '../helpers/streams.js';
import { xxh64, zstdRawFrame, zstdRleFrame, zstdSkippableFrame } from '../helpers/zstd-raw.js';

/** Node 20 decodes with fzstd and layerlens' own checksum check; 22.15+/24 with libzstd. */
const fzstdPath = typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress !== 'function';

async function decode(bytes: Buffer, size: number): Promise<{ output: Buffer; error: string | null }> {
  const parts: Buffer[] = [];
  const decoder = createDecoder('zstd', (chunk) => parts.push(Buffer.from(chunk)));
  try {
    for (let offset = 0; offset < bytes.length; offset += size) {
      const wait = decoder.write(bytes.subarray(offset, offset + size));
      if (wait) await wait;
    }
    await decoder.end();
    return { output: Buffer.concat(parts), error: null };
  } catch (error) {
    return { output: Buffer.concat(parts), error: error instanceof Error ? error.message : String(error) };
  }
}

const text = (n: number, seed: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7 + seed) % 26))).join(''));

/** A frame's stored checksum, wrong in one bit. */
const wrong = (data: Buffer): number => Number(xxh64(data) & 0xffffffffn) ^ 0x10;

describe('zstd content checksums', () => {
  const a = text(3000, 1);
  const b = text(140_000, 2); // two raw blocks of 128 KiB - 1 and the rest
  const c = text(40, 3);

  it.each(ODD_CHUNK_SIZES)('reads frames with right checksums, fed in %i-byte chunks', async (size) => {
    const bytes = Buffer.concat([
      zstdRawFrame(a, { checksum: true, blockSize: 700 }),
      zstdRawFrame(b, { checksum: true }),
      zstdRawFrame(c, { checksum: true }),
    ]);
    expect(await decode(bytes, size)).toEqual({ output: Buffer.concat([a, b, c]), error: null });
  });

  it.each(ODD_CHUNK_SIZES)(
    'rejects the second of three frames when its checksum is wrong, in %i-byte chunks',
    async (size) => {
      const bytes = Buffer.concat([
        zstdRawFrame(a, { checksum: true, blockSize: 700 }),
        zstdRawFrame(b, { checksum: wrong(b) }),
        zstdRawFrame(c, { checksum: true }),
      ]);
      const { error } = await decode(bytes, size);
      expect(error).not.toBeNull();
      if (fzstdPath)
        expect(error).toMatch(
          /^zstd frame 2 fails its content checksum: it says [0-9a-f]{8}, its content hashes to [0-9a-f]{8}$/,
        );
    },
  );

  it('checks only the frames that carry a checksum', async () => {
    const bytes = Buffer.concat([zstdRawFrame(a), zstdRawFrame(c, { checksum: true }), zstdRawFrame(b)]);
    expect(await decode(bytes, 321)).toEqual({ output: Buffer.concat([a, c, b]), error: null });
  });

  it.each(ODD_CHUNK_SIZES)(
    'steps over skippable frames (a zstd:chunked table of contents), in %i-byte chunks',
    async (size) => {
      const toc = Buffer.from(JSON.stringify({ version: 1, entries: [{ name: 'x' }] }));
      const good = Buffer.concat([
        zstdSkippableFrame(Buffer.alloc(0), 0xe),
        zstdRawFrame(a, { checksum: true }),
        zstdSkippableFrame(toc),
        zstdRawFrame(c, { checksum: true }),
      ]);
      expect(await decode(good, size)).toEqual({ output: Buffer.concat([a, c]), error: null });
      const bad = Buffer.concat([
        zstdRawFrame(a, { checksum: true }),
        zstdSkippableFrame(toc),
        zstdRawFrame(c, { checksum: wrong(c) }),
      ]);
      const { error } = await decode(bad, size);
      expect(error).not.toBeNull();
      if (fzstdPath) expect(error).toMatch(/^zstd frame 3 /);
    },
  );

  // fzstd waits for 18 bytes before it starts a frame: a 10-byte RLE frame is decoded only with
  // what follows it, yet its checksum belongs to it alone.
  it.each([1, 7, 321])('checks frames smaller than the decoder starts on, in %i-byte chunks', async (size) => {
    const frames = [zstdRleFrame(0x41, 200, { checksum: true }), zstdRawFrame(Buffer.alloc(0), { checksum: true })];
    const good = Buffer.concat([
      ...frames,
      zstdRleFrame(0x42, 3, { checksum: true }),
      zstdRawFrame(c, { checksum: true }),
    ]);
    const expected = Buffer.concat([Buffer.alloc(200, 0x41), Buffer.alloc(3, 0x42), c]);
    expect(await decode(good, size)).toEqual({ output: expected, error: null });
    const small = zstdRleFrame(0x42, 3, { checksum: true });
    small[small.length - 2] = (small[small.length - 2] ?? 0) ^ 1;
    const bad = Buffer.concat([...frames, small, zstdRawFrame(c, { checksum: true })]);
    const { error } = await decode(bad, size);
    expect(error).not.toBeNull();
    if (fzstdPath) expect(error).toMatch(/^zstd frame 3 /);
  });

  it('leaves what it does not understand to the decoder (a reserved block type)', () => {
    const frame = zstdRawFrame(c, { checksum: true });
    frame[13] = (frame[13] ?? 0) | 0b110; // the first block header's type: 3, reserved
    const checksums = new ZstdChecksums(() => ({ update: () => undefined, digest: () => 0n }));
    expect(() => {
      checksums.scan(frame);
      checksums.block(c);
    }).not.toThrow();
  });

  const zstdCommand = ((): boolean => {
    try {
      execFileSync('zstd', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  // Compressed blocks from the reference encoder: the check does not depend on raw blocks.
  it.skipIf(!zstdCommand)('checks frames the zstd command compressed', async () => {
    const data = Buffer.concat([text(300_000, 4), Buffer.alloc(100_000, 9), text(50_000, 5)]);
    const bytes = execFileSync('zstd', ['-q', '-3', '--check', '-c'], { input: data });
    expect(bytes.length).toBeLessThan(data.length / 10);
    expect(await decode(bytes, 64 * 1024)).toEqual({ output: data, error: null });
    const bad = Buffer.from(bytes);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0x80;
    expect((await decode(bad, 64 * 1024)).error).not.toBeNull();
  });
});
