import { describe, expect, it } from 'vitest';
import { LayerWalker } from '../../src/layer/layer-contents.js';
import { applyLayers } from '../../src/layer/overlay.js';
import { writeTar, type EntrySpec } from '../helpers/fixture-builder.js';

/**
 * Entry names with `..`, as runtimes write them: the name cleaned, `a/../b` written at `b`, and
 * `..` at the root staying there (containerd resolves names inside the root; Docker's applier
 * cleans them and runs chrooted in the layer's folder). A name that climbs above the root is one
 * go-archive 0.3 and later refuses the layer for: counted, for an error naming it.
 */
async function walk(entries: EntrySpec[]) {
  const walker = new LayerWalker({ keepFiles: true });
  walker.write(await writeTar(entries));
  return walker.finish();
}

const content = (size: number) => Buffer.alloc(size, 0x61);

describe('layer entry names with ..', () => {
  it('are cleaned as runtimes write them: a/../b is b', async () => {
    const layer = await walk([
      { path: 'a/', type: 'dir' },
      { path: 'a/../b', content: content(3) },
      { path: '/./c', content: content(4) },
      { path: 'a/x/../../d/e', content: content(5) },
      { path: 'f..g/h..', content: content(6) },
    ]);
    expect(layer.files.records().map((r) => r.path)).toEqual(['a', 'b', 'c', 'd/e', 'f..g/h..']);
    expect(layer.escapes).toBeNull();
    expect([layer.fileCount, layer.contentSize]).toEqual([5, 18]);
  });

  it('keep a name that climbs above the root at the root, and say which and how many climbed', async () => {
    const layer = await walk([
      { path: 'keep', content: content(2) },
      { path: '../evil', content: content(7) },
      { path: 'a/../../etc/passwd', content: content(9) },
      { path: '/../c', content: content(4) },
      { path: '../.wh.keep', content: Buffer.alloc(0) },
    ]);
    expect(layer.files.records().map((r) => r.path)).toEqual(['keep', 'evil', 'etc/passwd', 'c', '.wh.keep']);
    expect(layer.escapes).toEqual({ first: '../evil', count: 4 });
    expect([layer.fileCount, layer.contentSize]).toEqual([5, 22]);
    // The whiteout at the root removes `keep`, as containerd's applier does.
    expect([...applyLayers([layer.files.records()]).tree.keys()]).toEqual(['evil', 'etc/passwd', 'c']);
  });

  it('count a hard link whose target climbs above the root, as go-archive 0.3 refuses it too', async () => {
    const layer = await walk([
      { path: 'a', content: content(5) },
      { path: 'b', type: 'hardlink', target: '../a' },
      { path: 'c', type: 'hardlink', target: 'x/../a' },
      { path: 'd', type: 'hardlink', target: '/../a' },
    ]);
    expect(layer.escapes).toEqual({ first: 'b -> ../a', count: 2 });
    // Both read as links to `a`, at the root: they keep its bytes when it goes.
    const records = layer.files.records();
    const gone = records.map((r) => (r.path === 'a' ? { ...r, path: '.wh.a', whiteout: 'delete' as const } : null));
    const overlay = applyLayers([records, gone.filter((r) => r !== null)]);
    expect(overlay.visibleSize).toBe(5);
  });

  it('overwrite what a lower layer wrote at the cleaned path, as Docker does', async () => {
    const lower = await walk([{ path: 'etc/passwd', content: content(10) }]);
    const upper = await walk([
      { path: 'usr/', type: 'dir' },
      { path: 'usr/../etc/passwd', content: content(30) },
    ]);
    const overlay = applyLayers([lower.files.records(), upper.files.records()]);
    expect([...overlay.tree].map(([path, e]) => [path, e.layerIndex])).toEqual([
      ['etc/passwd', 1],
      ['usr', 1],
    ]);
    expect([overlay.wastedSize, overlay.visibleSize]).toEqual([10, 30]);
  });
});
