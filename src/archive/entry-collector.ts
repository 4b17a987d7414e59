import { terminalText } from '../report/display-text.js';
import { InputError, InputErrorCode } from '../model/errors.js';
import { keptBytesOf, overArchiveCap } from '../layer/metadata-capture.js';
import { normalizeEntryPath } from './entry-path.js';
import { MetadataBudget } from './metadata-budget.js';
import { TarFormatError, type TarHeader } from './tar-parser.js';
import type { ArchiveEntry, ArchiveWalk } from './walk-archive.js';

/**
 * What both walks (streaming and seekable) keep of the outer archive: entries by normalized
 * path (the last copy wins, as when tar extracts), their stream positions, duplicates; and of
 * the package databases their layers kept, no more than the archive cap (see MetadataBudget).
 */
export class EntryCollector {
  private readonly entries = new Map<string, ArchiveEntry>();
  private readonly duplicates: string[] = [];
  private readonly budget = new MetadataBudget();
  /** Paths of the entries whose captures the budget admitted, by position. */
  private readonly admitted = new Map<number, string>();
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
  record(recorded: ArchiveEntry): void {
    const entry = this.withinBudget(recorded);
    const earlier = this.entries.get(entry.path);
    if (earlier) this.duplicates.push(entry.path);
    if (!earlier || earlier.position < entry.position) this.entries.set(entry.path, entry);
  }

  /** The entry, its layer's databases dropped when over the archive cap; drops others' to make room. */
  private withinBudget(entry: ArchiveEntry): ArchiveEntry {
    const captured = entry.blob?.layer?.metadata;
    if (!captured) return entry;
    const bytes = keptBytesOf(captured);
    if (bytes === 0) return entry;
    const { admitted, released } = this.budget.admit(entry.position, bytes);
    for (const position of released) {
      const path = this.admitted.get(position) as string;
      this.admitted.delete(position);
      const current = this.entries.get(path);
      // A later copy of the same path may have taken its place already.
      if (current?.position === position) this.entries.set(path, overCap(current));
    }
    if (!admitted) return overCap(entry);
    this.admitted.set(entry.position, entry.path);
    return entry;
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

/** The entry with the databases its layer kept listed as dropped over the archive cap. */
function overCap(entry: ArchiveEntry): ArchiveEntry {
  const { blob } = entry;
  const layer = blob?.layer;
  if (!blob || !layer?.metadata) return entry;
  return { ...entry, blob: { ...blob, layer: { ...layer, metadata: overArchiveCap(layer.metadata) } } };
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
