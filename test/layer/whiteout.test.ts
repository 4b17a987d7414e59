import { describe, expect, it } from 'vitest';
import { whiteoutKindOf, whiteoutTarget } from '../../src/layer/whiteout.js';

// Entry paths as the walk gives them (normalizeEntryPath: no `./`, no leading `/`, `..` kept).
// The expectations are what moby's UnpackLayer (go-archive diff.go) removes; where it and
// containerd's applyNaive refuse the layer, nothing (see docs/design.md, Whiteouts).
describe('whiteoutKindOf and whiteoutTarget', () => {
  it.each([
    // [path, kind, the path it removes (null: nothing)]
    ['a/.wh.b', 'delete', 'a/b'],
    ['.wh.b', 'delete', 'b'],
    ['a/.wh..wh..opq', 'opaque', 'a'],
    ['.wh..wh..opq', 'opaque', ''],
    ['a/b', null, null],
    ['a/.wh.b/c', null, null],
    ['a.wh.b', null, null],
    // A whiteout's folder climbs as Go's path.Clean has it.
    ['a/../.wh.b', 'delete', 'b'],
    ['a/b/../.wh..wh..opq', 'opaque', 'a'],
    // Names no file, or `.`/`..`: containerd and Docker's overlay2 applier refuse the layer.
    ['.wh.', 'delete', null],
    ['a/.wh.', 'delete', null],
    ['a/.wh..', 'delete', null],
    ['a/b/.wh...', 'delete', null],
    // Climbs above the root: stays at the root, as containerd and Docker's chrooted applier have it.
    ['../.wh.b', 'delete', 'b'],
    ['a/../../.wh..wh..opq', 'opaque', ''],
    // AUFS metadata at the root: Docker skips it all (and the AUFS hard-link folder's files).
    ['.wh..wh.plnk', 'delete', null],
    ['.wh..wh.plnk/123.456', 'delete', null],
    ['.wh..wh.aufs', 'delete', null],
    ['.wh..wh.orph/x/y', 'delete', null],
    ['.wh..wh.plnk/.wh.x', 'delete', null],
    ['.wh..wh..opq/x', 'delete', null],
    // ...but not below it: there a `.wh..wh.x` is a whiteout of `.wh.x` like any other.
    ['a/.wh..wh.plnk', 'delete', 'a/.wh.plnk'],
    ['a/.wh..wh.plnk/x', null, null],
  ] as const)('%s: %s, removes %s', (path, kind, target) => {
    expect(whiteoutKindOf(path)).toBe(kind);
    if (kind !== null) expect(whiteoutTarget(path)).toBe(target);
  });
});
