import type { TarEntryType, TarHeader } from '../archive/tar-parser.js';
import { WHITEOUT_PREFIX, whiteoutKindOf, type WhiteoutKind } from './whiteout.js';
import { column, pushAll } from '../model/column.js';
import { firstPast } from '../model/search.js';

/** One entry of a layer tar: its header (path normalized), never its contents. */
export interface FileRecord extends Pick<TarHeader, 'path' | 'type' | 'size' | 'mode' | 'uid' | 'gid' | 'linkTarget'> {
  readonly whiteout: WhiteoutKind | null;
  /** sha256 (hex) of a regular file's content, when the walk was asked to hash files. */
  readonly sha256: string | null;
}

/**
 * Size that counts toward a layer's content: a regular file's bytes, a symlink's target length
 * (in bytes, as `du` counts the link's own size); hard links, directories and devices add nothing.
 */
export function contentBytesOf(type: TarEntryType, size: number, linkTarget: string | null): number {
  if (type === 'file') return size;
  if (type === 'symlink' && linkTarget !== null) return Buffer.byteLength(linkTarget);
  return 0;
}

const TYPES: readonly TarEntryType[] = ['file', 'hardlink', 'symlink', 'directory', 'char', 'block', 'fifo', 'other'];
const TYPE_MASK = 0x0f;
const DELETE = 0x10;
const OPAQUE = 0x20;
const HARD_LINK = 1;
const DIRECTORY = 3;

/** The index of `type` in TYPES: a switch, small enough for the walk's hot loop (a Map lookup inlined is not). */
function typeCodeOf(type: TarEntryType): number {
  switch (type) {
    case 'file':
      return 0;
    case 'hardlink':
      return HARD_LINK;
    case 'symlink':
      return 2;
    case 'directory':
      return DIRECTORY;
    case 'char':
      return 4;
    case 'block':
      return 5;
    case 'fifo':
      return 6;
    default:
      return 7;
  }
}

/**
 * Adds DELETE or OPAQUE to the kinds of whiteout entries, once per batch; how many there are.
 * Whiteouts are rare: `.wh.` is looked for in the batch's joined names, and only the entries it
 * is found in are asked, not every entry (a loop per entry on the worker that hashes, issue 9).
 */
function markWhiteouts(paths: readonly string[], names: string, ends: Uint32Array, kinds: Uint8Array): number {
  let count = 0;
  for (let at = names.indexOf(WHITEOUT_PREFIX); at !== -1;) {
    // The entry the match starts in (a match across two paths is asked of the first, in vain).
    const i = entryEndingAfter(ends, paths.length, at);
    const whiteout = whiteoutKindOf(paths[i] as string);
    if (whiteout !== null) {
      kinds[i] = (kinds[i] as number) | (whiteout === 'opaque' ? OPAQUE : DELETE);
      count++;
    }
    // On from the entry's end: past `at` always, so the search ends.
    at = names.indexOf(WHITEOUT_PREFIX, Math.max(ends[i] as number, at + 1));
  }
  return count;
}

/** The first of `count` entries whose path ends after character `at` of the joined names. */
function entryEndingAfter(ends: Uint32Array, count: number, at: number): number {
  // `at` lies inside the names, so some entry ends after it.
  return firstPast(count, (i) => (ends[i] as number) > at);
}
/** Numbers kept per entry in `numbers`: size, mode, uid, gid. */
const NUMBERS = 4;

/**
 * Entries of a layer in columns: plain data (strings, typed arrays), so that a worker thread
 * posts it as a few values instead of an object per entry. An object per entry cost the main
 * thread a deserialization and a scavenge each (issue 9: 55k records took 150-200 ms where
 * columns take 40); so did a string per path, until the paths went as one string.
 */
export interface FileBatch {
  /**
   * The entries' paths one after the other, without separators: one string to clone and keep,
   * where a string per path made 55k objects that every young-generation collection of the main
   * thread copied (issue 9: 40 ms of scavenges while the workers hashed).
   */
  readonly names: string;
  /** Where each entry's path ends in `names` (it starts where the one before ends). */
  readonly ends: Uint32Array;
  /** The entry type's code, with DELETE or OPAQUE for whiteouts. */
  readonly kinds: Uint8Array;
  /** How many entries are whiteouts: a layer with none needs no pass for them (most have none). */
  readonly whiteouts: number;
  readonly numbers: Float64Array;
  /**
   * The link targets of the entries that have one, in order; `linked` holds their indices. Most
   * entries have none: a column with a null per entry cost each posted batch half its clone
   * (issue 9).
   */
  readonly links: string[];
  readonly linked: Uint32Array;
  /** sha256 of each regular file, when the walk hashes them; else null. */
  readonly hashes: (string | null)[] | null;
}

/**
 * Entries in the first batch of a walk. Small, so that handing a batch over runs early, before
 * the JIT optimizes the walk's per-entry code: a first hand-over after 4096 entries met optimized
 * code with no feedback for it, and recompiling that code cost each worker tens of milliseconds.
 */
const FIRST_BATCH = 64;

/**
 * Characters of paths per batch at most: a batch's `names` stays far below V8's longest string
 * (2^29 characters) even when every path is as long as a pax header allows.
 */
const BATCH_NAME_CHARS = 1 << 24;

/** Collects entries into FileBatches of at most `capacity` entries (the first of FIRST_BATCH at most). */
export class FileBatchWriter {
  private limit: number;
  private paths: string[] = column();
  private nameChars = 0;
  private ends: Uint32Array;
  private kinds: Uint8Array;
  private numbers: Float64Array;
  private links: string[] = column();
  private linked: number[] = [];
  private hashes: (string | null)[] | null;

  constructor(
    private readonly capacity: number,
    private readonly hashing: boolean,
  ) {
    this.limit = Math.min(FIRST_BATCH, capacity);
    // Room grows with the entries: a walk that keeps few (or none) allocates little.
    this.ends = new Uint32Array(0);
    this.kinds = new Uint8Array(0);
    this.numbers = new Float64Array(0);
    this.hashes = hashing ? column() : null;
  }

  get length(): number {
    return this.paths.length;
  }

  get full(): boolean {
    return this.paths.length >= this.limit || this.nameChars >= BATCH_NAME_CHARS;
  }

  add(
    path: string,
    type: TarEntryType,
    size: number,
    mode: number,
    uid: number,
    gid: number,
    link: string | null,
  ): void {
    const at = this.paths.length;
    if (at === this.kinds.length) this.grow();
    // Whiteouts are marked in take(): this runs per entry in the walk's hot loop, and all it
    // inlines, the JIT compiles into that loop (issue 9).
    this.kinds[at] = typeCodeOf(type);
    const base = at * NUMBERS;
    this.numbers[base] = size;
    this.numbers[base + 1] = mode;
    this.numbers[base + 2] = uid;
    this.numbers[base + 3] = gid;
    this.nameChars += path.length;
    this.ends[at] = this.nameChars;
    this.paths.push(path);
    if (link !== null) {
      this.linked.push(at);
      this.links.push(link);
    }
    this.hashes?.push(null);
  }

  private grow(): void {
    const kinds = new Uint8Array(Math.max(16, this.kinds.length * 2));
    kinds.set(this.kinds);
    const numbers = new Float64Array(kinds.length * NUMBERS);
    numbers.set(this.numbers);
    const ends = new Uint32Array(kinds.length);
    ends.set(this.ends);
    this.kinds = kinds;
    this.numbers = numbers;
    this.ends = ends;
  }

  /** Sets the sha256 of the newest entry. */
  setLastHash(sha256: string): void {
    if (this.hashes !== null && this.hashes.length > 0) this.hashes[this.hashes.length - 1] = sha256;
  }

  /** The entries so far as a batch (its arrays trimmed), and a fresh start. */
  take(): FileBatch {
    const count = this.paths.length;
    const names = this.paths.join('');
    const whiteouts = markWhiteouts(this.paths, names, this.ends, this.kinds);
    const batch: FileBatch = {
      names,
      ends: this.ends.slice(0, count),
      kinds: this.kinds.slice(0, count),
      whiteouts,
      numbers: this.numbers.slice(0, count * NUMBERS),
      links: this.links,
      linked: Uint32Array.from(this.linked),
      hashes: this.hashes,
    };
    this.limit = this.capacity;
    this.paths = column();
    this.nameChars = 0;
    this.links = column();
    this.linked = [];
    this.hashes = this.hashing ? column() : null;
    return batch;
  }
}

/**
 * A layer's entries in tar order, read by index: the one home of the records a walk keeps.
 * Records are made only when asked for (`record`, `records`); the overlay and the package
 * attribution read the columns.
 */
export class FileList {
  static readonly empty = new FileList(
    [],
    new Uint32Array(0),
    new Uint32Array(0),
    [],
    [],
    [],
    new Uint8Array(0),
    0,
    new Float64Array(0),
    new Map(),
    null,
  );

  private cached: readonly FileRecord[] | null = null;
  private hardLinkIndices: readonly number[] | null = null;

  /**
   * Paths stay in their batches' `names` (see FileBatch), joined for consecutive batches: per
   * batch, `firsts` is its first entry, `groups` the string of `names` it is in and `bases`
   * where in that string it starts; `batchOf` gives each entry's batch and `ends` where its path
   * ends among its batch's names.
   */
  private constructor(
    private readonly names: readonly string[],
    private readonly batchOf: Uint32Array,
    private readonly ends: Uint32Array,
    private readonly firsts: readonly number[],
    private readonly groups: readonly number[],
    private readonly bases: readonly number[],
    private readonly kinds: Uint8Array,
    /** How many entries are whiteouts. */
    readonly whiteouts: number,
    private readonly numbers: Float64Array,
    /** Link targets by entry: only the entries that have one. */
    private readonly links: ReadonlyMap<number, string>,
    private readonly hashes: readonly (string | null)[] | null,
  ) {}

  /** Joins the batches of one walk, in order (see FileListBuilder). */
  static fromBatches(batches: readonly FileBatch[]): FileList {
    const builder = new FileListBuilder();
    for (const batch of batches) builder.add(batch);
    return builder.finish();
  }

  /** @internal The list from its columns: FileListBuilder's constructor. */
  static ofColumns(
    names: readonly string[],
    batchOf: Uint32Array,
    ends: Uint32Array,
    firsts: readonly number[],
    groups: readonly number[],
    bases: readonly number[],
    kinds: Uint8Array,
    whiteouts: number,
    numbers: Float64Array,
    links: ReadonlyMap<number, string>,
    hashes: readonly (string | null)[] | null,
  ): FileList {
    return new FileList(names, batchOf, ends, firsts, groups, bases, kinds, whiteouts, numbers, links, hashes);
  }

  /** The list of records as a saved report or a test gives them. */
  static fromRecords(records: readonly FileRecord[]): FileList {
    const writer = new FileBatchWriter(
      records.length,
      records.some((r) => r.sha256 !== null),
    );
    for (const r of records) {
      writer.add(r.path, r.type, r.size, r.mode, r.uid, r.gid, r.linkTarget);
      if (r.sha256 !== null) writer.setLastHash(r.sha256);
    }
    const list = FileList.fromBatches([writer.take()]);
    list.cached = records;
    return list;
  }

  get length(): number {
    return this.kinds.length;
  }

  /** The entry's path: cut from its batch's names when asked (a slice shares their characters). */
  path(i: number): string {
    const batch = this.batchOf[i] as number;
    const base = this.bases[batch] as number;
    const start = i === this.firsts[batch] ? 0 : (this.ends[i - 1] as number);
    return (this.names[this.groups[batch] as number] as string).slice(base + start, base + (this.ends[i] as number));
  }

  type(i: number): TarEntryType {
    return TYPES[(this.kinds[i] as number) & TYPE_MASK] ?? 'other';
  }

  isDirectory(i: number): boolean {
    return ((this.kinds[i] as number) & TYPE_MASK) === DIRECTORY;
  }

  whiteout(i: number): WhiteoutKind | null {
    const kind = this.kinds[i] as number;
    return kind & OPAQUE ? 'opaque' : kind & DELETE ? 'delete' : null;
  }

  size(i: number): number {
    return this.numbers[i * NUMBERS] as number;
  }

  /** Whether any entry is a link (a symlink or a hard link): most layers have none. */
  get hasLinks(): boolean {
    return this.links.size > 0;
  }

  /**
   * The indices of the hard links, in order (made once from the entries that have a link target:
   * no loop over the entries). Empty for most layers: the overlay then does no hard-link work.
   */
  get hardLinks(): readonly number[] {
    if (this.hardLinkIndices === null) {
      const indices: number[] = [];
      this.links.forEach((_, i) => {
        if (((this.kinds[i] as number) & TYPE_MASK) === HARD_LINK) indices.push(i);
      });
      this.hardLinkIndices = indices.sort((a, b) => a - b);
    }
    return this.hardLinkIndices;
  }

  linkTarget(i: number): string | null {
    // Most layers have no links: no lookup per entry for them (contentSize asks for every entry).
    return this.links.size === 0 ? null : (this.links.get(i) ?? null);
  }

  /** contentBytesOf the entry. */
  contentSize(i: number): number {
    return contentBytesOf(this.type(i), this.size(i), this.linkTarget(i));
  }

  record(i: number): FileRecord {
    const made = this.cached?.[i];
    if (made) return made;
    const base = i * NUMBERS;
    return {
      path: this.path(i),
      type: this.type(i),
      size: this.numbers[base] as number,
      mode: this.numbers[base + 1] as number,
      uid: this.numbers[base + 2] as number,
      gid: this.numbers[base + 3] as number,
      linkTarget: this.linkTarget(i),
      whiteout: this.whiteout(i),
      sha256: this.hashes?.[i] ?? null,
    };
  }

  /** JSON has the records, as `inspect --json --files` writes them. */
  toJSON(): readonly FileRecord[] {
    return this.records();
  }

  /** Every entry as a record, made once. */
  records(): readonly FileRecord[] {
    if (this.cached === null) {
      const records: FileRecord[] = [];
      for (let i = 0; i < this.length; i++) records.push(this.record(i));
      this.cached = records;
    }
    return this.cached;
  }
}

/**
 * Characters of names at which the batches received so far are joined into one string. A string
 * this long is made outside the young generation, so no collection of the main thread copies it;
 * a batch's own names (about 60 KB) were copied by each collection until the layer's last batch
 * came and they were joined (issue 9: 7 MB copied in one scavenge while the workers hashed).
 */
const GROUP_CHARS = 1 << 18;

/**
 * Joins the batches of one walk into a FileList as they arrive, in order: their names into a few
 * large strings, their typed arrays copied once at the end, no string per path and no loop per
 * entry (the main thread does this while the workers hash).
 */
export class FileListBuilder {
  private readonly parts: { readonly ends: Uint32Array; readonly kinds: Uint8Array; readonly numbers: Float64Array }[] =
    [];
  private readonly names: string[] = [];
  private group: string[] = [];
  private groupChars = 0;
  private readonly firsts: number[] = [];
  private readonly groups: number[] = [];
  private readonly bases: number[] = [];
  private readonly links = new Map<number, string>();
  // A column of our own: an array that came in a message has another elements kind, and code
  // optimized for one list's column bailed out on the next list's (issue 9).
  private hashes: (string | null)[] | null = null;
  private count = 0;
  private whiteouts = 0;

  add(batch: FileBatch): void {
    const size = batch.kinds.length;
    this.firsts.push(this.count);
    this.groups.push(this.names.length);
    this.bases.push(this.groupChars);
    this.group.push(batch.names);
    this.groupChars += batch.names.length;
    if (this.groupChars >= GROUP_CHARS) this.closeGroup();
    const { links, linked } = batch;
    for (let k = 0; k < linked.length; k++) this.links.set(this.count + (linked[k] as number), links[k] as string);
    // A push of each batch's column (a bounded spread), not a loop per entry.
    if (batch.hashes !== null && this.hashes === null) this.hashes = nulls(this.count);
    if (this.hashes !== null) pushAll(this.hashes, batch.hashes ?? nulls(size));
    this.parts.push({ ends: batch.ends, kinds: batch.kinds, numbers: batch.numbers });
    this.count += size;
    this.whiteouts += batch.whiteouts;
  }

  finish(): FileList {
    if (this.group.length > 0) this.closeGroup();
    const { parts, count, names, firsts, groups, bases, links, hashes, whiteouts } = this;
    if (parts.length === 0) return FileList.empty;
    const [only] = parts;
    if (parts.length === 1 && only) {
      return FileList.ofColumns(
        names,
        new Uint32Array(count),
        only.ends,
        firsts,
        groups,
        bases,
        only.kinds,
        whiteouts,
        only.numbers,
        links,
        hashes,
      );
    }
    const batchOf = new Uint32Array(count);
    const ends = new Uint32Array(count);
    const kinds = new Uint8Array(count);
    const numbers = new Float64Array(count * NUMBERS);
    parts.forEach((part, index) => {
      const at = firsts[index] as number;
      // Builtins only: no loop per entry.
      batchOf.fill(index, at, at + part.kinds.length);
      ends.set(part.ends, at);
      kinds.set(part.kinds, at);
      numbers.set(part.numbers, at * NUMBERS);
    });
    return FileList.ofColumns(names, batchOf, ends, firsts, groups, bases, kinds, whiteouts, numbers, links, hashes);
  }

  private closeGroup(): void {
    this.names.push(this.group.length === 1 ? (this.group[0] as string) : this.group.join(''));
    this.group = [];
    this.groupChars = 0;
  }
}

function nulls(count: number): null[] {
  return new Array<null>(count).fill(null);
}
