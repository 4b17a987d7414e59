import { describe, expect, it } from 'vitest';
import { comparePackages, type PackageLike } from '../../src/diff/compare-packages.js';

const pkg = (ecosystem: string, name: string, version: string | null, size: number): PackageLike => ({
  ecosystem,
  name,
  version,
  size,
});

describe('comparePackages', () => {
  it('finds nothing between identical lists', () => {
    const list = [pkg('dpkg', 'libc6', '2.36', 12_000), pkg('npm', 'lodash', '4.17.21', 500)];
    expect(comparePackages(list, [...list].reverse())).toEqual({ added: [], removed: [], changed: [], sizeDelta: 0 });
  });

  it('lists an upgrade, an addition and a removal with their size deltas, largest first', () => {
    const diff = comparePackages(
      [pkg('dpkg', 'openssl', '3.0.1', 4000), pkg('apk', 'curl', '8.1', 300), pkg('npm', 'left-pad', '1.3.0', 10)],
      [pkg('dpkg', 'openssl', '3.0.2', 4100), pkg('apk', 'curl', '8.1', 300), pkg('pip', 'numpy', '1.26.0', 90_000)],
    );
    expect(diff).toEqual({
      added: [{ ecosystem: 'pip', name: 'numpy', version: '1.26.0', size: 90_000 }],
      removed: [{ ecosystem: 'npm', name: 'left-pad', version: '1.3.0', size: 10 }],
      changed: [
        { ecosystem: 'dpkg', name: 'openssl', fromVersion: '3.0.1', toVersion: '3.0.2', fromSize: 4000, toSize: 4100 },
      ],
      sizeDelta: 90_000 - 10 + 100,
    });
  });

  it('counts the same version that lost its docs to a later rm as changed', () => {
    const diff = comparePackages([pkg('dpkg', 'git', '2.39', 40_000)], [pkg('dpkg', 'git', '2.39', 31_000)]);
    expect(diff.changed).toEqual([
      { ecosystem: 'dpkg', name: 'git', fromVersion: '2.39', toVersion: '2.39', fromSize: 40_000, toSize: 31_000 },
    ]);
    expect(diff.sizeDelta).toBe(-9000);
  });

  it('keeps ecosystems apart: the same name in npm and pip is two packages', () => {
    const diff = comparePackages([pkg('npm', 'six', '1.0.0', 5)], [pkg('pip', 'six', '1.16.0', 50)]);
    expect(diff.added).toEqual([{ ecosystem: 'pip', name: 'six', version: '1.16.0', size: 50 }]);
    expect(diff.removed).toEqual([{ ecosystem: 'npm', name: 'six', version: '1.0.0', size: 5 }]);
    expect(diff.changed).toEqual([]);
  });

  it('pairs nested npm copies by version first, then adds or removes the rest', () => {
    const diff = comparePackages(
      [pkg('npm', 'debug', '2.6.9', 20), pkg('npm', 'debug', '4.3.4', 40)],
      [pkg('npm', 'debug', '4.3.4', 40), pkg('npm', 'debug', '3.2.7', 30), pkg('npm', 'debug', '4.3.5', 41)],
    );
    expect(diff.changed).toEqual([]);
    expect(diff.added).toEqual([
      { ecosystem: 'npm', name: 'debug', version: '4.3.5', size: 41 },
      { ecosystem: 'npm', name: 'debug', version: '3.2.7', size: 30 },
    ]);
    expect(diff.removed).toEqual([{ ecosystem: 'npm', name: 'debug', version: '2.6.9', size: 20 }]);
  });

  it('pairs the one copy left on each side as a version change', () => {
    const diff = comparePackages(
      [pkg('npm', 'ms', '2.0.0', 5), pkg('npm', 'ms', '2.1.2', 6)],
      [pkg('npm', 'ms', '2.1.3', 6), pkg('npm', 'ms', '2.0.0', 5)],
    );
    expect(diff.changed).toEqual([
      { ecosystem: 'npm', name: 'ms', fromVersion: '2.1.2', toVersion: '2.1.3', fromSize: 6, toSize: 6 },
    ]);
    expect([diff.added, diff.removed]).toEqual([[], []]);
  });
});
