import { BlobReader, type BlobFacts, type BlobReaderOptions } from './blob-reader.js';
import { EntryCollector, WalkError } from './entry-collector.js';
import { TarParser, type TarEntryType } from './tar-parser.js';

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

/**
 * Walks the outer tar once, handing each regular entry's bytes to a BlobReader and waiting on it
 * when a decoder asks for back-pressure, so memory holds one chunk and metadata only.
 */
export async function walkArchive(
  source: AsyncIterable<Buffer>,
  options: BlobReaderOptions,
  label: string,
): Promise<ArchiveWalk> {
  const collector = new EntryCollector();
  const waits: Promise<unknown>[] = [];
  let reader: BlobReader | null = null;
  let current: { path: string; position: number } | null = null;

  const parser = new TarParser({
    onEntry(header) {
      const { path, position, isFile } = collector.begin(header);
      reader = isFile ? new BlobReader(options) : null;
      current = isFile ? { path, position } : null;
    },
    onData(chunk) {
      const wait = reader?.write(chunk);
      if (wait) waits.push(wait);
    },
    onEntryEnd() {
      const blobReader = reader;
      const entry = current;
      if (blobReader === null || entry === null) return;
      reader = null;
      waits.push(
        blobReader.end().then((blob) => {
          collector.record({ path: entry.path, type: 'file', linkTarget: null, blob, position: entry.position });
        }),
      );
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
  }
  if (!sawAnyByte) throw WalkError.empty(label);
  let sawEnd: boolean;
  try {
    sawEnd = parser.end();
  } catch {
    throw WalkError.endsInside(label, parser.currentPath, parser.position, collector);
  }
  await Promise.all(waits);
  return collector.result(sawEnd);
}
