/**
 * Paths longer than Linux's PATH_MAX named by a package database: no runtime can create them, and
 * V8 hashes a string over 16,383 characters by its length alone, so thousands of such paths of one
 * length in a map made each insert compare against all the others (a 60 KB apk database: 35 s).
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { MAX_PATH_LENGTH, packagesOfImage, ProblemCode, readArchive } from '../../src/index.js';
import { joinImagePath } from '../../src/packages/image-path.js';
import { buildArchive, type FileSpec } from '../helpers/fixture-builder.js';
import { dpkgListPath, dpkgStatus, type DpkgPackage } from '../helpers/package-metadata.js';
import { longKeysPerCollection } from '../helpers/long-keys.js';

async function packagesOf(files: FileSpec[]) {
  const { bytes } = await buildArchive('oci', [{ tags: ['long:1'], layers: [{ files }] }]);
  const report = await readArchive(Readable.from([bytes]), { keepMetadata: true });
  const image = report.images[0];
  if (!image) throw new Error('no image');
  return packagesOfImage(image);
}

describe('database paths past PATH_MAX', () => {
  it('joinImagePath turns away a path longer than MAX_PATH_LENGTH', () => {
    const folder = 'd'.repeat(MAX_PATH_LENGTH - 2);
    expect(joinImagePath(folder, 'f')).toBe(`${folder}/f`);
    expect(joinImagePath(folder, 'fg')).toBeNull();
    expect(joinImagePath('', `/${'x'.repeat(MAX_PATH_LENGTH + 1)}`)).toBeNull();
    expect(joinImagePath(folder, './fg')).toBeNull();
  });

  it(
    'an apk folder of 16,400 characters with 4,000 files is a warning, read in linear time',
    { timeout: 10_000 },
    async () => {
      const lines = Array.from({ length: 4000 }, (_, i) => `R:f${String(i).padStart(7, '0')}`);
      const installed = `P:a\nV:1\nF:${'d'.repeat(16_400)}\n${lines.join('\n')}\n`;
      // Counted, not timed: no Map or Set holds more than a few keys past 16,383 characters.
      const { result, mostLongKeys } = await longKeysPerCollection(() =>
        packagesOf([{ path: 'lib/apk/db/installed', content: installed }]),
      );
      expect(mostLongKeys).toBeLessThan(10);
      expect(result.packages.map((p) => [p.name, p.fileCount])).toEqual([['a', 0]]);
      expect(result.problems.map((p) => [p.code, p.severity])).toEqual([
        [ProblemCode.packageDatabase, 'warning'],
        [ProblemCode.packageDatabase, 'warning'],
      ]);
      expect(result.problems[0]?.message).toMatch(/^lib\/apk\/db\/installed: 1 of 1 stanzas are not valid apk records/);
    },
  );
});

describe('dpkg .list lines past PATH_MAX', () => {
  it('are lines that are not paths inside the image, even when clean', async () => {
    const tool: DpkgPackage = {
      name: 'tool',
      version: '1',
      files: [{ path: 'usr/bin/tool', content: 'x'.repeat(100) }],
    };
    const long = `/usr/${'l'.repeat(MAX_PATH_LENGTH)}`;
    const result = await packagesOf([
      { path: 'usr/bin/tool', content: 'x'.repeat(100) },
      { path: dpkgListPath(tool), content: `/.\n/usr\n/usr/bin\n/usr/bin/tool\n${long}\n` },
      { path: 'var/lib/dpkg/status', content: dpkgStatus([tool]) },
    ]);
    expect(result.packages.map((p) => [p.name, p.size, p.fileCount])).toEqual([['tool', 100, 1]]);
    expect(result.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^var\/lib\/dpkg\/info\/tool\.list: 1 lines are not absolute paths inside the image/),
    ]);
  });
});

describe('joinImagePath climbs its folder without splitting it again', () => {
  /** The old joinRelative, which split the base for every path: the oracle here only. */
  const splitJoin = (base: string, path: string): string | null => {
    const parts = base === '' ? [] : base.split('/');
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part !== '..') parts.push(part);
      else if (parts.length === 0) return null;
      else parts.pop();
    }
    return parts.join('/');
  };

  it('gives what splitting the folder gives', () => {
    const segment = fc.constantFrom('a', 'b', '..', '.', '', 'c.d');
    const base = fc.array(fc.constantFrom('a', 'b', '..', 'x.y'), { maxLength: 5 }).map((s) => s.join('/'));
    const path = fc.array(segment, { maxLength: 6 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(base, path, (b, p) => {
        expect(joinImagePath(b, p)).toBe(splitJoin(p.startsWith('/') ? '' : b, p));
      }),
      { numRuns: 5000 },
    );
  });

  it('50,000 unclean lines under a folder of 4,000 characters in linear time: the folder is never split', () => {
    // Splitting the folder for each line made the work lines x folder length (2M lines under 16 KB:
    // 5.3 s). Counted, not timed: a timed bound failed on a loaded machine.
    const folder = 'd/'.repeat(1999) + 'dd';
    const split = vi.spyOn(String.prototype, 'split');
    try {
      for (let i = 0; i < 50_000; i++) expect(joinImagePath(folder, './f')).toBe(`${folder}/f`);
      const longSplits = split.mock.contexts.filter((text) => String(text).length >= folder.length).length;
      expect(longSplits).toBe(0);
    } finally {
      split.mockRestore();
    }
  });
});
