import { joinRelative } from '../archive/entry-path.js';
import { MAX_PATH_LENGTH } from '../model/limits.js';

export { parentPath } from '../archive/entry-path.js';

/**
 * Joins a database's path onto a folder the way the package manager would, without touching the
 * file system: `..` climbs, `.` and empty segments vanish, a leading `/` starts at the image
 * root. Returns null when the path climbs above the root or is longer than MAX_PATH_LENGTH (a
 * lying database).
 */
export function joinImagePath(base: string, path: string): string | null {
  // Most database paths are already clean (`/usr/bin/ls`, `requests/api.py`): no split needed.
  if (isClean(path)) {
    if (path.startsWith('/')) return path.length > MAX_PATH_LENGTH + 1 ? null : path.slice(1);
    if (base === '') return path.length > MAX_PATH_LENGTH ? null : path;
    return base.length + 1 + path.length > MAX_PATH_LENGTH ? null : `${base}/${path}`;
  }
  const joined = joinRelative(path.startsWith('/') ? '' : base, path);
  return joined !== null && joined.length > MAX_PATH_LENGTH ? null : joined;
}

/** No empty, `.` or `..` segment, no trailing slash (a leading `/` is fine). */
function isClean(path: string): boolean {
  const body = path.startsWith('/') ? path.slice(1) : path;
  return (
    body !== '' &&
    !body.startsWith('/') &&
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
