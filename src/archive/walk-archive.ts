import { InputError, InputErrorCode } from '../model/errors.js';
import { BlobReader, type BlobFacts, type BlobReaderOptions } from './blob-reader.js';
import { escapeControl, normalizeEntryPath } from './entry-path.js';
import { TarFormatError, TarParser, type TarEntryType } from './tar-parser.js';

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
  const entries = new Map<string, ArchiveEntry>();
  const duplicates: string[] = [];
  const waits: Promise<unknown>[] = [];
  let reader: BlobReader | null = null;
  let count = 0;
  let lastEntry: string | null = null;

  const record = (entry: ArchiveEntry): void => {
    if (entries.has(entry.path)) duplicates.push(entry.path);
    entries.set(entry.path, entry);
  };

  const parser = new TarParser({
    onEntry(header) {
      const path = normalizeEntryPath(header.path);
      const position = count++;
      lastEntry = header.path;
      if (header.type === 'file') {
        reader = new BlobReader(options);
      } else if (path !== '') {
        record({ path, type: header.type, linkTarget: header.linkTarget, blob: null, position });
      }
    },
    onData(chunk) {
      const wait = reader?.write(chunk);
      if (wait) waits.push(wait);
    },
    onEntryEnd(header) {
      const current = reader;
      if (current === null) return;
      reader = null;
      const path = normalizeEntryPath(header.path);
      const position = count - 1;
      waits.push(
        current.end().then((blob) => {
          record({ path, type: 'file', linkTarget: null, blob, position });
        }),
      );
    },
  });

  let sawAnyByte = false;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    if (!sawAnyByte && chunk.length > 0) sawAnyByte = true;
    try {
      parser.write(chunk);
    } catch (error) {
      throw tarError(error, label, parser.position === 0 && count === 0);
    }
    if (waits.length > 0) {
      const pending = waits.splice(0);
      await Promise.all(pending);
    }
  }
  if (!sawAnyByte) {
    throw new InputError(
      InputErrorCode.empty,
      `${label} is empty: 0 bytes of archive (an interrupted save or download?)`,
    );
  }
  let sawEnd: boolean;
  try {
    sawEnd = parser.end();
  } catch {
    const inside = parser.currentPath;
    throw new InputError(
      InputErrorCode.truncated,
      count === 0
        ? `${label} ends inside its first tar header (truncated download?)`
        : `${label} ends inside entry ${escapeControl(inside ?? lastEntry ?? '?')} at byte ${parser.position} (truncated download or interrupted save?)`,
      inside ?? null,
    );
  }
  await Promise.all(waits);
  return { entries, entryCount: count, sawEndOfArchive: sawEnd, duplicates, lastEntry };
}

function tarError(error: unknown, label: string, atStart: boolean): Error {
  if (!(error instanceof TarFormatError)) return error instanceof Error ? error : new Error(String(error));
  if (atStart) {
    return new InputError(
      InputErrorCode.notAnArchive,
      `${label} is not a tar archive: no valid tar header at byte 0 (not an image archive, or compressed with something other than gzip or zstd?)`,
    );
  }
  return new InputError(
    InputErrorCode.notAnArchive,
    `${label}: ${error.message} at byte ${error.offset} (corrupted archive?)`,
  );
}
