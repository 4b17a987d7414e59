import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../model/errors.js';
import { digestClaimedByName } from '../model/digest.js';
import { LayerWalker } from '../layer/layer-contents.js';
import { BlobReader, type BlobFacts, type BlobReaderOptions } from './blob-reader.js';
import { EntryCollector, WalkError } from './entry-collector.js';
import { readBlobRange } from './read-range.js';
import { sniffContent, SNIFF_BYTES } from './sniff.js';
import { TarParser } from './tar-parser.js';
import type { ArchiveEntry, ArchiveWalk } from './walk-archive.js';
import type { BlobWorkerPool } from './worker-pool.js';

export interface FileWalkOptions extends BlobReaderOptions {
  /** Hash every byte (digests, diff ids); false reads metadata only, seeking past layer contents. */
  readonly verify: boolean;
  /** Workers for large blobs when verifying; null reads everything on this thread. */
  readonly pool: BlobWorkerPool | null;
  /** Blobs at least this large go to a worker. */
  readonly workerThreshold: number;
  readonly onProgress?: (bytesRead: number, totalBytes: number | null) => void;
  /**
   * Called when the outer walk is done but a worker is idle while others still read blobs, and
   * again each time one of those blobs is read: the walk so far, with the blobs still being read
   * (`pending`) as unverified placeholders that list no files. A caller can start on what is known.
   */
  readonly onWaiting?: (walk: ArchiveWalk, pending: ReadonlySet<string>) => void;
}

const MIN_BLOCK = 64 * 1024;
const MAX_BLOCK = 1024 * 1024;

/**
 * Positional reads through a block cache. After a seek it reads 64 KiB (a header far from the
 * last one needs no more); while reads follow each other it doubles up to 1 MiB (dense headers
 * of small files cost one read per megabyte).
 */
export class BlockReader {
  private block = Buffer.alloc(0);
  private blockStart = 0;
  private blockSize = MIN_BLOCK;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  /** The bytes if the cached block holds them: no promise, no await (220k headers add up). */
  cached(position: number, length: number): Buffer | null {
    if (position >= this.blockStart && position + length <= this.blockStart + this.block.length) {
      return this.block.subarray(position - this.blockStart, position - this.blockStart + length);
    }
    return null;
  }

  async read(position: number, length: number): Promise<Buffer> {
    const hit = this.cached(position, length);
    if (hit) return hit;
    // Dense headers land just past the last block: keep growing. A far seek starts small again.
    const end = this.blockStart + this.block.length;
    const near = position >= end && position < end + this.blockSize;
    this.blockSize = near ? Math.min(MAX_BLOCK, this.blockSize * 2) : MIN_BLOCK;
    const size = Math.min(Math.max(this.blockSize, length), this.size - position);
    if (size <= 0) return Buffer.alloc(0);
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await this.handle.read(buffer, 0, size, position);
    this.block = buffer.subarray(0, bytesRead);
    this.blockStart = position;
    return this.block.subarray(0, Math.min(length, bytesRead));
  }
}

/**
 * The fast path for a regular, uncompressed archive file: walk the outer tar from header to
 * header, seeking past contents, and read each entry's range separately: on worker threads when
 * verifying large blobs, or (metadata only) by seeking through a layer's own headers. Produces
 * the same ArchiveWalk as the streaming path.
 */
export async function walkArchiveFile(
  path: string,
  size: number,
  options: FileWalkOptions,
  label: string,
): Promise<ArchiveWalk> {
  const handle = await open(path, 'r');
  try {
    return await walk(handle, path, size, options, label);
  } finally {
    await handle.close();
  }
}

async function walk(
  handle: FileHandle,
  path: string,
  size: number,
  options: FileWalkOptions,
  label: string,
): Promise<ArchiveWalk> {
  if (size === 0) throw WalkError.empty(label);
  const reader = new BlockReader(handle, size);
  const collector = new EntryCollector(options.jsonCap);
  const jobs: Promise<void>[] = [];
  const waiting = new WaitingBlobs(collector, options);
  // Set by the parser callback when a regular file's content comes next.
  const next: { file: { path: string; position: number } | null } = { file: null };
  let done = 0;
  const progress = (bytes: number): void => {
    done += bytes;
    options.onProgress?.(Math.min(done, size), size);
  };

  const parser = new TarParser({
    onEntry(header) {
      const { path: entryPath, position, isFile } = collector.begin(header);
      next.file = isFile && header.size > 0 ? { path: entryPath, position } : null;
      if (isFile && header.size === 0) {
        jobs.push(
          new BlobReader(options).end().then((blob) => {
            collector.record({ path: entryPath, type: 'file', linkTarget: null, blob, position });
          }),
        );
      }
    },
  });

  let position = 0;
  try {
    while (position < size && !parser.ended) {
      const pending = parser.pendingData;
      const file = next.file;
      if (pending > 0 && file !== null) {
        if (position + pending > size) throw WalkError.endsInside(label, file.path, size, collector);
        const job = readFileEntry(handle, reader, path, file.path, position, pending, options, progress).then(
          (blob) => {
            collector.record({ path: file.path, type: 'file', linkTarget: null, blob, position: file.position });
            waiting.read(file.path);
          },
        );
        // Large blobs run on workers in parallel; small ones are read now, in order.
        if ((options.verify || hashesFiles(options)) && options.pool && pending >= options.workerThreshold) {
          waiting.add(file.path, pending, file.position);
          jobs.push(job);
        } else await job;
        next.file = null;
        position += parser.skipData();
        continue;
      }
      const want = Math.min(Math.max(parser.wantedBytes, 1), size - position);
      const chunk = reader.cached(position, want) ?? (await reader.read(position, want));
      parser.write(chunk);
      position += chunk.length;
      progress(chunk.length);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw WalkError.badHeader(label, error, collector.count === 0);
  }
  let sawEnd: boolean;
  try {
    sawEnd = parser.end();
  } catch {
    throw WalkError.endsInside(label, parser.currentPath, size, collector);
  }
  waiting.outerWalkDone(parser.ended);
  await Promise.all(jobs);
  return collector.result(sawEnd);
}

/**
 * The blobs workers are still reading, for `onWaiting`: once the outer walk is done, each time
 * a worker has nothing left while others read the last few blobs, the walk so far goes out with a
 * placeholder (an unverified blob that lists no files) for each blob still being read.
 */
export class WaitingBlobs {
  private readonly reading = new Map<string, ArchiveEntry>();
  private walked = false;
  private sawEnd = false;

  constructor(
    private readonly collector: EntryCollector,
    private readonly options: FileWalkOptions,
  ) {}

  /** A blob of `length` bytes at entry `position` went to a worker. */
  add(path: string, length: number, position: number): void {
    const blob = unverified(path, length, 'tar', null);
    this.reading.set(path, { path, type: 'file', linkTarget: null, blob, position });
  }

  /** A blob a worker read is recorded. */
  read(path: string): void {
    if (this.reading.delete(path)) this.tell();
  }

  outerWalkDone(sawEnd: boolean): void {
    this.walked = true;
    this.sawEnd = sawEnd;
    this.tell();
  }

  private tell(): void {
    const { onWaiting, pool } = this.options;
    // Only the last wave, no more blobs than workers: at most that many calls per read, each of
    // which reads the images anew (a 100k-layer manifest costs a good part of a second).
    if (!this.walked || this.reading.size === 0 || !onWaiting || !pool?.hasIdleWorker) return;
    if (this.reading.size > pool.size) return;
    const walk = this.collector.result(this.sawEnd);
    const entries = new Map(walk.entries);
    for (const [path, placeholder] of this.reading) entries.set(path, placeholder);
    onWaiting({ ...walk, entries }, new Set(this.reading.keys()));
  }
}

const hashesFiles = (options: FileWalkOptions): boolean => options.hashFiles === true && options.keepFiles;

/**
 * Reads one entry's byte range of an open file (a tar entry, or a whole file of a folder input):
 * verified through a BlobReader (on a worker when large), or metadata only by seeking.
 */
export async function readFileEntry(
  handle: FileHandle,
  reader: BlockReader,
  path: string,
  entryPath: string,
  start: number,
  length: number,
  options: FileWalkOptions,
  progress: (bytes: number) => void,
): Promise<BlobFacts> {
  // A blob reader gets the walk's options minus its own (a worker message must be cloneable).
  const { verify, pool, workerThreshold, onProgress: _progress, onWaiting: _waiting, ...blobOptions } = options;
  if (verify || hashesFiles(options)) {
    // Hashing files reads every byte anyway; without verification the layer's own digest is skipped.
    const read = verify ? blobOptions : { ...blobOptions, verifyDigest: false };
    const facts =
      pool && length >= workerThreshold
        ? await pool.run(path, start, length, read, progress)
        : await readBlobRange(handle, start, length, read, progress);
    return facts.digest === null ? { ...facts, digest: digestClaimedByName(entryPath) } : facts;
  }
  // Metadata only: JSON and compressed blobs are read whole (JSON is small; a compressed layer
  // must be decoded to list its files); an uncompressed layer tar is walked header by header.
  const head = await reader.read(start, Math.min(SNIFF_BYTES, length));
  const kind = sniffContent(head);
  if (kind !== 'tar' && kind !== 'other') return readBlobRange(handle, start, length, blobOptions, progress);
  if (kind === 'other') {
    progress(length);
    return unverified(entryPath, length, kind, null);
  }
  // Seeking past contents cannot hash them: files keep sha256 null here, as before.
  const walker = new LayerWalker({ ...blobOptions, hashFiles: false });
  await walker.walkRange(reader, start, length);
  progress(length);
  return unverified(entryPath, length, 'tar', walker.finish());
}

function unverified(entryPath: string, length: number, content: 'tar' | 'other', layer: BlobFacts['layer']): BlobFacts {
  return {
    digest: digestClaimedByName(entryPath),
    verified: false,
    storedSize: length,
    compression: 'none',
    content,
    uncompressedDigest: null,
    uncompressedSize: length,
    layer,
    json: null,
    decodeError: null,
    estimatedCompressedSize: null,
  };
}
