/** Feeds a buffer in fixed-size chunks, as a slow pipe or an odd network would. */
export async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    yield bytes.subarray(offset, Math.min(bytes.length, offset + size));
    await Promise.resolve();
  }
}

export const ODD_CHUNK_SIZES = [1, 7, 321, 64 * 1024] as const;
