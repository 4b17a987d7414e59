/**
 * Sharing on the real corpus, checked against independent computations: corpus-summary.json
 * (diff id sharing in du units), docker-system-df-v.txt (what Docker 20.10 printed after loading
 * the same archives: ChainID sharing, Docker's rounding) and corpus-sharing.truth.json.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../../src/index.js';
import { analyzeSharing, mergeImages, type SharingReport } from '../../src/sharing/analyze-sharing.js';
import { formatDockerSize } from '../../src/report/docker-units.js';

const corpus = resolve(import.meta.dirname, '../../../shared/corpus');
const real = join(corpus, 'real');
const external = join(corpus, 'external');
const present = existsSync(join(real, 'corpus-summary.json'));
if (!present) console.warn(`corpus sharing tests skipped: ${corpus} is absent`);

async function shareFolder(dir: string, key: 'diffId' | 'chainId', verify = true): Promise<SharingReport> {
  const files = readdirSync(dir)
    .filter((f) => /\.tar(\.gz)?$/.test(f) && !f.startsWith('broken.'))
    .sort();
  const images = [];
  for (const file of files) {
    const report = await readArchive(join(dir, file), { keepFiles: false, verify });
    images.push(...report.images.map((image) => ({ image, source: file })));
  }
  return analyzeSharing(mergeImages(images), { key });
}

interface SummaryImage {
  image_id: string;
  size_du_bytes: number;
  shared_du_bytes: number;
  unique_du_bytes: number;
}

describe.skipIf(!present)('sharing on the real corpus', () => {
  it.each([true, false])(
    'equals corpus-summary.json per image and in total (du units, by diff id; verify %s)',
    async (verify) => {
      const summary = (
        JSON.parse(readFileSync(join(real, 'corpus-summary.json'), 'utf8')) as { sharing: Record<string, unknown> }
      ).sharing;
      const report = await shareFolder(real, 'diffId', verify);
      const want = (summary['images'] as SummaryImage[])
        .map((i) => [i.image_id, i.size_du_bytes, i.shared_du_bytes, i.unique_du_bytes])
        .sort();
      const got = report.images.map((i) => [i.image.configDigest, i.size, i.sharedSize, i.uniqueSize]).sort();
      expect(got).toEqual(want);
      expect(report.totals.size).toBe(summary['total_if_stored_separately_du_bytes']);
      expect(report.totals.dedupedSize).toBe(summary['total_deduplicated_by_diff_id_du_bytes']);
      expect(report.totals.layers).toBe(summary['distinct_diff_ids']);
      expect(report.totals.sharedLayers).toBe(summary['shared_diff_ids']);
    },
  );

  it('reproduces docker system df -v by chain, as Docker rounds', async () => {
    const report = await shareFolder(real, 'chainId');
    const text = readFileSync(join(real, 'docker-system-df-v.txt'), 'utf8');
    const rows = text.split('\n').filter((l) => /^\S+\s+\S+\s+[0-9a-f]{12}\s/.test(l));
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const id = /\s([0-9a-f]{12})\s/.exec(row)?.[1] ?? '';
      const [size, shared, unique] = row
        .trim()
        .split(/\s{2,}/)
        .slice(-4, -1);
      const image = report.images.find((i) => i.image.configDigest?.slice(7, 19) === id);
      expect(image, id).toBeDefined();
      expect(
        [image?.size, image?.sharedSize, image?.uniqueSize].map((n) => formatDockerSize(n ?? -1)),
        id,
      ).toEqual([size, shared, unique]);
    }
  });

  it('finds the layers corpus-sharing.truth.json lists as shared across external archives', async () => {
    const truth = JSON.parse(readFileSync(join(external, 'corpus-sharing.truth.json'), 'utf8')) as {
      diff_id_shared_across_files: Record<string, string[]>;
    };
    const report = await shareFolder(external, 'diffId');
    for (const [diffId, files] of Object.entries(truth.diff_id_shared_across_files)) {
      const layer = report.layers.find((l) => l.diffId === diffId);
      expect(layer, diffId).toBeDefined();
      const sources = report.images
        .filter((i) => layer?.images.includes(i.id))
        .flatMap((i) => i.sources.map((s) => basename(s)));
      expect([...new Set(sources)].sort(), diffId).toEqual([...files].sort());
    }
  });
});
