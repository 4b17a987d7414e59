import zlib from 'node:zlib';
/** Issue 12's wrong verdicts: each archive gets the exit code and finding a runtime would agree with. */
import { describe, expect, it } from 'vitest';
import { ProblemCode, readArchive, type ArchiveReport } from '../../src/index.js';
import { archiveEntries, buildImage, sha256, writeTar, type EntrySpec } from '../helpers/fixture-builder.js';
import { runCli } from '../helpers/cli.js';
import { chunked } from '../helpers/streams.js';
import { zstdRawFrame } from '../helpers/zstd-raw.js';
import { json, tempFile } from './generators.js';

const read = (bytes: Buffer): Promise<ArchiveReport> => readArchive(chunked(bytes, 4096), { label: 'test.tar' });
const errorsOf = (report: ArchiveReport) => report.problems.filter((p) => p.severity === 'error').map((p) => p.code);
const hex = (digest: string): string => digest.slice('sha256:'.length);

async function image(tags = ['app:1']) {
  return buildImage({
    tags,
    layers: [
      {
        files: [
          { path: 'etc/a', content: Buffer.alloc(3000, 1) },
          { path: 'etc/b', content: 'b' },
        ],
      },
    ],
  });
}

function withEntry(entries: EntrySpec[], path: string, change: (e: EntrySpec) => EntrySpec): EntrySpec[] {
  return entries.map((e) => (e.path === path ? change(e) : e));
}

type ZstdCompress = (data: Buffer, options: { params: Record<number, number> }) => Buffer;
const nodeZstd = (zlib as unknown as { zstdCompressSync?: ZstdCompress }).zstdCompressSync;
const ZSTD_C_CHECKSUM_FLAG = 201;

/** An OCI archive whose one layer is the zstd `blob` standing for `built`'s layer. */
async function ociWithZstdLayer(built: Awaited<ReturnType<typeof image>>, blob: Buffer): Promise<Buffer> {
  const digest = `sha256:${sha256(blob)}`;
  const manifest = JSON.parse(built.manifest.toString()) as {
    layers: { mediaType: string; digest: string; size: number }[];
  };
  manifest.layers = [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest, size: blob.length }];
  const manifestBytes = json(manifest);
  const entries: EntrySpec[] = [
    { path: `blobs/sha256/${hex(digest)}`, content: blob },
    { path: `blobs/sha256/${hex(built.configDigest)}`, content: built.config },
    { path: `blobs/sha256/${sha256(manifestBytes)}`, content: manifestBytes },
    { path: 'oci-layout', content: json({ imageLayoutVersion: '1.0.0' }) },
    {
      path: 'index.json',
      content: json({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${sha256(manifestBytes)}`,
            size: manifestBytes.length,
          },
        ],
      }),
    },
  ];
  return writeTar(entries);
}

describe('wrong verdicts of issue 12', () => {
  // Node 20 decodes with fzstd, which skips the checksum; layerlens checks it there itself.
  it('a zstd layer whose frame checksum is wrong is an error (exit 3)', async () => {
    const built = await image();
    const tar = built.layers[0]?.tar ?? Buffer.alloc(0);
    const good = zstdRawFrame(tar, { checksum: true, blockSize: 1000 });
    expect(errorsOf(await read(await ociWithZstdLayer(built, good)))).toEqual([]);
    const bad = Buffer.from(good);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    const archive = await ociWithZstdLayer(built, bad);
    expect(errorsOf(await read(archive))).toContain(ProblemCode.invalidLayer);
    const run = await runCli(['inspect', tempFile('zstd-checksum.tar', archive)]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.skipIf(nodeZstd === undefined)('a compressed zstd layer whose frame checksum is wrong is an error', async () => {
    const built = await image();
    const tar = built.layers[0]?.tar ?? Buffer.alloc(0);
    const blob = Buffer.from(nodeZstd?.(tar, { params: { [ZSTD_C_CHECKSUM_FLAG]: 1 } }) ?? Buffer.alloc(0));
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 0xff;
    expect(errorsOf(await read(await ociWithZstdLayer(built, blob)))).toContain(ProblemCode.invalidLayer);
  });

  it('a layer tar cut mid-entry is an error (exit 3)', async () => {
    const built = await image();
    const layer = built.layers[0];
    if (!layer) throw new Error('no layer');
    // docker-classic keeps the layer as <id>/layer.tar; cut it inside etc/a's content.
    const cut = layer.tar.subarray(0, 1200);
    const entries = archiveEntries('docker-classic', [built]).map((e) =>
      e.path.endsWith('/layer.tar') ? { ...e, content: cut } : e,
    );
    const report = await read(await writeTar(entries));
    expect(errorsOf(report)).toContain(ProblemCode.invalidLayer);
    const run = await runCli(['inspect', tempFile('cut.tar', await writeTar(entries))]);
    expect(run.code).toBe(3);
  });

  it('a layer tar with a bad header checksum is an error', async () => {
    const built = await image();
    const tar = Buffer.from(built.layers[0]?.tar ?? Buffer.alloc(0));
    tar[3584] = (tar[3584] ?? 0) ^ 0x20; // etc/b's name, after etc/a's 3,000 bytes: its checksum no longer matches
    const entries = archiveEntries('docker-classic', [built]).map((e) =>
      e.path.endsWith('/layer.tar') ? { ...e, content: tar } : e,
    );
    expect(errorsOf(await read(await writeTar(entries)))).toContain(ProblemCode.invalidLayer);
  });

  it('an archive with no readable image exits 3', async () => {
    const index = json({ schemaVersion: 2, manifests: [] });
    const bytes = await writeTar([
      { path: 'oci-layout', content: json({ imageLayoutVersion: '1.0.0' }) },
      { path: 'index.json', content: index },
    ]);
    const run = await runCli(['inspect', tempFile('empty.tar', bytes)]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no readable image/);
  });

  it('non-sha256 diff ids are an error finding', async () => {
    const built = await image();
    const config = JSON.parse(built.config.toString()) as { rootfs: { diff_ids: string[] } };
    config.rootfs.diff_ids = [`md5:${'0'.repeat(32)}`];
    const bytes = json(config);
    const entries = archiveEntries('docker-classic', [built]).map((e) =>
      e.path === `${hex(built.configDigest)}.json` ? { ...e, content: bytes } : e,
    );
    const report = await read(await writeTar(entries));
    expect(report.problems.find((p) => p.code === ProblemCode.invalidConfig)).toMatchObject({ severity: 'error' });
  });

  it('a top-level index entry without its manifest blob is an error, not an absent platform', async () => {
    const built = await image();
    const entries = archiveEntries('oci', [built]).filter(
      (e) => e.path !== `blobs/sha256/${hex(built.manifestDigest)}`,
    );
    const report = await read(await writeTar(entries));
    expect(errorsOf(report)).toContain(ProblemCode.missingBlob);
  });

  it('children of a multi-platform index stay absent', async () => {
    const built = await image();
    const entries = archiveEntries('oci', [built]);
    const child = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'f'.repeat(64)}`,
      size: 100,
      platform: { os: 'linux', architecture: 'arm64' },
    };
    const own = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: built.manifestDigest,
      size: built.manifest.length,
      platform: { os: 'linux', architecture: 'amd64' },
    };
    const list = json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [own, child],
    });
    entries.push({ path: `blobs/sha256/${sha256(list)}`, content: list });
    const top = json({
      schemaVersion: 2,
      manifests: [
        { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${sha256(list)}`, size: list.length },
      ],
    });
    const report = await read(await writeTar(withEntry(entries, 'index.json', (e) => ({ ...e, content: top }))));
    expect(errorsOf(report)).toEqual([]);
    expect(report.absent).toHaveLength(1);
  });

  it('a malformed index descriptor is an error', async () => {
    const built = await image();
    const entries = withEntry(archiveEntries('oci', [built]), 'index.json', (e) => {
      const index = JSON.parse(e.content?.toString() ?? '{}') as { manifests: unknown[] };
      index.manifests.push({ digest: 'sha256:nothex', size: 'big' });
      return { ...e, content: json(index) };
    });
    const report = await read(await writeTar(entries));
    expect(report.problems.find((p) => p.code === ProblemCode.invalidManifest)).toMatchObject({ severity: 'error' });
  });

  it('a dir: manifest whose config and layers are strings is invalid, not an artifact', async () => {
    const built = await image();
    const entries = withEntry(archiveEntries('docker-dir', [built]), 'manifest.json', (e) => ({
      ...e,
      content: json({ schemaVersion: 2, config: 'config', layers: 'layers' }),
    }));
    const run = await runCli(['inspect', tempFile('dir.tar', await writeTar(entries))]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/manifest\.json/);
  });

  it('manifest.json naming layers ./x.tar is accepted, as docker load does', async () => {
    const built = await image();
    const entries = withEntry(archiveEntries('docker-classic', [built]), 'manifest.json', (e) => {
      const manifest = JSON.parse(e.content?.toString() ?? '[]') as { Config: string; Layers: string[] }[];
      for (const item of manifest) {
        item.Config = `./${item.Config}`;
        item.Layers = item.Layers.map((l) => `./${l}`);
      }
      return { ...e, content: json(manifest) };
    });
    const report = await read(await writeTar(entries));
    expect(errorsOf(report)).toEqual([]);
    expect(report.images[0]?.layers[0]?.present).toBe(true);
  });
  it('a layer entry whose name climbs above the root is an error naming it (exit 3), read at the root as containerd writes it', async () => {
    const built = await buildImage({
      tags: ['app:1'],
      layers: [
        {
          files: [
            { path: 'ok', content: 'x' },
            { path: 'a/../../tmp/evil', content: 'y' },
          ],
        },
      ],
    });
    const archive = await writeTar(archiveEntries('docker25', [built]));
    expect(errorsOf(await read(archive))).toEqual([ProblemCode.invalidLayer]);
    const run = await runCli(['inspect', tempFile('breakout.tar', archive)]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain("entry a/../../tmp/evil climbs above the layer's root: read at the root");
  });
});
