import { describe, expect, it } from 'vitest';
import { ConfigError, parseAuditConfig, parseGrowth, parseSize } from '../../src/audit/config.js';
import { compileGlob, matchesGlob } from '../../src/audit/glob.js';

describe('parseSize', () => {
  it.each([
    ['600 MB', 600_000_000],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['2048', 2048],
    [4096, 4096],
    ['10 kB', 10_000],
    ['3 bananas', null],
    [-1, null],
    [true, null],
  ])('%s -> %s', (value, bytes) => {
    expect(parseSize(value)).toBe(bytes);
  });
});

describe('parseGrowth', () => {
  it('reads percentages and sizes', () => {
    expect(parseGrowth('10%')).toEqual({ kind: 'percent', percent: 10 });
    expect(parseGrowth('20 MB')).toEqual({ kind: 'bytes', bytes: 20_000_000 });
  });
});

describe('compileGlob', () => {
  it.each([
    ['var/cache/**', 'path', 'var/cache/apt/archives/x.deb', true],
    ['var/cache/*', 'path', 'var/cache/apt/x', false],
    ['**/*.pyc', 'path', 'usr/lib/a/b.pyc', true],
    ['example/app:*', 'tag', 'example/app:1.0', true],
    ['*:latest', 'tag', 'registry.io/team/app:latest', true],
    ['example/app:?.0', 'tag', 'example/app:10.0', false],
  ] as const)('%s (%s) on %s: %s', (glob, kind, value, want) => {
    expect(matchesGlob(compileGlob(glob, kind), value)).toBe(want);
  });
});

describe('parseAuditConfig', () => {
  it('reads budgets with plain limits and warn/fail levels', () => {
    const config = parseAuditConfig(
      {
        budgets: [
          {
            images: 'example/*',
            maxSize: { warn: '500 MB', fail: '600 MB' },
            maxLayers: 20,
            minEfficiency: '95%',
            maxGrowth: '10%',
            ignore: ['var/cache/**'],
          },
        ],
      },
      'test.json',
    );
    expect(config.budgets[0]).toEqual({
      images: ['example/*'],
      limits: {
        maxSize: { warn: 500_000_000, fail: 600_000_000 },
        maxLayers: { warn: null, fail: 20 },
        minEfficiency: { warn: null, fail: 0.95 },
      },
      maxGrowth: { warn: null, fail: { kind: 'percent', percent: 10 } },
      mustShareBase: null,
      forbidPackages: null,
      ignore: ['var/cache/**'],
    });
  });

  it('lists every error at once', () => {
    let error: unknown;
    try {
      parseAuditConfig(
        {
          budget: [],
          budgets: [
            {
              maxSize: 'huge',
              maxLayers: 2.5,
              minEfficiency: 3,
              maxWastedSize: { warn: '1 MB', fial: '2 MB' },
              colour: 'red',
            },
            'x',
          ],
        },
        'layerlens.config.json',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).errors).toEqual([
      'budget: unknown key (known: budgets, ignore, diveCi)',
      'budgets[0].colour: unknown rule (known: maxSize, maxCompressedSize, maxLayers, maxLayerSize, maxWastedSize, maxWastedPercent, maxUserWastedPercent, minEfficiency, maxGrowth, mustShareBase, forbidPackages, images, ignore)',
      'budgets[0].maxSize: "huge" is not a size such as 600 MB, 1.5 GiB or a number of bytes',
      'budgets[0].maxLayers: 2.5 is not a whole number',
      'budgets[0].maxWastedSize.fial: unknown level (use "warn" and "fail")',
      'budgets[0].minEfficiency: 3 is not a ratio from 0 to 1, or a percentage such as "95%"',
      'budgets[1]: expected an object',
    ]);
  });

  it('reads forbidPackages globs per level, and refuses unknown ecosystems', () => {
    const config = parseAuditConfig(
      { budgets: [{ forbidPackages: ['dpkg:gcc*', 'npm:typescript'] }, { forbidPackages: { warn: 'curl' } }] },
      'x.json',
    );
    expect(config.budgets.map((b) => b.forbidPackages)).toEqual([
      { warn: null, fail: ['dpkg:gcc*', 'npm:typescript'] },
      { warn: ['curl'], fail: null },
    ]);
    expect(() => parseAuditConfig({ budgets: [{ forbidPackages: ['rpm:gcc'] }] }, 'x.json')).toThrow(
      /budgets\[0\]\.forbidPackages: \["rpm:gcc"\] is not a package glob/,
    );
    expect(() => parseAuditConfig({ budgets: [{ forbidPackages: [] }] }, 'x.json')).toThrow(/forbidPackages/);
  });

  it('requires budgets', () => {
    expect(() => parseAuditConfig({}, 'x.json')).toThrow(/budgets: missing/);
  });
});
