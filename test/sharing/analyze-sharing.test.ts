import { describe, expect, it } from 'vitest';
import { readArchive, type ImageReport } from '../../src/index.js';
import { analyzeSharing, imageId, mergeImages } from '../../src/sharing/analyze-sharing.js';
import { buildArchive, type ImageSpec, type LayerSpec } from '../helpers/fixture-builder.js';
import { pseudoText } from '../helpers/sample-fixtures.js';
import { chunked } from '../helpers/streams.js';
import { imageReport, layerReport } from '../helpers/reports.js';
import type { Digest } from '../../src/model/digest.js';
import { textDigest } from '../../src/model/text-key.js';

const layer = (seed: number, bytes: number, compression: LayerSpec['compression'] = 'gzip'): LayerSpec => ({
  compression,
  files: [{ path: `f${seed}`, content: pseudoText(seed, bytes) }],
});

async function imagesOf(specs: ImageSpec[], format: 'oci' | 'podman' = 'oci'): Promise<ImageReport[]> {
  const { bytes } = await buildArchive(format, specs);
  return [...(await readArchive(chunked(bytes, bytes.length))).images];
}

const inputs = (images: readonly ImageReport[]) => mergeImages(images.map((image) => ({ image, source: 'test' })));

describe('analyzeSharing', () => {
  it('counts a layer shared by two images once in the deduplicated total', async () => {
    const images = await imagesOf([
      { tags: ['a:1'], layers: [layer(1, 1000), layer(2, 300)] },
      { tags: ['b:1'], layers: [layer(1, 1000), layer(3, 500)] },
    ]);
    const report = analyzeSharing(inputs(images));
    expect(report.images.map((i) => [i.image.tags[0], i.size, i.sharedSize, i.uniqueSize, i.sharedLayerCount])).toEqual(
      [
        ['a:1', 1300, 1000, 300, 1],
        ['b:1', 1500, 1000, 500, 1],
      ],
    );
    expect(report.totals).toMatchObject({
      images: 2,
      size: 2800,
      dedupedSize: 1800,
      savedSize: 1000,
      layers: 3,
      sharedLayers: 1,
    });
    expect(report.matrix).toEqual([
      [1300, 1000],
      [1000, 1500],
    ]);
  });

  it('shares the same diff id on disk but not on the wire when compressed two ways', async () => {
    const images = await imagesOf([
      { tags: ['gz:1'], layers: [layer(1, 5000, 'gzip')] },
      { tags: ['zst:1'], layers: [layer(1, 5000, 'zstd')], created: '2024-02-02T00:00:00Z' },
    ]);
    const report = analyzeSharing(inputs(images));
    const [gz, zst] = report.images;
    expect(gz?.sharedSize).toBe(5000);
    expect(report.totals.dedupedSize).toBe(5000);
    expect(report.layers[0]?.digests).toHaveLength(2);
    expect(report.totals.dedupedCompressedSize).toBe((gz?.compressedSize ?? 0) + (zst?.compressedSize ?? 0));
    expect(report.totals.savedCompressedSize).toBe(0);
  });

  it('counts a layer that appears twice in one image once, and not as shared', async () => {
    const images = await imagesOf([{ tags: ['twice:1'], layers: [layer(1, 700), layer(2, 10), layer(1, 700)] }]);
    const [image] = analyzeSharing(inputs(images)).images;
    expect([image?.size, image?.sharedSize, image?.layerCount, image?.distinctLayerCount]).toEqual([710, 0, 3, 2]);
  });

  it('names a base after the image that is exactly the shared prefix', async () => {
    const base = [layer(1, 4000), layer(2, 2000)];
    const images = await imagesOf([
      { tags: ['base:1'], layers: base },
      { tags: ['app:1'], layers: [...base, layer(3, 100)] },
      { tags: ['app:2'], layers: [...base, layer(4, 100)] },
      { tags: ['other:1'], layers: [layer(9, 50)] },
    ]);
    const report = analyzeSharing(inputs(images));
    expect(report.bases).toEqual([
      {
        name: 'base:1',
        baseImage: imageId(images[0] as ImageReport),
        layerCount: 2,
        size: 6000,
        images: images.slice(0, 3).map(imageId),
      },
    ]);
  });

  it('names a base by its top layer when no image is exactly the prefix', async () => {
    const base = [layer(1, 4000)];
    const images = await imagesOf([
      {
        tags: ['app:1'],
        layers: [...base, layer(3, 100)],
        history: [{ createdBy: 'ADD rootfs' }, { createdBy: 'RUN a' }],
      },
      {
        tags: ['app:2'],
        layers: [...base, layer(4, 100)],
        history: [{ createdBy: 'ADD rootfs' }, { createdBy: 'RUN b' }],
      },
    ]);
    expect(analyzeSharing(inputs(images)).bases.map((b) => [b.name, b.baseImage, b.layerCount])).toEqual([
      ['ADD rootfs', null, 1],
    ]);
  });

  it('finds nothing shared between disjoint images', async () => {
    const images = await imagesOf([
      { tags: ['a:1'], layers: [layer(1, 100)] },
      { tags: ['b:1'], layers: [layer(2, 100)] },
    ]);
    const report = analyzeSharing(inputs(images));
    expect(report.images.map((i) => i.sharedSize)).toEqual([0, 0]);
    expect(report.bases).toEqual([]);
    expect(report.totals.savedSize).toBe(0);
  });

  it('keys by chain id: the same layer on a different base is not shared', async () => {
    const images = await imagesOf([
      { tags: ['a:1'], layers: [layer(1, 100), layer(5, 900)] },
      { tags: ['b:1'], layers: [layer(2, 100), layer(5, 900)] },
    ]);
    expect(analyzeSharing(inputs(images), { key: 'diffId' }).images.map((i) => i.sharedSize)).toEqual([900, 900]);
    expect(analyzeSharing(inputs(images), { key: 'chainId' }).images.map((i) => i.sharedSize)).toEqual([0, 0]);
  });

  it('prices pulls in order given what the node already has', async () => {
    const base = [layer(1, 3000)];
    const images = await imagesOf([
      { tags: ['v1'], layers: [...base, layer(2, 500)] },
      { tags: ['v2'], layers: [...base, layer(3, 600)] },
    ]);
    const [v1, v2] = images;
    if (!v1 || !v2) throw new Error('images missing');
    const report = analyzeSharing(inputs([v2]), { have: inputs([v1]) });
    const cost = report.transfer.images[0];
    expect(cost?.pullLayers).toBe(1);
    expect(cost?.pullSize).toBe(v2.layers[1]?.compressedSize);
    expect(cost?.diskSize).toBe(600);
  });

  it('merges an image seen in two inputs into one with all its tags', async () => {
    const images = await imagesOf([{ tags: ['a:1'], layers: [layer(1, 100)] }]);
    const image = images[0] as ImageReport;
    const merged = mergeImages([
      { image, source: 'one.tar' },
      { image: { ...image, tags: ['a:latest'] }, source: 'two.json' },
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.image.tags).toEqual(['a:1', 'a:latest']);
    expect(merged[0]?.sources).toEqual(['one.tar', 'two.json']);
  });

  it('marks compressed sizes unknown for uncompressed layers, and estimates them on request', async () => {
    const { bytes } = await buildArchive('podman', [{ tags: ['u:1'], layers: [layer(1, 20_000, 'none')] }]);
    const plain = await readArchive(chunked(bytes, bytes.length));
    expect(analyzeSharing(inputs(plain.images)).totals.compressedSize).toBeNull();
    const estimated = await readArchive(chunked(bytes, 999), { estimateCompressed: true });
    const totals = analyzeSharing(inputs(estimated.images)).totals;
    expect(totals.compressedSizeEstimated).toBe(true);
    expect(totals.compressedSize).toBeGreaterThan(100);
    expect(totals.compressedSize).toBeLessThan(20_000);
  });
});

describe('imageId', () => {
  it('spells out a tag or platform up to 1,024 characters, and stands for a longer one by its sha256', () => {
    const config = `sha256:${'a'.repeat(64)}` as Digest;
    expect(imageId(imageReport([], { configDigest: config, platform: 'linux/arm/v7' }))).toBe(`${config}|linux/arm/v7`);
    const platform = `linux/${'x'.repeat(1018)}`;
    expect(imageId(imageReport([], { configDigest: config, platform }))).toBe(`${config}|${platform}`);
    expect(imageId(imageReport([], { configDigest: config, platform: `${platform}y` }))).toBe(
      `${config}|sha256:${textDigest(`${platform}y`)}`,
    );
    const tag = `r:${'t'.repeat(5000)}`;
    expect(imageId(imageReport([], { tags: [tag], platform: null }))).toBe(
      `untagged:sha256:${textDigest(tag)}|unknown`,
    );
    expect(imageId(imageReport([], { tags: ['r:1'], platform: null }))).toBe('untagged:r:1|unknown');
  });
});

describe('mergeImages', () => {
  it('keeps long tags apart that differ only in a lone surrogate, and drops a repeated one', () => {
    const long = 'r:'.padEnd(20_000, 't');
    const tags = [`${long}\ud800`, `${long}\udc00`, 'short:1'];
    const config = `sha256:${'c'.repeat(64)}` as Digest;
    const [merged] = mergeImages(
      [tags.slice(0, 1), tags, tags.slice(1)].map((seen, i) => ({
        image: imageReport([], { tags: seen, configDigest: config }),
        source: `s${i}`,
      })),
    );
    expect(merged?.image.tags).toEqual(tags);
  });
});

describe('the pairwise matrix', () => {
  // The definition the matrix is summed by: a's own sizes of its distinct layers that b has too.
  const expected = (rows: readonly (readonly [string, number])[][]): number[][] =>
    rows.map((a) =>
      rows.map((b) => {
        const keys = new Set(b.map(([key]) => key));
        const seen = new Set<string>();
        let sum = 0;
        for (const [key, size] of a) {
          if (seen.has(key)) continue;
          seen.add(key);
          if (keys.has(key)) sum += size;
        }
        return sum;
      }),
    );

  it('sums each cell from the layer index as the pairwise definition does', () => {
    // Repeats within an image, a diff id two images give different sizes, no layers at all.
    const spec: (readonly [string, number])[][] = [
      [
        ['a', 10],
        ['b', 20],
        ['a', 10],
      ],
      [
        ['a', 11],
        ['c', 30],
      ],
      [],
      [
        ['b', 20],
        ['c', 31],
        ['d', 40],
      ],
      [['d', 40]],
    ];
    const images = spec.map((layers, i) =>
      imageReport(
        layers.map(([key, size], index) =>
          layerReport(index, [], null, { diffId: `sha256:${key.repeat(64)}` as Digest, contentSize: size }),
        ),
        { tags: [`i${i}:1`], configDigest: `sha256:${String(i).padStart(64, '0')}` as Digest },
      ),
    );
    expect(analyzeSharing(inputs(images)).matrix).toEqual(expected(spec));
    // An image passed twice (not merged) reads its rows once for both.
    const twice = [...inputs(images), ...inputs(images.slice(0, 2))];
    expect(analyzeSharing(twice).matrix).toEqual(expected([...spec, ...spec.slice(0, 2)]));
  });
});

describe('analyzeSharing at fleet scale', () => {
  // Issue 11: the pairwise matrix made 5,000 images take 38 s and 20,000 never finish.
  it('shares 10,000 images on 30 bases without the pairwise matrix, pairs from the layer index', async () => {
    const { fleetImages } = await import('../../bench/generate-fleet.mjs');
    const { parseImageLine } = await import('../../src/report/parse-inspect-json.js');
    const images = [...fleetImages({ images: 10_000 })].map(
      (image, i) => parseImageLine({ schemaVersion: 1, archive: { path: `r${i}` }, ...image }, `line ${i}`).images[0],
    );
    const report = analyzeSharing(inputs(images.filter((i): i is ImageReport => i !== undefined)));
    expect(report.images).toHaveLength(10_000);
    // Counted, not timed: no matrix, and the pairs found within PAIR_WORK_LIMIT pair updates.
    expect(report.matrix).toBeNull();
    expect(report.pairsExact).toBe(true);
    expect(report.pairs).toHaveLength(20);
    // Each base is named after its own image, and holds the images built on it.
    expect(report.bases.filter((b) => b.name.startsWith('registry.example/base/'))).toHaveLength(30);
  });
});
