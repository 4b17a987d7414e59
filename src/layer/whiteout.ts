/**
 * Whiteouts, per the OCI image spec ("Representing Changes") and AUFS before it: a file named
 * `.wh.<name>` deletes `<name>` from lower layers; `.wh..wh..opq` in a directory hides everything
 * lower layers put in that directory. The one home for these rules.
 */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export type WhiteoutKind = 'delete' | 'opaque';

export function whiteoutKindOf(path: string): WhiteoutKind | null {
  // No slice: this runs on every entry a walk keeps.
  const start = path.lastIndexOf('/') + 1;
  if (!path.startsWith(WHITEOUT_PREFIX, start)) return null;
  return path.length - start === OPAQUE_MARKER.length && path.endsWith(OPAQUE_MARKER) ? 'opaque' : 'delete';
}

/** The path a whiteout hides: `a/.wh.b` -> `a/b`; `a/.wh..wh..opq` -> `a` (the directory). */
export function whiteoutTarget(path: string): string {
  const slash = path.lastIndexOf('/');
  const dir = slash === -1 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (base === OPAQUE_MARKER) return dir;
  const name = base.slice(WHITEOUT_PREFIX.length);
  return dir === '' ? name : `${dir}/${name}`;
}
