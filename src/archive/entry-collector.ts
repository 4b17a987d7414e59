import { terminalText } from '../report/display-text.js';
import { InputError, InputErrorCode } from '../model/errors.js';
import { keptBytesOf, overArchiveCap } from '../layer/metadata-capture.js';
import { METADATA_ARCHIVE_CAP } from '../packages/metadata-paths.js';
import { JSON_ARCHIVE_CAPS, MAX_PATH_LENGTH } from '../model/limits.js';
import { normalizeEntryPath, OverlongPathError, overlongPath } from './entry-path.js';
import { ArchiveBudget } from './archive-budget.js';
import { TarFormatError, type TarHeader } from './tar-parser.js';
import type { ArchiveEntry, ArchiveWalk } from './walk-archive.js';

/**
 * What both walks (streaming and seekable) keep of the outer archive: entries by normalized
 * path (the last copy wins, as when tar extracts), their stream positions, duplicates; and of
 * what their blobs keep (a layer's package databases, a JSON entry's text), no more than the
 * archive's budget for each (see ArchiveBudget).
 */
export class EntryCollector {
  private readonly entries = new Map<string, ArchiveEntry>();
  private readonly duplicates: string[] = [];
  /** What the blobs keep beyond their headers, each within a budget for the whole archive. */
  private readonly kept: readonly KeptKind[];
  count = 0;
  lastEntry: string | null = null;

  /** `jsonCap`: the largest JSON entry kept (the archive keeps JSON_ARCHIVE_CAPS times it in all). */
  constructor(jsonCap: number) {
    this.kept = [
      new KeptKind(METADATA_ARCHIVE_CAP, databaseBytes, overMetadataCap),
      new KeptKind(JSON_ARCHIVE_CAPS * jsonCap, jsonChars, overJsonCap),
    ];
  }

  /**
   * Counts a header; records it at once unless it is a regular file (whose blob comes later). A
   * path past PATH_MAX fails the archive as a bad header would: 4,000 entries of 16,400-character
   * paths that differ at their end, all keyed in `entries`, took `inspect` 19 s (issue 12).
   */
  begin(header: TarHeader): { path: string; position: number; isFile: boolean } {
    const path = normalizeEntryPath(header.path);
    const position = this.count++;
    this.lastEntry = header.path;
    if (path.length > MAX_PATH_LENGTH) throw overlongPath(path, header.headerOffset);
    const isFile = header.type === 'file';
    if (!isFile && path !== '')
      this.record({ path, type: header.type, linkTarget: header.linkTarget, blob: null, position });
    return { path, position, isFile };
  }

  /** Blobs read on workers finish out of order: the copy later in the stream wins, whenever it is recorded. */
  record(recorded: ArchiveEntry): void {
    let entry = recorded;
    for (const kind of this.kept) entry = kind.admit(entry, this.entries);
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

/**
 * One kind of thing blobs keep in memory (a layer's package databases, a JSON entry's text) and
 * its budget for the whole archive: `bytesOf` says how much an entry keeps (0: nothing to
 * budget), `letGo` gives the entry without it.
 */
class KeptKind {
  private readonly budget: ArchiveBudget;
  /** Paths of the entries the budget admitted, by position. */
  private readonly admitted = new Map<number, string>();

  constructor(
    cap: number,
    private readonly bytesOf: (entry: ArchiveEntry) => number,
    private readonly letGo: (entry: ArchiveEntry) => ArchiveEntry,
  ) {
    this.budget = new ArchiveBudget(cap);
  }

  /** The entry, or the entry without what it keeps when over the budget; lets others' go in `entries` to make room. */
  admit(entry: ArchiveEntry, entries: Map<string, ArchiveEntry>): ArchiveEntry {
    const bytes = this.bytesOf(entry);
    if (bytes === 0) return entry;
    const { admitted, released } = this.budget.admit(entry.position, bytes);
    for (const position of released) {
      const path = this.admitted.get(position) as string;
      this.admitted.delete(position);
      const current = entries.get(path);
      // A later copy of the same path may have taken its place already.
      if (current?.position === position) entries.set(path, this.letGo(current));
    }
    if (!admitted) return this.letGo(entry);
    this.admitted.set(entry.position, entry.path);
    return entry;
  }
}

function databaseBytes(entry: ArchiveEntry): number {
  const captured = entry.blob?.layer?.metadata;
  return captured ? keptBytesOf(captured) : 0;
}

/** The entry with the databases its layer kept listed as dropped over the archive cap. */
function overMetadataCap(entry: ArchiveEntry): ArchiveEntry {
  const { blob } = entry;
  const layer = blob?.layer;
  if (!blob || !layer?.metadata) return entry;
  return { ...entry, blob: { ...blob, layer: { ...layer, metadata: overArchiveCap(layer.metadata) } } };
}

/** Characters of the entry's kept JSON text (about the bytes it takes). */
function jsonChars(entry: ArchiveEntry): number {
  const json = entry.blob?.json;
  return json && 'text' in json ? json.text.length : 0;
}

/** The entry with its JSON text let go over the archive's budget for JSON. */
function overJsonCap(entry: ArchiveEntry): ArchiveEntry {
  const { blob } = entry;
  const json = blob?.json;
  if (!blob || !json || !('text' in json)) return entry;
  const size = Buffer.byteLength(json.text);
  return { ...entry, blob: { ...blob, json: { tooLarge: true, size, cap: 'archive' } } };
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
        : `${label}: ${error.message} at byte ${error.offset} (${error instanceof OverlongPathError ? error.likely : 'corrupted archive?'})`,
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
