/**
 * The outer archive decoded as a whole (gzip, zstd): decoded bytes reach the tar walk as they are
 * made, not once the decoder has taken all of an input chunk. Before, a 33 KB zstd of 1 GiB of
 * zeros held all of it at once (1.1 GB of memory), and a zstd bomb's ratio (32,768 : 1 for RLE
 * blocks) made it unbounded. (gzip, paused past 4 MiB, is measured end to end: a 1 MB gzip of
 * 1 GiB took 1.1 GB before; a test of it here passed on the old code too, as zlib's own
 * back-pressure sometimes held.)
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeStream } from '../../src/archive/decompress.js';
import { zstdRleBlocksFrame } from '../helpers/zstd-raw.js';

const MIB = 1024 * 1024;

/**
 * Bytes in ArrayBuffers (Buffers) 300 ms after `decodeStream` yielded its first chunk and was not
 * read further, over those before it started; and all bytes decoded.
 */
async function heldWhileStalled(bytes: Buffer, format: 'zstd'): Promise<{ held: number; total: number }> {
  const before = process.memoryUsage().arrayBuffers;
  const decoded = decodeStream(Readable.from([bytes]), format);
  const first = await decoded.next();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const held = process.memoryUsage().arrayBuffers - before;
  let total = first.done === true ? 0 : first.value.length;
  for await (const chunk of decoded) total += chunk.length;
  return { held, total };
}

describe('decodeStream hands decoded bytes on as they come', () => {
  it('a zstd frame of 256 MiB of RLE blocks (8 KB) is not decoded ahead of its reader', async () => {
    const { held, total } = await heldWhileStalled(zstdRleBlocksFrame(0, 2_048), 'zstd');
    expect(total).toBe(256 * MIB);
    expect(held).toBeLessThan(64 * MIB);
  }, 20_000);
});
