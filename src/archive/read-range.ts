import { closeSync, openSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { BlobReader, type BlobFacts, type BlobReaderOptions } from './blob-reader.js';

const CHUNK = 1024 * 1024;

/** Reads up to `size` bytes at `position` into `buffer`; resolves to the count read. */
type ReadAt = (buffer: Buffer, size: number, position: number) => number | Promise<number>;

/**
 * Feeds `length` bytes at `offset` through a BlobReader: the same one-pass digest,
 * decompression and layer walk as the streaming path, for one entry of a seekable file. One
 * buffer for the whole range: the reader lets go of each chunk before the next read. A fresh
 * megabyte per read is garbage the collector frees late (Node 24 peaked at 245 MB).
 */
async function readRange(
  read: ReadAt,
  offset: number,
  length: number,
  reader: BlobReader,
  onProgress?: (bytes: number) => void,
): Promise<BlobFacts> {
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK, length));
  let done = 0;
  while (done < length) {
    const size = Math.min(buffer.length, length - done);
    const bytesRead = await read(buffer, size, offset + done);
    if (bytesRead === 0) throw new RangeError(`the file ends at byte ${offset + done}, inside an entry`);
    const wait = reader.write(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
    if (wait) await wait;
    done += bytesRead;
    onProgress?.(bytesRead);
  }
  return reader.end();
}

/** Reads `length` bytes at `offset` of an open file through a BlobReader (the main thread). */
export function readBlobRange(
  handle: FileHandle,
  offset: number,
  length: number,
  options: BlobReaderOptions,
  onProgress?: (bytes: number) => void,
  reader = new BlobReader(options),
): Promise<BlobFacts> {
  const read: ReadAt = async (buffer, size, position) => (await handle.read(buffer, 0, size, position)).bytesRead;
  return readRange(read, offset, length, reader, onProgress);
}

/**
 * Reads `length` bytes at `offset` of the file at `path` through a BlobReader, on a worker
 * thread: with blocking reads, since the thread has nothing else to do meanwhile. An await per
 * read handed each read to libuv's pool and back: on two cores that was a third thread and two
 * hand-overs per megabyte (see docs/performance.md).
 */
export async function readBlobRangeOfFile(
  path: string,
  offset: number,
  length: number,
  options: BlobReaderOptions,
  onProgress?: (bytes: number) => void,
  reader = new BlobReader(options),
): Promise<BlobFacts> {
  const fd = openSync(path, 'r');
  try {
    return await readRange(
      (buffer, size, position) => readSync(fd, buffer, 0, size, position),
      offset,
      length,
      reader,
      onProgress,
    );
  } finally {
    closeSync(fd);
  }
}
