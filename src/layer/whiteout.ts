import { baseName, childPath, layerEntryPath, parentPath } from '../archive/entry-path.js';

/**
 * Whiteouts, per the OCI image spec ("Representing Changes") and AUFS before it: a file named
 * `.wh.<name>` deletes `<name>` from lower layers; `.wh..wh..opq` in a directory hides everything
 * lower layers put in that directory. The one home for these rules; where the spec says nothing,
 * they follow Docker's applier (moby go-archive `UnpackLayer`), and docs/design.md (Whiteouts)
 * has the table of edge cases against it and containerd's.
 */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** AUFS metadata at the root of a layer (`.wh..wh.plnk/`, `.wh..wh.aufs`): Docker skips all of it. */
const AUFS_META_PREFIX = '.wh..wh.';

export type WhiteoutKind = 'delete' | 'opaque';

/**
 * Whether the entry is a whiteout, and which kind: never an entry of the final tree. AUFS metadata
 * at the root (everything whose path starts with `.wh..wh.`, but the opaque marker) counts as a
 * delete that removes nothing (see whiteoutTarget), as Docker skips it.
 */
export function whiteoutKindOf(path: string): WhiteoutKind | null {
  // No slice: this runs on every entry a walk keeps.
  const start = path.lastIndexOf('/') + 1;
  if (!path.startsWith(WHITEOUT_PREFIX, start)) {
    return path.startsWith(AUFS_META_PREFIX) ? 'delete' : null;
  }
  return path.length - start === OPAQUE_MARKER.length && path.endsWith(OPAQUE_MARKER) ? 'opaque' : 'delete';
}

/**
 * The path a whiteout removes: `a/.wh.b` -> `a/b`; `a/.wh..wh..opq` -> `a` (the directory whose
 * lower content goes); null when it removes nothing. `..` in its folder climbs, and stays at the
 * root, as in entry names (layerEntryPath). Null for a name that names no file or `.`/`..` (`.wh.`,
 * `.wh..`, `.wh...`: containerd and Docker on overlay2 refuse the layer, where Docker's naive
 * applier removes the folder or fails), and for AUFS metadata.
 */
export function whiteoutTarget(path: string): string | null {
  let dir = parentPath(path);
  const base = baseName(path);
  // Names read from a layer are cleaned already (layerEntryPath); these come from saved reports.
  if (dir.includes('..')) dir = layerEntryPath(dir);
  // AUFS metadata: Docker skips every entry whose cleaned name starts with `.wh..wh.`, but the marker.
  if (dir === '' ? base !== OPAQUE_MARKER && base.startsWith(AUFS_META_PREFIX) : dir.startsWith(AUFS_META_PREFIX)) {
    return null;
  }
  if (base === OPAQUE_MARKER) return dir;
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (!base.startsWith(WHITEOUT_PREFIX) || name === '' || name === '.' || name === '..') return null;
  return childPath(dir, name);
}
