import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinImagePath } from '../../src/packages/image-path.js';
import { mayBeMetadata, metadataKindOf, npmPackageRootOf } from '../../src/packages/metadata-paths.js';
import { MetadataTexts } from '../../src/packages/metadata-texts.js';
import { readNpm } from '../../src/packages/npm.js';
import { readDpkg } from '../../src/packages/dpkg.js';
import { readApk } from '../../src/packages/apk.js';
import { readPip } from '../../src/packages/pip.js';
import { ListedPaths } from '../../src/packages/listed-paths.js';
import { forEachLine } from '../../src/packages/stanzas.js';
import type { Problem } from '../../src/model/problem.js';

describe('joinImagePath', () => {
  it.each([
    ['', '/usr/bin/ls', 'usr/bin/ls'],
    ['', '/.', ''],
    ['usr/lib/python3/site-packages', 'six.py', 'usr/lib/python3/site-packages/six.py'],
    ['usr/local/lib/python3.12/site-packages', '../../../bin/flask', 'usr/local/bin/flask'],
    ['a/b', '/etc/x', 'etc/x'],
    ['a', '../../etc/shadow', null],
    ['', '/../etc/shadow', null],
    ['a', './x//y/', 'a/x/y'],
  ])('%s + %s = %s', (base, path, joined) => {
    expect(joinImagePath(base, path)).toBe(joined);
  });
});

describe('metadataKindOf', () => {
  it.each([
    ['var/lib/dpkg/status', 'dpkg-status'],
    ['var/lib/dpkg/status-old', null],
    ['var/lib/dpkg/status.d/libssl3', 'dpkg-status-d'],
    ['var/lib/dpkg/status.d/libssl3.md5sums', null],
    ['var/lib/dpkg/info/libc6:amd64.list', 'dpkg-list'],
    ['var/lib/dpkg/info/libc6.md5sums', null],
    ['var/lib/dpkg/info/sub/x.list', null],
    ['lib/apk/db/installed', 'apk-installed'],
    ['app/node_modules/express/package.json', 'npm-package'],
    ['app/node_modules/@types/node/package.json', 'npm-package'],
    ['app/node_modules/express/lib/package.json', null],
    ['app/package.json', 'npm-app'],
    ['usr/src/app/package.json', 'npm-app'],
    ['a/b/c/d/e/package.json', null],
    ['usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD', 'pip-record'],
    ['usr/lib/python3/dist-packages/six/RECORD', null],
    ['usr/bin/ls', null],
  ])('%s is %s', (path, kind) => {
    expect(metadataKindOf(path)).toBe(kind);
  });
});

describe('mayBeMetadata', () => {
  const segment = fc.constantFrom(
    'var',
    'lib',
    'dpkg',
    'info',
    'status',
    'status.d',
    'apk',
    'db',
    'installed',
    'usr',
    'app',
    'node_modules',
    '@scope',
    'express',
    'package.json',
    'six-1.16.0.dist-info',
    'RECORD',
    'x.list',
    'libc6:amd64.list',
    'a.md5sums',
    'bin',
    'v',
    'l',
    'n',
    'D',
    '',
  );

  it('is true for every path metadataKindOf recognizes (it only saves the full check)', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 7 }), (segments) => {
        const path = segments.join('/');
        if (metadataKindOf(path) !== null) expect(mayBeMetadata(path)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('is false for most paths of a layer', () => {
    expect(mayBeMetadata('usr/lib/x86_64-linux-gnu/libssl.so.3')).toBe(false);
    expect(mayBeMetadata('app/node_modules/express/lib/router.js')).toBe(false);
  });
});

describe('npmPackageRootOf', () => {
  it.each([
    ['app/node_modules/express/lib/router.js', 'app/node_modules/express'],
    ['app/node_modules/@types/node/index.d.ts', 'app/node_modules/@types/node'],
    ['app/node_modules/a/node_modules/b/x.js', 'app/node_modules/a/node_modules/b'],
    ['app/node_modules/a/my_node_modules/x.js', 'app/node_modules/a'],
    ['node_modules/a/x', 'node_modules/a'],
    ['app/node_modules/express', null],
    ['app/server.js', null],
  ])('%s belongs to %s', (path, root) => {
    expect(npmPackageRootOf(path)).toBe(root);
  });
});

describe('readNpm', () => {
  // Paths like an npm tree: package folders nested through node_modules, and a few odd names.
  const name = fc.constantFrom('a', 'b', '@s/a', '@s/b', 'node_modules', 'my_node_modules');
  const file = fc.constantFrom('package.json', 'x.js', 'lib/y.js', 'lib/node_modules', 'my_node_modules/z.js');
  const treePath = fc
    .tuple(fc.constantFrom('', 'app/'), fc.array(name, { minLength: 0, maxLength: 3 }), file)
    .map(([top, chain, leaf]) => `${top}${chain.map((n) => `node_modules/${n}/`).join('')}${leaf}`);

  it('gives each package the paths npmPackageRootOf says are its, in any order', () => {
    fc.assert(
      fc.property(fc.array(treePath, { maxLength: 80 }), fc.boolean(), (listed, sorted) => {
        const paths = [...new Set(listed)];
        if (sorted) paths.sort();
        const texts = new Map<string, string>();
        for (const path of paths) {
          if (metadataKindOf(path) === 'npm-package') texts.set(path, '{"name":"n","version":"1"}');
        }
        const claims = readNpm(MetadataTexts.of(texts), new Map(paths.map((path) => [path, 0])), []);
        const expected = new Map<string, string[]>();
        for (const source of texts.keys()) expected.set(source, []);
        for (const path of paths) {
          const root = npmPackageRootOf(path);
          if (root !== null) expected.get(`${root}/package.json`)?.push(path);
        }
        expect(new Map(claims.map((claim) => [claim.source, claim.paths]))).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('readDpkg .list files', () => {
  // Lines built from the characters that make paths odd: dots, slashes, CRs, blanks.
  const line = fc
    .array(fc.constantFrom('/', '.', 'a', 'b', '\r', ' '), { maxLength: 8 })
    .map((chars) => chars.join(''));

  it('gives the paths joinImagePath makes of each absolute line, and counts the others as bad', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), (lines, trailing) => {
        const list = lines.join('\n') + (trailing ? '\n' : '');
        const texts = new Map([
          ['var/lib/dpkg/status', 'Package: p\nStatus: install ok installed\nVersion: 1\n'],
          ['var/lib/dpkg/info/p.list', list],
        ]);
        const problems: Problem[] = [];
        const [claim] = readDpkg(MetadataTexts.of(texts), new ListedPaths(problems), problems);
        const expected: string[] = [];
        let bad = 0;
        for (const raw of list === '' ? [] : list.split('\n')) {
          const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
          if (text === '') continue;
          const joined = text.startsWith('/') ? joinImagePath('', text) : null;
          if (joined === null) bad++;
          else if (joined !== '') expected.push(joined);
        }
        expect(claim?.paths).toEqual(expected);
        expect(problems.length).toBe(bad > 0 ? 1 : 0);
        if (bad > 0) expect(problems[0]?.message).toContain(`${bad} lines`);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('ListedPaths: every reader stops at the limit, one warning for the image', () => {
  const status =
    'Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 1\n';
  const site = 'usr/lib/python3/site-packages';
  const texts = MetadataTexts.of(
    new Map([
      ['var/lib/dpkg/status', status],
      ['var/lib/dpkg/info/a.list', '/.\n/a1\n/a2\n'],
      ['var/lib/dpkg/info/b.list', '/b1\n/b2\n'],
      ['lib/apk/db/installed', 'P:c\nV:1\nF:c\nR:c1\nR:c2\n'],
      [`${site}/d-1.dist-info/RECORD`, 'd1,,\nd2,,\n'],
    ]),
  );
  const read = (limit: number) => {
    const problems: Problem[] = [];
    const listed = new ListedPaths(problems, limit);
    const claims = [
      ...readDpkg(texts, listed, problems),
      ...readApk(texts, listed, problems),
      ...readPip(texts, listed, problems),
    ];
    return { paths: claims.map((claim) => claim.paths), problems: problems.map((p) => p.entry) };
  };

  it.each([
    [
      8,
      [
        ['a1', 'a2'],
        ['b1', 'b2'],
        ['c/c1', 'c/c2'],
        [`${site}/d1`, `${site}/d2`],
      ],
      [],
    ],
    [3, [['a1', 'a2'], ['b1'], [], []], ['var/lib/dpkg/info/b.list']],
    [5, [['a1', 'a2'], ['b1', 'b2'], ['c/c1'], []], ['lib/apk/db/installed']],
    [7, [['a1', 'a2'], ['b1', 'b2'], ['c/c1', 'c/c2'], [`${site}/d1`]], [`${site}/d-1.dist-info/RECORD`]],
  ])('limit %i', (limit, paths, warned) => {
    expect(read(limit)).toEqual({ paths, problems: warned });
  });
});

describe('forEachLine', () => {
  it('gives the lines between newlines, without a trailing CR, and no empty line after the last newline', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '\n', '\r', ' '), { maxLength: 24 }), (chars) => {
        const text = chars.join('');
        const expected: string[] = [];
        let start = 0;
        while (start < text.length) {
          let end = text.indexOf('\n', start);
          if (end === -1) end = text.length;
          const line = text.slice(start, end);
          expected.push(line.endsWith('\r') ? line.slice(0, -1) : line);
          start = end + 1;
        }
        const lines: string[] = [];
        forEachLine(text, (line) => lines.push(line));
        expect(lines).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('metadataKindOf on package.json paths', () => {
  // The kinds as the split of the path into folders tells them (what metadataKindOf did before
  // it stopped splitting).
  const bySplit = (path: string): string | null => {
    const parts = path.split('/');
    const n = parts.length;
    if (parts[n - 3] === 'node_modules' && !(parts[n - 2] ?? '').startsWith('@')) return 'npm-package';
    if (parts[n - 4] === 'node_modules' && (parts[n - 3] ?? '').startsWith('@')) return 'npm-package';
    if (parts.includes('node_modules')) return null;
    return n <= 5 ? 'npm-app' : null;
  };
  const folder = fc.constantFrom('node_modules', 'my_node_modules', 'node_modules2', '@s', '@', 'a', '', '.');

  it('tells npm packages and apps as splitting the path into folders does', () => {
    fc.assert(
      fc.property(fc.array(folder, { maxLength: 8 }), (folders) => {
        const path = [...folders, 'package.json'].join('/');
        expect(metadataKindOf(path)).toBe(bySplit(path));
      }),
      { numRuns: 5000 },
    );
  });
});
