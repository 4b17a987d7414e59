import { BlobReader, type BlobFacts, type BlobReaderOptions } from './blob-reader.js';
import { EntryCollector, WalkError } from './entry-collector.js';
import { TarParser, type TarEntryType } from './tar-parser.js';
import type { BlobWorkerPool, StreamedBlob } from './worker-pool.js';

/** One entry of the outer archive after the pass. */
export interface ArchiveEntry {
  readonly path: string;
  readonly type: TarEntryType;
  readonly linkTarget: string | null;
  /** Facts about the bytes, for regular files. */
  readonly blob: BlobFacts | null;
  /** Position in the stream (0-based), for messages and the stream-order checks. */
  readonly position: number;
}

export interface ArchiveWalk {
  readonly entries: ReadonlyMap<string, ArchiveEntry>;
  readonly entryCount: number;
  /** False when the stream stopped between entries without the end-of-archive blocks. */
  readonly sawEndOfArchive: boolean;
  /** Paths written more than once; the last copy wins, as when tar extracts. */
  readonly duplicates: readonly string[];
  readonly lastEntry: string | null;
}

/** Worker threads for the large blobs of a stream. */
export interface StreamOffload {
  readonly pool: BlobWorkerPool;
  /** Blobs at least this large go to a worker. */
  readonly threshold: number;
}

/**
 * Walks the outer tar once, handing each regular entry's bytes to a BlobReader and waiting on it
 * when a decoder asks for back-pressure, so memory holds one chunk and metadata only. With
 * `offload`, large blobs are read on worker threads instead: this thread only reads the stream
 * and walks headers, and waits while the workers have too many bytes to catch up on.
 */
export async function walkArchive(
  source: AsyncIterable<Buffer>,
  options: BlobReaderOptions,
  label: string,
  offload: StreamOffload | null = null,
): Promise<ArchiveWalk> {
  const collector = new EntryCollector(options.jsonCap);
  const waits: Promise<unknown>[] = [];
  // Blobs on workers, awaited only at the end: the next layer is read while they hash.
  const jobs: Promise<unknown>[] = [];
  let reader: BlobReader | null = null;
  let streamed: StreamedBlob | null = null;
  let current: { path: string; position: number } | null = null;
  const record = (entry: { path: string; position: number }) => (blob: BlobFacts) => {
    collector.record({ path: entry.path, type: 'file', linkTarget: null, blob, position: entry.position });
  };

  const parser = new TarParser({
    onEntry(header) {
      const { path, position, isFile } = collector.begin(header);
      const toWorker = isFile && offload !== null && header.size >= offload.threshold;
      streamed = toWorker ? offload.pool.stream(options, header.size) : null;
      reader = isFile && !toWorker ? new BlobReader(options) : null;
      current = isFile ? { path, position } : null;
    },
    onData(chunk) {
      if (streamed) {
        streamed.write(chunk);
        return;
      }
      const wait = reader?.write(chunk);
      if (wait) waits.push(wait);
    },
    onEntryEnd() {
      const entry = current;
      if (entry === null) return;
      if (streamed) {
        const job = streamed.end().then(record(entry));
        job.catch(() => undefined); // rejections surface from Promise.all(jobs) below
        jobs.push(job);
        streamed = null;
        return;
      }
      const blobReader = reader;
      if (blobReader === null) return;
      reader = null;
      waits.push(blobReader.end().then(record(entry)));
    },
  });

  let sawAnyByte = false;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    sawAnyByte = true;
    try {
      parser.write(chunk);
    } catch (error) {
      throw WalkError.badHeader(label, error, parser.position === 0 && collector.count === 0);
    }
    if (waits.length > 0) await Promise.all(waits.splice(0));
    const room = offload?.pool.room();
    if (room) await room;
  }
  if (!sawAnyByte) throw WalkError.empty(label);
  let sawEnd: boolean;
  try {
    sawEnd = parser.end();
  } catch {
    throw WalkError.endsInside(label, parser.currentPath, parser.position, collector);
  }
  await Promise.all(waits);
  await Promise.all(jobs);
  return collector.result(sawEnd);
}
