import { parentPath } from '../archive/entry-path.js';
import { contentBytesOf, type FileRecord } from './layer-contents.js';
import { whiteoutTarget } from './whiteout.js';
import type { ImageReport } from '../model/image.js';

/** A path in the image's final file tree, and the layer its visible copy comes from. */
export interface TreeEntry {
  readonly record: FileRecord;
  readonly layerIndex: number;
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

export interface Overlay {
  readonly tree: ReadonlyMap<string, TreeEntry>;
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
 * Applies layers in order with overlayfs rules (OCI image spec, "Applying Changesets"): `.wh.x`
 * deletes x and all below it; `.wh..wh..opq` hides everything lower layers put in its directory;
 * a file replaces a directory (and all below it) and the other way round; an entry over a lower
 * one hides it. Whiteouts act on lower layers only, so their order inside a layer does not matter.
 */
export function applyLayers(
  layers: readonly (readonly FileRecord[])[],
  layerKeys: readonly (string | null)[] = [],
): Overlay {
  const builder = new OverlayBuilder();
  layers.forEach((records, layerIndex) => {
    builder.apply(records, layerKeys[layerIndex] ?? null);
  });
  return builder.finish();
}

/**
 * applyLayers one layer at a time, so that a caller can look at the tree of the lower layers
 * while the upper ones are still being read, then go on (`inspect --packages` does, issue 9).
 * With `trackChanges`, it remembers each path's entry as it was before the first change since.
 */
export class OverlayBuilder {
  /** The tree so far: the final tree once every layer is applied. */
  readonly tree = new Map<string, TreeEntry>();
  private readonly keys: (string | null)[] = [];
  private readonly counted = new Set<string>();
  /**
   * Each folder's entries, for removing a folder with everything below it. Built on the first
   * removal only (from the tree as it stands, then kept up to date): an image whose layers never
   * delete or replace anything, common for the big ones, skips it (a third of the overlay's time
   * on 55k files, issue 9).
   */
  private children: Map<string, Set<string>> | null = null;
  /**
   * Folders that hold entries without being entries themselves (a tar need not list the folders
   * above its files). With the tree's own directories they are where the climb above a new entry
   * stops, so each folder is climbed through once, not once per entry below it.
   */
  private readonly implied = new Set<string>();
  private readonly hidden: HiddenCopy[] = [];
  private totalSize = 0;
  private changes: Map<string, TreeEntry | undefined> | null = null;

  /** Layers applied so far. */
  get layerCount(): number {
    return this.keys.length;
  }

  /** From now on, remember every changed path's entry from before its first change. */
  trackChanges(): ReadonlyMap<string, TreeEntry | undefined> {
    this.changes = new Map();
    return this.changes;
  }

  /** Applies the next layer; `key` (its diff id) tells a layer listed twice. */
  apply(records: readonly FileRecord[], key: string | null): void {
    const layerIndex = this.keys.length;
    this.keys.push(key);
    if (key === null || !this.counted.has(key)) {
      if (key !== null) this.counted.add(key);
      for (const record of records) {
        if (record.whiteout === null) this.totalSize += contentBytesOf(record.type, record.size, record.linkTarget);
      }
    }
    // Whiteouts first: they describe the lower layers, whatever their position in this tar.
    for (const record of records) {
      if (record.whiteout === 'opaque') this.removeLower(whiteoutTarget(record.path), layerIndex);
      else if (record.whiteout === 'delete') this.remove(whiteoutTarget(record.path), 'delete', layerIndex);
    }
    const { tree, implied } = this;
    for (const record of records) {
      if (record.whiteout !== null) continue;
      // A path under something that is now a file: that file gives way to a directory. No entry
      // has a non-directory above it, so the climb stops at the first folder, listed or implied:
      // linear in entries and folders, not in entries times depth (issue 12).
      for (let ancestor = parentPath(record.path); ancestor !== '' && !implied.has(ancestor);) {
        const above = tree.get(ancestor);
        if (above?.record.type === 'directory') break;
        if (above) this.remove(ancestor, 'replace', layerIndex);
        implied.add(ancestor);
        ancestor = parentPath(ancestor);
      }
      // Anything but a folder over an implied folder replaces it with all below, as over a listed one.
      if (record.type !== 'directory' && implied.has(record.path)) this.remove(record.path, 'replace', layerIndex);
      const existing = tree.get(record.path);
      if (existing) {
        const bothDirectories = existing.record.type === 'directory' && record.type === 'directory';
        if (!bothDirectories) {
          if (existing.record.type === 'directory' || record.type === 'directory')
            this.remove(record.path, 'replace', layerIndex);
          else if (existing.layerIndex !== layerIndex && !this.sameLayer(existing.layerIndex, layerIndex)) {
            this.hidden.push({
              path: record.path,
              layerIndex: existing.layerIndex,
              size: contentBytesOf(existing.record.type, existing.record.size, existing.record.linkTarget),
              hiddenBy: 'overwrite',
              byLayer: layerIndex,
            });
          }
        }
      }
      if (this.changes !== null && !this.changes.has(record.path)) this.changes.set(record.path, tree.get(record.path));
      tree.set(record.path, { record, layerIndex });
      if (this.children !== null) link(this.children, record.path);
    }
  }

  /** The overlay of the layers applied so far. */
  finish(): Overlay {
    const wastedSize = this.hidden.reduce((sum, h) => sum + h.size, 0);
    let visibleSize = 0;
    for (const { record } of this.tree.values())
      visibleSize += contentBytesOf(record.type, record.size, record.linkTarget);
    const { totalSize } = this;
    return {
      tree: this.tree,
      hidden: this.hidden,
      totalSize,
      visibleSize,
      wastedSize,
      efficiency: totalSize === 0 ? 1 : 1 - wastedSize / totalSize,
    };
  }

  /** A layer listed twice (same diff id) is stored once: its second copy hides nothing extra. */
  private sameLayer(a: number, b: number): boolean {
    const key = this.keys[a];
    return key != null && key === this.keys[b];
  }

  private indexed(): Map<string, Set<string>> {
    if (this.children === null) {
      const children = new Map<string, Set<string>>();
      for (const path of this.tree.keys()) link(children, path);
      this.children = children;
    }
    return this.children;
  }

  /** Removes `path` and everything below it, recording hidden copies from layers below `byLayer`. */
  private removeOne(children: Map<string, Set<string>>, path: string, hiddenBy: HiddenBy, byLayer: number): void {
    children.delete(path);
    this.implied.delete(path);
    const entry = this.tree.get(path);
    if (!entry) return;
    if (this.changes !== null && !this.changes.has(path)) this.changes.set(path, entry);
    this.tree.delete(path);
    children.get(parentPath(path))?.delete(path);
    const size = contentBytesOf(entry.record.type, entry.record.size, entry.record.linkTarget);
    if ((size > 0 || entry.record.type !== 'directory') && !this.sameLayer(entry.layerIndex, byLayer)) {
      this.hidden.push({ path, layerIndex: entry.layerIndex, size, hiddenBy, byLayer });
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
        const entry = this.tree.get(child);
        if (entry && entry.layerIndex === byLayer) {
          if (entry.record.type === 'directory') dirs.push(child);
          continue;
        }
        this.remove(child, 'opaque', byLayer);
      }
    }
  }
}

/**
 * Links `path` under its parent, and implied parents (folders a layer never lists) under
 * theirs, so that removing a folder finds everything below it. Stops at the first parent
 * already linked: linear in new folders, not in depth.
 */
function link(children: Map<string, Set<string>>, path: string): void {
  for (let child = path; ;) {
    const parent = parentPath(child);
    const set = children.get(parent);
    if (set) {
      set.add(child);
      return;
    }
    children.set(parent, new Set([child]));
    if (parent === '') return;
    child = parent;
  }
}

/** An image's final tree and waste: its layers' file lists in order, keyed by diff id. */
export function overlayOfImage(image: ImageReport): Overlay {
  return applyLayers(
    image.layers.map((l) => l.files),
    image.layers.map((l) => l.diffId),
  );
}
