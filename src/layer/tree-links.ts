import { baseName, parentPath } from '../archive/entry-path.js';
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

/**
 * Paths of an image's final tree as a process inside the image would reach them: each folder on
 * the way followed while it is a symlink (relative targets from the link's folder, absolute ones
 * from the image root, `..` never above the root), the last part as it is. Package databases name
 * paths so (dpkg writes through the file system): on a merged /usr (Debian 12, Ubuntu 22.04 on),
 * `bin`, `sbin` and `lib` are links into `usr` while dpkg's lists still say `/bin/bash`.
 *
 * For one tree, as it is: a tree that changes needs a new TreeLinks. Each folder is resolved
 * once, so the paths of one folder cost a map lookup each; no recursion deeper than the links
 * followed, and at most MAX_LINK_WORK characters of work in all.
 */
export class TreeLinks {
  /** Each folder asked for, resolved (null: a loop, too many links, or too long). */
  private readonly folders = new Map<string, string | null>();
  /**
   * Every path looked up as a folder on the way, link or not: a tree that changes any of them (a
   * link replaced, a folder made a link) may lead the same paths elsewhere.
   */
  readonly looked = new Set<string>();
  private work = 0;

  constructor(private readonly tree: OverlayTree) {}

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
    if (slash === -1) return path;
    const folder = path.slice(0, slash);
    const resolved = this.folder(folder, { hops: 0 });
    if (resolved === null) return null;
    return resolved === folder ? path : joined(resolved, path.slice(slash + 1));
  }

  /** `folder` resolved, from the nearest folder above it resolved before. */
  private folder(folder: string, hops: { hops: number }): string | null {
    const known = this.folders.get(folder);
    if (known !== undefined) return known;
    // The folders from `folder` up to the first one known (or the root), deepest first.
    const pending: string[] = [];
    let at = folder;
    let resolved: string | null = '';
    while (at !== '') {
      const found = this.folders.get(at);
      if (found !== undefined) {
        resolved = found;
        break;
      }
      if (!this.spend(at.length)) return null;
      pending.push(at);
      at = parentPath(at);
    }
    for (let i = pending.length - 1; i >= 0; i--) {
      const unresolved = pending[i] as string;
      if (resolved !== null) {
        // Unchanged so far: the folder itself, as asked (no new string).
        const name = resolved === parentPath(unresolved) ? unresolved : joined(resolved, baseName(unresolved));
        resolved = this.follow(name, hops);
      }
      this.folders.set(unresolved, resolved);
    }
    return resolved;
  }

  /** `path` (its folders resolved) followed while it is a symlink. */
  private follow(path: string, hops: { hops: number }): string | null {
    let current = path;
    for (;;) {
      this.looked.add(current);
      const ref = this.tree.refs.get(current);
      if (ref === undefined || this.tree.type(ref) !== 'symlink') return current;
      const target = this.tree.linkTarget(ref) ?? '';
      hops.hops++;
      if (hops.hops > MAX_LINK_HOPS || target === '' || !this.spend(current.length + target.length)) return null;
      const next = climbed(target.startsWith('/') ? '' : parentPath(current), target);
      if (next.length > MAX_PATH_LENGTH) return null;
      const slash = next.lastIndexOf('/');
      if (slash === -1) {
        current = next;
        continue;
      }
      // The target's own folders may be links too.
      const folder = this.folder(next.slice(0, slash), hops);
      if (folder === null) return null;
      current = joined(folder, next.slice(slash + 1));
    }
  }

  private spend(characters: number): boolean {
    this.work += characters;
    return this.work <= MAX_LINK_WORK;
  }
}

function joined(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/** `target` taken from the folder `base`, as the kernel does inside a root: `..` at the root stays there. */
function climbed(base: string, target: string): string {
  const parts = base === '' ? [] : base.split('/');
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}
