/**
 * Many images on one base (a `docker save` of a fleet of services): the base is applied once
 * between them, not once per image (issue 9: 100 images on a 100,000-entry base took `audit`
 * 12.4 s of applying layers), and each image's overlay is exactly the one applied afresh.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAuditConfig } from '../../src/audit/config.js';
import { auditImages } from '../../src/audit/audit-images.js';
import type { FileRecord } from '../../src/layer/file-list.js';
import { OverlayBuilder, overlayOfImage, OverlayTree, SharedOverlays, type Overlay } from '../../src/layer/overlay.js';
import { MAX_REPEATED_ENTRIES } from '../../src/model/limits.js';
import { chainTreeOf, treeAbove, treeOf } from '../../src/layer/tree-view.js';
import type { ImageReport, LayerReport } from '../../src/model/image.js';
import { InputErrorCode } from '../../src/index.js';
import { fileRecord, imageReport, layerReport } from '../helpers/reports.js';

const file = (path: string, size = 1): FileRecord => fileRecord(path, { size });
const dir = (path: string): FileRecord => fileRecord(path, { type: 'directory', size: 0 });
const deleted = (path: string): FileRecord => fileRecord(path, { size: 0, whiteout: 'delete' });
const opaque = (path: string): FileRecord => fileRecord(path, { size: 0, whiteout: 'opaque' });

/** A layer that images share: the same report (so the same file list) at the same index. */
function shared(index: number, files: readonly FileRecord[], diffId: string): LayerReport {
  return layerReport(index, files, `RUN ${diffId}`, { diffId: diffId as LayerReport['diffId'] });
}

/** Everything an overlay tells, its tree's paths in their order. */
function facts(overlay: Overlay): unknown {
  const { tree, hidden, totalSize, visibleSize, wastedSize, efficiency } = overlay;
  const entries = [...tree.inOrder()].map(([path, ref]) => [path, ref, tree.layerOf(ref), tree.contentSize(ref)]);
  return { entries, hidden, totalSize, visibleSize, wastedSize, efficiency };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('overlays of many images on one base', () => {
  it('applies a base that 40 images share once for audit', () => {
    const baseFiles = Array.from({ length: 2000 }, (_, i) => file(`usr/share/d${i % 50}/f${i}`));
    const base = shared(0, baseFiles, 'sha256:base');
    const images = Array.from({ length: 40 }, (_, n) =>
      imageReport([base, layerReport(1, [file(`app/f${n}`), deleted(`usr/share/d${n}/.wh.f${n}`)])], {
        tags: [`svc${n}:1`],
      }),
    );
    const apply = vi.spyOn(OverlayBuilder.prototype, 'apply');
    const walks = vi.spyOn(OverlayTree.prototype, 'entries');
    const config = parseAuditConfig({ budgets: [{ maxWastedSize: { warn: 1 } }] }, 'test');
    const result = auditImages(images, { config, baseline: [], bases: new Map() });
    expect(result.images.map((audit) => audit.wastedSize)).toEqual(images.map(() => 1));
    expect(apply.mock.calls.filter(([files]) => files === base.files)).toHaveLength(1);
    // Findings read the base's paths once: only the last image (which takes the base's own
    // builder) walks its whole tree: for caches, copies of a file and documentation.
    expect(walks).toHaveBeenCalledTimes(3);
  });

  it('gives each image exactly the overlay applied afresh, in any order asked', () => {
    const base = shared(
      0,
      [
        dir('etc'),
        file('etc/a', 10),
        file('etc/b', 20),
        dir('usr'),
        file('usr/lib/x', 30),
        file('usr/lib/y', 40),
        file('var/log/z', 50),
      ],
      'sha256:base',
    );
    // A runtime layer over the base that removes and replaces some of it (an index of folders in the chain).
    const runtime = shared(1, [deleted('etc/.wh.a'), file('usr/lib/x', 3), file('opt/rt', 7)], 'sha256:rt');
    const again = shared(2, base.files.records(), 'sha256:base');
    const sameFilesOtherId = shared(1, base.files.records(), 'sha256:other');
    const own = (n: number, files: readonly FileRecord[], index: number): LayerReport =>
      layerReport(index, [file(`app/${n}`, n), ...files]);
    const images: ImageReport[] = [
      imageReport([base, own(0, [], 1)]),
      imageReport([base, runtime, own(1, [file('etc/b', 1)], 2)]),
      imageReport([base, own(2, [deleted('usr/.wh.lib'), file('var/log', 4)], 1)]),
      imageReport([base, runtime, own(3, [opaque('usr/lib/.wh..wh..opq'), file('usr/lib/n', 2)], 2)]),
      imageReport([base, { ...base, index: 1 }, own(4, [], 2)]),
      imageReport([base, runtime, again, own(5, [], 3)]),
      imageReport([base, sameFilesOtherId, own(6, [], 2)]),
      imageReport([base, runtime]),
      imageReport([base, runtime]),
      imageReport([own(9, [file('etc', 1)], 0)]),
      imageReport([base]),
    ];
    const afresh = images.map((image) => facts(overlayOfImage(image)));
    const inOrder = new SharedOverlays(images);
    expect(images.map((image) => facts(inOrder.of(image)))).toEqual(afresh);
    // Asked in another order than announced, and some twice: still exact, only shared less.
    const reversed = new SharedOverlays(images);
    const order = [...images.keys()].reverse().concat([1, 3, 0]);
    expect(order.map((i) => facts(reversed.of(images[i] as ImageReport)))).toEqual(order.map((i) => afresh[i]));
  });

  it('makes each tree from the base tree, exactly as treeOf makes it afresh', () => {
    const base = shared(
      0,
      [
        dir('etc'),
        file('etc/a', 10),
        file('etc/b', 20),
        file('usr/lib/x', 30),
        file('usr/lib/y', 40),
        dir('var'),
        file('var/log/z', 50),
        fileRecord('bin', { type: 'symlink', linkTarget: 'usr/bin', size: 0 }),
      ],
      'sha256:base',
    );
    const tops: FileRecord[][] = [
      [file('app/a', 3)],
      [file('etc/b', 1), file('usr/lib/w', 45)],
      [deleted('usr/.wh.lib'), file('var/log', 4)],
      [opaque('usr/lib/.wh..wh..opq'), file('usr/lib/n', 2)],
      [deleted('etc/.wh.a'), deleted('etc/.wh.b')],
      [deleted('.wh.etc'), file('etc/new/deep/f', 9)],
      [dir('usr'), dir('usr/lib'), file('usr/lib/x/inner', 5)],
      [file('bin/sh', 7)],
      [],
    ];
    const images = tops.map((top, n) => imageReport([base, layerReport(1, top)], { tags: [`svc${n}:1`] }));
    const afresh = images.map((image) => treeOf(overlayOfImage(image)));
    const overlays = new SharedOverlays(images, (_, tree) => chainTreeOf(tree));
    let above = 0;
    const trees = images.map((image) => {
      const made = overlays.ofChained(image);
      if (made.above === null) return treeOf(made.overlay);
      above++;
      return treeAbove(made.above.value, made.above.changes, made.overlay.tree);
    });
    expect(trees).toEqual(afresh);
    // All but the last image, which takes the base's own builder.
    expect(above).toBe(images.length - 1);
  });

  it('goes back to the base for the next image instead of copying it, also when the image removed paths', () => {
    const baseFiles = Array.from({ length: 2000 }, (_, i) => file(`usr/share/d${i % 50}/f${i}`));
    const base = shared(0, baseFiles, 'sha256:base');
    // Images that add, replace, or remove (every fifth) paths of the base, or hide a folder of it
    // and put a file back there (every seventh), asked in their order.
    const images = Array.from({ length: 40 }, (_, n) =>
      imageReport([
        base,
        layerReport(1, [
          file(`app/${n}/f`, n),
          file(`usr/share/d${n}/f${n}`, n),
          file(`usr/share/new${n % 3}/f`, 1),
          ...(n % 5 === 4 ? [deleted(`usr/share/d7/.wh.f${n}`)] : []),
          ...(n % 7 === 6 ? [opaque(`usr/share/d${n % 9}/.wh..wh..opq`), file(`usr/share/d${n % 9}/back`)] : []),
        ]),
      ]),
    );
    const afresh = images.map((image) => facts(overlayOfImage(image)));
    const fork = vi.spyOn(OverlayBuilder.prototype, 'fork');
    const overlays = new SharedOverlays(images);
    expect(images.map((image) => facts(overlays.of(image)))).toEqual(afresh);
    // One copy, gone back from after each image (the last image takes the base itself).
    expect(fork).toHaveBeenCalledTimes(1);
  });

  it('goes back to a chain that removed paths itself, folder index and all', () => {
    const base = shared(
      0,
      Array.from({ length: 300 }, (_, i) => file(`usr/share/d${i % 10}/f${i}`)),
      'sha256:base',
    );
    // The chain removes a file and a folder: its copy has a folder index from the start.
    const runtime = shared(
      1,
      [deleted('usr/share/d1/.wh.f1'), deleted('usr/share/.wh.d2'), file('opt/rt')],
      'sha256:rt',
    );
    const images = Array.from({ length: 12 }, (_, n) =>
      imageReport([
        base,
        runtime,
        layerReport(2, [
          deleted(`usr/share/d${n % 10}/.wh.f${n * 10 + (n % 10)}`),
          ...(n % 3 === 0 ? [deleted(`usr/share/.wh.d${(n + 3) % 10}`), file(`usr/share/d${(n + 3) % 10}/new`)] : []),
          ...(n % 4 === 1 ? [file('usr/share/d5', 3)] : []),
          file(`app/${n}`),
        ]),
      ]),
    );
    const afresh = images.map((image) => facts(overlayOfImage(image)));
    const fork = vi.spyOn(OverlayBuilder.prototype, 'fork');
    const overlays = new SharedOverlays(images);
    expect(images.map((image) => facts(overlays.of(image)))).toEqual(afresh);
    expect(fork).toHaveBeenCalledTimes(1);
  });

  it('goes back to a chain whose hard links images unlink, relink and hand bytes between', () => {
    const link = (path: string, target: string): FileRecord =>
      fileRecord(path, { type: 'hardlink', linkTarget: target, size: 0 });
    // perl and its versioned name; git and two more names of it, one of them removed by the chain.
    const base = shared(
      0,
      [
        file('usr/bin/perl', 100),
        link('usr/bin/perl5', 'usr/bin/perl'),
        file('usr/lib/git', 50),
        link('usr/lib/git-add', 'usr/lib/git'),
        link('usr/lib/git-commit', 'usr/lib/git'),
      ],
      'sha256:base',
    );
    const runtime = shared(1, [deleted('usr/lib/.wh.git')], 'sha256:rt');
    const tops: FileRecord[][] = [
      [deleted('usr/bin/.wh.perl')],
      [file('usr/bin/perl', 7)],
      [deleted('usr/bin/.wh.perl'), deleted('usr/bin/.wh.perl5')],
      [deleted('usr/lib/.wh.git-add')],
      [deleted('usr/lib/.wh.git-add'), deleted('usr/lib/.wh.git-commit')],
      [link('usr/bin/perl6', 'usr/bin/perl5'), deleted('usr/bin/.wh.perl'), deleted('usr/bin/.wh.perl5')],
      [file('usr/bin/perl', 3), link('usr/bin/perl5', 'usr/bin/perl')],
      [deleted('.wh.usr'), file('usr/bin/perl', 1)],
      [],
    ];
    const images = tops.flatMap((top, n) => [
      imageReport([base, layerReport(1, top)], { tags: [`svc${n}:1`] }),
      imageReport([base, runtime, layerReport(2, top)], { tags: [`rt${n}:1`] }),
    ]);
    const afresh = images.map((image) => facts(overlayOfImage(image)));
    const trees = images.map((image) => treeOf(overlayOfImage(image)));
    expect(images.map((image) => facts(new SharedOverlays(images).of(image)))).toEqual(afresh);
    const overlays = new SharedOverlays(images, (_, tree) => chainTreeOf(tree));
    const order = [...images.keys()].concat([...images.keys()].reverse());
    for (const i of order) {
      const made = overlays.ofChained(images[i] as ImageReport);
      expect(facts(made.overlay)).toEqual(afresh[i]);
      const tree = made.above
        ? treeAbove(made.above.value, made.above.changes, made.overlay.tree)
        : treeOf(made.overlay);
      expect(tree).toEqual(trees[i]);
    }
    // The bytes stay while a name does (perl's 100 under perl5, then perl6; git's 50 under
    // git-add, then git-commit), and are waste once none does.
    expect(afresh[0]).toMatchObject({ visibleSize: 150, wastedSize: 0 });
    expect(afresh[7]).toMatchObject({ visibleSize: 150, wastedSize: 0 });
    expect(afresh[9]).toMatchObject({ visibleSize: 100, wastedSize: 50 });
    expect(afresh[11]).toMatchObject({ visibleSize: 150, wastedSize: 0 });
  });

  it('keeps the OVERLAY_TOO_LARGE budget of each image on a shared chain, naming the image', () => {
    const big = Array.from({ length: 2000 }, (_, i) => file(`d/f${i}`));
    const layer = shared(0, big, 'sha256:big');
    const listings = (count: number): LayerReport[] =>
      Array.from({ length: count }, (_, i) => ({ ...layer, index: i }));
    // Both images list the big layer 250 times (249 times again: 498,000 entries), then the first
    // 260 times more: past MAX_REPEATED_ENTRIES with what the shared chain applied.
    const over = Math.ceil(MAX_REPEATED_ENTRIES / big.length) - 249 + 10;
    const tags = (tag: string): Partial<ImageReport> => ({ tags: [tag] });
    const images = [
      imageReport([...listings(250), layerReport(250, [file('a')]), ...listings(over)], tags('over:1')),
      imageReport([...listings(250), layerReport(250, [file('b')])], tags('under:1')),
    ];
    const overlays = new SharedOverlays(images);
    let error: unknown = null;
    try {
      overlays.of(images[0] as ImageReport);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toMatchObject({ code: InputErrorCode.overlayTooLarge });
    expect(String(error)).toMatch(
      /^InputError: image over:1 \(linux\/amd64\): layer \d+ \(sha256:big\) is listed again/,
    );
    expect(overlays.of(images[1] as ImageReport).tree.size).toBe(2001);
  });
});
