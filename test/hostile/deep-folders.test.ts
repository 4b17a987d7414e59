/**
 * Large but legal shapes: folders that no entry lists (tars need not list them) nested deep, and
 * many copies of one package, through the overlay and `diff` (issue 12's rule: work over archive
 * or report data stays near-linear). Each used to be quadratic; each test has a deadline far
 * above the fixed time and far below the old one.
 */
import { describe, expect, it } from 'vitest';
import { compareTrees } from '../../src/diff/compare-files.js';
import { comparePackages, type PackageLike } from '../../src/diff/compare-packages.js';
import type { FileRecord } from '../../src/layer/layer-contents.js';
import { applyLayers } from '../../src/layer/overlay.js';

const file = (path: string): FileRecord => ({
  path,
  type: 'file',
  size: 1,
  mode: 0o644,
  uid: 0,
  gid: 0,
  linkTarget: null,
  whiteout: null,
  sha256: null,
});

describe('deep folders no entry lists, and many copies of a package', () => {
  it('applies 4,000 files 4,000 folders deep that no entry lists', { timeout: 10_000 }, () => {
    // Each file used to climb every folder above it looking for a file to replace.
    const deep = 'd/'.repeat(4000);
    const files = Array.from({ length: 4000 }, (_, i) => file(`${deep}f${i}`));
    const overlay = applyLayers([files, [file(`${deep}f0`)]]);
    expect(overlay.tree.size).toBe(4000);
    expect(overlay.wastedSize).toBe(1);
  });

  it('folds 4,000 new files 4,000 folders deep into one added folder', { timeout: 10_000 }, () => {
    // Each file used to climb all 4,000 missing folders: 16 million steps (over two minutes).
    const deep = 'd/'.repeat(4000);
    const files = Array.from({ length: 4000 }, (_, i) => file(`${deep}f${i}`));
    const diff = compareTrees(applyLayers([[file('x')]]), applyLayers([[file('x'), ...files]]));
    expect(diff.added).toHaveLength(4000);
    expect(diff.folders).toEqual([
      { folder: 'd/', status: 'added', sizeDelta: 4000, added: 4000, removed: 0, changed: 0 },
    ]);
  });

  it('folds files removed under a deep folder, and keeps existing folders apart', { timeout: 10_000 }, () => {
    const deep = 'k/'.repeat(3000);
    const gone = Array.from({ length: 3000 }, (_, i) => file(`${deep}g/f${i}`));
    const diff = compareTrees(
      applyLayers([[file(`${deep}stay`), ...gone]]),
      applyLayers([[file(`${deep}stay`), file(`${deep}new`)]]),
    );
    expect(diff.folders).toEqual([
      { folder: `${deep}g/`, status: 'removed', sizeDelta: -3000, added: 0, removed: 3000, changed: 0 },
      { folder: deep, status: 'changed', sizeDelta: 1, added: 1, removed: 0, changed: 0 },
    ]);
  });

  it('pairs 100,000 copies of one npm name without a quadratic search', { timeout: 10_000 }, () => {
    // npm nests one copy per dependent; a report may list any number of them.
    const pkg = (version: string): PackageLike => ({ ecosystem: 'npm', name: 'ms', version, size: 1 });
    const from = Array.from({ length: 100_000 }, (_, i) => pkg(`1.${i}`));
    const to = Array.from({ length: 100_000 }, (_, i) => pkg(`1.${99_999 - i}`)).concat([pkg('9.9')]);
    const diff = comparePackages(from, to);
    expect(diff.changed).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.added).toEqual([{ ecosystem: 'npm', name: 'ms', version: '9.9', size: 1 }]);
  });
});
