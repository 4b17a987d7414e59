import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { METADATA_FILE_CAP, METADATA_LAYER_CAP, packagesOfImage, ProblemCode, readArchive } from '../../src/index.js';
import { buildArchive, type FileSpec } from '../helpers/fixture-builder.js';
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
});
