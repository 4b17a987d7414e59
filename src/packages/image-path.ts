/**
 * Joins a database's path onto a folder the way the package manager would, without touching the
 * file system: `..` climbs, `.` and empty segments vanish, a leading `/` starts at the image
 * root. Returns null when the path climbs above the root (a lying database).
 */
export function joinImagePath(base: string, path: string): string | null {
  const parts = path.startsWith('/') || base === '' ? [] : base.split('/');
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join('/');
}

/** The folder holding `path` (`''` for the root). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}
