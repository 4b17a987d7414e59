import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/audit/config.js';
import { parseDiveCi } from '../../src/audit/dive-ci.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'layerlens-dive-'));
const fixture = resolve(import.meta.dirname, '../../fixtures/app-v2.oci.tar');

/** dive's README example, comments and all. */
const DIVE_README_EXAMPLE = `rules:
  # If the efficiency is measured below X%, mark as failed.
  # Expressed as a ratio between 0-1.
  lowestEfficiency: 0.95

  # If the amount of wasted space is at least X or larger than X, mark as failed.
  # Expressed in B, KB, MB, and GB.
  highestWastedBytes: 20MB

  # If the amount of wasted space makes up for X% or more of the image, mark as failed.
  # Note: the base image layer is NOT included in the total image size.
  # Expressed as a ratio between 0-1; fails if the threshold is met or crossed.
  highestUserWastedPercent: 0.20
`;

describe('parseDiveCi', () => {
  it("reads dive's README example into layerlens rules", () => {
    expect(parseDiveCi(DIVE_README_EXAMPLE, '.dive-ci').limits).toEqual({
      minEfficiency: { warn: null, fail: 0.95 },
      maxWastedSize: { warn: null, fail: 20_000_000 },
      maxUserWastedPercent: { warn: null, fail: 20 },
    });
  });

  it("gives a rule left out dive's default, and drops a disabled one", () => {
    const budget = parseDiveCi('rules:\n  highestUserWastedPercent: disabled\n', '.dive-ci');
    expect(budget.limits).toEqual({ minEfficiency: { warn: null, fail: 0.9 } });
    expect(parseDiveCi('', '.dive-ci').limits).toEqual({
      minEfficiency: { warn: null, fail: 0.9 },
      maxUserWastedPercent: { warn: null, fail: 10 },
    });
  });

  it.each([
    ['"20 MiB"', 20 * 1024 ** 2],
    ["'1.5G'", 1_500_000_000],
    ['300k', 300_000],
    ['4096', 4096],
  ])('reads highestWastedBytes %s as dive does', (value, bytes) => {
    const budget = parseDiveCi(`rules:\n  highestWastedBytes: ${value} # note\n`, '.dive-ci');
    expect(budget.limits.maxWastedSize).toEqual({ warn: null, fail: bytes });
  });

  it('lists every error at once, with line numbers', () => {
    const text = 'rules:\n  lowestEfficiency: 1.5\n  highestWastedByte: 1MB\nplugins:\n  x: 1\n';
    let error: unknown;
    try {
      parseDiveCi(text, '.dive-ci');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).errors).toEqual([
      'line 3: highestWastedByte: unknown dive rule (known: lowestEfficiency, highestWastedBytes, highestUserWastedPercent)',
      'line 4: plugins: unknown key (a .dive-ci has "rules:")',
      'line 5: x is not under "rules:"',
      'lowestEfficiency: "1.5" is not a ratio from 0 to 1 (as dive reads it)',
    ]);
  });
});

describe('audit --dive-ci', () => {
  it('fails the budget where dive would, with the user waste measured above the first layer', async () => {
    const file = join(dir, '.dive-ci');
    writeFileSync(
      file,
      'rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 0.2\n',
    );
    const run = await runCli(['audit', '--json', '--dive-ci', file, fixture]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      images: { size: number; wastedSize: number; rules: { name: string; value: number; status: string }[] }[];
    };
    const image = report.images[0];
    if (!image) throw new Error('no image audited');
    const inspect = JSON.parse((await runCli(['inspect', '--json', fixture])).stdout) as {
      archives: { images: { layers: { contentSize: number }[] }[] }[];
    };
    const layers = inspect.archives[0]?.images[0]?.layers ?? [];
    const userSize = layers.slice(1).reduce((sum, l) => sum + l.contentSize, 0);
    expect(image.rules.map((r) => [r.name, r.status])).toEqual([
      ['maxUserWastedPercent', 'fail'],
      ['minEfficiency', 'pass'],
    ]);
    expect(image.rules[0]?.value).toBeCloseTo((image.wastedSize / userSize) * 100, 9);
    expect(image.rules[0]?.value).toBeGreaterThan(20);
  });

  it('is a usage error, naming the file, when the rules are wrong or the file is missing', async () => {
    const file = join(dir, 'bad-dive-ci');
    writeFileSync(file, 'rules:\n  lowestEfficiency: lots\n');
    const run = await runCli(['audit', '--dive-ci', file, fixture]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is not a valid layerlens config:\n {2}lowestEfficiency: "lots" is not a ratio/);
    const missing = await runCli(['audit', '--dive-ci', join(dir, 'nope'), fixture]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^layerlens: --dive-ci .*nope: ENOENT/);
  });
});

describe('diveCi in layerlens.config.json', () => {
  it('reads the .dive-ci it names, relative to the config file', async () => {
    const project = mkdtempSync(join(tmpdir(), 'layerlens-dive-config-'));
    writeFileSync(
      join(project, '.dive-ci'),
      'rules:\n  lowestEfficiency: 0.99\n  highestUserWastedPercent: disabled\n',
    );
    writeFileSync(join(project, 'layerlens.config.json'), JSON.stringify({ diveCi: '.dive-ci', budgets: [] }));
    const run = await runCli(['audit', '--json', fixture], { cwd: project });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { images: { rules: { name: string; status: string }[] }[] };
    expect(report.images[0]?.rules.map((r) => [r.name, r.status])).toEqual([['minEfficiency', 'fail']]);
  });
});
