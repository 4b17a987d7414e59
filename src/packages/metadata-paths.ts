/**
 * The one place that says which files inside a layer are package databases, and how much of
 * them a layer walk keeps. Every other layer entry stays header-only.
 */

/** Largest single metadata file kept (a full Debian `status` is about 2 MB, apk's `installed` 3 MB). */
export const METADATA_FILE_CAP = 8 * 1024 * 1024;
/** Most metadata bytes kept per layer (all `.list` files of a big Debian image are about 10 MB). */
export const METADATA_LAYER_CAP = 64 * 1024 * 1024;
/**
 * Most metadata bytes kept per archive read, all layers together: past it, the layers keeping the
 * most let theirs go (see ArchiveBudget). Without it, an archive of many layers each at the layer
 * cap made memory grow with every layer (a 1.17 GB one ran Node out of heap, issue 9).
 */
export const METADATA_ARCHIVE_CAP = 128 * 1024 * 1024;
/**
 * Most paths read from the databases of one image (`.list`, apk `R:` and RECORD lines) to attribute
 * its tree: a real image's databases list a few hundred thousand. Each costs a string and a lookup,
 * and 8 MiB of short lines are almost three million of them.
 */
export const MAX_LISTED_PATHS = 2_000_000;
/** An app's own package.json is looked for this many folders deep at most (`usr/src/app/package.json`). */
const APP_MANIFEST_MAX_DEPTH = 4;

/** Every kind of package database file, in a fixed order (a kept file's kind travels as its index). */
export const METADATA_KINDS = [
  'dpkg-status',
  'dpkg-status-d',
  'dpkg-list',
  'apk-installed',
  'npm-package',
  'npm-app',
  'pip-record',
] as const;

export type MetadataKind = (typeof METADATA_KINDS)[number];

const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';
const DPKG_INFO = 'var/lib/dpkg/info/';

/**
 * False for most paths that are no package database, from their first and last character:
 * databases start with `v` (var/lib/dpkg/…) or `l` (lib/apk/…), or end with `n` (package.json)
 * or `D` (RECORD). metadataKindOf asks it first: it runs on every file of every layer, and a
 * 20k-file layer walked 10 % faster with it, cold (issue 9).
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
  if (!mayBeMetadata(path)) return null;
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
  // Folders from the end, by where their slashes are: no split of the path (the head start asks
  // for every database of the image, and walks ask for every package.json, issue 9).
  const slash1 = path.length - 'package.json'.length - 1;
  const slash2 = slashBefore(path, slash1);
  const slash3 = slashBefore(path, slash2);
  const slash4 = slashBefore(path, slash3);
  // node_modules/NAME/package.json, NAME not a scope.
  if (slash2 >= 0 && isFolder(path, slash3 + 1, slash2, NODE_MODULES) && path.charCodeAt(slash2 + 1) !== AT)
    return 'npm-package';
  // node_modules/@SCOPE/NAME/package.json.
  if (slash3 >= 0 && isFolder(path, slash4 + 1, slash3, NODE_MODULES) && path.charCodeAt(slash3 + 1) === AT)
    return 'npm-package';
  if (hasFolder(path, NODE_MODULES)) return null;
  // Its folders and itself: at most APP_MANIFEST_MAX_DEPTH folders deep.
  const most = APP_MANIFEST_MAX_DEPTH + 1;
  let parts = 1;
  for (let at = path.indexOf('/'); at !== -1 && parts <= most; at = path.indexOf('/', at + 1)) parts++;
  return parts <= most ? 'npm-app' : null;
}

/** The folder npm installs packages in. */
const NODE_MODULES = 'node_modules';
/** `node_modules/`: how a path goes into it. */
export const MODULES_FOLDER = `${NODE_MODULES}/`;
const AT = 0x40;

/** Where the last `node_modules/` of `path` that is a whole folder starts, or -1. */
export function lastModulesFolderAt(path: string): number {
  let at = path.lastIndexOf(MODULES_FOLDER);
  while (at > 0 && path.charCodeAt(at - 1) !== 0x2f) at = path.lastIndexOf(MODULES_FOLDER, at - 1);
  return at;
}

/** The slash before index `end` (itself a slash, or -1 for the start), or -1 when there is none. */
function slashBefore(path: string, end: number): number {
  return end <= 0 ? -1 : path.lastIndexOf('/', end - 1);
}

/** Whether the folder from `start` to `end` (exclusive) is `name`. */
function isFolder(path: string, start: number, end: number, name: string): boolean {
  return end - start === name.length && path.startsWith(name, start);
}

/** Whether some folder of `path` (or its last part) is exactly `name`. */
function hasFolder(path: string, name: string): boolean {
  for (let at = path.indexOf(name); at !== -1; at = path.indexOf(name, at + 1)) {
    const end = at + name.length;
    if ((at === 0 || path.charCodeAt(at - 1) === 0x2f) && (end === path.length || path.charCodeAt(end) === 0x2f))
      return true;
  }
  return false;
}

/** The package folder an npm path belongs to (`a/node_modules/@s/n/lib/x.js` -> `a/node_modules/@s/n`), or null. */
export function npmPackageRootOf(path: string): string | null {
  const marker = lastModulesFolderAt(path);
  if (marker === -1) return null;
  const start = marker + MODULES_FOLDER.length;
  let end = path.indexOf('/', start);
  if (end === -1) return null;
  if (path.charCodeAt(start) === 0x40 /* @ */) {
    end = path.indexOf('/', end + 1);
    if (end === -1) return null;
  }
  return path.slice(0, end);
}
