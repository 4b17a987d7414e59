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
  const base = kind === 'symlink' ? linkPath.split('/').slice(0, -1) : [];
  const parts = [...base];
  for (const part of target.split('/')) {
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

/** Control characters (and DEL, C1) shown as escapes, so archive names cannot drive a terminal. */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  });
}
