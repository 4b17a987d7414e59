/**
 * The one place that says which files inside a layer are package databases, and how much of
 * them a layer walk keeps. Every other layer entry stays header-only.
 */

/** Largest single metadata file kept (a full Debian `status` is about 2 MB, apk's `installed` 3 MB). */
export const METADATA_FILE_CAP = 8 * 1024 * 1024;
/** Most metadata bytes kept per layer (all `.list` files of a big Debian image are about 10 MB). */
export const METADATA_LAYER_CAP = 64 * 1024 * 1024;
/** An app's own package.json is looked for this many folders deep at most (`usr/src/app/package.json`). */
const APP_MANIFEST_MAX_DEPTH = 4;

export type MetadataKind =
  'dpkg-status' | 'dpkg-status-d' | 'dpkg-list' | 'apk-installed' | 'npm-package' | 'npm-app' | 'pip-record';

const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';
const DPKG_INFO = 'var/lib/dpkg/info/';

/**
 * False for most paths that are no package database, from their first and last character:
 * databases start with `v` (var/lib/dpkg/…) or `l` (lib/apk/…), or end with `n` (package.json)
 * or `D` (RECORD). Asked before metadataKindOf on every file of every layer: a 20k-file layer
 * walked 10 % faster with it, cold (issue 9).
 */
export function mayBeMetadata(path: string): boolean {
  const first = path.charCodeAt(0);
  const last = path.charCodeAt(path.length - 1);
  return first === 0x76 || first === 0x6c || last === 0x6e || last === 0x44;
}

/**
 * What kind of package metadata `path` (a normalized layer path) is, or null. Linear in the
 * path's length, no regular expressions: it runs on every header of every layer.
 */
export function metadataKindOf(path: string): MetadataKind | null {
  const last = path.lastIndexOf('/');
  // No slice for the common answer (none): this runs on every header of every layer.
  if (path.endsWith('package.json') && path.length - last - 1 === 'package.json'.length) return npmKindOf(path);
  if (path.endsWith('.dist-info/RECORD')) return 'pip-record';
  if (path === 'var/lib/dpkg/status') return 'dpkg-status';
  if (path === 'lib/apk/db/installed') return 'apk-installed';
  if (path.startsWith(DPKG_INFO)) {
    return last === DPKG_INFO.length - 1 && path.endsWith('.list') && path.length - last > 6 ? 'dpkg-list' : null;
  }
  if (path.startsWith(DPKG_STATUS_D)) {
    // distroless also writes NAME.md5sums beside each stanza: checksums, not a database.
    return last === DPKG_STATUS_D.length - 1 && path.length - last > 1 && !path.endsWith('.md5sums')
      ? 'dpkg-status-d'
      : null;
  }
  return null;
}

/** `…/node_modules/NAME/package.json` or `…/node_modules/@SCOPE/NAME/package.json`; an app's own near the root. */
function npmKindOf(path: string): MetadataKind | null {
  const parts = path.split('/');
  const n = parts.length;
  if (parts[n - 3] === 'node_modules' && !(parts[n - 2] ?? '').startsWith('@')) return 'npm-package';
  if (parts[n - 4] === 'node_modules' && (parts[n - 3] ?? '').startsWith('@')) return 'npm-package';
  if (parts.includes('node_modules')) return null;
  return n <= APP_MANIFEST_MAX_DEPTH + 1 ? 'npm-app' : null;
}

/** The package folder an npm path belongs to (`a/node_modules/@s/n/lib/x.js` -> `a/node_modules/@s/n`), or null. */
export function npmPackageRootOf(path: string): string | null {
  let marker = path.lastIndexOf('node_modules/');
  while (marker > 0 && path.charCodeAt(marker - 1) !== 0x2f) marker = path.lastIndexOf('node_modules/', marker - 1);
  if (marker === -1) return null;
  const start = marker + 'node_modules/'.length;
  let end = path.indexOf('/', start);
  if (end === -1) return null;
  if (path.charCodeAt(start) === 0x40 /* @ */) {
    end = path.indexOf('/', end + 1);
    if (end === -1) return null;
  }
  return path.slice(0, end);
}
