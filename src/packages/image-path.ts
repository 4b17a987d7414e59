/**
 * Joins a database's path onto a folder the way the package manager would, without touching the
 * file system: `..` climbs, `.` and empty segments vanish, a leading `/` starts at the image
 * root. Returns null when the path climbs above the root (a lying database).
 */
export function joinImagePath(base: string, path: string): string | null {
  // Most database paths are already clean (`/usr/bin/ls`, `requests/api.py`): no split needed.
  if (isClean(path)) {
    if (path.startsWith('/')) return path.slice(1);
    return base === '' ? path : `${base}/${path}`;
  }
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

/** No empty, `.` or `..` segment, no trailing slash (a leading `/` is fine). */
function isClean(path: string): boolean {
  const body = path.startsWith('/') ? path.slice(1) : path;
  return (
    body !== '' &&
    !body.startsWith('./') &&
    !body.startsWith('../') &&
    body !== '.' &&
    body !== '..' &&
    !body.endsWith('/') &&
    !body.endsWith('/.') &&
    !body.endsWith('/..') &&
    !body.includes('//') &&
    !body.includes('/./') &&
    !body.includes('/../')
  );
}
