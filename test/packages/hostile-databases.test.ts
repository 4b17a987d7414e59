/**
 * Package databases shaped to make the readers do work far out of proportion to their size.
 * No deadlines in milliseconds (the machine is shared): the work is counted (texts read), or timed
 * against a benign database of the same size in the same run (`slowdown`).
 */
import { describe, expect, it, vi } from 'vitest';
import { readDpkg } from '../../src/packages/dpkg.js';
import { readApk } from '../../src/packages/apk.js';
import { splitStanzas } from '../../src/packages/stanzas.js';
import { ListedPaths } from '../../src/packages/listed-paths.js';
import { MetadataTexts } from '../../src/packages/metadata-texts.js';
import { devOnlyPackages, readAppManifests, readInstalledNpm } from '../../src/packages/npm.js';
import { findPackageIssues } from '../../src/audit/package-findings.js';
import type { AttributedPackage } from '../../src/packages/packages-of-image.js';
import type { Problem } from '../../src/model/problem.js';
import { imageReport } from '../helpers/reports.js';
import { slowdown } from '../helpers/slowdown.js';

const readDpkgOf = (texts: Record<string, string>, limit?: number) => {
  const problems: Problem[] = [];
  const claims = readDpkg(MetadataTexts.of(new Map(Object.entries(texts))), new ListedPaths(problems, limit), problems);
  return { claims, messages: problems.map((p) => p.message) };
};

/** readDpkgOf, and how many times the reader fetched the text at `path`. */
const readsOf = (path: string, texts: Record<string, string>) => {
  const get = vi.spyOn(MetadataTexts.prototype, 'get');
  try {
    return { ...readDpkgOf(texts), reads: get.mock.calls.filter(([p]) => p === path).length };
  } finally {
    get.mockRestore();
  }
};

describe('dpkg: a status naming one package many times', () => {
  it('reads a .list once for 4,000 stanzas naming its package', { timeout: 20_000 }, () => {
    // Each stanza re-read the whole list of 400,000 bad lines (over 10 s); dpkg keeps one record
    // per package name and architecture. Counted, not timed: the list is fetched once.
    const { claims, messages, reads } = readsOf('var/lib/dpkg/info/a.list', {
      'var/lib/dpkg/status': 'Package: a\nStatus: install ok installed\n\n'.repeat(4000),
      'var/lib/dpkg/info/a.list': 'x\n'.repeat(400_000),
    });
    expect(reads).toBe(1);
    expect(claims).toEqual([
      { ecosystem: 'dpkg', name: 'a', version: null, paths: [], source: 'var/lib/dpkg/info/a.list' },
    ]);
    expect(messages).toEqual([
      'var/lib/dpkg/info/a.list: 400000 lines are not absolute paths inside the image (corrupt or lying file list?); they are ignored',
      'var/lib/dpkg/status: 3999 stanzas repeat a package or a .list read before (corrupt?); only one of each is read',
    ]);
  });

  it('reads a .list once for 4,000 architectures of a package that share it', { timeout: 20_000 }, () => {
    const status = Array.from(
      { length: 4000 },
      (_, i) => `Package: a\nStatus: install ok installed\nArchitecture: x${i}\n`,
    ).join('\n');
    const { claims, messages, reads } = readsOf('var/lib/dpkg/info/a.list', {
      'var/lib/dpkg/status': status,
      'var/lib/dpkg/info/a.list': '/.\n/usr\n/usr/a\n' + 'x\n'.repeat(400_000),
    });
    expect(reads).toBe(1);
    expect(claims.map((c) => [c.name, c.paths])).toEqual([['a', ['usr', 'usr/a']]]);
    expect(messages[1]).toBe(
      'var/lib/dpkg/status: 3999 stanzas repeat a package or a .list read before (corrupt?); only one of each is read',
    );
  });

  it('keeps the later of two stanzas of one package and architecture, as dpkg does', () => {
    const { claims, messages } = readDpkgOf({
      'var/lib/dpkg/status':
        'Package: a\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n\n' +
        'Package: b\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3\n\n' +
        'Package: a\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2\n',
      'var/lib/dpkg/info/a.list': '/.\n/usr/a\n',
      'var/lib/dpkg/info/b.list': '/.\n/usr/b\n',
    });
    expect(claims.map((c) => [c.name, c.version, c.paths])).toEqual([
      ['b', '3', ['usr/b']],
      ['a', '2', ['usr/a']],
    ]);
    expect(messages).toEqual([
      'var/lib/dpkg/status: 1 stanzas repeat a package or a .list read before (corrupt?); only one of each is read',
    ]);
  });

  it('a later stanza that is not installed removes the package', () => {
    const { claims } = readDpkgOf({
      'var/lib/dpkg/status':
        'Package: a\nStatus: install ok installed\n\nPackage: a\nStatus: deinstall ok config-files\n',
      'var/lib/dpkg/info/a.list': '/.\n/usr/a\n',
    });
    expect(claims).toEqual([]);
  });
});

describe('stanzas that repeat a key', () => {
  it('keep the first value of a single-valued key only', () => {
    const [apk] = splitStanzas('P:a\nP:b\n'.repeat(1_000_000), 1, new Set(['P', 'V']), new Set(['F', 'R']), 10);
    expect(apk?.fields).toEqual([['P', 'a']]);
    const [dpkg] = splitStanzas(
      'Status: install ok installed\n' + 'Package: a\n'.repeat(800_000),
      64,
      new Set(['Package', 'Status']),
    );
    expect(dpkg?.fields).toEqual([
      ['Status', 'install ok installed'],
      ['Package', 'a'],
    ]);
  });

  it('keep repeated keys in order, no more of them than asked for', () => {
    const text = 'P:a\nF:x\nR:1\nP:b\nR:2\nR:3\n\nP:c\nF:y\nR:4\n';
    const stanzas = splitStanzas(text, 1, new Set(['P']), new Set(['F', 'R']), 4);
    expect(stanzas.map((s) => [s.fields, s.dropped])).toEqual([
      [
        [
          ['P', 'a'],
          ['F', 'x'],
          ['R', '1'],
          ['R', '2'],
          ['R', '3'],
        ],
        0,
      ],
      [[['P', 'c']], 2],
    ]);
  });

  it('apk: 1,000 files past the listed-paths room are not kept, and the cut is told', () => {
    const problems: Problem[] = [];
    const text = 'P:a\nV:1\nF:usr\n' + Array.from({ length: 1000 }, (_, i) => `R:f${i}\n`).join('');
    const claims = readApk(
      MetadataTexts.of(new Map([['lib/apk/db/installed', text]])),
      new ListedPaths(problems, 5),
      problems,
    );
    expect(claims.map((c) => c.paths)).toEqual([['usr/f0', 'usr/f1', 'usr/f2', 'usr/f3', 'usr/f4']]);
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('list more than 5 paths in all')]);
  });
});

describe('npm: many apps and long folders', () => {
  const chain = (texts: Map<string, string>, count: number): void => {
    for (let j = 0; j < count; j++) {
      const dependencies = j + 1 < count ? { [`p${j + 1}`]: '1' } : {};
      texts.set(`node_modules/p${j}/package.json`, JSON.stringify({ name: `p${j}`, version: '1', dependencies }));
    }
  };

  it('3,000 apps over one chain of 3,000 packages', { timeout: 30_000 }, async () => {
    // Each app walked the whole chain twice, and every attributed package was filtered per app.
    // The work grows with apps + packages, not apps x packages: timed against the sum of one app
    // over the chain and 3,000 apps over a chain of one.
    const issuesOf = (apps: number, packages: number) => {
      const texts = new Map<string, string>();
      chain(texts, packages);
      for (let i = 0; i < apps; i++)
        texts.set(
          `a${i}/package.json`,
          JSON.stringify(
            i % 2 === 0
              ? { devDependencies: { p0: '1' } }
              : { dependencies: { p0: '1' }, devDependencies: { p0: '1' } },
          ),
        );
      const attributed: AttributedPackage[] = Array.from({ length: packages }, (_, j) => ({
        record: { ecosystem: 'npm', name: `p${j}`, version: '1', size: 1000, fileCount: 1, layerIndex: 0 },
        source: `node_modules/p${j}/package.json`,
      }));
      return () =>
        findPackageIssues(imageReport([]), null, {
          packages: attributed.map((a) => a.record),
          attributed,
          texts: MetadataTexts.of(texts),
        });
    };
    const [whole, oneApp, shortChain] = [issuesOf(3000, 3000), issuesOf(1, 3000), issuesOf(3000, 1)];
    expect(await slowdown(whole, () => [oneApp(), shortChain()])).toBeLessThan(8);
    const findings = whole();
    expect(findings).toHaveLength(1500);
    expect(findings[0]?.message).toMatch(/^a0\/package\.json lists 3000 packages only under devDependencies/);
    expect(findings[0]?.bytes).toBe(3_000_000);
    expect(findings[1499]?.paths).toEqual(Array.from({ length: 8 }, (_, j) => `node_modules/p${j}`));
  });

  it(
    'a package in a 16,000-character folder listing 30,000 dependencies not installed',
    { timeout: 30_000 },
    async () => {
      // Each dependency was looked up as `<folder>/node_modules/<name>`: a 16 kB string per name.
      // Timed against the same package in a folder of one character (read afresh each time: what
      // is installed remembers the walks it made).
      const manifest = JSON.stringify({
        name: 'x',
        dependencies: Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`d${i}`, ''])),
      });
      const devOnlyIn = (folder: string) => () => {
        const texts = MetadataTexts.of(
          new Map([
            [`node_modules/${folder}/package.json`, manifest],
            ['package.json', JSON.stringify({ devDependencies: { [folder]: '1' } })],
          ]),
        );
        const [app] = readAppManifests(texts);
        if (!app) throw new Error('no app manifest');
        return devOnlyPackages(app, readInstalledNpm(texts));
      };
      const long = 'n'.repeat(16_000);
      expect([...devOnlyIn(long)()]).toEqual([`node_modules/${long}`]);
      expect(await slowdown(devOnlyIn(long), devOnlyIn('n'))).toBeLessThan(8);
    },
  );

  it('resolves names as Node does: nested first, then each node_modules above, scoped names too', () => {
    const texts = MetadataTexts.of(
      new Map([
        ['srv/package.json', JSON.stringify({ dependencies: { a: '1' }, devDependencies: { '@s/b': '1', c: '1' } })],
        ['srv/node_modules/a/package.json', JSON.stringify({ dependencies: { c: '1' } })],
        ['srv/node_modules/a/node_modules/c/package.json', JSON.stringify({ dependencies: { d: '1' } })],
        ['srv/node_modules/c/package.json', JSON.stringify({})],
        ['srv/node_modules/@s/b/package.json', JSON.stringify({ dependencies: { d: '1', c: '1' } })],
        ['node_modules/d/package.json', JSON.stringify({})],
      ]),
    );
    const [app] = readAppManifests(texts);
    if (!app) throw new Error('no app manifest');
    expect([...devOnlyPackages(app, readInstalledNpm(texts))].sort()).toEqual([
      'srv/node_modules/@s/b',
      'srv/node_modules/c',
    ]);
  });
});
