import { baseName, childPath, parentPath } from '../archive/entry-path.js';
import { MAX_PATH_LENGTH } from '../model/limits.js';
import type { OverlayTree } from './overlay.js';

/** Symlinks one lookup follows at most: Linux's MAXSYMLINKS (past it, ELOOP). */
export const MAX_LINK_HOPS = 40;

/**
 * Characters of paths one TreeLinks may cut, join and look up: a real image's databases need a few
 * million (a Debian 12 tree: about 2.5M for every listed path); hostile ones, folders thousands of
 * levels deep under links, would need billions. Past it, lookups give up (`exhausted`).
 */
export const MAX_LINK_WORK = 64 * 1024 * 1024;

/** Where a lookup led, and how many links it followed on the way; null: it cannot be reached. */
interface Reached {
  readonly path: string | null;
  readonly hops: number;
}

const UNREACHABLE: Reached = { path: null, hops: MAX_LINK_HOPS + 1 };

/**
 * Paths of an image's final tree as a process inside the image would reach them, as Linux's path
 * lookup does inside a root: part by part, each followed while it is a symlink (a relative target
 * from the link's folder, an absolute one from the image root, `..` from where the parts before it
 * led, never above the root), at most MAX_LINK_HOPS links in all, the last part as it is. Package
 * databases name paths so (dpkg writes through the file system): on a merged /usr (Debian 12,
 * Ubuntu 22.04 on), `bin`, `sbin` and `lib` are links into `usr` while dpkg's lists still say
 * `/bin/bash`.
 *
 * For one tree, as it is: a tree that changes needs a new TreeLinks. What a folder or a link leads
 * to is kept with the links it took, so that a result never depends on which lookup came first
 * (a patch and a fresh attribution resolve alike). No recursion deeper than the links in one chain
 * (at most MAX_LINK_HOPS + 1), at most MAX_LINK_WORK characters of work in all; a tree without
 * links (no list of it holds one) costs nothing.
 */
export class TreeLinks {
  /** Each listed folder asked for, where it leads. */
  private readonly folders = new Map<string, Reached>();
  /** Each path whose folder is reached (physical), where its last part leads. */
  private readonly parts = new Map<string, Reached>();
  /** Paths being followed, for loops: a link met again inside its own lookup. */
  private readonly following = new Set<string>();
  /**
   * Every path looked up on the way, link or not: a tree that changes any of them (a link
   * replaced, a folder made a link) may lead the same paths elsewhere.
   */
  readonly looked = new Set<string>();
  private work = 0;
  private readonly linked: boolean;

  constructor(private readonly tree: OverlayTree) {
    this.linked = tree.hasLinks;
  }

  /** Whether lookups gave up for MAX_LINK_WORK: the paths asked for since were not resolved. */
  get exhausted(): boolean {
    return this.work > MAX_LINK_WORK;
  }

  /**
   * `path` (normalized, no leading `/`) with its folders followed through links; the same string
   * when none is a link; null when a folder cannot be reached (a loop, more than MAX_LINK_HOPS
   * links, a path past PATH_MAX, or the work spent).
   */
  resolve(path: string): string | null {
    const slash = path.lastIndexOf('/');
    if (slash === -1 || !this.linked) return path;
    const folder = path.slice(0, slash);
    const reached = this.folder(folder);
    if (reached.path === null) return null;
    return reached.path === folder ? path : childPath(reached.path, path.slice(slash + 1));
  }

  /** Where the listed folder `folder` leads, from the nearest folder above it asked for before. */
  private folder(folder: string): Reached {
    const known = this.folders.get(folder);
    if (known !== undefined) return known;
    // The folders from `folder` up to the first one known (or the root), deepest first.
    const pending: string[] = [];
    let at = folder;
    let reached: Reached = { path: '', hops: 0 };
    while (at !== '') {
      const found = this.folders.get(at);
      if (found !== undefined) {
        reached = found;
        break;
      }
      if (!this.spend(at.length)) return UNREACHABLE;
      pending.push(at);
      at = parentPath(at);
    }
    for (let i = pending.length - 1; i >= 0; i--) {
      const unresolved = pending[i] as string;
      if (reached.path !== null) {
        // Unchanged so far: the folder itself, as asked (no new string).
        const name =
          reached.path === parentPath(unresolved) ? unresolved : childPath(reached.path, baseName(unresolved));
        reached = added(reached.hops, this.part(name, 0));
      }
      this.folders.set(unresolved, reached);
    }
    return reached;
  }

  /**
   * Where `path`, whose folder is reached already, leads: itself unless it is a symlink, else
   * where the link's target leads from the link's folder. `depth`: links of the chain being
   * followed around it; a chain longer than MAX_LINK_HOPS fails its outermost lookup anyway, and
   * is not kept, so what is kept does not depend on where a lookup began.
   */
  private part(path: string, depth: number): Reached {
    const known = this.parts.get(path);
    if (known !== undefined) return known;
    this.looked.add(path);
    const ref = this.tree.refs.get(path);
    if (ref === undefined || this.tree.type(ref) !== 'symlink') return this.keep(path, { path, hops: 0 });
    const target = this.tree.linkTarget(ref) ?? '';
    if (target === '' || depth >= MAX_LINK_HOPS || this.following.has(path) || !this.spend(path.length + target.length))
      return UNREACHABLE;
    this.following.add(path);
    let hops = 1;
    let at: string | null = target.startsWith('/') ? '' : parentPath(path);
    for (const name of target.split('/')) {
      if (name === '' || name === '.') continue;
      if (name === '..') {
        at = parentPath(at);
        continue;
      }
      const next = childPath(at, name);
      if (next.length > MAX_PATH_LENGTH) {
        at = null;
        break;
      }
      const reached = this.part(next, depth + 1);
      hops += reached.hops;
      at = reached.path;
      if (at === null || hops > MAX_LINK_HOPS) break;
    }
    this.following.delete(path);
    const result = at === null || hops > MAX_LINK_HOPS ? UNREACHABLE : { path: at, hops };
    // Cut short by the chain around it, a lookup from elsewhere could still succeed: not kept.
    return depth === 0 || result.path !== null ? this.keep(path, result) : result;
  }

  private keep(path: string, reached: Reached): Reached {
    this.parts.set(path, reached);
    return reached;
  }

  private spend(characters: number): boolean {
    this.work += characters;
    return this.work <= MAX_LINK_WORK;
  }
}

/** Links taken so far and then `next`'s: past MAX_LINK_HOPS, unreachable. */
function added(hops: number, next: Reached): Reached {
  if (next.path === null || hops + next.hops > MAX_LINK_HOPS) return UNREACHABLE;
  return hops === 0 ? next : { path: next.path, hops: hops + next.hops };
}
