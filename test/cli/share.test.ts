import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures');
const v1 = join(fixtures, 'app-v1.docker-save.tar');
const v2 = join(fixtures, 'app-v2.oci.tar');
const base = join(fixtures, 'base.podman.tar.gz');
const dir = mkdtempSync(join(tmpdir(), 'layerlens-share-'));

interface ShareDoc {
  schemaVersion: number;
  key: string;
  images: Record<string, unknown>[];
  layers: { diffId: string; size: number; images: string[]; digests: unknown[] }[];
  bases: { name: string; images: string[] }[];
  transfer: { images: { pullSize: number | null }[] };
  totals: Record<string, unknown>;
}

const shareJson = async (args: string[]): Promise<ShareDoc> => {
  const run = await runCli(['share', '--json', ...args]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as ShareDoc;
};

describe('layerlens share', () => {
  it('prints the schemaVersion 1 JSON with the required fields', async () => {
    const doc = await shareJson([v1, v2, base]);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.key).toBe('diffId');
    for (const image of doc.images) {
      for (const field of [
        'configDigest',
        'platform',
        'tags',
        'size',
        'sharedSize',
        'uniqueSize',
        'layerCount',
        'sharedLayerCount',
        'compressedSize',
      ]) {
        expect(image, field).toHaveProperty(field);
      }
    }
    expect(doc.totals).toMatchObject({ images: 4 });
    for (const field of ['size', 'dedupedSize', 'savedSize', 'compressedSize', 'dedupedCompressedSize'])
      expect(doc.totals).toHaveProperty(field);
    expect(doc.bases[0]?.name).toBe('example/base:1');
    expect(doc.bases[0]?.images).toHaveLength(4);
  });

  it('gives the same answer from saved inspect --json reports as from the archives', async () => {
    const reportPath = join(dir, 'v1.json');
    writeFileSync(reportPath, (await runCli(['inspect', '--json', v1])).stdout);
    const fromArchives = await shareJson([v1, v2]);
    const mixed = await shareJson([reportPath, v2]);
    const strip = (doc: ShareDoc) => doc.images.map((image) => ({ ...image, sources: null }));
    expect(strip(mixed)).toEqual(strip(fromArchives));
    expect(mixed.totals).toEqual(fromArchives.totals);
  });

  it('rejects a JSON input that is not an inspect report', async () => {
    const bogus = join(dir, 'bogus.json');
    writeFileSync(bogus, JSON.stringify({ schemaVersion: 7, archives: [] }));
    const run = await runCli(['share', bogus]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/not a layerlens inspect --json report: schemaVersion is 7/);
  });

  it('prices the pull of the next release on a node that has the current one', async () => {
    const doc = await shareJson([v2, '--have', v1]);
    expect(doc.transfer.images).toHaveLength(1);
    // app-v1 stores layers uncompressed, so its wire blobs are unknown: all of v2's blobs are new.
    expect(doc.transfer.images[0]?.pullSize).toBe(doc.images[0]?.['compressedSize']);
  });

  it('estimates compressed sizes on request and labels them', async () => {
    const run = await runCli(['share', '--estimate-compressed', v1, base]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/transfer \(compressed\) +~[\d.]+ kB +~[\d.]+ kB/);
    expect(run.stdout).toMatch(/~ = estimate: gzip -6/);
  });

  it('fits text in 80 columns and renders Markdown for pull requests', async () => {
    const text = await runCli(['share', v1, v2, base]);
    expect(text.stdout.split('\n').filter((l) => Array.from(l).length > 80)).toEqual([]);
    expect(text.stdout).toMatch(/4 images share base example\/base:1: 2 layers, 512 kB, stored once/);
    const md = await runCli(['share', '--format', 'markdown', v1, v2]);
    expect(md.stdout).toMatch(/^### layerlens share/);
    expect(md.stdout).toMatch(/\| IMAGE \| PLATFORM \| SIZE \| SHARED \| UNIQUE \| LAYERS \|/);
  });

  it('exits 3 when an input cannot be read', async () => {
    const run = await runCli(['share', v1, join(dir, 'missing.tar')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot read .*missing\.tar/);
  });
});
