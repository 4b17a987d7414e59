import { terminalText } from '../report/display-text.js';
import { InputError, InputErrorCode } from '../model/errors.js';
import { normalizeEntryPath } from './entry-path.js';
import { TarFormatError, type TarHeader } from './tar-parser.js';
import type { ArchiveEntry, ArchiveWalk } from './walk-archive.js';

/**
 * What both walks (streaming and seekable) keep of the outer archive: entries by normalized
 * path (the last copy wins, as when tar extracts), their stream positions, duplicates.
 */
export class EntryCollector {
  private readonly entries = new Map<string, ArchiveEntry>();
  private readonly duplicates: string[] = [];
  count = 0;
  lastEntry: string | null = null;

  /** Counts a header; records it at once unless it is a regular file (whose blob comes later). */
  begin(header: TarHeader): { path: string; position: number; isFile: boolean } {
    const path = normalizeEntryPath(header.path);
    const position = this.count++;
    this.lastEntry = header.path;
    const isFile = header.type === 'file';
    if (!isFile && path !== '')
      this.record({ path, type: header.type, linkTarget: header.linkTarget, blob: null, position });
    return { path, position, isFile };
  }

  /** Blobs read on workers finish out of order: the copy later in the stream wins, whenever it is recorded. */
  record(entry: ArchiveEntry): void {
    const earlier = this.entries.get(entry.path);
    if (earlier) this.duplicates.push(entry.path);
    if (!earlier || earlier.position < entry.position) this.entries.set(entry.path, entry);
  }

  result(sawEndOfArchive: boolean): ArchiveWalk {
    return {
      entries: this.entries,
      entryCount: this.count,
      sawEndOfArchive,
      duplicates: this.duplicates,
      lastEntry: this.lastEntry,
    };
  }
}

/** The one wording of each way an archive can fail to be a readable tar. */
export const WalkError = {
  empty: (label: string): InputError =>
    new InputError(InputErrorCode.empty, `${label} is empty: 0 bytes of archive (an interrupted save or download?)`),

  /** A tar header that does not parse: not a tar at all when it is the first. */
  badHeader(label: string, error: unknown, atStart: boolean): Error {
    if (!(error instanceof TarFormatError)) return error instanceof Error ? error : new Error(String(error));
    return new InputError(
      InputErrorCode.notAnArchive,
      atStart
        ? `${label} is not a tar archive: no valid tar header at byte 0 (not an image archive, or compressed with something other than gzip, zstd or xz?)`
        : `${label}: ${error.message} at byte ${error.offset} (corrupted archive?)`,
    );
  },

  /** The input stops inside an entry (or inside the very first header). */
  endsInside(label: string, entry: string | null, byte: number, collector: EntryCollector): InputError {
    return new InputError(
      InputErrorCode.truncated,
      collector.count === 0
        ? `${label} ends inside its first tar header (truncated download?)`
        : `${label} ends inside entry ${terminalText(entry ?? collector.lastEntry ?? '?')} at byte ${byte} (truncated download or interrupted save?)`,
      entry,
    );
  },
};
