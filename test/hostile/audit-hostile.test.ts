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
import { longKeysPerCollection } from '../helpers/long-keys.js';
import { slowdown } from '../helpers/slowdown.js';
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

describe('a hostile budgets file', () => {
  const fixture = join(import.meta.dirname, '..', '..', 'fixtures', 'app-v1.docker-save.tar');
  const audit = async (config: string): Promise<{ code: number; stderr: string }> => {
    const path = tempFile('layerlens.config.json', config);
    return runCli(['audit', fixture, '--quiet'], { cwd: dirname(path) });
  };

  it('reads sizes and percentages padded with spaces in linear time', async () => {
    // `^\s*(\d+)\s*([a-z]*)\s*$` tried every split of the spaces between its two \s*: 160,000
    // spaces took 18.3 s, dive's 64 KiB file 3.5 s. Timed against as many letters, which no two
    // parts of that regex could both take.
    const parse = (pad: string) => () => {
      const errors: string[] = [];
      const padded = `1${pad.repeat(20_000)}!`;
      parseBudget({ maxSize: padded, maxWastedPercent: padded, maxGrowth: padded }, 'b', errors);
      expect(errors).toHaveLength(3);
      expect(() => parseDiveCi(`rules:\n  highestWastedBytes: 1${pad.repeat(6_000)}!\n`, '.dive-ci')).toThrow(
        ConfigError,
      );
    };
    expect(await slowdown(parse(' '), parse('x'))).toBeLessThan(8);
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
  it('finds baselines among 2,000 images on one platform of 16,400 characters', async () => {
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
    const { mostLongKeys } = await longKeysPerCollection(() => {
      const find = baselineFinder(baseline, 2);
      expect(find(image)).toBe(baseline[1_999]);
      expect(find({ ...image, tags: [], configDigest: baseline[17]?.configDigest ?? null })).toBe(baseline[17]);
    });
    expect(mostLongKeys).toBeLessThan(10);
  });
});

describe('mustShareBase candidates at scale', () => {
  it('indexes 4,000 images by tags of 16,400 characters', async () => {
    // A saved report's tags have no length cap; each was a key hashed by its length alone.
    const tag = (i: number): string => `${'t'.repeat(16_400)}${String(i).padStart(7, '0')}:1`;
    const images = Array.from({ length: 4_000 }, (_, i) => imageReport([], { tags: [tag(i)] }));
    const { result: bases, mostLongKeys } = await longKeysPerCollection(() =>
      basesByTag(images, [{ ref: 'base.tar', image: images[5] as ImageReport }]),
    );
    expect(bases.size).toBe(4_001);
    expect(mostLongKeys).toBeLessThan(10);
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
  it('checks 6,000 forbidPackages and 6,000 ignore globs against 10,000 packages and 5,000 paths', async () => {
    // Every glob was tried on every name (a failed prefix each): 10,000 globs against 100,000
    // packages of a saved report took `audit` 19.4 s. Timed against 60 globs of each: the work
    // grows with the names, not with names x globs.
    const packages: PackageRecord[] = Array.from({ length: 10_000 }, (_, i) => ({
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
    const files = Array.from({ length: 5_000 }, (_, i) => fileRecord(`srv/app${i}/data.bin`, { size: 10 }));
    const image = imageReport([layerReport(0, files), layerReport(1, files)], {
      packages: { packages, unownedSize: 0, unownedByFolder: [], problems: [] },
    });
    const auditWith = (count: number) => {
      const globs = Array.from({ length: count }, (_, i) =>
        i % 3 === 0 ? `dpkg:gcc-${i}*` : i % 3 === 1 ? `npm:@types/x${i}` : `*:lib${i}-*-dev`,
      );
      const ignore = Array.from({ length: count }, (_, i) =>
        i % 3 === 0 ? `opt/${i}/**` : i % 3 === 1 ? `**/*.${i}` : `srv/app${i}/data.bin`,
      );
      return auditImages([image], {
        config: {
          budgets: [budget({ forbidPackages: { warn: [...globs, 'npm:@types/x1'], fail: 'gcc-1*' }, ignore })],
          ignore: [],
        },
        baseline: [],
        bases: new Map(),
      }).images[0];
    };
    const audit = auditWith(6_000);
    expect(audit?.rules[0]?.status).toBe('fail');
    expect(audit?.rules[0]?.value).toBe(2);
    // Named on every row of the rule: 6,002 globs made a limit of 102 kB, each row padded to it.
    expect(audit?.rules[0]?.limitText).toMatch(/^gcc-1\* dpkg:gcc-0\* .* and 5,9\d\d more$/);
    expect(audit?.rules[0]?.limitText?.length).toBeLessThan(250);
    // 5,000 copies hidden, 1,666 of them ignored (srv/appN/data.bin for N = 2, 5, 8, ..., 4997).
    expect(audit?.wastedSize).toBe((5_000 - 1_666) * 10);
    expect(
      await slowdown(
        () => auditWith(6_000),
        () => auditWith(60),
      ),
    ).toBeLessThan(8);
  });
});

describe('a budget of many globs over many images', () => {
  it('compiles 5,000 forbidPackages and 5,000 ignore globs once for 400 images', async () => {
    // Compiled per image, and the limit (every glob) padded into every row: 1,000 images of a
    // saved report took `audit` 13 s, 1.7 GB, and printed 447 MB. The text is measured. The work
    // grows with globs + images, not globs x images: timed against the sum of two audits, all the
    // globs over one image and 100 globs of each over all the images.
    const packages: PackageRecord[] = [
      { ecosystem: 'dpkg', name: 'zlib', version: '1', size: 1, fileCount: 0, layerIndex: 0 },
    ];
    const images = Array.from({ length: 400 }, (_, i) =>
      imageReport([layerReport(0, [fileRecord('f')])], {
        tags: [`app${i}:1`],
        packages: { packages, unownedSize: 0, unownedByFolder: [], problems: [] },
      }),
    );
    const auditOf = (some: ImageReport[], count = 5_000) => {
      const globs = Array.from({ length: count }, (_, i) => `dpkg:gcc-${i}*`);
      const ignore = Array.from({ length: count }, (_, i) => `opt/${i}/**`);
      const result = auditImages(some, {
        config: { budgets: [budget({ maxSize: 1, forbidPackages: globs, ignore })], ignore: [] },
        baseline: [],
        bases: new Map(),
      });
      expect(result.summary).toEqual({ pass: some.length, warn: 0, fail: some.length, skip: 0 });
      return result;
    };
    expect(renderSectionsText(buildAuditSections(auditOf(images))).length).toBeLessThan(2_000_000);
    const apart = () => [auditOf(images.slice(0, 1)), auditOf(images, 100)];
    expect(await slowdown(() => auditOf(images), apart)).toBeLessThan(8);
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
