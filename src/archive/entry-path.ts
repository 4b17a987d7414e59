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
 * Resolves a link target against the folder of the link (symlinks) or the archive root (hard
 * links). Returns null when the target leaves the archive: an absolute path or too many `..`.
 */
export function resolveLinkTarget(linkPath: string, target: string, kind: 'symlink' | 'hardlink'): string | null {
  if (target.startsWith('/')) return null;
  return joinRelative(kind === 'symlink' ? parentPath(linkPath) : '', target);
}

/**
 * `path` taken from the folder `base` (`''` is the root): `..` climbs, `.` and empty segments
 * vanish. Returns null when it climbs above the root. The one place paths are climbed, for
 * archive links and for paths a package database names.
 */
export function joinRelative(base: string, path: string): string | null {
  const parts = base === '' ? [] : base.split('/');
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
