/**
 * `audit`, its reports and its config over hostile input (hunt 3): archive text shaped as CI
 * workflow commands, hostile budgets files, report formats fed characters they cannot hold.
 */
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditImages, baselineFinder, basesByTag } from '../../src/audit/audit-images.js';
import { ConfigError, parseBudget, type Budget } from '../../src/audit/config.js';
import { compileGlob, globSet, matchesGlob } from '../../src/audit/glob.js';
import type { Digest } from '../../src/model/digest.js';
import type { ImageReport } from '../../src/model/image.js';
import { parseDiveCi } from '../../src/audit/dive-ci.js';
import { runCli } from '../helpers/cli.js';
import { buildAuditSections } from '../../src/report/audit-report.js';
import { renderSectionsText } from '../../src/report/sections.js';
import { fileRecord, imageReport, layerReport } from '../helpers/reports.js';
import type { PackageRecord } from '../../src/packages/types.js';
import { archiveEntries, buildImage, writeTar } from '../helpers/fixture-builder.js';
import { workflowCommands } from '../helpers/workflow-commands.js';
import { tempFile } from './generators.js';
import { COMMAND_TEXTS, workflowCommandArchive } from './generators-audit.js';

describe('archive text never becomes a CI workflow command', () => {
  it('audit, inspect (files, tree, packages), share and diff text, and their errors, hold no line a runner would act on', async () => {
    const path = tempFile('commands.tar', await workflowCommandArchive());
    const runs = [
      await runCli(['audit', '--max-size', '1', path]),
      await runCli(['inspect', '--files', path]),
      await runCli(['inspect', '--tree', '--packages', path]),
      await runCli(['share', path, path]),
      await runCli(['diff', path, path]),
    ];
    expect(runs[0]?.code).toBe(1);
    // The text is there, made inert: the reader still sees what the archive says.
    expect(runs[0]?.stdout).toContain('\\x3a:error title=pwned::from a tag');
    expect(runs[1]?.stdout).toContain('\\x23#[error]from a tag');
    for (const run of runs) {
      expect(workflowCommands(run.stdout)).toEqual([]);
      expect(workflowCommands(run.stderr)).toEqual([]);
    }
    expect(COMMAND_TEXTS.spacedTag).toMatch(/^\s+::/);
  });
});

/** A budget of the given rules, read as the config file's. */
function budget(rules: Record<string, unknown>): Budget {
  const errors: string[] = [];
  const parsed = parseBudget({ images: '*', ...rules }, 'test', errors);
  if (parsed === null || errors.length > 0) throw new Error(errors.join('; '));
  return parsed;
}

/** Milliseconds `work` takes. */
function timed(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

describe('a hostile budgets file', () => {
  const fixture = join(import.meta.dirname, '..', '..', 'fixtures', 'app-v1.docker-save.tar');
  const audit = async (config: string): Promise<{ code: number; stderr: string }> => {
    const path = tempFile('layerlens.config.json', config);
    return runCli(['audit', fixture, '--quiet'], { cwd: dirname(path) });
  };

  it('reads sizes and percentages padded with spaces in linear time', () => {
    // `^\s*(\d+)\s*([a-z]*)\s*$` tried every split of the spaces between its two \s*: 160,000
    // spaces took 18.3 s, dive's 64 KiB file 3.5 s.
    const padded = `1${' '.repeat(200_000)}!`;
    const errors: string[] = [];
    const took = timed(() => {
      parseBudget({ maxSize: padded, maxWastedPercent: padded, maxGrowth: padded }, 'b', errors);
      expect(() => parseDiveCi(`rules:\n  highestWastedBytes: 1${' '.repeat(60_000)}!\n`, '.dive-ci')).toThrow(
        ConfigError,
      );
    });
    expect(errors).toHaveLength(3);
    expect(took).toBeLessThan(1500);
  });

  it('gets one bounded line per error, a usage error (exit 2), never a trace', async () => {
    const nines = '9'.repeat(400);
    const runs = [
      // 400 nines are Infinity: pretty-bytes threw on the limit (exit 70).
      await audit(JSON.stringify({ budgets: [{ maxSize: nines, maxWastedPercent: `${nines}%` }] })),
      // JSON.stringify of the value for the message overflowed the stack (exit 70). Under 64 KiB,
      // so parsed; past it, such nesting is turned away unparsed (hunt 4).
      await audit(`{"budgets":[{"maxSize":${'['.repeat(30_000)}${']'.repeat(30_000)}}]}`),
      // A key with newlines forged lines of its own.
      await audit(JSON.stringify({ budgets: [], 'a\nlayerlens: all budgets passed': 1 })),
      // 100,000 unknown keys and a 1 MB value: 5.6 MB of message before.
      await audit(
        JSON.stringify({
          budgets: [{ maxSize: 'x'.repeat(1_000_000) }],
          ...Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 1])),
        }),
      ),
      await audit(`{"budgets":[{"maxSize":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`),
    ];
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr.length).toBeLessThan(4000);
      expect(run.stderr).not.toMatch(/^layerlens: all budgets passed/m);
    }
    expect(runs[0]?.stderr).toMatch(/maxSize: "9{20}.*… is not a size/);
    expect(runs[1]?.stderr).toMatch(/maxSize: \[\[\[.*… is not a size/);
    expect(runs[3]?.stderr).toMatch(/and 99,9\d\d more/);
    expect(runs[4]?.stderr).toMatch(/layerlens\.config\.json nests deeper than 64 levels: not read/);
  });
});

/** XML 1.0's Char production: tab, newline, carriage return, and U+0020 up, less surrogates, U+FFFE and U+FFFF. */
const NOT_XML = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

describe('the JUnit report over hostile text', () => {
  it('holds only characters XML allows, escapes markup, and shows what it replaced', async () => {
    const tag = `x:\u0000\u0008\u001b\ufffe\uffff\ud800]]><a b="c" d='e'>&amp;\u202e`;
    const image = await buildImage({ tags: [tag], layers: [{ files: [{ path: 'f', content: 'x' }] }] });
    const path = tempFile('junit.tar', await writeTar(archiveEntries('docker-classic', [image])));
    const run = await runCli(['audit', '--format', 'junit', '--max-layers', '0', path]);
    expect(run.code).toBe(1);
    // A lone surrogate written as UTF-8 becomes U+FFFD; U+FFFE and U+FFFF stay and break every parser.
    expect(run.stdout).not.toMatch(NOT_XML);
    expect(run.stdout).not.toContain(']]>');
    expect(run.stdout).toContain(
      'classname="x:\\x00\\x08\\x1b\\u{fffe}\\u{ffff}\\u{d800}]]&gt;&lt;a b=&quot;c&quot; d=\'e\'&gt;&amp;amp;\\u{202e}"',
    );
  });
});

describe('baselines at scale', () => {
  it('finds baselines among 2,000 images on one platform of 16,400 characters', () => {
    // Keys of platform and config (or repository) past 16,383 characters, one length each: V8
    // hashed them by length alone. A baseline report of 4,000 such images took `audit` 96 s.
    const platform = `linux/${'a'.repeat(16_400)}`;
    const baseline = Array.from({ length: 2_000 }, (_, i) =>
      imageReport([], {
        platform,
        tags: [`t${String(i).padStart(7, '0')}:1`],
        configDigest: `sha256:${String(i).padStart(64, '0')}` as Digest,
      }),
    );
    const image = imageReport([], { platform, tags: ['t0001999:2'], configDigest: null });
    let found: ImageReport | null = null;
    const took = timed(() => {
      const find = baselineFinder(baseline, 2);
      found = find(image);
      expect(find({ ...image, tags: [], configDigest: baseline[17]?.configDigest ?? null })).toBe(baseline[17]);
    });
    expect(found).toBe(baseline[1_999]);
    expect(took).toBeLessThan(1500);
  });
});

describe('mustShareBase candidates at scale', () => {
  it('indexes 4,000 images by tags of 16,400 characters', () => {
    // A saved report's tags have no length cap; each was a key hashed by its length alone.
    const tag = (i: number): string => `${'t'.repeat(16_400)}${String(i).padStart(7, '0')}:1`;
    const images = Array.from({ length: 4_000 }, (_, i) => imageReport([], { tags: [tag(i)] }));
    let bases: ReadonlyMap<string, ImageReport> = new Map();
    const took = timed(() => {
      bases = basesByTag(images, [{ ref: 'base.tar', image: images[5] as ImageReport }]);
    });
    expect(bases.size).toBe(4_001);
    expect(took).toBeLessThan(1500);
    const rule = (ref: string): string | null =>
      auditImages([images[5] as ImageReport], {
        config: { budgets: [budget({ mustShareBase: ref })], ignore: [] },
        baseline: [],
        bases,
      }).images[0]?.rules[0]?.status ?? null;
    expect([rule(tag(3_999)), rule('base.tar'), rule(tag(4_000))]).toEqual(['pass', 'pass', 'skip']);
  });
});

describe('many globs against many names', () => {
  it('checks 6,000 forbidPackages and 6,000 ignore globs against 100,000 packages and 50,000 paths', () => {
    // Every glob was tried on every name (a failed prefix each): 10,000 globs against 100,000
    // packages of a saved report took `audit` 19.4 s.
    const packages: PackageRecord[] = Array.from({ length: 100_000 }, (_, i) => ({
      ecosystem: i % 2 === 0 ? 'dpkg' : 'npm',
      name: `lib${i}-utils`,
      version: '1',
      size: 1,
      fileCount: 0,
      layerIndex: 0,
    }));
    packages.push(
      { ...(packages[1] as PackageRecord), name: '@types/x1' },
      { ...(packages[0] as PackageRecord), name: 'gcc-12' },
    );
    const files = Array.from({ length: 50_000 }, (_, i) => fileRecord(`srv/app${i}/data.bin`, { size: 10 }));
    const image = imageReport([layerReport(0, files), layerReport(1, files)], {
      packages: { packages, unownedSize: 0, unownedByFolder: [], problems: [] },
    });
    const globs = Array.from({ length: 6_000 }, (_, i) =>
      i % 3 === 0 ? `dpkg:gcc-${i}*` : i % 3 === 1 ? `npm:@types/x${i}` : `*:lib${i}-*-dev`,
    );
    const ignore = Array.from({ length: 6_000 }, (_, i) =>
      i % 3 === 0 ? `opt/${i}/**` : i % 3 === 1 ? `**/*.${i}` : `srv/app${i}/data.bin`,
    );
    let result: ReturnType<typeof auditImages> | null = null;
    const took = timed(() => {
      result = auditImages([image], {
        config: {
          budgets: [budget({ forbidPackages: { warn: [...globs, 'npm:@types/x1'], fail: 'gcc-1*' }, ignore })],
          ignore: [],
        },
        baseline: [],
        bases: new Map(),
      });
    });
    const audit = (result as ReturnType<typeof auditImages> | null)?.images[0];
    expect(audit?.rules[0]?.status).toBe('fail');
    expect(audit?.rules[0]?.value).toBe(2);
    // Named on every row of the rule: 6,002 globs made a limit of 102 kB, each row padded to it.
    expect(audit?.rules[0]?.limitText).toMatch(/^gcc-1\* dpkg:gcc-0\* .* and 5,9\d\d more$/);
    expect(audit?.rules[0]?.limitText?.length).toBeLessThan(250);
    // 50,000 copies hidden, 2,000 of them ignored (srv/appN/data.bin for N = 2, 5, 8, ...).
    expect(audit?.wastedSize).toBe((50_000 - 2_000) * 10);
    expect(took).toBeLessThan(3000);
  });
});

describe('a budget of many globs over many images', () => {
  it('compiles 10,000 forbidPackages and 10,000 ignore globs once for 1,000 images', () => {
    // Compiled per image, and the limit (every glob) padded into every row: 1,000 images of a
    // saved report took `audit` 13 s, 1.7 GB, and printed 447 MB.
    const packages: PackageRecord[] = [
      { ecosystem: 'dpkg', name: 'zlib', version: '1', size: 1, fileCount: 0, layerIndex: 0 },
    ];
    const images = Array.from({ length: 1_000 }, (_, i) =>
      imageReport([layerReport(0, [fileRecord('f')])], {
        tags: [`app${i}:1`],
        packages: { packages, unownedSize: 0, unownedByFolder: [], problems: [] },
      }),
    );
    const globs = Array.from({ length: 10_000 }, (_, i) => `dpkg:gcc-${i}*`);
    const ignore = Array.from({ length: 10_000 }, (_, i) => `opt/${i}/**`);
    let text = '';
    const took = timed(() => {
      const result = auditImages(images, {
        config: { budgets: [budget({ maxSize: 1, forbidPackages: globs, ignore })], ignore: [] },
        baseline: [],
        bases: new Map(),
      });
      expect(result.summary).toEqual({ pass: 1_000, warn: 0, fail: 1_000, skip: 0 });
      text = renderSectionsText(buildAuditSections(result));
    });
    expect(text.length).toBeLessThan(2_000_000);
    expect(took).toBeLessThan(3000);
  });
});

describe('GlobSet', () => {
  it('matches what trying each glob matches', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '*', '?', '.');
    const glob = fc.array(alphabet, { minLength: 1, maxLength: 6 }).map((c) => c.join(''));
    const text = fc.array(fc.constantFrom('a', 'b', '/', '.'), { maxLength: 8 }).map((c) => c.join(''));
    fc.assert(
      fc.property(
        fc.constantFrom('path' as const, 'tag' as const),
        fc.array(glob, { maxLength: 6 }),
        text,
        (kind, texts, value) => {
          const globs = texts.map((g) => compileGlob(g, kind));
          expect(globSet(texts, kind).matches(value)).toBe(globs.some((g) => matchesGlob(g, value)));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
