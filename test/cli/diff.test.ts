import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArchive, type ImageSpec } from '../helpers/fixture-builder.js';
import { runCli } from '../helpers/cli.js';
import { apkInstalled } from '../helpers/package-metadata.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures');
const v1 = join(fixtures, 'app-v1.docker-save.tar');
const v2 = join(fixtures, 'app-v2.oci.tar');
const dir = mkdtempSync(join(tmpdir(), 'layerlens-diff-'));

async function archive(name: string, specs: ImageSpec[], format: 'oci' | 'docker-classic' = 'oci'): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, (await buildArchive(format, specs)).bytes);
  return path;
}

const image = (tag: string, content: string, arch = 'amd64'): ImageSpec => ({
  tags: [tag],
  platform: { os: 'linux', architecture: arch },
  layers: [
    {
      files: [
        { path: 'app/', type: 'dir' },
        { path: 'app/main', content },
      ],
    },
  ],
  history: [{ createdBy: 'COPY main /app/' }],
});

interface DiffDoc {
  schemaVersion: number;
  from: { tags: string[]; configDigest: string; size: number };
  to: { tags: string[]; configDigest: string; size: number };
  sizeDelta: number;
  layers: {
    shared: number;
    added: { index: number; diffId: string; size: number; createdBy: string }[];
    removed: unknown[];
  };
  files: {
    comparedBy: string;
    added: unknown[];
    removed: unknown[];
    changed: { path: string; fromSize: number; toSize: number }[];
  };
  packages: unknown;
  comparisons?: DiffDoc[];
  unpaired?: { side: string; platform: string }[];
}

describe('layerlens diff', () => {
  it('explains the README fixtures: JSON with the contract fields', async () => {
    const run = await runCli(['diff', '--json', '--image', 'example/app', v1, v2]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as DiffDoc;
    expect(doc.schemaVersion).toBe(1);
    expect(doc.from).toMatchObject({ tags: ['example/app:1.0'], size: 597_285 });
    expect(doc.to).toMatchObject({ tags: ['example/app:2.0'], size: 690_298 });
    expect(doc.sizeDelta).toBe(93_013);
    expect(doc.layers.shared).toBe(2);
    expect(doc.layers.added.map((l) => [l.index, l.size, l.createdBy])).toEqual([
      [2, 172_272, '/bin/sh -c npm ci'],
      [3, 3205, '/bin/sh -c #(nop) COPY dir:5e1c in /app '],
      [4, 3013, '/bin/sh -c rm /tmp/build-cache.tgz && chmod 755 /app/server.js'],
    ]);
    expect(doc.files.comparedBy).toBe('sha256');
    expect(doc.files.added).toEqual([]);
    expect(doc.files.removed).toEqual([]);
    expect(doc.files.changed.map((c) => c.path)).toEqual([
      'app/node_modules/express/index.js',
      'app/node_modules/express/package.json',
      'app/package.json',
      'app/server.js',
    ]);
    // The same version bump the packages reader sees: express 4.18.2 -> 4.19.2, same size.
    expect(doc.packages).toEqual({
      added: [],
      removed: [],
      changed: [
        {
          ecosystem: 'npm',
          name: 'express',
          fromVersion: '4.18.2',
          toVersion: '4.19.2',
          fromSize: 40_089,
          toSize: 40_089,
        },
      ],
      sizeDelta: 0,
    });
  });

  it('prints text within 80 columns, and the same growth as audit', async () => {
    const run = await runCli(['diff', '--image', 'example/app', v1, v2]);
    expect(run.code).toBe(0);
    for (const line of run.stdout.split('\n')) expect(Array.from(line).length, line).toBeLessThanOrEqual(80);
    expect(run.stdout).toContain('+93 kB (+15.6%)');
    expect(run.stdout).toMatch(/\+90 kB\s+2\s+RUN npm ci/);
  });

  it("fits the terminal's width (COLUMNS), whole at 0", async () => {
    const step = 'RUN rm /tmp/build-cache.tgz && chmod 755 /app/server.js';
    for (const [columns, whole] of [
      ['200', true],
      ['0', true],
      ['80', false],
    ] as const) {
      const run = await runCli(['diff', '--image', 'example/app', v1, v2], { env: { COLUMNS: columns } });
      const layerRow = run.stdout.split('\n').find((line) => line.includes('b1bad4a221ed'));
      expect(layerRow?.includes(step), columns).toBe(whole);
      const widest = Math.max(...run.stdout.split('\n').map((line) => Array.from(line).length));
      if (columns !== '0') expect(widest).toBeLessThanOrEqual(Number(columns));
    }
  });

  it('says plainly when a rebuilt base changed every ChainID above it', async () => {
    const layered = (tag: string, base: string): ImageSpec => ({
      tags: [tag],
      layers: [{ files: [{ path: 'etc/base', content: base }] }, { files: [{ path: 'app/main', content: 'same' }] }],
      history: [{ createdBy: 'FROM base' }, { createdBy: 'COPY main /app/' }],
    });
    const from = await archive('rebase-old.tar', [layered('r:1', 'base v1')]);
    const to = await archive('rebase-new.tar', [layered('r:2', 'base v2')]);
    const run = await runCli(['diff', from, to]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/layers +1 of 2 reused, 0 by ChainID/);
    expect(run.stdout.replace(/\n +/g, ' ')).toContain(
      'Layer 0 changed below layers that are still the same: the base was rebuilt, so every ChainID from layer 0 up is new and Docker stores those layers again.',
    );
  });

  it('keeps long names and steps within 80 columns', async () => {
    const long = `registry.example.com/${'team/'.repeat(12)}service`;
    const from = await archive('long-old.tar', [image(`${long}:1`, 'a')]);
    const to = await archive('long-new.tar', [
      { ...image(`${long}:2`, 'abc'), history: [{ createdBy: `RUN ${'make -j8 && '.repeat(20)}true` }] },
    ]);
    const run = await runCli(['diff', from, to]);
    expect(run.code).toBe(0);
    for (const line of run.stdout.split('\n')) expect(Array.from(line).length, line).toBeLessThanOrEqual(80);
  });

  it('writes a Markdown comment: the summary table first, details folded, hostile text escaped', async () => {
    const from = await archive('md-old.tar', [image('evil/app:<img src=x onerror=alert(1)>', 'a')]);
    const to = await archive('md-new.tar', [
      { ...image('evil/app:2', 'bb'), history: [{ createdBy: 'RUN <script>x</script> [click](http://e) | `rm`' }] },
    ]);
    const run = await runCli(['diff', '--format', 'markdown', from, to]);
    expect(run.code).toBe(0);
    const md = run.stdout;
    expect(md.indexOf('| size |')).toBeGreaterThan(0);
    expect(md.indexOf('| size |')).toBeLessThan(md.indexOf('<details>'));
    expect(md).not.toContain('<img');
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('[click](');
    expect(md).toContain('&lt;script&gt;');
    expect(md.match(/<details>/g)?.length).toBe(md.match(/<\/details>/g)?.length);
  });

  it('writes an HTML page whose folders expand to their paths, with hostile text escaped', async () => {
    const from = await archive('html-old.tar', [image('a:1', 'x')]);
    const to = await archive('html-new.tar', [
      {
        ...image('a:2', 'x'),
        layers: [
          {
            files: [
              { path: 'app/main', content: 'x' },
              { path: 'app/<b onclick=x>/n.js', content: 'yy' },
            ],
          },
        ],
      },
    ]);
    const html = join(dir, 'diff.html');
    const run = await runCli(['diff', '--html', html, from, to]);
    expect(run.code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('data-folder="app/&lt;b onclick=x&gt;/"');
    expect(page).toContain('<li><code>+ app/&lt;b onclick=x&gt;/n.js (2 B)</code></li>');
    expect(page).not.toContain('<b onclick');
  });

  it('reads one side from stdin', async () => {
    const from = await archive('stdin-old.tar', [image('s:1', 'a')]);
    const to = (await buildArchive('oci', [image('s:2', 'abc')])).bytes;
    const { main } = await import('../../src/cli/index.js');
    const { Readable } = await import('node:stream');
    let out = '';
    const code = await main(['diff', '--json', from, '-'], {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => true, isTTY: false },
      stdin: Readable.from([to]),
      env: {},
      cwd: dir,
    });
    expect(code).toBe(0);
    expect((JSON.parse(out) as DiffDoc).files.changed).toEqual([{ path: 'app/main', fromSize: 1, toSize: 3 }]);
  });

  it('compares every platform both multi-platform inputs have and lists the rest', async () => {
    const from = await archive('multi-old.tar', [image('m:1', 'a', 'amd64'), image('m:1', 'a', 'arm64')]);
    const to = await archive('multi-new.tar', [image('m:2', 'ab', 'arm64'), image('m:2', 'ab', 's390x')]);
    const run = await runCli(['diff', '--json', from, to]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as DiffDoc;
    expect(doc.comparisons?.map((c) => [c.to.tags, c.sizeDelta])).toEqual([[['m:2'], 1]]);
    expect(doc.unpaired?.map((u) => [u.side, u.platform])).toEqual([
      ['from', 'linux/amd64'],
      ['to', 'linux/s390x'],
    ]);
    const one = await runCli(['diff', '--json', '--platform', 'linux/arm64', from, to]);
    expect((JSON.parse(one.stdout) as DiffDoc).sizeDelta).toBe(1);
  });

  it('is a one-line usage error (exit 2) for several images, mismatched platforms or reports without files', async () => {
    const several = await runCli(['diff', v1, v2]);
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/^layerlens: .*app-v1.docker-save.tar holds 2 images: pick one with --image TAG/);
    expect(several.stderr.trim().split('\n')).toHaveLength(1);

    const amd = await archive('p-amd.tar', [image('p:1', 'a', 'amd64')]);
    const arm = await archive('p-arm.tar', [image('p:2', 'a', 'arm64')]);
    const mismatch = await runCli(['diff', amd, arm]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/is linux\/amd64 but .* is linux\/arm64: pass images of one platform/);

    const report = join(dir, 'no-files.json');
    writeFileSync(report, (await runCli(['inspect', '--json', amd])).stdout);
    const noFiles = await runCli(['diff', report, amd]);
    expect(noFiles.code).toBe(2);
    expect(noFiles.stderr).toMatch(
      /no-files.json is a report without file lists: save it with inspect --json --files --hash/,
    );
  });

  it('reads saved reports: with --hash it sees a same-size edit, without it says it compared sizes only', async () => {
    const from = await archive('r-old.tar', [image('r:1', 'aaaa')]);
    const to = await archive('r-new.tar', [image('r:2', 'bbbb')]);
    const save = async (args: string[], name: string): Promise<string> => {
      const path = join(dir, name);
      const run = await runCli(['inspect', '--json', ...args, from]);
      expect(run.code).toBe(0);
      writeFileSync(path, run.stdout);
      return path;
    };
    const hashed = await save(['--files', '--hash', '--no-verify'], 'r-hashed.json');
    const sizes = await save(['--files'], 'r-sizes.json');

    const fromHashed = JSON.parse((await runCli(['diff', '--json', hashed, to])).stdout) as DiffDoc;
    expect(fromHashed.files.comparedBy).toBe('sha256');
    expect(fromHashed.files.changed).toEqual([{ path: 'app/main', fromSize: 4, toSize: 4 }]);

    const fromSizes = await runCli(['diff', sizes, to]);
    expect(fromSizes.code).toBe(0);
    expect(fromSizes.stdout).toContain('0 added, 0 removed, 0 changed');
    expect(fromSizes.stdout).toContain('compared by type, size and link target');
    for (const line of fromSizes.stdout.split('\n')) expect(Array.from(line).length, line).toBeLessThanOrEqual(80);

    const noFiles = await runCli(['inspect', '--json', '--hash', from]);
    expect(noFiles.code).toBe(2);
    expect(noFiles.stderr).toBe('layerlens: --hash adds a sha256 to each listed file: pass --files too\n');
  });

  it('lists packages added, removed and changed from the package databases of both archives', async () => {
    const alpine = (tag: string, musl: string, muslBytes: number, extra: boolean): ImageSpec => ({
      tags: [tag],
      layers: [
        {
          files: [
            { path: 'lib/ld-musl-x86_64.so.1', content: Buffer.alloc(muslBytes, 1) },
            { path: 'bin/busybox', content: Buffer.alloc(900, 2) },
            ...(extra ? [{ path: 'usr/bin/curl', content: Buffer.alloc(300, 3) }] : []),
            {
              path: 'lib/apk/db/installed',
              content: apkInstalled([
                { name: 'musl', version: musl, files: [{ path: 'lib/ld-musl-x86_64.so.1' }] },
                { name: 'busybox', version: '1.36.1-r15', files: [{ path: 'bin/busybox' }] },
                ...(extra ? [{ name: 'curl', version: '8.5.0-r0', files: [{ path: 'usr/bin/curl' }] }] : []),
              ]),
            },
          ],
        },
      ],
      history: [{ createdBy: 'ADD rootfs.tar /' }],
    });
    const from = await archive('pkg-old.tar', [alpine('alpine:3.18', '1.2.4-r2', 700, false)]);
    const to = await archive('pkg-new.tar', [alpine('alpine:3.19', '1.2.5-r0', 750, true)]);
    const doc = JSON.parse((await runCli(['diff', '--json', from, to])).stdout) as DiffDoc;
    expect(doc.packages).toEqual({
      added: [{ ecosystem: 'apk', name: 'curl', version: '8.5.0-r0', size: 300 }],
      removed: [],
      changed: [
        { ecosystem: 'apk', name: 'musl', fromVersion: '1.2.4-r2', toVersion: '1.2.5-r0', fromSize: 700, toSize: 750 },
      ],
      sizeDelta: 350,
    });
    // A saved report without --packages cannot say: packages are "not read", not "none".
    const report = join(dir, 'pkg-old.json');
    writeFileSync(report, (await runCli(['inspect', '--json', '--files', '--hash', from])).stdout);
    const fromReport = JSON.parse((await runCli(['diff', '--json', report, to])).stdout) as DiffDoc;
    expect(fromReport.packages).toBeNull();
  });

  it('exits 3 on a corrupt archive, as every command does', async () => {
    const good = await archive('c-good.tar', [image('c:1', 'a')]);
    const bad = join(dir, 'c-bad.tar');
    writeFileSync(bad, readFileSync(good).subarray(0, 1500));
    const run = await runCli(['diff', good, bad]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain('    at ');
  });
});
