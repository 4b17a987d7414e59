import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { packagesOfImage, readArchive, type ImagePackages } from '../../src/index.js';
import { buildArchive, type ImageSpec } from '../helpers/fixture-builder.js';
import { appPackageJson, dpkgLayer, dpkgList, dpkgStatus, type DpkgPackage } from '../helpers/package-metadata.js';
import {
  alpine,
  coreutils,
  curl,
  debianApp,
  debug,
  distroless,
  express,
  len,
  libc,
  npmSize,
  pipSize,
  stale,
  types,
  typescript,
} from '../helpers/package-specs.js';
import { ODD_CHUNK_SIZES, chunked } from '../helpers/streams.js';
import { fileRecord, imageReport, layerReport } from '../helpers/reports.js';

const dir = mkdtempSync(join(tmpdir(), 'layerlens-packages-'));
async function read(spec: ImageSpec, how: 'stream' | 'file' | 'metadata-only' = 'stream') {
  const { bytes: archive } = await buildArchive('docker-classic', [spec]);
  if (how === 'stream') return readArchive(Readable.from([archive]), { keepMetadata: true });
  const path = join(dir, `${how}-${String(spec.tags?.[0]).replace(/\W/g, '_')}.tar`);
  writeFileSync(path, archive);
  return readArchive(path, { keepMetadata: true, verify: how === 'file' });
}

const packagesOf = async (
  spec: ImageSpec,
  how: 'stream' | 'file' | 'metadata-only' = 'stream',
): Promise<ImagePackages> => {
  const report = await read(spec, how);
  const image = report.images[0];
  if (!image) throw new Error('no image');
  return packagesOfImage(image);
};

describe('packagesOfImage', () => {
  it('sizes dpkg, npm and pip packages by their files in the final tree, with versions and layers', async () => {
    const result = await packagesOf(debianApp);
    expect(result.packages).toEqual([
      {
        ecosystem: 'npm',
        name: 'typescript',
        version: '5.4.5',
        size: npmSize(typescript),
        fileCount: 2,
        layerIndex: 2,
      },
      { ecosystem: 'pip', name: 'requests', version: '2.31.0', size: pipSize, fileCount: 4, layerIndex: 3 },
      {
        ecosystem: 'dpkg',
        name: 'libc6',
        version: '2.36-9+deb12u4',
        size: 1000 + len('libc.so.6'),
        fileCount: 2,
        layerIndex: 0,
      },
      { ecosystem: 'dpkg', name: 'coreutils', version: '9.1-1', size: 500, fileCount: 1, layerIndex: 0 },
      { ecosystem: 'dpkg', name: 'curl', version: '7.88.1-10', size: 300, fileCount: 1, layerIndex: 1 },
      { ecosystem: 'npm', name: 'express', version: '4.19.2', size: npmSize(express), fileCount: 2, layerIndex: 2 },
      { ecosystem: 'npm', name: '@types/node', version: '20.11.0', size: npmSize(types), fileCount: 2, layerIndex: 2 },
      {
        ecosystem: 'npm',
        name: 'debug',
        version: '2.6.9',
        size: npmSize(debug, 'app/node_modules/express'),
        fileCount: 2,
        layerIndex: 2,
      },
    ]);
    expect(result.problems).toEqual([]);
  });

  it('leaves out a package whose status entry and files an upper layer removed', async () => {
    const names = (await packagesOf(debianApp)).packages.map((p) => p.name);
    expect(names).not.toContain('gcc-12');
    expect(names).not.toContain('old-tool'); // Status: deinstall ok config-files
  });

  it('counts what no package owns by top folder, so everything adds up to the final tree', async () => {
    const report = await read(debianApp);
    const image = report.images[0];
    if (!image) throw new Error('no image');
    const result = packagesOfImage(image);
    const statusSize = len(dpkgStatus([libc, coreutils, curl, stale]));
    const lists = len(dpkgList(libc)) + len(dpkgList(coreutils)) + len(dpkgList(curl));
    const appJson = len(appPackageJson({ express: '^4' }, { typescript: '^5', '@types/node': '^20' }));
    expect(result.unownedByFolder).toEqual([
      { folder: 'var/lib/', size: statusSize + lists },
      { folder: 'app/', size: appJson + 80 },
      { folder: 'etc/', size: 10 },
    ]);
    const owned = result.packages.reduce((sum, p) => sum + p.size, 0);
    const { overlayOfImage } = await import('../../src/layer/overlay.js');
    expect(owned + result.unownedSize).toBe(overlayOfImage(image).visibleSize);
  });

  it("keeps a hard-linked file's bytes in its package when an upper layer deletes one of its names", async () => {
    // perl-base ships usr/bin/perl and usr/bin/perl5.36.0 as one inode; a later `rm` of one name
    // leaves the inode (and its bytes) under the other, in Docker's applier as on disk.
    const perl: DpkgPackage = {
      name: 'perl-base',
      version: '5.36.0-7',
      files: [
        { path: 'usr/bin/perl', content: 'p'.repeat(1000) },
        { path: 'usr/bin/perl5.36.0', content: '' },
      ],
    };
    const base = dpkgLayer([perl]).map((f) =>
      f.path === 'usr/bin/perl5.36.0' ? { path: f.path, type: 'hardlink' as const, target: 'usr/bin/perl' } : f,
    );
    // Unowned too: a hard-linked pair no package lists, one name replaced by a new file.
    base.push(
      { path: 'opt/tool', content: 't'.repeat(300) },
      { path: 'opt/tool2', type: 'hardlink', target: 'opt/tool' },
    );
    const report = await read({
      tags: ['perl:1'],
      layers: [
        { files: base },
        { files: [{ path: 'usr/bin/.wh.perl' }, { path: 'opt/tool', content: 'n'.repeat(5) }] },
      ],
    });
    const image = report.images[0];
    if (!image) throw new Error('no image');
    const result = packagesOfImage(image);
    expect(result.packages.map((p) => [p.name, p.size, p.fileCount])).toEqual([['perl-base', 1000, 1]]);
    expect(result.unownedByFolder.find((f) => f.folder === 'opt/')?.size).toBe(305);
    const { overlayOfImage } = await import('../../src/layer/overlay.js');
    expect(1000 + result.unownedSize).toBe(overlayOfImage(image).visibleSize);
  });

  it('reads apk installed databases', async () => {
    const result = await packagesOf(alpine);
    expect(result.packages).toEqual([
      {
        ecosystem: 'apk',
        name: 'busybox',
        version: '1.36.1-r15',
        size: 900 + len('/bin/busybox'),
        fileCount: 2,
        layerIndex: 0,
      },
      { ecosystem: 'apk', name: 'musl', version: '1.2.4-r2', size: 700, fileCount: 1, layerIndex: 0 },
    ]);
    expect(result.unownedByFolder.map((f) => f.folder)).toEqual(['lib/', 'etc/']);
  });

  it('counts a file that many packages list for each of them, and a path one lists twice once', () => {
    const site = 'usr/lib/python3/site-packages';
    const records = Array.from({ length: 5_000 }, (_, i) => `${site}/p${i}-1.dist-info/RECORD`);
    const files = [fileRecord(`${site}/shared.py`, { size: 10 }), ...records.map((p) => fileRecord(p, { size: 1 }))];
    const layer = layerReport(0, files, null, {
      metadataFiles: records.map((path) => ({ path, text: 'shared.py,,10\nshared.py,,10\n' })),
    });
    const { packages, unownedSize } = packagesOfImage(imageReport([layer]));
    expect(packages).toHaveLength(5_000);
    expect(packages.filter((p) => p.size === 10 && p.fileCount === 1)).toHaveLength(5_000);
    // Only the RECORD files themselves are nobody's.
    expect(unownedSize).toBe(5_000);
  });

  it('gives distroless status.d packages their declared Installed-Size', async () => {
    const result = await packagesOf(distroless);
    expect(result.packages).toEqual([
      {
        ecosystem: 'dpkg',
        name: 'libssl3',
        version: '3.0.11-1',
        size: 6000 * 1024,
        fileCount: 0,
        layerIndex: 0,
        declared: true,
      },
    ]);
    expect(result.unownedSize).toBe(600 + (result.unownedByFolder.find((f) => f.folder === 'var/lib/')?.size ?? 0));
  });

  it.each([alpine, debianApp, distroless])('gives the same packages on all three read paths (%#)', async (spec) => {
    const byStream = await packagesOf(spec, 'stream');
    expect(await packagesOf(spec, 'file')).toEqual(byStream);
    expect(await packagesOf(spec, 'metadata-only')).toEqual(byStream);
  });

  it.each(ODD_CHUNK_SIZES)('gives the same packages when the archive arrives in %i-byte chunks', async (size) => {
    const { bytes: archive } = await buildArchive('oci', [debianApp]);
    const report = await readArchive(chunked(archive, size), { keepMetadata: true });
    const image = report.images[0];
    if (!image) throw new Error('no image');
    expect(packagesOfImage(image)).toEqual(await packagesOf(debianApp));
  });
});

const root = resolve(import.meta.dirname, '../..');
const dist = join(root, 'dist/index.js');
describe.skipIf(!existsSync(dist))('package metadata on worker threads (built dist/)', () => {
  it('gives the same packages as the main thread', async () => {
    const { bytes: archive } = await buildArchive('docker25', [debianApp]);
    const path = join(dir, 'workers.tar');
    writeFileSync(path, archive);
    const script = `
      import { readArchive, packagesOfImage } from ${JSON.stringify(dist)};
      const path = ${JSON.stringify(path)};
      const a = await readArchive(path, { workers: 2, workerThreshold: 0, keepMetadata: true });
      const b = await readArchive(path, { workers: 0, keepMetadata: true });
      const pa = packagesOfImage(a.images[0]);
      process.stdout.write(JSON.stringify({ same: JSON.stringify(pa) === JSON.stringify(packagesOfImage(b.images[0])), count: pa.packages.length }));
    `;
    const scriptPath = join(dir, 'workers.mjs');
    writeFileSync(scriptPath, script);
    const run = spawnSync(process.execPath, [scriptPath], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ same: true, count: 8 });
  });
});

describe('hashFiles without verification', () => {
  // diff reads with { hashFiles, verify: false }: every byte of a layer is read (on workers) to
  // hash its files, but the layer's own digest is not checked. Package files are hashed like any.
  it('hashes every regular file, package databases included', async () => {
    const { bytes: archive } = await buildArchive('docker-classic', [debianApp]);
    const path = join(dir, 'hash.tar');
    writeFileSync(path, archive);
    const report = await readArchive(path, { keepMetadata: true, hashFiles: true, verify: false });
    const layer0 = report.images[0]?.layers[0];
    expect(layer0?.compression).toBe('none');
    const files = layer0?.files.records().filter((f) => f.type === 'file') ?? [];
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.sha256 !== null && /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    expect(files.some((f) => f.path === 'var/lib/dpkg/status')).toBe(true);
  });

  it('finds the same packages as a verified read, and so does a read of headers only', async () => {
    const { bytes: archive } = await buildArchive('docker-classic', [debianApp]);
    const path = join(dir, 'same-packages.tar');
    writeFileSync(path, archive);
    const expected = await packagesOf(debianApp);
    for (const options of [{ hashFiles: true, verify: false }, { verify: false }, { verify: true }]) {
      const report = await readArchive(path, { keepMetadata: true, ...options });
      const image = report.images[0];
      if (!image) throw new Error('no image');
      expect(packagesOfImage(image), JSON.stringify(options)).toEqual(expected);
    }
  });
});

describe('package metadata from an unpacked folder', () => {
  it('gives the same packages as the tar it came from', async () => {
    const { bytes: archive } = await buildArchive('oci', [debianApp]);
    const path = join(dir, 'folder-source.tar');
    writeFileSync(path, archive);
    const folder = join(dir, 'unpacked');
    mkdirSync(folder, { recursive: true });
    execFileSync('tar', ['-xf', path, '-C', folder]);
    const fromFolder = await readArchive(folder, { keepMetadata: true });
    const image = fromFolder.images[0];
    if (!image) throw new Error('no image');
    expect(packagesOfImage(image)).toEqual(await packagesOf(debianApp));
  });
});
