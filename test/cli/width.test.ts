import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArchive } from '../helpers/fixture-builder.js';
import { runCli } from '../helpers/cli.js';

const root = resolve(import.meta.dirname, '../..');
const [v1, v2, base] = ['app-v1.docker-save.tar', 'app-v2.oci.tar', 'base.podman.tar.gz'].map((f) =>
  join(root, 'fixtures', f),
) as [string, string, string];
const folder = join(root, 'fixtures', 'app-v2.oci-layout');
const dir = mkdtempSync(join(tmpdir(), 'layerlens-width-'));
const diveCi = join(dir, '.dive-ci');
writeFileSync(diveCi, 'rules:\n  lowestEfficiency: 0.99\n');

/** Every command's help and text output on the fixtures, as a user would run them. */
const RUNS: string[][] = [
  ['--help'],
  ['inspect', '--help'],
  ['share', '--help'],
  ['audit', '--help'],
  ['diff', '--help'],
  ['inspect', v1, v2, base],
  ['inspect', '--files', v2],
  ['inspect', '--tree', v2],
  ['inspect', '--packages', v1, v2, base],
  ['inspect', folder],
  ['share', v1, v2, base],
  ['share', v2, '--have', v1],
  ['audit', v2, '--baseline', v1, '--max-growth', '1%', '--max-size', '1kB', '--min-efficiency', '99%'],
  ['audit', v1, v2, base, '--dive-ci', diveCi],
  ['diff', '--image', 'example/app', v1, v2],
  ['diff', '--image', 'example/base:1', '--image', 'example/app:2.0', base, v2],
];

function widest(text: string): { width: number; line: string } {
  let found = { width: 0, line: '' };
  for (const line of text.split('\n')) {
    const width = Array.from(line).length;
    if (width > found.width) found = { width, line };
  }
  return found;
}

describe('text output at 80 columns', () => {
  it.each(RUNS.map((argv) => [argv.join(' ').replaceAll(root, '.'), argv] as const))(
    'layerlens %s fits',
    async (_name, argv) => {
      const run = await runCli(argv);
      expect(run.code, run.stderr).toBeLessThanOrEqual(1);
      expect(run.stdout.length + run.stderr.length).toBeGreaterThan(0);
      for (const text of [run.stdout, run.stderr]) {
        const { width, line } = widest(text);
        expect(width, line).toBeLessThanOrEqual(80);
      }
    },
  );

  it('covers every command: each has its help and a text run above', async () => {
    const help = (await runCli(['--help'])).stdout;
    const commands = [...help.matchAll(/^ {2}layerlens (\w+) /gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect(RUNS, `add "${command} --help" to RUNS`).toContainEqual([command, '--help']);
      expect(
        RUNS.some((argv) => argv[0] === command && !argv.includes('--help')),
        `add a text run of ${command} to RUNS`,
      ).toBe(true);
    }
  });

  it('shortens a long history step with … and keeps it whole in --json', async () => {
    const step = `RUN ${'apt-get install -y some-long-package-name '.repeat(6)}`;
    const { bytes } = await buildArchive('docker25', [
      {
        tags: ['long:1'],
        layers: [{ files: [{ path: 'a', content: 'x' }] }],
        history: [{ createdBy: `/bin/sh -c ${step.slice(4)}` }],
      },
    ]);
    const path = join(dir, 'long.tar');
    writeFileSync(path, bytes);
    const text = (await runCli(['inspect', path])).stdout;
    expect(widest(text).width).toBeLessThanOrEqual(80);
    expect(text).toMatch(/RUN apt-get install -y some…\n/);
    const json = (await runCli(['inspect', '--json', path])).stdout;
    expect(json).toContain(step.slice(4).trim());
  });

  it('says 1 image, 1 layer, 1 entry', async () => {
    const { bytes } = await buildArchive('oci', [
      { tags: ['one:1'], layers: [{ files: [{ path: 'a', content: 'x' }] }] },
    ]);
    const path = join(dir, 'one.tar');
    writeFileSync(path, bytes);
    // Wrapped lines joined back, so the words are checked and not where the line broke.
    const inspect = (await runCli(['inspect', path])).stdout.replace(/\n +/g, ' ');
    expect(inspect).toMatch(/, 1 image\n/);
    const audit = (await runCli(['audit', path, '--max-layers', '5'])).stdout;
    expect(audit).toMatch(/, 1 layer,/);
    expect(audit).not.toMatch(/\b1 (layers|images|entries)\b/);
    const share = (await runCli(['share', path])).stdout;
    expect(share).toMatch(/^1 image, 1 distinct layer /);
  });
});
