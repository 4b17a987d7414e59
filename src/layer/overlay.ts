import { layerEntryPath, normalizeEntryPath, parentPath } from '../archive/entry-path.js';
import type { TarEntryType } from '../archive/tar-parser.js';
import { FileList, type FileRecord } from './file-list.js';
import { whiteoutTarget } from './whiteout.js';
import type { ImageReport } from '../model/image.js';
import { InputError, InputErrorCode } from '../model/errors.js';
import { imageName } from '../report/format.js';
import { clip } from '../report/table.js';
import { MAX_NEW_FOLDER_CHARACTERS, MAX_REPEATED_ENTRIES } from '../model/limits.js';
import { textKey, V8_HASHED_LENGTH } from '../model/text-key.js';

/** A path in the image's final file tree, and the layer its visible copy comes from. */
export interface TreeEntry {
  readonly record: FileRecord;
  readonly layerIndex: number;
  /** The content bytes the path holds in the tree (OverlayTree.contentSize): a hard link may hold its file's. */
  readonly size: number;
}

export type HiddenBy = 'overwrite' | 'delete' | 'opaque' | 'replace';

/** A lower layer's copy of a path that an upper layer hides: bytes shipped but never seen. */
export interface HiddenCopy {
  readonly path: string;
  readonly layerIndex: number;
  readonly size: number;
  readonly hiddenBy: HiddenBy;
  readonly byLayer: number;
}

/**
 * An image's final tree and waste. One from SharedOverlays (`of`, `ofChained`) shares its tree with
 * the next image's: the tree is rewound for it, so a caller takes what it needs before asking for
 * the next (nothing checks this; a kept tree would silently show the next image's paths).
 */
export interface Overlay {
  readonly tree: OverlayTree;
  readonly hidden: readonly HiddenCopy[];
  /** Content bytes of every copy in every layer (each layer listed counts). */
  readonly totalSize: number;
  /** Content bytes of the final tree. */
  readonly visibleSize: number;
  /** Bytes of hidden copies: each hidden copy once, the visible copy never. */
  readonly wastedSize: number;
  /** 1 - wasted / total; 1 for an image with no content. */
  readonly efficiency: number;
}

/**
 * An image's file tree: each path and where its visible copy is, as a ref (a number: the entry's
 * index among all the entries of the layers applied, in order). Refs keep the tree free of an
 * object per path (issue 9: 55k entry objects cost the main thread more than the overlay itself);
 * `get` and iteration make TreeEntry objects on the way out, for readers that want records.
 */
export class OverlayTree {
  /**
   * Each path's ref: set by OverlayBuilder only, read by everyone else. Its order is the tree's
   * only while `inOrder` returns it: a tree that SharedOverlays went back from for another image
   * has the paths it put back at the end (see TreeOrder), so readers that see the order iterate the
   * tree, `forEachRef` or `inOrder`.
   */
  readonly refs: Map<string, number>;
  /** Null when the order of `refs` is the tree's; else how to tell it (set by OverlayBuilder.rewind). */
  private order: TreeOrder | null = null;
  private readonly lists: FileList[];
  private readonly starts: number[];
  private layerOfRef: Int32Array;
  private refTotal: number;
  /**
   * The hard links that hold their inode's bytes, by ref: the file's own name left the tree while
   * they stayed (see OverlayBuilder, Inode). Null while none does (most trees): contentSize then
   * asks nothing more. A ref keeps what it held after it leaves the tree.
   */
  private held: Map<number, number> | null;

  /** An empty tree, or a copy of `from` that changes apart from it (see OverlayBuilder.fork). */
  constructor(from?: OverlayTree) {
    // The copy keeps the paths in their order: readers that walk the tree see them as a tree
    // applied afresh has them.
    this.refs = new Map<string, number>(from === undefined ? undefined : from.inOrder());
    this.lists = from === undefined ? [] : from.lists.slice();
    this.starts = from === undefined ? [] : from.starts.slice();
    this.layerOfRef = from === undefined ? new Int32Array(1024) : from.layerOfRef.slice();
    this.refTotal = from === undefined ? 0 : from.refTotal;
    this.held = from?.held == null ? null : new Map(from.held);
  }

  /**
   * From now on, the order of the tree is `order.base`'s for the paths of `base` that are not in
   * `order.displaced`, then that of `refs` for the others (OverlayBuilder.rewind), until a reader
   * asks for it (`inOrder`).
   */
  reorder(order: TreeOrder): void {
    this.order = order;
  }

  /** Whether the order of `refs` is the tree's. */
  get inMapOrder(): boolean {
    return this.order === null;
  }

  /** Calls `visit` with each path and its ref, in the tree's order (see `refs`). */
  forEachRef(visit: (ref: number, path: string) => void): void {
    this.inOrder().forEach(visit);
  }

  /**
   * `refs`, in the tree's order: put back in it first when it is not (see TreeOrder), once for all
   * the readers of this image's tree (100,000 paths: 30 ms here, a few walks over the tree told
   * through the order instead, with a generator, took 110 ms).
   */
  inOrder(): ReadonlyMap<string, number> {
    const { order, refs } = this;
    if (order === null) return refs;
    const { base, displaced } = order;
    const paths: string[] = [];
    const pathRefs: number[] = [];
    base.forEach((_, path) => {
      const ref = refs.get(path);
      if (ref === undefined || displaced.has(path)) return;
      paths.push(path);
      pathRefs.push(ref);
    });
    refs.forEach((ref, path) => {
      if (base.has(path) && !displaced.has(path)) return;
      paths.push(path);
      pathRefs.push(ref);
    });
    refs.clear();
    for (let i = 0; i < paths.length; i++) refs.set(paths[i] as string, pathRefs[i] as number);
    this.order = null;
    return refs;
  }

  /** Back to its first `layers` layers (OverlayBuilder.rewind: their refs are all below `refTotal`). */
  truncate(layers: number, refTotal: number): void {
    this.lists.length = layers;
    this.starts.length = layers;
    this.refTotal = refTotal;
  }

  /** Refs handed out so far: every ref is below it. */
  get refCount(): number {
    return this.refTotal;
  }

  get size(): number {
    return this.refs.size;
  }

  /** Whether a layer applied holds a link (symlink or hard link), visible or not: a question per layer. */
  get hasLinks(): boolean {
    return this.lists.some((list) => list.hasLinks);
  }

  /** Adds the entries of the next layer; their refs start at the number returned. */
  addLayer(list: FileList): number {
    const start = this.refTotal;
    const layerIndex = this.lists.length;
    this.lists.push(list);
    this.starts.push(start);
    const end = start + list.length;
    if (end > this.layerOfRef.length) {
      const grown = new Int32Array(Math.max(end, this.layerOfRef.length * 2));
      grown.set(this.layerOfRef.subarray(0, start));
      this.layerOfRef = grown;
    }
    this.layerOfRef.fill(layerIndex, start, end);
    this.refTotal = end;
    return start;
  }

  layerOf(ref: number): number {
    return this.layerOfRef[ref] as number;
  }

  isDirectory(ref: number): boolean {
    return this.listOf(ref).isDirectory(this.indexOf(ref));
  }

  type(ref: number): TarEntryType {
    return this.listOf(ref).type(this.indexOf(ref));
  }

  linkTarget(ref: number): string | null {
    return this.listOf(ref).linkTarget(this.indexOf(ref));
  }

  /**
   * The content bytes the entry holds in the tree: contentBytesOf the entry, or for a hard link
   * whose file's other names all left the tree, the file's (an inode's bytes count once, under the
   * first of its names still there).
   */
  contentSize(ref: number): number {
    const { held } = this;
    if (held !== null) {
      const bytes = held.get(ref);
      if (bytes !== undefined) return bytes;
    }
    return this.listOf(ref).contentSize(this.indexOf(ref));
  }

  /** Whether the hard link `ref` came to hold its inode's bytes (see contentSize), in the tree or since gone. */
  holdsInode(ref: number): boolean {
    return this.held?.has(ref) === true;
  }

  /** The hard link `ref` holds its inode's bytes from now on (OverlayBuilder only). */
  hold(ref: number, bytes: number): void {
    (this.held ??= new Map()).set(ref, bytes);
  }

  /** The hard link `ref` holds nothing again (OverlayBuilder.rewind). */
  unhold(ref: number): void {
    this.held?.delete(ref);
  }

  entry(ref: number): TreeEntry {
    return {
      record: this.listOf(ref).record(this.indexOf(ref)),
      layerIndex: this.layerOf(ref),
      size: this.contentSize(ref),
    };
  }

  /** The file list of the layer the ref is in. */
  private listOf(ref: number): FileList {
    return this.lists[this.layerOf(ref)] as FileList;
  }

  /** The ref's index in its layer's file list. */
  private indexOf(ref: number): number {
    return ref - (this.starts[this.layerOf(ref)] as number);
  }

  get(path: string): TreeEntry | undefined {
    const ref = this.refs.get(path);
    return ref === undefined ? undefined : this.entry(ref);
  }

  /** The paths, in the tree's order. */
  keys(): IterableIterator<string> {
    return this.inOrder().keys();
  }

  /** The paths and their entries, in the tree's order. */
  *entries(): IterableIterator<[string, TreeEntry]> {
    for (const [path, ref] of this.inOrder()) yield [path, this.entry(ref)];
  }

  [Symbol.iterator](): IterableIterator<[string, TreeEntry]> {
    return this.entries();
  }
}

/**
 * Applies layers in order with overlayfs rules (OCI image spec, "Applying Changesets"): `.wh.x`
 * deletes x and all below it; `.wh..wh..opq` hides everything lower layers put in its directory;
 * a file replaces a directory (and all below it) and the other way round; an entry over a lower
 * one hides it. Entries and whiteouts apply in tar order, as Docker's applier has them.
 * Throws an OVERLAY_TOO_LARGE InputError past MAX_REPEATED_ENTRIES or MAX_NEW_FOLDER_CHARACTERS.
 */
export function applyLayers(
  layers: readonly (FileList | readonly FileRecord[])[],
  layerKeys: readonly (string | null)[] = [],
): Overlay {
  const builder = new OverlayBuilder();
  layers.forEach((files, layerIndex) => {
    builder.apply(files, layerKeys[layerIndex] ?? null);
  });
  return builder.finish();
}

/**
 * applyLayers one layer at a time, so that a caller can look at the tree of the lower layers
 * while the upper ones are still being read, then go on (`inspect --packages` does, issue 9).
 * With `trackChanges`, it remembers each path's ref as it was before the first change since.
 */
export class OverlayBuilder {
  /** The tree so far: the final tree once every layer is applied. */
  readonly tree: OverlayTree;
  private readonly keys: (string | null)[];
  private readonly counted: Set<string>;
  /**
   * Each folder's entries, for removing a folder with everything below it. Built on the first
   * removal only (from the tree as it stands, then kept up to date): an image whose layers never
   * delete or replace anything, common for the big ones, skips it (a third of the overlay's time
   * on 55k files, issue 9).
   */
  private children: Map<string, Set<string>> | null;
  /**
   * Folders that hold entries without being entries themselves (a tar need not list the folders
   * above its files). With the tree's own directories they are where the climb above a new entry
   * stops, so each folder is climbed through once, not once per entry below it.
   */
  private readonly implied: Set<string>;
  private readonly hidden: HiddenCopy[];
  /** The file lists applied so far, and the entries applied again since (see MAX_REPEATED_ENTRIES). */
  private readonly applied: Set<FileList>;
  private repeatedEntries: number;
  /** Characters of the new folders so far (see MAX_NEW_FOLDER_CHARACTERS). */
  private folderCharacters: number;
  private totalSize: number;
  /** Content bytes of the tree as it stands, kept up to date entry by entry. */
  private visibleSize: number;
  private changes: Map<string, number | undefined> | null = null;
  /** Whether a layer (by diff id) was listed again: its copies may be hidden more than once. */
  private listedAgain: boolean;
  /** What rewind goes back to, and what changed since (with `changes`); null when not marked. */
  private marked: Mark | null = null;
  /**
   * The tree this builder is a copy of (see `fork`), whose order rewind puts its paths back in;
   * null when it is not a copy, or a copy of a tree whose Map is not in its order.
   */
  private readonly source: OverlayTree | null;
  /**
   * The inode of each name that a hard link made one of several (the link's ref, and its
   * target's), gone from the tree or not; null until a layer links a name to a file with bytes.
   * Layers without hard links never look at it but where a copy leaves the tree.
   */
  private inodes: Map<number, Inode> | null;

  /**
   * A builder with no layers applied, or one in the state of `from` (see `fork`), budgets and
   * waste included: what it applies next gives exactly what applying all the layers afresh gives.
   */
  constructor(from?: OverlayBuilder) {
    this.tree = new OverlayTree(from?.tree);
    this.keys = from === undefined ? [] : from.keys.slice();
    this.counted = new Set(from?.counted);
    this.children = from?.children == null ? null : copyChildren(from.children);
    this.implied = new Set(from?.implied);
    this.hidden = from === undefined ? [] : from.hidden.slice();
    this.applied = new Set(from?.applied);
    this.repeatedEntries = from?.repeatedEntries ?? 0;
    this.folderCharacters = from?.folderCharacters ?? 0;
    this.totalSize = from?.totalSize ?? 0;
    this.visibleSize = from?.visibleSize ?? 0;
    this.listedAgain = from?.listedAgain ?? false;
    this.source = from !== undefined && from.tree.inMapOrder ? from.tree : null;
    this.inodes = from?.inodes == null ? null : copyInodes(from.inodes);
  }

  /**
   * A copy of this builder, to apply other layers above the same lower ones: each image of a fleet
   * on one base copies the applied base instead of applying it again (SharedOverlays). Changes
   * are not tracked in the copy. A copy that is marked (see `mark`) reads this builder's tree when
   * it goes back: this one must not change while the copy is used.
   */
  fork(): OverlayBuilder {
    return new OverlayBuilder(this);
  }

  /** Layers applied so far. */
  get layerCount(): number {
    return this.keys.length;
  }

  /** From now on, remember every changed path's ref from before its first change (undefined: absent). */
  trackChanges(): ReadonlyMap<string, number | undefined> {
    this.marked = null;
    this.changes = new Map();
    return this.changes;
  }

  /** From now on, remember no changes (a string and a map entry per path applied, for nothing). */
  stopTrackingChanges(): void {
    this.marked = null;
    this.changes = null;
  }

  /**
   * Marks the state that `rewind` goes back to, for a copy (see `fork`) that applies the layers of
   * one image after another above the same lower ones (SharedOverlays). False (nothing marked)
   * when the builder tracks changes already, or is not a copy: a path removed and put back goes to
   * the end of the tree's Map, and the tree it is a copy of tells the order again.
   */
  mark(): boolean {
    if (this.changes !== null || this.source === null) return false;
    this.changes = new Map();
    this.marked = {
      layers: this.keys.length,
      hidden: this.hidden.length,
      refTotal: this.tree.refCount,
      repeatedEntries: this.repeatedEntries,
      folderCharacters: this.folderCharacters,
      totalSize: this.totalSize,
      visibleSize: this.visibleSize,
      listedAgain: this.listedAgain,
      implied: new Map(),
      folders: new Map(),
      displaced: new Set(),
      appended: [],
      counted: [],
      applied: [],
      inodes: new Map(),
      linked: [],
      held: [],
    };
    return true;
  }

  /** Each path changed since `mark`, with its ref then (undefined: absent); null when not marked. Cleared by rewind. */
  get changedSinceMark(): ReadonlyMap<string, number | undefined> | null {
    return this.marked === null ? null : this.changes;
  }

  /**
   * Back to the state at `mark`, in the work of what changed since (not of the tree), and marks it
   * again; false (nothing done) when not marked. A path removed since goes back to the end of the
   * tree's Map: the tree then tells its order from the tree this builder is a copy of (see
   * TreeOrder), as readers see it (`inspect --tree --json` lists the paths in it, audit's
   * findings and the waste they list follow it). The folder index goes back too: each folder's
   * set of children changed since was a copy, and the one from before is put back, in its order
   * (the order in which a removal visits what is below a folder, and lists its hidden copies).
   */
  rewind(): boolean {
    const { marked, changes, source } = this;
    if (marked === null || changes === null || source === null) return false;
    const { refs } = this.tree;
    changes.forEach((before, path) => {
      if (before === undefined) refs.delete(path);
      else refs.set(path, before);
    });
    changes.clear();
    if (marked.displaced.size > 0) this.tree.reorder({ base: source.refs, displaced: marked.displaced });
    marked.displaced.clear();
    const { implied, children } = this;
    marked.implied.forEach((was, folder) => {
      if (was) implied.add(folder);
      else implied.delete(folder);
    });
    marked.folders.forEach((set, folder) => {
      if (set === undefined) children?.delete(folder);
      else children?.set(folder, set);
    });
    marked.implied.clear();
    marked.folders.clear();
    for (const key of marked.counted) this.counted.delete(key);
    for (const list of marked.applied) this.applied.delete(list);
    marked.inodes.forEach(({ names, first }, inode) => {
      inode.names.length = inode.paths.length = names;
      inode.first = first;
    });
    marked.inodes.clear();
    for (const ref of marked.linked) this.inodes?.delete(ref);
    for (const ref of marked.held) this.tree.unhold(ref);
    marked.counted.length = marked.applied.length = marked.appended.length = 0;
    marked.linked.length = marked.held.length = 0;
    this.keys.length = marked.layers;
    this.hidden.length = marked.hidden;
    this.tree.truncate(marked.layers, marked.refTotal);
    this.repeatedEntries = marked.repeatedEntries;
    this.folderCharacters = marked.folderCharacters;
    this.totalSize = marked.totalSize;
    this.visibleSize = marked.visibleSize;
    this.listedAgain = marked.listedAgain;
    return true;
  }

  /**
   * Applies the next layer; `key` (its diff id) tells a layer listed twice. Each pass over the
   * entries is a method of its own: as three loops of one method, the JIT compiled the first loop
   * on the stack (OSR) before the next had run, and that code bailed out at the next loop on every
   * layer, nine deoptimizations per `inspect --packages` (issue 9).
   */
  apply(files: FileList | readonly FileRecord[], key: string | null): void {
    const list = files instanceof FileList ? files : FileList.fromRecords(files);
    const layerIndex = this.keys.length;
    // A list listed again is applied again, at the cost of its entries, not of its bytes.
    if (!this.applied.has(list)) {
      this.applied.add(list);
      this.marked?.applied.push(list);
    } else if ((this.repeatedEntries += list.length) > MAX_REPEATED_ENTRIES) {
      throw new InputError(
        InputErrorCode.overlayTooLarge,
        `layer ${layerIndex} (${key ?? 'no diff id'}) is listed again: the image's layers listed more than once apply over ${MAX_REPEATED_ENTRIES} entries again (a manifest that repeats a large layer many times?)`,
      );
    }
    this.keys.push(key);
    const start = this.tree.addLayer(list);
    const counts = key === null || !this.counted.has(key);
    if (key !== null && counts) {
      this.counted.add(key);
      this.marked?.counted.push(key);
    }
    if (!counts) this.listedAgain = true;
    // The entries' content bytes are what the layer adds to the total: summed as they are applied.
    const stored = this.applyEntries(list, start, layerIndex);
    if (counts) this.totalSize += stored;
  }

  /**
   * Applies a whiteout where the layer's tar has it, as Docker's and containerd's appliers do: a
   * delete removes what is there, this layer's entries before it too; an opaque marker keeps what
   * this layer put there before it (docs/design.md, Whiteouts).
   */
  private applyWhiteout(path: string, opaque: boolean, layerIndex: number): void {
    const target = whiteoutTarget(path);
    if (target === null) return;
    if (opaque) this.removeLower(target, layerIndex);
    else this.remove(target, 'delete', layerIndex);
  }

  /**
   * Applies the layer's entries and whiteouts in order; returns the entries' content bytes. A
   * layer with hard links is applied up to each one, which is then linked to its target's inode
   * (linkName): one loop over the entries as for any layer, none for a layer without.
   */
  private applyEntries(list: FileList, start: number, layerIndex: number): number {
    const links = list.hardLinks;
    if (links.length === 0) return this.applyRange(list, start, layerIndex, 0, list.length);
    let stored = 0;
    let from = 0;
    for (const i of links) {
      stored += this.applyRange(list, start, layerIndex, from, i + 1);
      this.linkName(list, i, start + i);
      from = i + 1;
    }
    return stored + this.applyRange(list, start, layerIndex, from, list.length);
  }

  /** Applies entries `from` to `to` (excluded) of the layer; returns their content bytes. */
  private applyRange(list: FileList, start: number, layerIndex: number, from: number, to: number): number {
    const { tree, implied } = this;
    let stored = 0;
    const refs = tree.refs;
    /** The folder the last climb started from: it is a folder still, whatever the entries since. */
    let climbed = '';
    for (let i = from; i < to; i++) {
      const whiteout = list.whiteout(i);
      if (whiteout !== null) {
        this.applyWhiteout(list.path(i), whiteout === 'opaque', layerIndex);
        // What it removed may hold the folder climbed last.
        climbed = '';
        continue;
      }
      const path = list.path(i);
      const isDirectory = list.isDirectory(i);
      // A path under something that is now a file: that file gives way to a directory. No entry
      // has a non-directory above it, so the climb stops at the first folder, listed or implied:
      // linear in entries and folders, not in entries times depth (issue 12). Entries of one
      // folder come together in a tar: the climb is skipped for all but the first, which saves a
      // string and a lookup per entry on the main thread (issue 9).
      const slash = path.lastIndexOf('/');
      if (slash !== climbed.length || !path.startsWith(climbed)) {
        climbed = slash === -1 ? '' : path.slice(0, slash);
        for (let ancestor = climbed; ancestor !== '' && !implied.has(ancestor);) {
          const above = refs.get(ancestor);
          if (above !== undefined && tree.isDirectory(above)) break;
          if (above !== undefined) this.remove(ancestor, 'replace', layerIndex);
          implied.add(ancestor);
          if (this.marked !== null && !this.marked.implied.has(ancestor)) this.marked.implied.set(ancestor, false);
          // Each new folder is a key hashed in full, unless V8 hashes it by its length alone.
          if (ancestor.length <= V8_HASHED_LENGTH) this.folderCharacters += ancestor.length;
          ancestor = parentPath(ancestor);
        }
        if (this.folderCharacters > MAX_NEW_FOLDER_CHARACTERS) throw tooManyFolders(path, layerIndex);
      }
      // Anything but a folder over an implied folder replaces it with all below, as over a listed one.
      if (!isDirectory && implied.has(path)) this.remove(path, 'replace', layerIndex);
      // The copy this entry replaces: the one there, unless a folder and a non-folder meet and
      // the old one goes with everything below it.
      let replaced = refs.get(path);
      if (replaced !== undefined) {
        const wasDirectory = tree.isDirectory(replaced);
        if (!(wasDirectory && isDirectory)) {
          if (wasDirectory || isDirectory) {
            this.remove(path, 'replace', layerIndex);
            replaced = undefined;
          } else {
            // A file over a file (a folder over a folder holds no bytes, and hides nothing).
            const { size, layer: below } = this.leaving(replaced);
            this.visibleSize -= size;
            if (below !== layerIndex && !this.sameLayer(below, layerIndex)) {
              this.hidden.push({ path, layerIndex: below, size, hiddenBy: 'overwrite', byLayer: layerIndex });
            }
          }
        }
      }
      if (this.changes !== null) this.changed(path, replaced);
      const size = list.contentSize(i);
      stored += size;
      this.visibleSize += size;
      refs.set(path, start + i);
      if (this.children !== null) link(this.children, path, this.marked?.folders);
    }
    return stored;
  }

  /** Notes a path set (changes are tracked): its ref from before, and whether it goes to the end of the tree's Map. */
  private changed(path: string, replaced: number | undefined): void {
    const { changes, marked } = this;
    if (changes !== null && !changes.has(path)) changes.set(path, replaced);
    if (replaced === undefined) marked?.appended.push(path);
  }

  /**
   * The paths of the tree, in its order, that are at the `picked` places of `chain` (the paths of
   * the tree this builder is a copy of: see ChainPaths), or that changed since the mark; null when
   * not marked. In the work of the places and the changes, not of the tree: the chain's paths keep
   * their order unless removed since (TreeOrder), and the others follow in the order they last
   * went into the tree's Map.
   */
  pathsInOrder(chain: ChainPaths, picked: readonly number[]): string[] | null {
    const { marked, changes } = this;
    if (marked === null || changes === null) return null;
    const { refs } = this.tree;
    const { displaced, appended } = marked;
    // The chain's paths changed in place join the picked ones at their places.
    const places: number[] = [];
    changes.forEach((before, path) => {
      if (before === undefined || displaced.has(path) || !refs.has(path)) return;
      const at = chain.place.get(path);
      if (at !== undefined) places.push(at);
    });
    places.sort((a, b) => a - b);
    const paths: string[] = [];
    const take = (at: number): void => {
      const path = chain.paths[at] as string;
      if (!displaced.has(path) && refs.has(path)) paths.push(path);
    };
    let i = 0;
    for (const at of picked) {
      for (; i < places.length && (places[i] as number) <= at; i++) if (places[i] !== at) take(places[i] as number);
      take(at);
    }
    for (; i < places.length; i++) take(places[i] as number);
    // The rest: paths that went into the Map since (new, or removed and back), at their last time.
    const seen = new Set<string>();
    const rest: string[] = [];
    for (let at = appended.length - 1; at >= 0; at--) {
      const path = appended[at] as string;
      if (seen.has(path)) continue;
      seen.add(path);
      if (refs.has(path)) rest.push(path);
    }
    for (let at = rest.length - 1; at >= 0; at--) paths.push(rest[at] as string);
    return paths;
  }

  /** The overlay of the layers applied so far. */
  finish(): Overlay {
    // A marked builder goes back: its overlay keeps its own list.
    const hidden = this.listedAgain ? this.storedOnce() : this.marked !== null ? this.hidden.slice() : this.hidden;
    const wastedSize = hidden.reduce((sum, h) => sum + h.size, 0);
    const { totalSize, visibleSize } = this;
    return {
      tree: this.tree,
      hidden,
      totalSize,
      visibleSize,
      wastedSize,
      efficiency: totalSize === 0 ? 1 : 1 - wastedSize / totalSize,
    };
  }

  /**
   * The hidden copies, each stored copy once: a layer listed again (same diff id) is stored once,
   * so a copy hidden under one listing and shown by a later one is not hidden, and one hidden under
   * several listings is hidden once (its first time). Counted per listing, a, b, a, b, a, b over
   * one path made the waste 2.5 times the bytes stored: efficiency -1.5.
   */
  private storedOnce(): HiddenCopy[] {
    const { tree, keys } = this;
    /** The paths of each layer's copies kept so far, by diff id. */
    const kept = new Map<string, Set<string>>();
    return this.hidden.filter((copy) => {
      const key = keys[copy.layerIndex];
      if (key == null) return true;
      const shown = tree.refs.get(copy.path);
      if (shown !== undefined && keys[tree.layerOf(shown)] === key) return false;
      let paths = kept.get(key);
      if (paths === undefined) kept.set(key, (paths = new Set()));
      if (paths.has(copy.path)) return false;
      paths.add(copy.path);
      return true;
    });
  }

  /** A layer listed twice (same diff id) is stored once: its second copy hides nothing extra. */
  private sameLayer(a: number, b: number): boolean {
    const key = this.keys[a];
    return key != null && key === this.keys[b];
  }

  /**
   * The folder index, made on the first removal from the paths in the tree's order. A marked copy
   * makes it as it was at the mark, from the tree it is a copy of, then links the paths applied
   * since (no removal came before: it would have made the index), so that rewind can go back to it:
   * the same index, as a tree's paths in order are the lower ones' then the new ones.
   */
  private indexed(): Map<string, Set<string>> {
    if (this.children === null) {
      const children = new Map<string, Set<string>>();
      const { marked, changes, source } = this;
      if (marked === null || changes === null || source === null) {
        this.tree.forEachRef((_, path) => {
          link(children, path);
        });
      } else {
        source.refs.forEach((_, path) => {
          link(children, path);
        });
        const { refs } = this.tree;
        changes.forEach((_, path) => {
          if (refs.has(path)) link(children, path, marked.folders);
        });
      }
      this.children = children;
    }
    return this.children;
  }

  /**
   * Links the hard link at entry `i` of the layer (at `ref`, applied just now) to the inode at its
   * target: the path the tree has there now, named as Docker's applier names it (os.Link to the
   * target joined to the root, `..` staying at the root: layerEntryPath), after the link's own path
   * was removed. Nothing to link (a dangling link: no target, its own path, a folder, a file of no
   * bytes): the link holds no bytes, as before.
   */
  private linkName(list: FileList, i: number, ref: number): void {
    const { tree } = this;
    const path = list.path(i);
    const written = list.linkTarget(i);
    // A whiteout named as a hard link is a whiteout: not in the tree.
    if (written === null || tree.refs.get(path) !== ref) return;
    const target = layerEntryPath(normalizeEntryPath(written));
    if (target === '' || target === path) return;
    const to = tree.refs.get(target);
    if (to === undefined || tree.isDirectory(to)) return;
    const { marked } = this;
    let inode = this.inodes?.get(to);
    if (inode === undefined) {
      const bytes = tree.contentSize(to);
      if (bytes === 0) return;
      inode = { bytes, layer: tree.layerOf(to), names: [to], paths: [target], first: 0 };
      (this.inodes ??= new Map()).set(to, inode);
      marked?.linked.push(to);
    } else this.willChange(inode);
    inode.names.push(ref);
    inode.paths.push(path);
    this.inodes?.set(ref, inode);
    marked?.linked.push(ref);
  }

  /** Keeps what a rewind puts back of `inode`, before its first change since the mark. */
  private willChange(inode: Inode): void {
    const { marked } = this;
    if (marked !== null && !marked.inodes.has(inode)) {
      marked.inodes.set(inode, { names: inode.names.length, first: inode.first });
    }
  }

  /**
   * The content bytes that leave the tree with the copy at `ref`, which leaves it now, and the
   * layer they are of: its own, but for the last name of an inode (see Inode), whose bytes are
   * those of the inode's file. A name of an inode that keeps another takes no bytes with it: the
   * first of the others left holds them from now on (it changes in place).
   */
  private leaving(ref: number): { readonly size: number; readonly layer: number } {
    const { tree } = this;
    const inode = this.inodes === null ? undefined : this.inodes.get(ref);
    if (inode === undefined) return { size: tree.contentSize(ref), layer: tree.layerOf(ref) };
    if (inode.names[inode.first] !== ref) return { size: 0, layer: tree.layerOf(ref) };
    const { marked, changes } = this;
    this.willChange(inode);
    // The names before `first` are gone: each is passed over once.
    const { names, paths } = inode;
    let next = inode.first + 1;
    while (next < names.length && tree.refs.get(paths[next] as string) !== names[next]) next++;
    inode.first = next;
    if (next === names.length) return { size: inode.bytes, layer: inode.layer };
    const holder = names[next] as number;
    const path = paths[next] as string;
    tree.hold(holder, inode.bytes);
    marked?.held.push(holder);
    if (changes !== null && !changes.has(path)) changes.set(path, holder);
    return { size: 0, layer: tree.layerOf(ref) };
  }

  /** Removes `path` and everything below it, recording hidden copies from layers below `byLayer`. */
  private removeOne(children: Map<string, Set<string>>, path: string, hiddenBy: HiddenBy, byLayer: number): void {
    const { marked } = this;
    if (marked === null) {
      children.delete(path);
      this.implied.delete(path);
    } else {
      // What rewind puts back: the folder's children and whether it was implied.
      if (!marked.folders.has(path)) marked.folders.set(path, children.get(path));
      children.delete(path);
      if (this.implied.delete(path) && !marked.implied.has(path)) marked.implied.set(path, true);
    }
    const { tree } = this;
    const ref = tree.refs.get(path);
    if (ref === undefined) return;
    if (this.changes !== null && !this.changes.has(path)) this.changes.set(path, ref);
    tree.refs.delete(path);
    if (marked === null) children.get(parentPath(path))?.delete(path);
    else {
      marked.displaced.add(path);
      const parent = parentPath(path);
      const siblings = children.get(parent);
      if (siblings?.has(path) === true) ownSet(children, marked.folders, parent, siblings).delete(path);
    }
    const { size, layer: layerIndex } = this.leaving(ref);
    this.visibleSize -= size;
    // A copy of the same layer (a whiteout after it, a file after its folder) is not a lower copy.
    if ((size > 0 || !tree.isDirectory(ref)) && layerIndex !== byLayer && !this.sameLayer(layerIndex, byLayer)) {
      this.hidden.push({ path, layerIndex, size, hiddenBy, byLayer });
    }
  }

  /**
   * Removes `path` and everything below it (children before their folder), recording hidden
   * copies from layers below `byLayer`. An explicit stack: folders nest as deep as the input.
   */
  private remove(path: string, hiddenBy: HiddenBy, byLayer: number): void {
    const children = this.indexed();
    const stack: { path: string; expanded: boolean }[] = [{ path, expanded: false }];
    for (let item = stack.pop(); item; item = stack.pop()) {
      if (item.expanded) {
        this.removeOne(children, item.path, hiddenBy, byLayer);
        continue;
      }
      stack.push({ path: item.path, expanded: true });
      const below = children.get(item.path);
      if (below) {
        const list = [...below];
        for (let i = list.length - 1; i >= 0; i--) stack.push({ path: list[i] ?? '', expanded: false });
      }
    }
  }

  /** Only what lower layers put in `dir` goes: entries of this layer already applied stay. */
  private removeLower(top: string, byLayer: number): void {
    const children = this.indexed();
    const dirs = [top];
    for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
      for (const child of [...(children.get(dir) ?? [])]) {
        const ref = this.tree.refs.get(child);
        if (ref !== undefined && this.tree.layerOf(ref) === byLayer) {
          if (this.tree.isDirectory(ref)) dirs.push(child);
          continue;
        }
        this.remove(child, 'opaque', byLayer);
      }
    }
  }
}

function tooManyFolders(path: string, layerIndex: number): InputError {
  return new InputError(
    InputErrorCode.overlayTooLarge,
    `layer ${layerIndex}: the folders of ${clip(path, 100)} (${path.length} characters) bring the image's new folders over ${MAX_NEW_FOLDER_CHARACTERS} characters together (thousands of paths, each thousands of folders deep?)`,
  );
}

/**
 * Links `path` under its parent, and implied parents (folders a layer never lists) under
 * theirs, so that removing a folder finds everything below it. Stops at the first parent
 * already linked: linear in new folders, not in depth. With `saved` (a marked builder's, see
 * Mark.folders), a folder's set is copied before it first changes.
 */
function link(children: Map<string, Set<string>>, path: string, saved?: Map<string, Set<string> | undefined>): void {
  for (let child = path; ;) {
    const parent = parentPath(child);
    const set = children.get(parent);
    if (set) {
      if (saved === undefined) set.add(child);
      else if (!set.has(child)) ownSet(children, saved, parent, set).add(child);
      return;
    }
    if (saved !== undefined && !saved.has(parent)) saved.set(parent, undefined);
    children.set(parent, new Set([child]));
    if (parent === '') return;
    child = parent;
  }
}

/** An image's final tree and waste: its layers' file lists in order, keyed by diff id. */
export function overlayOfImage(image: ImageReport): Overlay {
  return namingImage(image, () =>
    applyLayers(
      image.layers.map((l) => l.files),
      image.layers.map((l) => l.diffId),
    ),
  );
}

/**
 * Runs `build` (what applies an image's layers), and names the image in the error it may throw
 * (OVERLAY_TOO_LARGE): an archive, or several, may hold many images, and the platforms of one
 * tag share its name.
 */
export function namingImage<T>(image: ImageReport, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const platform = image.platform === null ? '' : ` (${clip(image.platform, 100)})`;
    throw new InputError(error.code, `image ${clip(imageName(image), 100)}${platform}: ${error.message}`, error.entry);
  }
}

/**
 * The folder's set of children in `children`, to change: a copy of it the first time since the
 * mark, the set from before kept in `saved` for rewind (sets are put back, not undone: a child
 * taken out and put back again would go to the end of its set).
 */
function ownSet(
  children: Map<string, Set<string>>,
  saved: Map<string, Set<string> | undefined>,
  folder: string,
  set: Set<string>,
): Set<string> {
  if (saved.has(folder)) return set;
  saved.set(folder, set);
  const copy = new Set(set);
  children.set(folder, copy);
  return copy;
}

/**
 * How a tree whose Map is out of order tells its order (OverlayTree.reorder): a copy that
 * SharedOverlays went back from put the paths an image had removed back at the end of its Map.
 * The tree's order is that of the tree it is a copy of (`base`), whose paths keep their place
 * unless removed since the last going back (`displaced`: then, as in a tree applied afresh, they
 * are gone, or back at the end), then the paths added since, in the order of the Map.
 */
export interface TreeOrder {
  readonly base: ReadonlyMap<string, number>;
  readonly displaced: ReadonlySet<string>;
}

/** The state OverlayBuilder.rewind goes back to, and what was added since that a map of changes does not tell. */
interface Mark {
  readonly layers: number;
  readonly hidden: number;
  readonly refTotal: number;
  readonly repeatedEntries: number;
  readonly folderCharacters: number;
  readonly totalSize: number;
  readonly visibleSize: number;
  readonly listedAgain: boolean;
  /** Each folder whose being implied changed since, and whether it was implied then. */
  readonly implied: Map<string, boolean>;
  /** Each folder whose set of children (in the folder index) changed since, and the set then (undefined: none). */
  readonly folders: Map<string, Set<string> | undefined>;
  /** The paths taken out of the tree's Map since (see TreeOrder). */
  readonly displaced: Set<string>;
  /** The paths put in the tree's Map since, each time one went in (at its end). */
  readonly appended: string[];
  /** Diff ids counted and file lists applied for the first time since. */
  readonly counted: string[];
  readonly applied: FileList[];
  /** Each inode changed since, with its count of names and its `first` then. */
  readonly inodes: Map<Inode, { readonly names: number; readonly first: number }>;
  /** The refs given an inode since, and the hard links that came to hold their inode's bytes. */
  readonly linked: number[];
  readonly held: number[];
}

/**
 * A file that hard links name more than once, as Docker's applier makes it: one inode, its bytes
 * in the tree while any of its names is (they count once, under the first name still there), and
 * hidden once its last name leaves. Made when a layer links a name to a file (or symlink) with bytes.
 */
interface Inode {
  readonly bytes: number;
  /** The layer of the entry that stored the bytes: the waste's when the last name leaves. */
  readonly layer: number;
  /** The refs of its names, in the order they were linked, and their paths. */
  readonly names: number[];
  readonly paths: string[];
  /** The first name still in the tree (those before it are gone; names.length: none is left). */
  first: number;
}

/** A deep copy of a builder's inodes: the copy's change apart from the original's (each inode copied once). */
function copyInodes(inodes: ReadonlyMap<number, Inode>): Map<number, Inode> {
  const copies = new Map<Inode, Inode>();
  const copy = new Map<number, Inode>();
  inodes.forEach((inode, ref) => {
    let made = copies.get(inode);
    if (made === undefined) {
      made = { ...inode, names: inode.names.slice(), paths: inode.paths.slice() };
      copies.set(inode, made);
    }
    copy.set(ref, made);
  });
  return copy;
}

/** A deep copy of an overlay's folder index: the copy's folders change apart from the original's. */
function copyChildren(children: ReadonlyMap<string, ReadonlySet<string>>): Map<string, Set<string>> {
  const copy = new Map<string, Set<string>>();
  children.forEach((below, folder) => copy.set(folder, new Set(below)));
  return copy;
}

/**
 * Entries that the chains SharedOverlays keeps may hold together, each counted three times (the
 * chain, the copy that goes back to it, and the copy's folder index, made once an image removes a
 * path) and as many more times as its `perChain` value costs (SharedOverlays' `perChainCost`), at
 * most: past it a chain is applied for each image again, as without sharing. A chain applied
 * costs 69 bytes an entry, a copy 37 (100,000 entries, heap measured), so a count is about 50
 * bytes and this about 100 MB: six bases of 100,000 files asked for in turn, more than a fleet of
 * 200 services on a handful of distros keeps at once.
 */
const MAX_SHARED_ENTRIES = 2_000_000;

/** How many times each entry of a kept chain counts (see MAX_SHARED_ENTRIES), but its `perChain` value. */
const KEPT_CHAIN_COST = 3;

/** A chain of lower layers (its layers are the parents' and its own), as images share it. */
interface Chain {
  readonly parent: Chain | null;
  /** Layers in the chain. */
  readonly depth: number;
  /** The chains one layer longer, by the layer's file list, then by its diff id (as textKey). */
  next: Map<FileList, Map<string, Chain>> | null;
  /** Images whose layers start with this chain. */
  images: number;
  /** Images still to come whose overlay starts from this chain or one longer (see SharedOverlays.of). */
  waiting: number;
  /** The chain applied, kept while images still to come start from it. */
  builder: OverlayBuilder | null;
  /** A copy of `builder` that the last image applied its own layers to, marked at the chain. */
  working: OverlayBuilder | null;
  /** What SharedOverlays' `perChain` made of the chain (undefined: not made yet), let go with it. */
  value: unknown;
}

/** The chain an image's own layers were applied above, and what they changed (see SharedOverlays.ofChained). */
export interface AboveChain<T> {
  /** What `perChain` made of the chain's tree. */
  readonly value: T;
  /** Layers in the chain: the image's first ones. */
  readonly depth: number;
  /** Each path the image's layers above the chain changed, with its ref in the chain's tree (undefined: absent). */
  readonly changes: ReadonlyMap<string, number | undefined>;
  /** OverlayBuilder.pathsInOrder of the image's builder: some of its tree's paths in order, from the chain's. */
  readonly pathsInOrder: (chain: ChainPaths, picked: readonly number[]) => string[] | null;
}

/** The paths of a tree in its order, and each one's place in it: for pathsInOrder. */
export class ChainPaths {
  readonly paths: string[] = [];
  readonly place = new Map<string, number>();

  constructor(tree: OverlayTree) {
    tree.forEachRef((_, path) => {
      this.place.set(path, this.paths.length);
      this.paths.push(path);
    });
  }
}

/**
 * The overlays of many images that share lower layers (a `docker save` of 100 services on one
 * base): the chain of lower layers an image shares with another is applied once, copied
 * (OverlayBuilder.fork), and the copy goes back to the chain after each image (OverlayBuilder.rewind,
 * removals and the folder index included), so that an image costs its own layers. Layers are shared when
 * they are the same file list (a blob read once) under the same diff id, in the same order from
 * the first: then refs, their order, waste, and the OVERLAY_TOO_LARGE budgets are exactly those
 * of the image applied afresh. 100 images on a 100,000-entry base took `audit` 12.4 s of applying
 * layers (issue 9). A chain is kept while images still to come (in the order given) start from
 * it, up to MAX_SHARED_ENTRIES.
 */
export class SharedOverlays<T = never> {
  private readonly root: Chain = chain(null);
  /** Each image's longest chain shared with another image. */
  private readonly shared = new Map<ImageReport, Chain>();
  /** Entries of the kept builders, together. */
  private kept = 0;

  /**
   * `images`: the images whose overlays will be asked for, in the order they will be. `perChain`
   * makes something of a kept chain's tree (the image of its layers, the tree) that ofChained
   * hands out with each image applied above it (`inspect --packages` attributes the chain once).
   */
  constructor(
    images: readonly ImageReport[],
    private readonly perChain: ((lower: ImageReport, tree: OverlayTree) => T) | null = null,
    /** How many times each entry of a chain counts again for what `perChain` makes of it (see MAX_SHARED_ENTRIES). */
    private readonly perChainCost = perChain === null ? 0 : 1,
  ) {
    if (images.length < 2) return;
    for (const image of images) {
      let at = this.root;
      for (const layer of image.layers) at = this.step(at, layer.files, layer.diffId, true) as Chain;
      for (let up: Chain | null = at; up !== null; up = up.parent) up.images++;
    }
    for (const image of images) {
      // The deepest chain of the image's that another image starts with too.
      let at = this.root;
      let found: Chain | null = null;
      for (const layer of image.layers) {
        at = this.step(at, layer.files, layer.diffId, false) as Chain;
        if (at.images < 2) break;
        found = at;
      }
      if (found === null) continue;
      this.shared.set(image, found);
      for (let up: Chain | null = found; up !== null; up = up.parent) up.waiting++;
    }
  }

  /**
   * The image's overlay, from the chain it shares with others when there is one. Its tree is valid
   * until the next call: the copy of a chain goes back to it for the next image (see
   * OverlayBuilder.rewind), so what the caller needs of it is taken before that.
   */
  of(image: ImageReport): Overlay {
    return this.make(image, false).overlay;
  }

  /** `of`, and the chain the image's own layers were applied above when it was kept (else null). */
  ofChained(image: ImageReport): { overlay: Overlay; above: AboveChain<T> | null } {
    return this.make(image, true);
  }

  private make(image: ImageReport, chained: boolean): { overlay: Overlay; above: AboveChain<T> | null } {
    const start = this.shared.get(image);
    if (start === undefined) return { overlay: overlayOfImage(image), above: null };
    for (let up: Chain | null = start; up !== null; up = up.parent) if (up.waiting > 0) up.waiting--;
    try {
      return namingImage(image, () => {
        const builder = this.builderOf(start, image);
        const above = chained && builder === start.working ? this.above(start, image) : null;
        for (const layer of image.layers.slice(start.depth)) builder.apply(layer.files, layer.diffId);
        return { overlay: builder.finish(), above };
      });
    } catch (error) {
      // Half applied: the copy is not gone back from.
      start.working = null;
      throw error;
    } finally {
      // Chains no image still to come starts from are let go.
      for (let up: Chain | null = start; up !== null; up = up.parent) if (up.waiting === 0) this.release(up);
    }
  }

  /** The kept chain `start` as the image sees it, its `perChain` value made once; null without `perChain`. */
  private above(start: Chain, image: ImageReport): AboveChain<T> | null {
    const { perChain } = this;
    const { working } = start;
    const changes = working?.changedSinceMark;
    if (perChain === null || start.builder === null || working == null || changes == null) return null;
    if (start.value === undefined) {
      start.value = perChain({ ...image, layers: image.layers.slice(0, start.depth) }, start.builder.tree);
    }
    return {
      value: start.value as T,
      depth: start.depth,
      changes,
      pathsInOrder: (chain, picked) => working.pathsInOrder(chain, picked),
    };
  }

  /**
   * A builder of the image's first `start.depth` layers: the chain's copy gone back to it when there
   * is one, else a new copy of the longest kept chain below them, applied up
   * to them (the kept builder itself when no image still to come needs it). The chain is kept when
   * images still to come start from it.
   */
  private builderOf(start: Chain, image: ImageReport): OverlayBuilder {
    if (start.waiting > 0 && start.working?.rewind() === true) return start.working;
    start.working = null;
    let from: Chain | null = start;
    while (from !== null && from.builder === null) from = from.parent;
    if (from === start && start.waiting > 0) return this.working(start);
    const kept = from === null ? null : from.waiting === 0 ? this.release(from) : (from.builder?.fork() ?? null);
    const builder = kept ?? new OverlayBuilder();
    for (const layer of image.layers.slice(from?.depth ?? 0, start.depth)) builder.apply(layer.files, layer.diffId);
    // The chain, the copy that goes back to it and what perChain makes of it count together.
    const entries = this.costOf(builder);
    if (start.waiting === 0 || this.kept + entries > MAX_SHARED_ENTRIES) return builder;
    start.builder = builder;
    this.kept += entries;
    return this.working(start);
  }

  /** What a chain kept counts for MAX_SHARED_ENTRIES. */
  private costOf(builder: OverlayBuilder): number {
    return (KEPT_CHAIN_COST + this.perChainCost) * builder.tree.refCount;
  }

  /** A new copy of the chain's kept builder, kept to go back to the chain for the next image when it can. */
  private working(start: Chain): OverlayBuilder {
    if (start.builder === null) throw new Error('internal: a copy of a chain not kept');
    const working = start.builder.fork();
    if (working.mark()) start.working = working;
    return working;
  }

  /** The chain's kept builder, let go (with its copy); null when it keeps none. */
  private release(at: Chain): OverlayBuilder | null {
    const { builder } = at;
    at.working = null;
    at.value = undefined;
    if (builder === null) return null;
    at.builder = null;
    this.kept -= this.costOf(builder);
    return builder;
  }

  /** The chain one layer longer than `at` (made when `add`, else it exists). */
  private step(at: Chain, files: FileList, diffId: string | null, add: boolean): Chain | undefined {
    const key = diffId === null ? '' : `:${textKey(diffId)}`;
    let byKey = at.next?.get(files);
    if (byKey === undefined) {
      if (!add) return undefined;
      at.next ??= new Map();
      at.next.set(files, (byKey = new Map<string, Chain>()));
    }
    let next = byKey.get(key);
    if (next === undefined && add) byKey.set(key, (next = chain(at)));
    return next;
  }
}

function chain(parent: Chain | null): Chain {
  return {
    parent,
    depth: parent === null ? 0 : parent.depth + 1,
    next: null,
    images: 0,
    waiting: 0,
    builder: null,
    working: null,
    value: undefined,
  };
}
