import { joinRelative } from '../archive/entry-path.js';

export { parentPath } from '../archive/entry-path.js';

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
  return joinRelative(path.startsWith('/') ? '' : base, path);
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
