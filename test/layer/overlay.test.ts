import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeEntryPath } from '../../src/archive/entry-path.js';
import type { FileRecord } from '../../src/layer/file-list.js';
import { applyLayers } from '../../src/layer/overlay.js';
import { whiteoutKindOf } from '../../src/layer/whiteout.js';

const file = (path: string, size: number): FileRecord => ({
  path,
  type: 'file',
  size,
  mode: 0o644,
  uid: 0,
  gid: 0,
  linkTarget: null,
  whiteout: whiteoutKindOf(path),
  sha256: null,
});
const dir = (path: string): FileRecord => ({ ...file(path, 0), type: 'directory' });
const hardlink = (path: string, target: string): FileRecord => ({
  ...file(path, 0),
  type: 'hardlink',
  linkTarget: target,
});
const symlink = (path: string, target: string): FileRecord => ({
  ...file(path, 0),
  type: 'symlink',
  linkTarget: target,
});

describe('applyLayers', () => {
  it('counts no bytes of a whiteout entry, even one that claims content (hostile or broken tar)', () => {
    const overlay = applyLayers([
      [dir('a'), file('a/x', 10)],
      [file('a/.wh.x', 7), file('a/.wh..wh..opq', 3)],
    ]);
    expect([overlay.totalSize, overlay.visibleSize]).toEqual([10, 0]);
  });

  it('counts a deleted file as waste, attributed to the layer that added it', () => {
    const overlay = applyLayers([[dir('a'), file('a/big', 1000), file('a/keep', 10)], [file('a/.wh.big', 0)]]);
    expect(overlay.hidden).toEqual([{ path: 'a/big', layerIndex: 0, size: 1000, hiddenBy: 'delete', byLayer: 1 }]);
    expect([overlay.totalSize, overlay.wastedSize, overlay.visibleSize]).toEqual([1010, 1000, 10]);
    expect(overlay.efficiency).toBeCloseTo(10 / 1010);
    expect([...overlay.tree.keys()]).toEqual(['a', 'a/keep']);
  });

  it('deletes a directory with everything below it', () => {
    const overlay = applyLayers([[dir('d'), dir('d/e'), file('d/e/f', 5), file('d/g', 7)], [file('.wh.d', 0)]]);
    expect(overlay.wastedSize).toBe(12);
    expect(overlay.tree.size).toBe(0);
  });

  it('hides only lower content under an opaque directory, keeping what the same layer adds', () => {
    const overlay = applyLayers([
      [dir('www'), file('www/old.html', 100), file('www/css', 20)],
      [dir('www'), file('www/.wh..wh..opq', 0), file('www/index.html', 12)],
    ]);
    expect(overlay.hidden.map((h) => [h.path, h.hiddenBy, h.size])).toEqual([
      ['www/old.html', 'opaque', 100],
      ['www/css', 'opaque', 20],
    ]);
    expect([...overlay.tree.keys()].sort()).toEqual(['www', 'www/index.html']);
  });

  it('counts each hidden copy of an overwritten file once and the visible copy never', () => {
    const overlay = applyLayers([[file('f', 100)], [file('f', 200)], [file('f', 300)]]);
    expect(overlay.hidden.map((h) => [h.layerIndex, h.size, h.hiddenBy])).toEqual([
      [0, 100, 'overwrite'],
      [1, 200, 'overwrite'],
    ]);
    expect(overlay.wastedSize).toBe(300);
    expect(overlay.tree.get('f')?.layerIndex).toBe(2);
  });

  it('swaps a directory for a file and a file for a directory', () => {
    const overlay = applyLayers([
      [dir('x'), file('x/a', 4), file('y', 9)],
      [file('x', 1), dir('y'), file('y/b', 2)],
    ]);
    expect(overlay.hidden.map((h) => [h.path, h.hiddenBy, h.size]).sort()).toEqual([
      ['x/a', 'replace', 4],
      ['y', 'replace', 9],
    ]);
    expect(overlay.tree.get('x')?.record.type).toBe('file');
    expect(overlay.tree.get('y/b')?.layerIndex).toBe(1);
  });

  it('replaces a folder that only its entries imply with a file, hiding what is below it', () => {
    const overlay = applyLayers([[file('opt/app/bin/run', 10), file('opt/app/lib/x.so', 20)], [file('opt/app', 5)]]);
    expect([...overlay.tree.keys()]).toEqual(['opt/app']);
    expect(overlay.hidden.map((h) => [h.path, h.hiddenBy, h.size]).sort()).toEqual([
      ['opt/app/bin/run', 'replace', 10],
      ['opt/app/lib/x.so', 'replace', 20],
    ]);
    // And the other way: a file under what is now a file makes it give way again.
    const back = applyLayers([[file('opt/app/bin/run', 10)], [file('opt/app', 5)], [file('opt/app/new', 1)]]);
    expect([...back.tree.keys()]).toEqual(['opt/app/new']);
    expect(back.wastedSize).toBe(15);
  });

  it("lets a file amid a folder's entries replace it, in the same layer too", () => {
    // A tar need not keep a folder's entries together: a file at the folder's path (or above
    // it) between them turns it into a file, and the next entry below turns it back.
    expect([...applyLayers([[file('a/x', 1), file('a', 2), file('a/y', 3)]]).tree.keys()]).toEqual(['a/y']);
    expect([...applyLayers([[file('a/b/x', 1), file('a', 2), file('a/b/y', 3)]]).tree.keys()]).toEqual(['a/b/y']);
    expect([
      ...applyLayers([
        [dir('a'), file('a/b/x', 1)],
        [file('a/b', 2), file('a/b/y', 3)],
      ]).tree.keys(),
    ]).toEqual(['a', 'a/b/y']);
  });

  it('counts hard links once', () => {
    const overlay = applyLayers([
      [file('bin/busybox', 500), hardlink('bin/ls', 'bin/busybox'), symlink('bin/sh', 'busybox')],
    ]);
    expect(overlay.totalSize).toBe(500 + 'busybox'.length);
    expect(overlay.wastedSize).toBe(0);
  });

  describe('a hard link whose file a later layer removes or replaces', () => {
    // Docker's applier (moby go-archive UnpackLayer) links the name to the inode: the inode, and
    // its bytes, stay while any name of it is in the tree.
    const pair = [file('a', 100), hardlink('b', 'a')];
    const sizeAt = (overlay: ReturnType<typeof applyLayers>, path: string): number | undefined => {
      const ref = overlay.tree.refs.get(path);
      return ref === undefined ? undefined : overlay.tree.contentSize(ref);
    };

    it("keeps the bytes under the link when the file's name is deleted", () => {
      const overlay = applyLayers([pair, [file('.wh.a', 0)]]);
      expect([...overlay.tree.keys()]).toEqual(['b']);
      expect([overlay.visibleSize, overlay.wastedSize]).toEqual([100, 0]);
      expect(sizeAt(overlay, 'b')).toBe(100);
      expect(overlay.tree.get('b')?.size).toBe(100);
      expect(overlay.hidden).toEqual([{ path: 'a', layerIndex: 0, size: 0, hiddenBy: 'delete', byLayer: 1 }]);
    });

    it("keeps the bytes under the link when a new file replaces the file's name", () => {
      const overlay = applyLayers([pair, [file('a', 50)]]);
      expect([overlay.visibleSize, overlay.wastedSize]).toEqual([150, 0]);
      expect([sizeAt(overlay, 'a'), sizeAt(overlay, 'b')]).toEqual([50, 100]);
    });

    it('counts one inode once under its names, and as waste once the last name goes', () => {
      const three = [file('a', 100), hardlink('b', 'a'), hardlink('c', 'a')];
      const noA = applyLayers([three, [file('.wh.a', 0)]]);
      expect([noA.visibleSize, noA.wastedSize, sizeAt(noA, 'b'), sizeAt(noA, 'c')]).toEqual([100, 0, 100, 0]);
      const onlyC = applyLayers([three, [file('.wh.a', 0)], [file('.wh.b', 0)]]);
      expect([onlyC.visibleSize, onlyC.wastedSize, sizeAt(onlyC, 'c')]).toEqual([100, 0, 100]);
      const none = applyLayers([three, [file('.wh.a', 0)], [file('.wh.b', 0)], [file('.wh.c', 0)]]);
      expect([none.visibleSize, none.wastedSize, none.tree.size]).toEqual([0, 100, 0]);
      // The bytes are the first layer's: the last name takes them with it.
      expect(none.hidden.filter((h) => h.size > 0)).toEqual([
        { path: 'c', layerIndex: 0, size: 100, hiddenBy: 'delete', byLayer: 3 },
      ]);
      // A link removed while the file stays hides nothing, as before.
      const noB = applyLayers([three, [file('.wh.b', 0)]]);
      expect([noB.visibleSize, noB.wastedSize, sizeAt(noB, 'a')]).toEqual([100, 0, 100]);
    });

    it('moves the bytes when a whole folder of names goes, or a folder replaces the name', () => {
      const tree = [dir('bin'), file('bin/perl', 100), dir('usr'), hardlink('usr/perl5', 'bin/perl')];
      const gone = applyLayers([tree, [file('.wh.bin', 0)]]);
      expect([gone.visibleSize, gone.wastedSize, sizeAt(gone, 'usr/perl5')]).toEqual([100, 0, 100]);
      const opaque = applyLayers([tree, [file('bin/.wh..wh..opq', 0), dir('bin/perl'), file('bin/perl/x', 1)]]);
      expect([opaque.visibleSize, opaque.wastedSize, sizeAt(opaque, 'usr/perl5')]).toEqual([101, 0, 100]);
      const both = applyLayers([tree, [file('.wh.usr', 0), file('.wh.bin', 0)]]);
      expect([both.visibleSize, both.wastedSize]).toEqual([0, 100]);
    });

    it('links to what the tree has at the target path when the entry is applied', () => {
      // A link to a lower layer's file (hostile: real tars link to an earlier entry of their own).
      const lower = applyLayers([[file('a', 100)], [hardlink('b', 'a'), file('.wh.a', 0)]]);
      expect([lower.visibleSize, lower.wastedSize, sizeAt(lower, 'b')]).toEqual([100, 0, 100]);
      // Names cleaned as Docker joins them to the root.
      const spelled = applyLayers([
        [file('a', 100), hardlink('b', './x/../a'), hardlink('c', '/a')],
        [file('.wh.a', 0)],
      ]);
      expect([spelled.visibleSize, sizeAt(spelled, 'b'), sizeAt(spelled, 'c')]).toEqual([100, 100, 0]);
      // Above the root, a target stays at the root, as Docker joins it to the root and containerd resolves it in it.
      const above = applyLayers([[file('a', 100), hardlink('b', '../a'), hardlink('c', '/../a')], [file('.wh.a', 0)]]);
      expect([above.visibleSize, above.wastedSize, sizeAt(above, 'b'), sizeAt(above, 'c')]).toEqual([100, 0, 100, 0]);
      // Dangling (nothing there, itself, a folder, a file written after it): 0 bytes.
      for (const target of ['none', 'b', 'd', 'later']) {
        const overlay = applyLayers([
          [file('a', 100), dir('d'), hardlink('b', target), file('later', 7)],
          [file('.wh.a', 0)],
        ]);
        expect([overlay.visibleSize, overlay.wastedSize, sizeAt(overlay, 'b')]).toEqual([7, 100, 0]);
      }
      // A link to a link is a link to its inode.
      const chained = applyLayers([
        [file('a', 100), hardlink('b', 'a'), hardlink('c', 'b')],
        [file('.wh.a', 0), file('.wh.b', 0)],
      ]);
      expect([chained.visibleSize, chained.wastedSize, sizeAt(chained, 'c')]).toEqual([100, 0, 100]);
    });

    it('links a name written again to the new file: the old inode goes with its last name', () => {
      const overlay = applyLayers([pair, [file('a', 50), hardlink('b', 'a')]]);
      expect([overlay.visibleSize, overlay.wastedSize, sizeAt(overlay, 'a'), sizeAt(overlay, 'b')]).toEqual([
        50, 100, 50, 0,
      ]);
      expect(overlay.hidden.filter((h) => h.size > 0)).toEqual([
        { path: 'b', layerIndex: 0, size: 100, hiddenBy: 'overwrite', byLayer: 1 },
      ]);
      // A layer listed again is stored once: its copies hide nothing.
      const again = applyLayers([pair, [file('g', 1)], pair], ['sha256:p', 'sha256:g', 'sha256:p']);
      expect([again.visibleSize, again.wastedSize, again.totalSize]).toEqual([101, 0, 101]);
    });
  });

  it('ignores a whiteout of a path that never existed', () => {
    const overlay = applyLayers([[file('a', 1)], [file('.wh.never', 0), file('dir/.wh..wh..opq', 0)]]);
    expect(overlay.hidden).toEqual([]);
    expect(overlay.wastedSize).toBe(0);
  });

  it('removes nothing for a whiteout that names no file, or AUFS metadata', () => {
    // A bare `.wh.` at the root removed the whole tree (Docker and containerd refuse the layer).
    const lower = [dir('a'), file('a/x', 5), file('b', 3)];
    for (const whiteout of ['.wh.', 'a/.wh.', 'a/.wh..', 'a/.wh...', '.wh..wh.plnk/.wh.b']) {
      const overlay = applyLayers([lower, [file(whiteout, 0)]]);
      expect([[...overlay.tree.keys()], overlay.wastedSize]).toEqual([['a', 'a/x', 'b'], 0]);
    }
  });

  it('applies a whiteout above the root at the root, as containerd and Docker chrooted do', () => {
    const lower = [dir('a'), file('a/x', 5), file('b', 3)];
    for (const whiteout of ['../.wh.b', 'a/../../.wh.b']) {
      const overlay = applyLayers([lower, [file(whiteout, 0)]]);
      expect([[...overlay.tree.keys()], overlay.wastedSize]).toEqual([['a', 'a/x'], 3]);
    }
  });

  it("keeps the files of the AUFS hard-link folder out of the tree, as Docker's applier skips them", () => {
    const overlay = applyLayers([[dir('.wh..wh.plnk'), file('.wh..wh.plnk/12.34', 9), file('keep', 1)]]);
    expect([...overlay.tree.keys()]).toEqual(['keep']);
  });

  it('climbs `..` in the folder of a whiteout as Docker cleans its name', () => {
    const overlay = applyLayers([[dir('a'), file('a/x', 5), file('b', 3)], [file('a/../.wh.b', 0)]]);
    expect([...overlay.tree.keys()]).toEqual(['a', 'a/x']);
  });

  it('applies whiteouts in entry order: one after an entry of its own layer removes that entry too', () => {
    // moby's UnpackLayer and containerd's applyNaive remove what is there when they meet the whiteout.
    const overlay = applyLayers([
      [dir('a'), file('a/x', 5), file('b', 3)],
      [file('b', 4), file('.wh.b', 0), file('.wh.a', 0), dir('a'), file('a/y', 6)],
    ]);
    expect([...overlay.tree].map(([path, e]) => [path, e.layerIndex])).toEqual([
      ['a', 1],
      ['a/y', 1],
    ]);
    // The lower copies are waste; the layer's own `b`, added and removed in it, is not a lower copy.
    expect(overlay.hidden.map((h) => [h.path, h.layerIndex, h.hiddenBy])).toEqual([
      ['b', 0, 'overwrite'],
      ['a/x', 0, 'delete'],
    ]);
    expect([overlay.totalSize, overlay.visibleSize, overlay.wastedSize]).toEqual([18, 6, 8]);
  });

  it('an opaque marker after an entry below a folder its layer only implies removes it with the folder', () => {
    // Docker keeps what its layer unpacked before the marker; `d/x` came from below, so it goes, and
    // `d/x/y` with it. After the marker, `d/x/y` makes `d/x` again.
    const lower = [dir('d'), dir('d/x'), file('d/x/old', 2)];
    const before = applyLayers([lower, [file('d/x/y', 1), file('d/.wh..wh..opq', 0)]]);
    expect([...before.tree.keys()]).toEqual(['d']);
    const after = applyLayers([lower, [file('d/.wh..wh..opq', 0), file('d/x/y', 1)]]);
    expect([...after.tree.keys()]).toEqual(['d', 'd/x/y']);
  });

  it('does not count a layer listed twice as waste', () => {
    const layer = [file('f', 50)];
    const overlay = applyLayers([layer, [file('g', 1)], layer], ['sha256:a', 'sha256:b', 'sha256:a']);
    expect([overlay.totalSize, overlay.wastedSize]).toEqual([51, 0]);
  });

  it('counts each stored copy hidden once, and a copy its layer shows again not at all', () => {
    // a, b, a over one path: b's copy is hidden, a's is the one shown (its first listing hid
    // nothing stored twice). Counted per listing, waste came to all the bytes (efficiency 0), and
    // a, b listed three times each to 2.5 times them (efficiency -1.5).
    const [a, b] = [[file('x', 100), file('y', 1)], [file('x', 10)]];
    const aba = applyLayers([a, b, a], ['sha256:a', 'sha256:b', 'sha256:a']);
    expect(aba.hidden).toEqual([{ path: 'x', layerIndex: 1, size: 10, hiddenBy: 'overwrite', byLayer: 2 }]);
    expect([aba.totalSize, aba.visibleSize, aba.wastedSize]).toEqual([111, 101, 10]);
    const keys = ['a', 'b', 'a', 'b', 'a', 'b'].map((k) => `sha256:${k}`);
    const ababab = applyLayers([a, b, a, b, a, b], keys);
    expect(ababab.hidden).toEqual([{ path: 'x', layerIndex: 0, size: 100, hiddenBy: 'overwrite', byLayer: 1 }]);
    expect([ababab.totalSize, ababab.visibleSize, ababab.wastedSize]).toEqual([111, 11, 100]);
    expect(ababab.efficiency).toBeCloseTo(11 / 111);
  });
});

/**
 * An independent oracle over the corpus truth files (every entry of every layer): a flat map of
 * path -> (layer, size), whiteouts deleting by prefix. Written differently from applyLayers on
 * purpose.
 */
interface TruthEntry {
  path: string;
  type: string;
  size: number;
  link_target?: string;
  linkname?: string;
}
function oracleWaste(layers: TruthEntry[][]): number {
  return oracle(layers).waste;
}
function oracle(layers: TruthEntry[][]): { waste: number; live: Map<string, { layer: number }> } {
  const live = new Map<string, { size: number; layer: number; isDir: boolean }>();
  let waste = 0;
  const drop = (prefix: string, lowerThan: number, keepSelf = false): void => {
    for (const [path, entry] of [...live]) {
      const under = path === prefix || path.startsWith(`${prefix}/`);
      if (!under || entry.layer >= lowerThan || (keepSelf && path === prefix)) continue;
      waste += entry.size;
      live.delete(path);
    }
  };
  layers.forEach((entries, layer) => {
    for (const e of entries) {
      const path = normalizeEntryPath(e.path);
      const base = path.split('/').at(-1) ?? '';
      const parent = path.split('/').slice(0, -1).join('/');
      if (base === '.wh..wh..opq') {
        for (const p of [...live.keys()]) {
          if (p.startsWith(`${parent}/`)) drop(p, layer);
        }
      } else if (base.startsWith('.wh.')) {
        drop(parent ? `${parent}/${base.slice(4)}` : base.slice(4), layer);
      }
    }
    for (const e of entries) {
      const path = normalizeEntryPath(e.path);
      if (path === '' || (path.split('/').at(-1) ?? '').startsWith('.wh.')) continue;
      const target = e.link_target ?? e.linkname ?? '';
      const size = e.type === 'file' ? e.size : e.type === 'symlink' ? Buffer.byteLength(target) : 0;
      const old = live.get(path);
      if (old && !(old.isDir && e.type === 'dir') && old.layer < layer) {
        if (old.isDir) drop(path, layer);
        else waste += old.size;
      }
      live.set(path, { size, layer, isDir: e.type === 'dir' });
    }
  });
  return { waste, live };
}

const real = resolve(import.meta.dirname, '../../../shared/corpus/real');
const cases = [
  'whiteout-1.docker-archive.tar.gz',
  'dwhiteout-1.docker20-save.tar',
  'links-1.skopeo-docker-archive.tar',
];

describe.skipIf(!existsSync(real))('waste on the corpus (truth files list every entry)', () => {
  it.each(cases)('%s: applyLayers agrees with an independent oracle', async (name) => {
    const truth = JSON.parse(readFileSync(join(real, `${name}.truth.json`), 'utf8')) as {
      images: { layers: { entries: TruthEntry[] }[] }[];
    };
    const { readArchive } = await import('../../src/index.js');
    const report = await readArchive(join(real, name));
    const image = report.images[0];
    const truthLayers = truth.images[0]?.layers.map((l) => l.entries) ?? [];
    const overlay = applyLayers(image?.layers.map((l) => l.files) ?? []);
    expect(overlay.wastedSize).toBe(oracleWaste(truthLayers));
    expect(overlay.totalSize).toBe(image?.layers.reduce((s, l) => s + (l.contentSize ?? 0), 0));
  });

  it('whiteout-1: blob.bin overwritten then deleted, /etc/protocols deleted, /srv/www opaque, chmod copy-up', async () => {
    const { readArchive } = await import('../../src/index.js');
    const report = await readArchive(join(real, 'whiteout-1.docker-archive.tar.gz'));
    const overlay = applyLayers(report.images[0]?.layers.map((l) => l.files) ?? []);
    const by = (path: string) =>
      overlay.hidden.filter((h) => h.path === path).map((h) => [h.layerIndex, h.hiddenBy, h.byLayer, h.size]);
    expect(by('var/lib/corpus/blob.bin')).toEqual([
      [1, 'overwrite', 5, 262144],
      [5, 'delete', 8, 262144],
    ]);
    expect(by('etc/services')).toEqual([[0, 'overwrite', 6, 12813]]);
    expect(by('etc/protocols')[0]?.slice(0, 3)).toEqual([0, 'delete', 4]);
    // Hidden directories carry no bytes and are not listed; the files under them are.
    expect(
      overlay.hidden
        .filter((h) => h.hiddenBy === 'opaque')
        .map((h) => h.path)
        .sort(),
    ).toEqual(['srv/www/css/site.css', 'srv/www/index.html', 'srv/www/js/app.js']);
  });
});

/**
 * Docker's applier (moby go-archive UnpackLayer, diff.go) as a model over a map of paths: entries
 * and whiteouts in tar order, folders the entries imply made as it makes them, an opaque marker
 * removing every path below its folder that its layer has not unpacked so far (with everything
 * below it). Folders are never files here (the random layers keep each path's type). One
 * departure: Docker remembers a path its layer unpacked even after a whiteout of the layer removed
 * it, and an opaque marker keeps the folder if an entry makes it again; here (as in applyLayers)
 * it is forgotten (docs/design.md, Whiteouts).
 *
 * Each name is of an inode, as on a disk: a file makes one, a hard link (`os.Link` after the name
 * is removed) names the inode at its target path, or none when nothing but a folder or nothing is
 * there. An inode's bytes are in the tree while it has a name, held by its first name still there
 * (in the order they were linked); waste when its last name goes in a later layer than its own.
 */
function unpackLayers(layers: { path: string; type: string; size: number; target?: string }[][]): {
  waste: number;
  visible: number;
  live: Map<string, { layer: number; size: number }>;
} {
  interface Inode {
    readonly size: number;
    readonly layer: number;
    readonly names: string[];
  }
  const fs = new Map<string, { layer: number; isDir: boolean; implied: boolean; inode: Inode | null }>();
  let waste = 0;
  let unpacked = new Set<string>();
  const below = (folder: string, path: string): boolean => folder === '' || path.startsWith(`${folder}/`);
  const removeAll = (path: string, layer: number): void => {
    for (const [p, node] of [...fs]) {
      if (p !== path && !below(path, p)) continue;
      const { inode } = node;
      if (inode) {
        inode.names.splice(inode.names.indexOf(p), 1);
        if (inode.names.length === 0 && inode.layer < layer) waste += inode.size;
      }
      fs.delete(p);
      unpacked.delete(p);
    }
  };
  layers.forEach((entries, layer) => {
    unpacked = new Set<string>();
    for (const e of entries) {
      const parts = e.path.split('/');
      const base = parts.pop() ?? '';
      const folder = parts.join('/');
      for (let i = 1; i <= parts.length; i++) {
        const implied = parts.slice(0, i).join('/');
        if (!fs.has(implied)) fs.set(implied, { layer, isDir: true, implied: true, inode: null });
      }
      if (base === '.wh..wh..opq') {
        const paths = [...fs.keys()].filter((p) => below(folder, p)).sort();
        for (const p of paths) if (fs.has(p) && !unpacked.has(p)) removeAll(p, layer);
      } else if (base.startsWith('.wh.')) {
        removeAll(folder === '' ? base.slice(4) : `${folder}/${base.slice(4)}`, layer);
      } else {
        const old = fs.get(e.path);
        const isDir = e.type === 'dir';
        if (old && !(old.isDir && isDir)) removeAll(e.path, layer);
        let inode: Inode | null = isDir ? null : { size: e.size, layer, names: [] };
        if (e.type === 'link') {
          const target = fs.get(e.target ?? '');
          inode = target?.inode ?? { size: 0, layer, names: [] };
        }
        inode?.names.push(e.path);
        fs.set(e.path, { layer, isDir, implied: false, inode });
        unpacked.add(e.path);
      }
    }
  });
  const live = new Map<string, { layer: number; size: number }>();
  let visible = 0;
  for (const [p, node] of fs) {
    if (node.implied) continue;
    const size = node.inode?.names[0] === p ? node.inode.size : 0;
    visible += size;
    live.set(p, { layer: node.layer, size });
  }
  return { waste, visible, live };
}

describe('applyLayers on random layers', () => {
  // Each path keeps one type in every layer (type swaps have their own tests above), so the
  // oracle's simpler rules apply: overwrites, deletions and opaque folders in any order and any
  // layer, including a first removal after many layers (the folder index is built then).
  const folders = ['a', 'a/b', 'c'];
  const files = ['a/x', 'a/b/y', 'a/b/z', 'c/w', 'top'];
  const whiteoutOf = (path: string): string => {
    const slash = path.lastIndexOf('/');
    return `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`;
  };
  const entry = fc.oneof(
    fc.constantFrom(...folders).map((path) => ({ path, type: 'dir', size: 0 })),
    fc
      .tuple(fc.constantFrom(...files), fc.integer({ min: 1, max: 99 }))
      .map(([path, size]) => ({ path, type: 'file', size })),
    fc.constantFrom(...folders, ...files).map((path) => ({ path: whiteoutOf(path), type: 'file', size: 0 })),
    fc.constantFrom(...folders).map((path) => ({ path: `${path}/.wh..wh..opq`, type: 'file', size: 0 })),
    // Hard links to files of this layer or lower ones, to folders, to themselves, to nothing.
    fc
      .tuple(fc.constantFrom(...files), fc.constantFrom(...files, ...files, 'a', 'none'))
      .map(([path, target]) => ({ path, type: 'link', size: 0, target })),
  );
  const layers = fc.array(fc.uniqueArray(entry, { selector: (e) => e.path, maxLength: 8 }), {
    minLength: 1,
    maxLength: 6,
  });

  it("gives the final tree and the waste of a model of Docker's applier", () => {
    fc.assert(
      fc.property(layers, (truthLayers) => {
        const records = truthLayers.map((entries) =>
          entries.map((e) =>
            e.type === 'dir'
              ? dir(e.path)
              : e.type === 'link'
                ? hardlink(e.path, 'target' in e ? e.target : '')
                : file(e.path, e.size),
          ),
        );
        const overlay = applyLayers(records);
        const expected = unpackLayers(truthLayers);
        expect([overlay.wastedSize, overlay.visibleSize]).toEqual([expected.waste, expected.visible]);
        const tree = [...overlay.tree]
          .map(([path, { layerIndex }]) => [
            path,
            layerIndex,
            overlay.tree.contentSize(overlay.tree.refs.get(path) ?? -1),
          ])
          .sort();
        const live = [...expected.live].map(([path, { layer, size }]) => [path, layer, size]).sort();
        expect(tree).toEqual(live);
      }),
      { numRuns: 500 },
    );
  });
});
