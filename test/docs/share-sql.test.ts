/**
 * docs/sql/ computes the per-image figures and the totals of `share --json` from NDJSON or
 * inspect --json reports in DuckDB; this runs it and asserts equality with share --json, on
 * the real corpus and on a generated fleet.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { writeFleet } from '../../bench/generate-fleet.mjs';
import { runCli } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
const corpus = resolve(root, '../shared/corpus');
const present = existsSync(join(corpus, 'real'));
const dir = mkdtempSync(join(tmpdir(), 'layerlens-sql-'));

const FIGURES = [
  'size',
  'sharedSize',
  'uniqueSize',
  'uncompressedSize',
  'sharedUncompressedSize',
  'layerCount',
  'distinctLayerCount',
  'sharedLayerCount',
  'compressedSize',
  'compressedSizeEstimated',
] as const;

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** DuckDB gives BIGINTs as strings in JSON rows; share --json has numbers. */
const plain = (value: unknown): unknown => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

async function sqlFigures(loader: 'load-ndjson.sql' | 'load-reports.sql', files: string[]) {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
  const load = readFileSync(join(root, 'docs/sql', loader), 'utf8').replace(/'reports\/\*\.(nd)?json'/g, list);
  await connection.run(load);
  await connection.run(readFileSync(join(root, 'docs/sql/share.sql'), 'utf8'));
  const images = (await connection.runAndReadAll('SELECT * FROM share_images ORDER BY ordinal')).getRowObjectsJson();
  const [totals] = (await connection.runAndReadAll('SELECT * FROM share_totals')).getRowObjectsJson();
  connection.closeSync();
  return {
    images: images.map((row) => ({
      id: row['id'],
      ...Object.fromEntries(FIGURES.map((f) => [f, plain(row[snake(f)])])),
    })),
    totals: Object.fromEntries(Object.entries(totals ?? {}).map(([k, v]) => [k, plain(v)])),
  };
}

async function shareFigures(inputs: string[]) {
  const run = await runCli(['share', '--json', '-q', ...inputs]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const doc = JSON.parse(run.stdout) as {
    images: Record<string, unknown>[];
    totals: Record<string, unknown>;
  };
  return {
    images: doc.images.map((image) => ({
      id: image['id'],
      ...Object.fromEntries(FIGURES.map((f) => [f, image[f]])),
    })),
    totals: Object.fromEntries(Object.entries(doc.totals).map(([k, v]) => [snake(k), v])),
  };
}

function corpusArchives(): string[] {
  return ['real', 'external'].flatMap((sub) =>
    readdirSync(join(corpus, sub))
      .filter((f) => /\.tar(\.gz)?$/.test(f) && !f.startsWith('broken.'))
      .sort()
      .map((f) => join(corpus, sub, f)),
  );
}

describe('docs/sql in DuckDB gives the figures of share --json', () => {
  it.skipIf(!present)('on the corpus, from inspect --format ndjson', async () => {
    const file = join(dir, 'corpus.ndjson');
    const run = await runCli(['inspect', '--format', 'ndjson', '-q', ...corpusArchives()]);
    expect(run.code).toBe(0);
    writeFileSync(file, run.stdout);
    const expected = await shareFigures([file]);
    expect(expected.images.length).toBeGreaterThan(40);
    expect(await sqlFigures('load-ndjson.sql', [file])).toEqual(expected);
  });

  it.skipIf(!present)('on the corpus, from a folder of inspect --json reports', async () => {
    const folder = join(dir, 'corpus-reports');
    mkdirSync(folder);
    for (const archive of corpusArchives()) {
      const run = await runCli(['inspect', '--json', '-q', archive]);
      writeFileSync(join(folder, `${archive.split('/').at(-1) ?? ''}.json`), run.stdout);
    }
    const files = readdirSync(folder)
      .sort()
      .map((f) => join(folder, f));
    expect(await sqlFigures('load-reports.sql', files)).toEqual(await shareFigures([folder]));
  });

  it('on a generated fleet: 30 bases, repeated images, uncompressed layers', async () => {
    const options = { images: 1500, duplicateEvery: 20, uncompressedEvery: 30 };
    const { file } = await writeFleet(join(dir, 'fleet-ndjson'), { ...options, form: 'ndjson' });
    const expected = await shareFigures([file ?? '']);
    expect(expected.totals['compressed_size']).toBeNull();
    expect(await sqlFigures('load-ndjson.sql', [file ?? ''])).toEqual(expected);
    // Fully compressed, so the wire figures are numbers, not nulls.
    const { file: compressed } = await writeFleet(join(dir, 'fleet-gzip'), { images: 800, form: 'ndjson' });
    const gzipped = await shareFigures([compressed ?? '']);
    expect(gzipped.totals['deduped_compressed_size']).toBeGreaterThan(0);
    expect(await sqlFigures('load-ndjson.sql', [compressed ?? ''])).toEqual(gzipped);
    const reports = join(dir, 'fleet-reports');
    await writeFleet(reports, { ...options, images: 400, form: 'reports' });
    const files = readdirSync(reports)
      .sort()
      .map((f) => join(reports, f));
    expect(await sqlFigures('load-reports.sql', files)).toEqual(await shareFigures([reports]));
  });
});
