import { MAX_PATH_LENGTH } from '../model/limits.js';
import { terminalText } from '../report/display-text.js';
import { clip } from '../report/table.js';
import { TarFormatError } from './tar-parser.js';

/**
 * Entry names as tar writers spell them (`./a`, `a/`, `/a`, `a//b`) reduced to one form, so that
 * `./blobs/sha256/x` from `tar -C dir .` and `blobs/sha256/x` from skopeo name the same entry.
 * `..` segments are kept: only link resolution interprets them.
 */
export function normalizeEntryPath(raw: string): string {
  // Most names are already clean; checking is much cheaper than splitting 220k of them.
  if (
    raw !== '' &&
    raw !== '.' &&
    raw.charCodeAt(0) !== 0x2f &&
    !raw.startsWith('./') &&
    raw.charCodeAt(raw.length - 1) !== 0x2f &&
    !raw.includes('//') &&
    !raw.includes('/./') &&
    !raw.endsWith('/.')
  ) {
    return raw;
  }
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    parts.push(part);
  }
  return parts.join('/');
}

/**
 * A layer entry's normalized path as runtimes write it: `a/../b` is `b`, and `..` at the root stays
 * there (`../b` and `/../b` are `b`). containerd resolves each name inside the root (fs.RootPath),
 * and Docker's applier cleans it (filepath.Clean) and runs chrooted into the layer's folder, so
 * both clamp; go-archive 0.3 and later refuses the layer instead (climbsAboveRoot tells such a
 * name). The same for hard-link targets, which both join to the root. Linear in the path; most
 * names hold no `..` part and come back as they are.
 */
export function layerEntryPath(path: string): string {
  return hasParentPart(path) ? (joinRelative('', path, true) as string) : path;
}

/** Whether a layer entry's normalized path climbs above the layer's root on the way (`../b`, `a/../../b`). */
export function climbsAboveRoot(path: string): boolean {
  return hasParentPart(path) && joinRelative('', path) === null;
}

function hasParentPart(path: string): boolean {
  // `.wh..wh..opq` and `f..g` hold `..` but no `..` part: the substring test only screens.
  if (!path.includes('..')) return false;
  return path === '..' || path.startsWith('../') || path.endsWith('/..') || path.includes('/../');
}

/** An entry's path as a one-line message shows it: its first 100 characters, made safe for a terminal. */
export function shownEntryPath(path: string): string {
  return terminalText(clip(path, SHOWN_PATH));
}

/**
 * Resolves a link target against the folder of the link (symlinks) or the archive root (hard
 * links). Returns null when the target leaves the archive: an absolute path or too many `..`.
 */
export function resolveLinkTarget(linkPath: string, target: string, kind: 'symlink' | 'hardlink'): string | null {
  if (target.startsWith('/')) return null;
  return joinRelative(kind === 'symlink' ? parentPath(linkPath) : '', target);
}

/**
 * `path` taken from the folder `base` (`''` is the root; a normalized path, whose segments are
 * taken as they are): `..` climbs, `.` and empty segments vanish. Returns null when it climbs above
 * the root, unless `stayAtRoot` (then `..` at the root stays there, as a process's does). The one
 * place paths are climbed, for archive links, layer entry names and paths a package database
 * names. `base` is cut at its slashes, never split: a database of 2M `./x` lines under one folder
 * of 4,000 characters split it 2M times (20,000 under 16 KB: 5.3 s, 407 MB).
 */
export function joinRelative(base: string, path: string, stayAtRoot = false): string | null {
  let end = base.length;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
    else if (end === 0) {
      if (!stayAtRoot) return null;
    } else end = Math.max(0, base.lastIndexOf('/', end - 1));
  }
  const head = end === base.length ? base : base.slice(0, end);
  if (parts.length === 0) return head;
  const tail = parts.join('/');
  return childPath(head, tail);
}

/** The folder holding `path` (`''` for the root). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** The path of `name` in the folder `folder` (`''` is the root): the inverse of parentPath and baseName. */
export function childPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/** The last part of `path`: its name in the folder holding it. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Why an entry path longer than Linux's PATH_MAX (MAX_PATH_LENGTH) is refused, in a layer or in the
 * outer archive: no tool writes one and no runtime extracts it (`docker load` fails with "file name
 * too long"), and thousands of paths of one length past 16,383 characters would collide in every
 * map keyed by path (V8 hashes such strings by their length alone). Its header parsed: the archive
 * was made so, not damaged, and the message names the entry by the first 100 characters of its path.
 */
export class OverlongPathError extends TarFormatError {
  readonly likely = 'no tar tool writes such a path and docker load refuses it: a hand-made or hostile archive?';
}

export function overlongPath(path: string, offset: number): OverlongPathError {
  return new OverlongPathError(`entry ${shownEntryPath(path)}: its path is ${overPathMax(path.length)}`, offset);
}

/** Characters of an overlong path a message shows. */
const SHOWN_PATH = 100;

/** How a path past PATH_MAX is told, wherever it comes from (a tar entry, a saved report). */
export function overPathMax(length: number): string {
  return `${length} characters long, over Linux's PATH_MAX (${MAX_PATH_LENGTH})`;
}
