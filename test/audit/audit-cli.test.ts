import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArchive, type ImageSpec, type LayerSpec } from '../helpers/fixture-builder.js';
import { pseudoText } from '../helpers/sample-fixtures.js';
import { runCli } from '../helpers/cli.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures');
const v1 = join(fixtures, 'app-v1.docker-save.tar');
const v2 = join(fixtures, 'app-v2.oci.tar');
const base = join(fixtures, 'base.podman.tar.gz');
const dir = mkdtempSync(join(tmpdir(), 'layerlens-audit-'));

interface AuditDoc {
  schemaVersion: number;
  summary: { pass: number; warn: number; fail: number; skip: number };
  images: {
    tags: string[];
    wastedSize: number | null;
    efficiency: number | null;
    rules: { name: string; value: number | null; status: string; note: string | null }[];
    findings: { code: string; severity: string; bytes: number; layerIndex: number | null; paths: string[] }[];
  }[];
}

async function audit(args: string[], cwd = dir): Promise<{ code: number; doc: AuditDoc; stderr: string }> {
  const run = await runCli(['audit', '--json', ...args], { cwd });
  return { code: run.code, doc: (run.stdout ? JSON.parse(run.stdout) : null) as AuditDoc, stderr: run.stderr };
}

const status = (doc: AuditDoc, rule: string) => doc.images[0]?.rules.find((r) => r.name === rule)?.status;

// One flag per rule, with a limit the v2 fixture passes and one it fails (v2: 690 kB, 5 layers,
// largest layer 301 kB, 93.7 kB wasted = 13.6%, efficiency 86.4%, +16% against v1).
const RULES: [string, string, string, string][] = [
  ['maxSize', '--max-size', '700kB', '600kB'],
  ['maxCompressedSize', '--max-compressed-size', '1MB', '10kB'],
  ['maxLayers', '--max-layers', '5', '4'],
  ['maxLayerSize', '--max-layer-size', '400kB', '200kB'],
  ['maxWastedSize', '--max-wasted-size', '100kB', '50kB'],
  ['maxWastedPercent', '--max-wasted-percent', '20', '10'],
  ['minEfficiency', '--min-efficiency', '80%', '0.9'],
  ['maxGrowth', '--max-growth', '20%', '10%'],
];

describe('layerlens audit rules', () => {
  it.each(RULES)('%s passes within its limit and fails past it, exit 0 then 1', async (rule, flag, pass, fail) => {
    const baseline = rule === 'maxGrowth' ? ['--baseline', v1] : [];
    const ok = await audit([v2, flag, pass, ...baseline]);
    expect(status(ok.doc, rule)).toBe('pass');
    expect(ok.code).toBe(0);
    const bad = await audit([v2, flag, fail, ...baseline]);
    expect(status(bad.doc, rule)).toBe('fail');
    expect(bad.code).toBe(1);
  });

  it('mustShareBase passes for an image on the base and fails for one that is not', async () => {
    const ok = await audit([v2, '--must-share-base', base]);
    expect(status(ok.doc, 'mustShareBase')).toBe('pass');
    const other = join(dir, 'other.tar');
    writeFileSync(
      other,
      (await buildArchive('oci', [{ tags: ['x:1'], layers: [{ files: [{ path: 'a', content: 'b' }] }] }])).bytes,
    );
    const bad = await audit([other, '--must-share-base', base]);
    expect(status(bad.doc, 'mustShareBase')).toBe('fail');
    expect(bad.code).toBe(1);
  });

  it('warns without failing when only the warn level is crossed', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'layerlens-cfg-'));
    writeFileSync(
      join(configDir, 'layerlens.config.json'),
      JSON.stringify({ budgets: [{ images: 'example/app:*', maxSize: { warn: '600 kB', fail: '1 MB' } }] }),
    );
    const run = await audit([v2], configDir);
    expect(status(run.doc, 'maxSize')).toBe('warn');
    expect(run.code).toBe(0);
  });

  it('finds the config in a parent of the working directory, and budgets match by tag glob', async () => {
    const root = mkdtempSync(join(tmpdir(), 'layerlens-cfg-'));
    mkdirSync(join(root, 'sub'));
    writeFileSync(
      join(root, 'layerlens.config.json'),
      JSON.stringify({
        budgets: [
          { images: 'example/worker:*', maxLayers: 1 },
          { images: 'nothing:*', maxLayers: 0 },
        ],
      }),
    );
    const run = await audit([v1], join(root, 'sub'));
    expect(run.doc.images.map((i) => [i.tags[0], i.rules.map((r) => `${r.name}:${r.status}`)])).toEqual([
      ['example/app:1.0', []],
      ['example/worker:1.0', ['maxLayers:fail']],
    ]);
  });

  it('exits 2 with every config error listed', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'layerlens-cfg-'));
    writeFileSync(
      join(configDir, 'layerlens.config.json'),
      JSON.stringify({ budgets: [{ maxSize: 'big', maxLayers: -1 }] }),
    );
    const run = await runCli(['audit', v2], { cwd: configDir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/maxSize: "big" is not a size/);
    expect(run.stderr).toMatch(/maxLayers: -1 is not a whole number/);
    expect((await runCli(['audit', v2, '--max-size', 'lots'], { cwd: dir })).code).toBe(2);
  });

  it('exits 3 for unreadable input', async () => {
    expect((await runCli(['audit', join(dir, 'nope.tar'), '--max-size', '1MB'], { cwd: dir })).code).toBe(3);
  });

  it('applies ignore globs to waste rules', async () => {
    const run = await audit([v2, '--max-wasted-size', '50kB', '--ignore', 'tmp/**']);
    expect(status(run.doc, 'maxWastedSize')).toBe('pass');
    // Left: app/server.js's copy-up (3013 B) and the dpkg status apt rewrote (670 B).
    expect(run.doc.images[0]?.wastedSize).toBe(3683);
  });

  it('skips waste rules for reports saved without file lists, and measures them from --files reports', async () => {
    const bare = join(dir, 'bare.json');
    const full = join(dir, 'full.json');
    writeFileSync(bare, (await runCli(['inspect', '--json', v2])).stdout);
    writeFileSync(full, (await runCli(['inspect', '--json', '--files', v2])).stdout);
    expect(status((await audit([bare, '--max-wasted-size', '1kB'])).doc, 'maxWastedSize')).toBe('skip');
    const measured = await audit([full, '--max-wasted-size', '1kB']);
    expect(status(measured.doc, 'maxWastedSize')).toBe('fail');
    expect(measured.doc.images[0]?.wastedSize).toBe((await audit([v2])).doc.images[0]?.wastedSize);
  });
});

describe('layerlens audit output', () => {
  it('writes JUnit with one test case per rule and image', async () => {
    const run = await runCli(['audit', '--format', 'junit', v1, '--max-size', '550kB', '--max-layers', '10'], {
      cwd: dir,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/<testsuites name="layerlens audit" tests="4" failures="1" skipped="0">/);
    expect(run.stdout.match(/<testcase /g)).toHaveLength(4);
    expect(run.stdout).toMatch(
      /<testcase classname="example\/app:1.0" name="maxSize"><failure message="maxSize = 597 kB \(fail &gt; 550 kB\)"/,
    );
  });

  it('writes a Markdown PR comment with deltas against the baseline, and a JUnit file beside text', async () => {
    const md = join(dir, 'comment.md');
    const xml = join(dir, 'audit.xml');
    const run = await runCli(['audit', v2, '--baseline', v1, '--max-growth', '10%', '--markdown', md, '--junit', xml], {
      cwd: dir,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/maxGrowth +example\/app:2.0 +\+93 kB +fail > 10% +FAIL/);
    // The note names the causes, not only the percentage: the step that grew, and its bytes.
    // Text wraps at 80 columns: compare with the line breaks folded.
    expect(run.stdout.replace(/\s+/g, ' ')).toMatch(
      /maxGrowth: against example\/app:1.0 \(\+15.6%\); top causes: step RUN npm ci \+90 kB, step RUN rm/,
    );
    const comment = readFileSync(md, 'utf8');
    expect(comment).toMatch(/^### layerlens audit/);
    expect(comment).toContain('top causes: step RUN npm ci +90 kB');
    expect(comment).toMatch(/\| example\/app:2.0 \| 690 kB \(\+93 kB\) \|/);
    expect(readFileSync(xml, 'utf8')).toMatch(/<failure/);
  });

  it('writes HTML for a one-image audit: the baseline beside the image, growth in bytes, no sharing summary', async () => {
    const html = join(dir, 'audit.html');
    const run = await runCli(['audit', v2, '--baseline', v1, '--max-growth', '10%', '--html', html], { cwd: dir });
    expect(run.code).toBe(1);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/<td class="num">\+93 kB<\/td>/);
    expect(page).not.toMatch(/>93013</);
    expect(page).toMatch(/<th scope="row">baseline<\/th><td>example\/app:1.0<\/td><td class="num">597 kB<\/td>/);
    expect(page).toMatch(
      /<th scope="row">image<\/th><td>example\/app:2.0<\/td><td class="num">690 kB \(\+93 kB\)<\/td>/,
    );
    expect(page).toContain('top causes: step RUN npm ci +90 kB');
    expect(page).not.toContain('Storage saved');
  });

  it('gates and prints JSON together', async () => {
    const run = await audit([v2, '--max-size', '1kB']);
    expect(run.code).toBe(1);
    expect(run.doc.schemaVersion).toBe(1);
    expect(run.doc.summary).toEqual({ pass: 0, warn: 0, fail: 1, skip: 0 });
  });
});

describe('layering findings', () => {
  const big = (seed: number, bytes: number): LayerSpec => ({
    files: [{ path: `app/f${seed}`, content: pseudoText(seed, bytes) }],
  });

  async function findings(spec: ImageSpec): Promise<AuditDoc['images'][number]['findings']> {
    const path = join(dir, `${spec.tags?.[0]?.replace(/[^a-z0-9]/g, '-') ?? 'x'}.tar`);
    writeFileSync(path, (await buildArchive('podman', [spec])).bytes);
    return (await audit([path])).doc.images[0]?.findings ?? [];
  }

  it('reports dependencies installed after the whole build context is copied', async () => {
    const found = await findings({
      tags: ['order:1'],
      layers: [big(1, 100), big(2, 2000), big(3, 1_200_000)],
      history: [{ createdBy: 'ADD rootfs.tar /' }, { createdBy: 'COPY . .' }, { createdBy: 'RUN npm ci' }],
    });
    expect(found.find((f) => f.code === 'DEPENDENCIES_AFTER_SOURCES')).toMatchObject({
      layerIndex: 2,
      bytes: 1_200_000,
    });
  });

  it('reports apt-get update in a step of its own, and package caches left behind', async () => {
    const found = await findings({
      tags: ['apt:1'],
      layers: [
        { files: [{ path: 'var/lib/apt/lists/main_Packages', content: pseudoText(5, 5000) }] },
        {
          files: [
            { path: 'usr/bin/curl', content: 'x' },
            { path: 'root/.cache/pip/wheel.whl', content: pseudoText(6, 3000) },
          ],
        },
      ],
      history: [
        { createdBy: '/bin/sh -c apt-get update' },
        { createdBy: '/bin/sh -c apt-get install -y curl && pip install x' },
      ],
    });
    expect(found.map((f) => f.code).sort()).toEqual(['APT_UPDATE_ALONE', 'PACKAGE_CACHE', 'PACKAGE_CACHE']);
    expect(found.find((f) => f.paths.includes('root/.cache/pip/wheel.whl'))?.bytes).toBe(3000);
  });

  it('reports identical files in several layers and many tiny layers', async () => {
    const same = pseudoText(7, 4000);
    const found = await findings({
      tags: ['dup:1'],
      layers: [
        { files: [{ path: 'opt/one/same.bin', content: same }] },
        { files: [{ path: 'opt/two/same.bin', content: same }] },
        ...[1, 2, 3, 4, 5].map((i) => ({ files: [{ path: `etc/conf${i}`, content: 'x' }] })),
      ],
    });
    expect(found.find((f) => f.code === 'DUPLICATE_FILES')).toMatchObject({
      bytes: 4000,
      paths: ['opt/one/same.bin', 'opt/two/same.bin'],
    });
    expect(found.find((f) => f.code === 'MANY_TINY_LAYERS')).toBeDefined();
  });

  const whiteout = resolve(import.meta.dirname, '../../../shared/corpus/real/whiteout-1.docker-archive.tar.gz');
  it.skipIf(!existsSync(whiteout))(
    "finds the corpus whiteout image's waste: deletes, a copy-up, an identical 64 KiB file",
    async () => {
      const { doc } = await audit([whiteout]);
      const codes = doc.images[0]?.findings.map((f) => f.code) ?? [];
      expect(codes).toEqual(expect.arrayContaining(['ADDED_THEN_REMOVED', 'OVERWRITTEN', 'DUPLICATE_FILES']));
      expect(doc.images[0]?.findings.find((f) => f.code === 'DUPLICATE_FILES')?.paths).toEqual([
        'opt/one/same.bin',
        'opt/two/same.bin',
      ]);
    },
  );
});
