import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFleet } from '../../bench/generate-fleet.mjs';
import { writeTar } from '../helpers/fixture-builder.js';
import { runCli } from '../helpers/cli.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures');
const v1 = join(fixtures, 'app-v1.docker-save.tar');
const v2 = join(fixtures, 'app-v2.oci.tar');
const base = join(fixtures, 'base.podman.tar.gz');
const dir = mkdtempSync(join(tmpdir(), 'layerlens-fleet-'));

interface ShareDoc {
  images: { id: string; size: number; sharedSize: number; uniqueSize: number; sources: string[] }[];
  matrix: { images: string[]; sharedSize: number[][] } | null;
  pairs: { images: [string, string]; sharedSize: number }[];
  pairsExact: boolean;
  skipped: { input: string; code: string; message: string }[];
  totals: Record<string, unknown>;
}

async function share(args: string[], stdin?: Buffer): Promise<ShareDoc> {
  const run = await runCli(['share', '--json', ...args], stdin ? { stdin } : {});
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as ShareDoc;
}

const figures = (doc: ShareDoc) => ({
  images: doc.images.map(({ sources: _sources, ...rest }) => rest),
  totals: doc.totals,
});

describe('inspect --format ndjson', () => {
  it('writes one JSON line per image, with its archive and layers', async () => {
    const run = await runCli(['inspect', '--format', 'ndjson', v1, v2]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const json = (await runCli(['inspect', '--json', v1, v2])).stdout;
    const doc = JSON.parse(json) as { archives: { path: string; images: { tags: string[] }[] }[] };
    expect(lines).toHaveLength(doc.archives.reduce((n, a) => n + a.images.length, 0));
    const first = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(first).toMatchObject({ schemaVersion: 1, archive: { path: v1, format: 'docker-save' } });
    expect(first['layers']).toEqual((doc.archives[0]?.images[0] as unknown as Record<string, unknown>)['layers']);
  });

  it('is read back by share with the same figures as the archives', async () => {
    const file = join(dir, 'three.ndjson');
    writeFileSync(file, (await runCli(['inspect', '--format', 'ndjson', v1, v2, base])).stdout);
    const fromArchives = await share([v1, v2, base]);
    const fromNdjson = await share([file]);
    expect(figures(fromNdjson)).toEqual(figures(fromArchives));
    expect(fromNdjson.images.map((i) => i.sources)).toEqual(fromArchives.images.map((i) => i.sources));
    const fromStdin = await share(['-'], readFileSync(file));
    expect(figures(fromStdin)).toEqual(figures(fromArchives));
  });
});

describe('share over a fleet', () => {
  it('reads a folder of reports like the same images as NDJSON', async () => {
    const reports = join(dir, 'reports');
    await writeFleet(reports, { images: 300, duplicateEvery: 25, uncompressedEvery: 40 });
    const ndjson = join(dir, 'ndjson');
    const { file } = await writeFleet(ndjson, {
      images: 300,
      duplicateEvery: 25,
      uncompressedEvery: 40,
      form: 'ndjson',
    });
    const fromFolder = await share([reports]);
    const fromNdjson = await share([file ?? '']);
    expect(fromFolder.images.length).toBeGreaterThan(250);
    expect(figures(fromFolder)).toEqual(figures(fromNdjson));
  });

  it('keeps the matrix for small sets, and the same most-shared pairs without it above the threshold', async () => {
    const fleet = join(dir, 'pairs.ndjson');
    const { file } = await writeFleet(join(dir, 'pairs'), { images: 620, form: 'ndjson' });
    const lines = readFileSync(file ?? '', 'utf8');
    writeFileSync(fleet, lines);
    const without = await share([fleet]);
    expect(without.images.length).toBe(620);
    expect(without.matrix).toBeNull();
    expect(without.pairsExact).toBe(true);
    const forced = await share(['--matrix', fleet]);
    const matrix = forced.matrix;
    expect(matrix?.sharedSize).toHaveLength(620);
    // Brute force over the matrix: the largest off-diagonal values, in order.
    const all: number[] = [];
    matrix?.sharedSize.forEach((row, i) => {
      row.forEach((value, j) => {
        if (j > i && value > 0) all.push(value);
      });
    });
    all.sort((a, b) => b - a);
    expect(without.pairs.map((p) => p.sharedSize)).toEqual(all.slice(0, without.pairs.length));
    const index = new Map(matrix?.images.map((id, i) => [id, i]));
    for (const pair of without.pairs) {
      const [a, b] = pair.images.map((id) => index.get(id) ?? -1);
      expect(matrix?.sharedSize[a ?? 0]?.[b ?? 0]).toBe(pair.sharedSize);
    }
  });

  it('prints text for thousands of images: every image in the table, the largest drawn', async () => {
    const { file } = await writeFleet(join(dir, 'text'), { images: 2000, form: 'ndjson' });
    const run = await runCli(['share', file ?? '']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^2000 images, /);
    expect(run.stdout).toMatch(/Size to scale, the 40 largest/);
    expect(run.stdout).toMatch(/Most shared pairs:/);
    expect(run.stdout.split('\n').filter((l) => l.includes('registry.example/')).length).toBeGreaterThan(2000);
  });
});

describe('share and audit on bad inputs', () => {
  const bad = join(dir, 'bad');
  mkdirSync(bad, { recursive: true });
  const good = JSON.stringify({
    schemaVersion: 1,
    archive: { path: 'a.tar' },
    tags: ['a:1'],
    configDigest: `sha256:${'a'.repeat(64)}`,
    platform: 'linux/amd64',
    layers: [{ diffId: `sha256:${'b'.repeat(64)}`, contentSize: 10 }],
  });
  const other = good.replaceAll('a:1', 'c:1').replace('a'.repeat(64), 'c'.repeat(64));

  it('names the file that is not a report in a folder (exit 3)', async () => {
    const folder = join(bad, 'mixed');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.ndjson'), `${good}\n`);
    writeFileSync(join(folder, 'notes.txt'), 'hello\n');
    const run = await runCli(['share', folder]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `layerlens: ${join(folder, 'notes.txt')} is not a layerlens report (inspect --json or --format ndjson output)\n`,
    );
  });

  it('names the file and line of a truncated NDJSON line (exit 3)', async () => {
    const file = join(bad, 'cut.ndjson');
    writeFileSync(file, `${good}\n${other.slice(0, 60)}\n`);
    const run = await runCli(['share', file]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`layerlens: ${file} line 2 is not valid JSON (a truncated line?)\n`);
  });

  it('says a report is from a newer layerlens (exit 3)', async () => {
    const file = join(bad, 'newer.json');
    writeFileSync(file, `${good.replace('"schemaVersion":1', '"schemaVersion":2')}\n`);
    const run = await runCli(['share', file]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /newer.json line 1 is not a layerlens inspect --format ndjson line: schemaVersion is 2, newer than the 1 this layerlens reads/,
    );
    expect(run.stderr.split('\n')).toHaveLength(2);
  });

  it('with --keep-going warns per bad input, gives figures for the rest and counts the skipped', async () => {
    const file = join(bad, 'some-bad.ndjson');
    writeFileSync(file, `${good}\n{"schemaVersion":1,\n${other}\n`);
    const folder = join(bad, 'keep');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'ok.ndjson'),
      `${other.replaceAll('c:1', 'd:1').replace('c'.repeat(64), 'd'.repeat(64))}\n`,
    );
    writeFileSync(join(folder, 'junk.bin'), Buffer.from([0, 1, 2]));
    const run = await runCli(['share', '--json', '--keep-going', file, folder]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      [
        `layerlens: warning: skipped: ${file} line 2 is not valid JSON (a truncated line?)`,
        `layerlens: warning: skipped: ${join(folder, 'junk.bin')} is not a layerlens report (inspect --json or --format ndjson output)`,
        'layerlens: warning: 2 inputs skipped (--keep-going); the figures are for the rest',
        '',
      ].join('\n'),
    );
    const doc = JSON.parse(run.stdout) as ShareDoc;
    expect(doc.images.map((i) => i.id.slice(7, 8))).toEqual(['a', 'c', 'd']);
    expect(doc.skipped.map((s) => s.input)).toEqual([file, join(folder, 'junk.bin')]);
  });

  it('refuses a single JSON report over the size limit and suggests NDJSON', async () => {
    const { readReport } = await import('../../src/read-report.js');
    const file = join(bad, 'big.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, archives: [] }, null, 2));
    await expect(readReport(file, { label: 'big.json', maxReportBytes: 10 })).rejects.toThrow(
      /big.json is a JSON report over the 10-byte limit for one document \(write fleets with inspect --format ndjson/,
    );
  });

  // Issue 12: these exited 2 ("the inputs hold no images") and never said what was wrong.
  it('share and audit print the error of an input with no readable image and exit 3', async () => {
    const file = join(bad, 'no-image.tar');
    writeFileSync(file, await writeTar([{ path: 'manifest.json', content: Buffer.from('[42]') }]));
    for (const command of ['share', 'audit']) {
      const run = await runCli([command, file]);
      expect(run.code, command).toBe(3);
      expect(run.stderr, command).toBe(`layerlens: ${file}: manifest.json[0] is not an object\n`);
    }
  });

  it('audit prints every unreadable input and exits 3, or skips them with --keep-going', async () => {
    const missing = join(bad, 'missing.tar');
    const run = await runCli(['audit', v1, missing]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot read .*missing\.tar/);
    const going = await runCli(['audit', '--keep-going', v1, missing]);
    expect(going.code).toBe(0);
    expect(going.stderr).toMatch(
      /^layerlens: warning: skipped: cannot read .*missing\.tar.*\nlayerlens: warning: 1 input skipped/,
    );
    expect(going.stdout).toMatch(/example\/app:1\.0/);
  });
});

describe('merge progress', () => {
  it('shows inputs, images and rate on a terminal only', async () => {
    const { createMergeProgress } = await import('../../src/cli/progress.js');
    let err = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (err += t), isTTY: true },
      stdin: process.stdin,
      env: {},
      cwd: '/',
    };
    const realNow = Date.now;
    let now = 1_000_000;
    Date.now = () => now;
    try {
      const progress = createMergeProgress(io, true);
      progress.update(1, 100, 3);
      expect(err).toBe('');
      now += 2000;
      progress.update(50, 100, 150);
      expect(err).toBe('\r\x1b[2Kmerging reports: 50/100 inputs, 150 images, 75 images/s');
      progress.done();
      expect(err.endsWith('\r\x1b[2K')).toBe(true);
      err = '';
      const off = createMergeProgress({ ...io, stderr: { ...io.stderr, isTTY: false } }, true);
      now += 2000;
      off.update(50, 100, 150);
      expect(err).toBe('');
    } finally {
      Date.now = realNow;
    }
  });
});

describe('share on a large file that is not a report in a folder', () => {
  it('rejects it from its first bytes, without reading it as lines', async () => {
    const folder = join(dir, 'big-binary');
    mkdirSync(folder, { recursive: true });
    // 5 MiB with no newline: above the whole-read size, so it would be streamed line by line.
    writeFileSync(join(folder, 'image.tar'), Buffer.alloc(5 * 1024 * 1024, 0x61));
    const run = await runCli(['share', folder]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `layerlens: ${join(folder, 'image.tar')} is not a layerlens report (inspect --json or --format ndjson output)\n`,
    );
  });
});
