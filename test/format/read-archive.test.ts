import { describe, expect, it } from 'vitest';
import { readArchive } from '../../src/index.js';
import type { ArchiveFormat } from '../../src/index.js';
import { buildArchive, type FixtureFormat, type BuiltImage } from '../helpers/fixture-builder.js';
import { sampleImages } from '../helpers/specs.js';
import { chunked, ODD_CHUNK_SIZES } from '../helpers/streams.js';

const FORMAT_NAME: Record<FixtureFormat, ArchiveFormat> = {
  'docker-classic': 'docker-save',
  podman: 'docker-save',
  docker25: 'docker-save+oci',
  oci: 'oci-layout',
  'docker-dir': 'docker-dir',
  legacy: 'docker-legacy',
  crane: 'docker-save',
  jib: 'docker-save',
};

/** What a correct reader reports, computed from the builder's own bytes. */
function expectedLayers(image: BuiltImage) {
  return image.layers.map((layer, index) => ({
    index,
    diffId: layer.diffId,
    digest: layer.digest,
    compression: layer.compression,
    storedSize: layer.blob.length,
    uncompressedSize: layer.tar.length,
    contentSize: layer.contentSize,
    fileCount: layer.fileCount,
    present: true,
  }));
}

const layerFields = (layer: Record<string, unknown>) => ({
  index: layer['index'],
  diffId: layer['diffId'],
  digest: layer['digest'],
  compression: layer['compression'],
  storedSize: layer['storedSize'],
  uncompressedSize: layer['uncompressedSize'],
  contentSize: layer['contentSize'],
  fileCount: layer['fileCount'],
  present: layer['present'],
});

describe.each(['docker-classic', 'podman', 'docker25', 'oci', 'legacy', 'crane'] as const)('a %s archive', (format) => {
  const compressions =
    format === 'oci'
      ? (['none', 'gzip', 'zstd'] as const)
      : format === 'crane'
        ? (['gzip'] as const)
        : (['none', 'gzip'] as const);

  it.each(compressions)('reports every image and layer (%s layers)', async (compression) => {
    const { bytes, images } = await buildArchive(format, sampleImages(compression));
    const report = await readArchive(chunked(bytes, 64 * 1024));
    expect(report.format).toBe(FORMAT_NAME[format]);
    expect(report.problems.filter((p) => p.severity !== 'info')).toEqual([]);
    expect(report.images).toHaveLength(2);
    for (const built of images) {
      const tag = built.spec.tags?.[0] ?? '';
      const image = report.images.find((i) => i.tags.includes(tag));
      expect(image, tag).toBeDefined();
      if (!image) continue;
      expect(image.layers.map((l) => layerFields(l as unknown as Record<string, unknown>))).toEqual(
        expectedLayers(built),
      );
      expect([...image.tags].sort()).toEqual([...(built.spec.tags ?? [])].sort());
      if (format !== 'legacy') {
        expect(image.configDigest).toBe(built.configDigest);
        const p = built.spec.platform ?? { os: 'linux', architecture: 'amd64' };
        expect(image.platform).toBe(
          [p.os, p.architecture, 'variant' in p ? p.variant : undefined].filter(Boolean).join('/'),
        );
      }
      expect(image.contentSize).toBe(built.layers.reduce((sum, l) => sum + l.contentSize, 0));
    }
  });

  it.each(ODD_CHUNK_SIZES)('gives the same report when fed in chunks of %i bytes', async (size) => {
    const { bytes } = await buildArchive(format, sampleImages('gzip'));
    const whole = await readArchive(chunked(bytes, bytes.length));
    const pieces = await readArchive(chunked(bytes, size));
    expect(pieces).toEqual(whole);
  });
});

describe('whole-file compression', () => {
  it.each(['gzip', 'zstd'] as const)('reads a %s-compressed archive as the tar inside it', async (outer) => {
    const plain = await buildArchive('podman', sampleImages());
    const packed = await buildArchive('podman', sampleImages(), { outer });
    const a = await readArchive(chunked(plain.bytes, 4096));
    const b = await readArchive(chunked(packed.bytes, 333));
    expect(b.compression).toBe(outer);
    expect(b.images).toEqual(a.images);
  });
});

describe('a Jib tarball (lower-case manifest keys, config.json)', () => {
  it('reads its images and layers', async () => {
    const { bytes, images } = await buildArchive('jib', [sampleImages('gzip')[1] ?? { layers: [] }]);
    const report = await readArchive(chunked(bytes, 777));
    expect(report.images.map((i) => i.tags)).toEqual([['example.com/app:2', 'example.com/app:latest']]);
    expect(report.images[0]?.layers.map((l) => layerFields(l as unknown as Record<string, unknown>))).toEqual(
      images[0] ? expectedLayers(images[0]) : [],
    );
  });
});

describe('hard-linked layer entries', () => {
  it('resolve to the layer they link to, and a layer listed twice is shown twice', async () => {
    const base = sampleImages()[0];
    if (!base) throw new Error('sample missing');
    const { bytes } = await buildArchive('docker-classic', [
      { ...base, layers: [...base.layers, ...base.layers], history: [] },
    ]);
    const report = await readArchive(chunked(bytes, bytes.length));
    const [first, second] = report.images[0]?.layers ?? [];
    expect(second?.diffId).toBe(first?.diffId);
    expect(second?.fileCount).toBe(first?.fileCount);
    expect(second?.entry).toBe(first?.entry); // the link's target, where the bytes are
  });
});

describe('a skopeo dir: layout', () => {
  it('reads the single manifest and its bare-hex blobs', async () => {
    const spec = sampleImages('gzip')[1];
    if (!spec) throw new Error('sample missing');
    const { bytes, images } = await buildArchive('docker-dir', [spec]);
    const report = await readArchive(chunked(bytes, 1000));
    const built = images[0];
    expect(report.format).toBe('docker-dir');
    expect(report.images).toHaveLength(1);
    expect(report.images[0]?.manifestDigest).toBe(built?.manifestDigest);
    expect(report.images[0]?.layers.map((l) => layerFields(l as unknown as Record<string, unknown>))).toEqual(
      built ? expectedLayers(built) : [],
    );
  });
});

describe('history', () => {
  it('gives each layer the step that made it and keeps empty steps', async () => {
    const { bytes } = await buildArchive('docker-classic', sampleImages());
    const report = await readArchive(chunked(bytes, bytes.length));
    const app = report.images.find((i) => i.tags.includes('example.com/app:2'));
    expect(app?.layers.map((l) => l.createdBy)).toEqual([
      '/bin/sh -c #(nop) ADD file:base in /',
      '/bin/sh -c rm /etc/os-release && mkdir /app',
    ]);
    expect(app?.history.map((h) => [h.emptyLayer, h.layerIndex])).toEqual([
      [false, 0],
      [true, null],
      [false, 1],
    ]);
  });
});

describe('files', () => {
  it('lists each layer file with type, size, link target and whiteouts', async () => {
    const { bytes } = await buildArchive('oci', sampleImages('zstd'));
    const report = await readArchive(chunked(bytes, bytes.length));
    const app = report.images.find((i) => i.tags.includes('example.com/app:2'));
    expect(app?.layers[0]?.files.records().map((f) => [f.path, f.type, f.size, f.linkTarget])).toEqual([
      ['etc', 'directory', 0, null],
      ['etc/os-release', 'file', 10, null],
      ['bin', 'directory', 0, null],
      ['bin/sh', 'file', 4096, null],
      ['bin/ash', 'hardlink', 0, 'bin/sh'],
      ['bin/bash', 'symlink', 0, '/bin/sh'],
    ]);
    expect(app?.layers[1]?.files.records().find((f) => f.whiteout !== null)).toMatchObject({
      path: 'etc/.wh.os-release',
      whiteout: 'delete',
    });
  });

  it('counts a layer listed twice in one image once in its size', async () => {
    const base = sampleImages()[0];
    if (!base) throw new Error('sample missing');
    const twice = { ...base, layers: [...base.layers, ...base.layers], history: [] };
    const { bytes, images } = await buildArchive('podman', [twice]);
    const report = await readArchive(chunked(bytes, bytes.length));
    expect(report.images[0]?.layers).toHaveLength(2);
    expect(report.images[0]?.contentSize).toBe(images[0]?.layers[0]?.contentSize);
  });
});
