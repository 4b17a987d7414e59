import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  MAX_LISTED_PATHS,
  METADATA_ARCHIVE_CAP,
  METADATA_FILE_CAP,
  METADATA_LAYER_CAP,
  packagesOfImage,
  ProblemCode,
  readArchive,
} from '../../src/index.js';
import { buildArchive, type FileSpec } from '../helpers/fixture-builder.js';
import { tempFile } from '../hostile/generators.js';
import { dpkgLayer, dpkgStatus, npmPackageFiles, type DpkgPackage } from '../helpers/package-metadata.js';

const bash: DpkgPackage = {
  name: 'bash',
  version: '5.2-1',
  files: [{ path: 'usr/bin/bash', content: 'b'.repeat(900) }],
};

async function packagesOf(files: FileSpec[]) {
  const { bytes } = await buildArchive('oci', [{ tags: ['bad:1'], layers: [{ files }] }]);
  const report = await readArchive(Readable.from([bytes]), { keepMetadata: true });
  expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
  const image = report.images[0];
  if (!image) throw new Error('no image');
  return packagesOfImage(image);
}

const warning = (text: RegExp) => ({
  code: ProblemCode.packageDatabase,
  severity: 'warning',
  message: expect.stringMatching(text) as unknown,
  entry: expect.any(String) as unknown,
});

describe('bad package databases are warnings, never failures', () => {
  it('warns about a corrupt dpkg status and keeps the stanzas it can read', async () => {
    const status = `${dpkgStatus([bash])}\n\n\u0000\u0001garbage without a colon\nPackage: half\n`;
    const result = await packagesOf([
      ...dpkgLayer([bash], { status: false }),
      { path: 'var/lib/dpkg/status', content: status },
    ]);
    expect(result.packages.map((p) => [p.name, p.size])).toEqual([['bash', 900]]);
    expect(result.problems).toEqual([warning(/^var\/lib\/dpkg\/status: 1 of 2 stanzas are not valid dpkg records/)]);
  });

  it('counts a stanza of fields it does not read, without Package, as not a dpkg record', async () => {
    const status = `${dpkgStatus([bash])}\nMaintainer: nobody\nDescription: an orphan stanza\n`;
    const result = await packagesOf([
      ...dpkgLayer([bash], { status: false }),
      { path: 'var/lib/dpkg/status', content: status },
    ]);
    expect(result.packages.map((p) => p.name)).toEqual(['bash']);
    expect(result.problems).toEqual([warning(/^var\/lib\/dpkg\/status: 1 of 2 stanzas are not valid dpkg records/)]);
  });

  it('warns about a truncated dpkg status cut inside a field name', async () => {
    const status = `${dpkgStatus([bash])}\nPackage: zlib1g\nStat`;
    const result = await packagesOf([
      ...dpkgLayer([bash], { status: false }),
      { path: 'var/lib/dpkg/status', content: status },
    ]);
    expect(result.packages.map((p) => p.name)).toEqual(['bash']);
    expect(result.problems).toEqual([warning(/1 of 2 stanzas.*corrupt or truncated/)]);
  });

  it('does not read a database over the per-file cap: a warning, and its bytes are unowned', async () => {
    const huge = `${dpkgStatus([bash])}\n${'X-Padding: y\n'.repeat(Math.ceil(METADATA_FILE_CAP / 13))}`;
    const result = await packagesOf([
      ...dpkgLayer([bash], { status: false }),
      { path: 'var/lib/dpkg/status', content: huge },
    ]);
    expect(result.packages).toEqual([]);
    expect(result.problems).toEqual([
      warning(/^var\/lib\/dpkg\/status \(layer 0, \d+ bytes\) was not read: .*per-file cap/),
    ]);
    expect(result.unownedSize).toBeGreaterThan(METADATA_FILE_CAP);
  });

  it('stops keeping database files past the per-layer cap: a warning for each file left out', async () => {
    const perFile = METADATA_FILE_CAP - 1024;
    const count = Math.floor(METADATA_LAYER_CAP / perFile) + 2;
    const lists = Array.from({ length: count }, (_, i) => ({
      path: `var/lib/dpkg/info/pkg${i}.list`,
      content: `/usr/bin/x\n${'#'.repeat(perFile - 11)}`,
    }));
    const result = await packagesOf([...dpkgLayer([bash]), ...lists]);
    const dropped = result.problems.filter((p) => /per-layer cap/.test(p.message));
    expect(dropped.map((p) => p.entry)).toEqual([
      `var/lib/dpkg/info/pkg${count - 2}.list`,
      `var/lib/dpkg/info/pkg${count - 1}.list`,
    ]);
    expect(result.packages.map((p) => p.name)).toEqual(['bash']);
  });

  it('warns about a .list naming files the image does not have', async () => {
    const liar: DpkgPackage = { name: 'liar', version: '1', files: [] };
    const result = await packagesOf([
      ...dpkgLayer([bash, liar]),
      { path: 'var/lib/dpkg/info/liar.list', content: '/nowhere/a\n/nowhere/b\n../../etc/shadow\n' },
    ]);
    expect(result.packages.map((p) => [p.name, p.size])).toEqual([
      ['bash', 900],
      ['liar', 0],
    ]);
    expect(result.problems).toEqual([
      warning(/^var\/lib\/dpkg\/info\/liar\.list: 1 lines are not absolute paths/),
      warning(/^var\/lib\/dpkg\/info\/liar\.list lists 2 paths for dpkg package liar, none of them in the image/),
    ]);
  });

  it('warns about a package.json that is not JSON; that package is unowned', async () => {
    const result = await packagesOf([
      ...npmPackageFiles('app', { name: 'ok', version: '1.0.0', files: [{ path: 'index.js', content: 'ok' }] }),
      { path: 'app/node_modules/broken/package.json', content: '{"name": "broken", "vers' },
      { path: 'app/node_modules/broken/index.js', content: 'z'.repeat(400) },
    ]);
    expect(result.packages.map((p) => p.name)).toEqual(['ok']);
    expect(result.problems).toEqual([warning(/^app\/node_modules\/broken\/package\.json is not a JSON object/)]);
    expect(result.unownedByFolder).toEqual([{ folder: 'app/', size: 400 + 24 }]);
  });

  it('does not parse a package.json nested deeper than real ones (slow to parse): a warning, and it is unowned', async () => {
    // V8 parses deep nesting at about 3.6 MB/s: 128 MiB of it would take about 36 s. Brackets inside
    // strings do not count, and a long but shallow package.json is read.
    const deep = `{"name": "deep", "version": "1.0.0", "x": ${'['.repeat(40_000)}${']'.repeat(40_000)}}`;
    const shallow = JSON.stringify({ name: 'long', version: '2.0.0', readme: '[{'.repeat(40_000) });
    const result = await packagesOf([
      { path: 'app/node_modules/deep/package.json', content: deep },
      { path: 'app/node_modules/deep/index.js', content: 'd'.repeat(300) },
      { path: 'app/node_modules/long/package.json', content: shallow },
    ]);
    expect(result.packages.map((p) => [p.name, p.version])).toEqual([['long', '2.0.0']]);
    expect(result.problems).toEqual([warning(/^app\/node_modules\/deep\/package\.json nests deeper than 64 levels/)]);
  });

  it('warns about RECORD paths that climb out of the image', async () => {
    const site = 'usr/lib/python3/dist-packages';
    const result = await packagesOf([
      { path: `${site}/six.py`, content: 's'.repeat(300) },
      {
        path: `${site}/six-1.16.0.dist-info/RECORD`,
        content:
          'six.py,sha256=abc,300\n../../../../../../etc/passwd,,\n"quoted,name.py",,\nsix-1.16.0.dist-info/RECORD,,\n',
      },
    ]);
    expect(result.packages.map((p) => [p.name, p.version, p.fileCount])).toEqual([['six', '1.16.0', 2]]);
    expect(result.problems).toEqual([warning(/RECORD: 1 lines name no path inside the image/)]);
  });

  it('counts a path two packages list for each, and once in what is owned', async () => {
    const a: DpkgPackage = { name: 'a', version: '1', files: [{ path: 'usr/bin/shared', content: 's'.repeat(100) }] };
    const b: DpkgPackage = { name: 'b', version: '1', files: [{ path: 'usr/bin/shared' }] };
    const result = await packagesOf(
      dpkgLayer([a, b]).filter((f, i, all) => all.findIndex((g) => g.path === f.path) === i),
    );
    expect(result.packages.map((p) => [p.name, p.size])).toEqual([
      ['a', 100],
      ['b', 100],
    ]);
    expect(result.unownedByFolder.map((f) => f.folder)).toEqual(['var/lib/']);
  });

  it('escapes control characters of hostile names in messages', async () => {
    const result = await packagesOf([{ path: 'app/node_modules/ev\u001bil/package.json', content: 'nope' }]);
    expect(result.problems[0]?.message).toContain('ev\\x1bil');
  });

  it('keeps at most the archive cap of databases in all: the layers with the most go first, whatever the read', async () => {
    // Three layers of seven lists just under the per-file cap each (about 56 MiB a layer, under
    // the per-layer cap), and a small layer with the status: together over the archive cap.
    const perFile = METADATA_FILE_CAP - 4096;
    const heavy = [0, 1, 2].map((layer) => ({
      files: Array.from({ length: 7 }, (_, i): FileSpec[] => {
        const name = `h${layer}-${i}`;
        // A path that exists, then blank lines: cheap to read, nearly all bytes.
        const list = `/usr/bin/${name}\n`;
        return [
          { path: `usr/bin/${name}`, content: 'x'.repeat(10 * (layer + 1)) },
          { path: `var/lib/dpkg/info/${name}.list`, content: list + '\n'.repeat(perFile - list.length) },
        ];
      }).flat(),
    }));
    expect(3 * 7 * perFile).toBeGreaterThan(METADATA_ARCHIVE_CAP);
    expect(2 * 7 * perFile).toBeLessThanOrEqual(METADATA_ARCHIVE_CAP);
    const names = [0, 1, 2].flatMap((layer) => Array.from({ length: 7 }, (_, i) => `h${layer}-${i}`));
    const status = dpkgStatus(names.map((name) => ({ name, version: '1', files: [] })));
    const { bytes } = await buildArchive('oci', [
      { tags: ['huge:1'], layers: [...heavy, { files: [{ path: 'var/lib/dpkg/status', content: status }] }] },
    ]);
    const path = tempFile('databases-over-archive-cap.tar', bytes);
    const reads = [
      await readArchive(path, { keepMetadata: true }),
      await readArchive(path, { keepMetadata: true, workers: 1 }),
      await readArchive(path, { keepMetadata: true, verify: false }),
      await readArchive(Readable.from([bytes]), { keepMetadata: true }),
    ];
    const results = reads.map((report) => packagesOfImage(report.images[0] as NonNullable<(typeof report.images)[0]>));
    for (const result of results.slice(1)) expect(result).toEqual(results[0]);
    const result = results[0] as (typeof results)[0];
    // The three heavy layers hold the same bytes: the one last in the archive goes.
    expect(result.problems).toEqual(
      Array.from({ length: 7 }, (_, i) =>
        warning(
          new RegExp(
            `^var/lib/dpkg/info/h2-${i}\\.list \\(layer 2, \\d+ bytes\\) was not read: .*archive cap of 134217728 bytes`,
          ),
        ),
      ),
    );
    // Their packages fall back to the size the status declares (1 KiB each here).
    expect(result.packages.map((p) => [p.name, p.size, p.declared ?? false])).toEqual([
      ...names.slice(14).map((name) => [name, 1024, true]),
      ...names.slice(7, 14).map((name) => [name, 20, false]),
      ...names.slice(0, 7).map((name) => [name, 10, false]),
    ]);
  }, 60_000);

  it('reads at most MAX_LISTED_PATHS paths from the databases of an image: the rest are unowned', async () => {
    const half = Math.ceil(MAX_LISTED_PATHS * 0.6);
    const a: DpkgPackage = { name: 'a', version: '1', files: [{ path: 'a', content: 'a'.repeat(100) }] };
    const b: DpkgPackage = { name: 'b', version: '1', files: [{ path: 'b', content: 'b'.repeat(200) }] };
    const files = [
      ...dpkgLayer([a, b]).filter((f) => !f.path.endsWith('.list')),
      // A real list would name each path once; these name one path over a million times.
      { path: 'var/lib/dpkg/info/a.list', content: '/a\n'.repeat(half) },
      { path: 'var/lib/dpkg/info/b.list', content: `${'/a\n'.repeat(half)}/b\n` },
    ];
    const result = await packagesOf(files);
    expect(result.packages.map((p) => [p.name, p.size, p.fileCount])).toEqual([
      ['a', 100, 1],
      ['b', 100, 1],
    ]);
    expect(result.problems).toEqual([
      warning(/^var\/lib\/dpkg\/info\/b\.list: the databases of this image list more than 2000000 paths/),
    ]);
    expect(result.unownedByFolder).toContainEqual({ folder: '/', size: 200 });
  }, 30_000);
});
