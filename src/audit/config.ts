import { isObject } from '../model/json.js';
import { ECOSYSTEMS } from '../packages/types.js';
import { terminalText } from '../report/display-text.js';
import { clip } from '../report/table.js';

/** Where budgets live, found from the working directory up. */
export const CONFIG_FILE = 'layerlens.config.json';

/** Budget rules with a numeric limit; `min*` rules fail below the limit, the others above it. */
export const NUMERIC_RULES = {
  maxSize: 'bytes',
  maxCompressedSize: 'bytes',
  maxLayers: 'count',
  maxLayerSize: 'bytes',
  maxWastedSize: 'bytes',
  maxWastedPercent: 'percent',
  /** Waste over the bytes the layers above the first add (dive's highestUserWastedPercent, as a percentage). */
  maxUserWastedPercent: 'percent',
  minEfficiency: 'ratio',
} as const;
export type NumericRule = keyof typeof NUMERIC_RULES;
export type RuleName = NumericRule | 'maxGrowth' | 'mustShareBase' | 'forbidPackages';
export const RULE_NAMES: readonly RuleName[] = [
  ...(Object.keys(NUMERIC_RULES) as NumericRule[]),
  'maxGrowth',
  'mustShareBase',
  'forbidPackages',
];

/** A rule's thresholds: crossing `warn` warns, crossing `fail` fails the audit. */
export interface Levels<T> {
  readonly warn: T | null;
  readonly fail: T | null;
}

export type Growth =
  { readonly kind: 'bytes'; readonly bytes: number } | { readonly kind: 'percent'; readonly percent: number };

export interface Budget {
  /** Tag globs; `*` matches every image. */
  readonly images: readonly string[];
  readonly limits: Partial<Record<NumericRule, Levels<number>>>;
  readonly maxGrowth: Levels<Growth> | null;
  /** A tag of an input image, or a path to an archive or report, of the base every image must contain. */
  readonly mustShareBase: Levels<string> | null;
  /** Package globs, `ECOSYSTEM:NAME` (`dpkg:gcc*`, `npm:typescript`, `*:openssl`) or a bare NAME for any ecosystem. */
  readonly forbidPackages: Levels<readonly string[]> | null;
  readonly ignore: readonly string[];
}

export interface AuditConfig {
  readonly budgets: readonly Budget[];
  readonly ignore: readonly string[];
  /** dive's `.dive-ci` to read as one more budget, relative to the config file. */
  readonly diveCi?: string;
}

const BUDGET_KEYS = new Set<string>(['images', 'description', 'ignore', ...RULE_NAMES]);
const TOP_KEYS = new Set(['$schema', 'budgets', 'ignore', 'diveCi']);

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/*
 * Numbers in a budgets file are matched on the trimmed text: `^\s*(\d+)\s*([a-z]*)\s*$` tried
 * every split of a run of spaces between its last two `\s*`, quadratic in the run (160,000 spaces
 * took 18.3 s; hunt 3). A number too large for a double (400 nines) is no limit: pretty-bytes
 * threw on Infinity when the report printed it (exit 70).
 */

/** `600 MB` (decimal, as docker and pretty-bytes print), `1.5GiB`, `2048`, or a number of bytes. */
export function parseSize(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
  if (typeof value !== 'string') return null;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  if (!match) return null;
  const unit = (match[2] ?? '').toLowerCase() || 'b';
  const factor = UNITS[unit];
  const bytes = factor === undefined ? NaN : Math.round(Number(match[1]) * factor);
  return Number.isFinite(bytes) ? bytes : null;
}

function parsePercent(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(value.trim());
  const percent = match ? Number(match[1]) : NaN;
  return Number.isFinite(percent) ? percent : null;
}

/** Longest excerpt of a budgets file's key or value an error quotes. */
const QUOTED_MAX = 100;

/**
 * A value of the budgets file as an error quotes it: its JSON, cut to QUOTED_MAX characters and
 * made terminal-safe. A value nested deeper than the stack (`[[[…]]]`, 100,000 deep) overflowed
 * JSON.stringify (exit 70), and a 50 MB string made a 50 MB message.
 */
export function quoted(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'number' ? String(value) : JSON.stringify(value);
  } catch {
    text = Array.isArray(value) ? '[[[…' : '{…';
  }
  return terminalText(clip(text, QUOTED_MAX));
}

/** A key of the budgets file as an error names it: one line, cut (a key may hold newlines). */
const keyText = (key: string): string => terminalText(clip(key, QUOTED_MAX));

function parseRatio(value: unknown): number | null {
  if (typeof value === 'string' && value.trim().endsWith('%')) {
    const percent = parsePercent(value);
    return percent === null || percent > 100 ? null : percent / 100;
  }
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : null;
}

export function parseGrowth(value: unknown): Growth | null {
  if (typeof value === 'string' && value.trim().endsWith('%')) {
    const percent = parsePercent(value);
    return percent === null ? null : { kind: 'percent', percent };
  }
  const bytes = parseSize(value);
  return bytes === null ? null : { kind: 'bytes', bytes };
}

const PARSERS: Record<(typeof NUMERIC_RULES)[NumericRule], (v: unknown) => number | null> = {
  bytes: parseSize,
  count: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null),
  percent: parsePercent,
  ratio: parseRatio,
};

const EXPECTED: Record<(typeof NUMERIC_RULES)[NumericRule], string> = {
  bytes: 'a size such as 600 MB, 1.5 GiB or a number of bytes',
  count: 'a whole number',
  percent: 'a percentage such as 5 or "5%"',
  ratio: 'a ratio from 0 to 1, or a percentage such as "95%"',
};

function levels<T>(
  value: unknown,
  parse: (v: unknown) => T | null,
  where: string,
  expected: string,
  errors: string[],
): Levels<T> | null {
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (key !== 'warn' && key !== 'fail')
        errors.push(`${where}.${keyText(key)}: unknown level (use "warn" and "fail")`);
    }
    const read = (level: 'warn' | 'fail'): T | null => {
      if (!(level in value)) return null;
      const parsed = parse(value[level]);
      if (parsed === null) errors.push(`${where}.${level}: ${quoted(value[level])} is not ${expected}`);
      return parsed;
    };
    const warn = read('warn');
    const fail = read('fail');
    if (warn === null && fail === null && !('warn' in value) && !('fail' in value))
      errors.push(`${where}: give "warn", "fail" or both`);
    return { warn, fail };
  }
  const parsed = parse(value);
  if (parsed === null) {
    errors.push(`${where}: ${quoted(value)} is not ${expected}`);
    return null;
  }
  return { warn: null, fail: parsed };
}

function globs(value: unknown, where: string, kind: 'path' | 'tag', errors: string[]): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((g): g is string => typeof g === 'string' && g.length > 0)) {
    errors.push(`${where}: expected a ${kind} glob or a list of them`);
    return [];
  }
  return list;
}

/** Reads one budget (from the config file or from flags), adding every problem to `errors`. */
export function parseBudget(value: unknown, where: string, errors: string[]): Budget | null {
  if (!isObject(value)) {
    errors.push(`${where}: expected an object`);
    return null;
  }
  for (const key of Object.keys(value)) {
    if (!BUDGET_KEYS.has(key))
      errors.push(`${where}.${keyText(key)}: unknown rule (known: ${RULE_NAMES.join(', ')}, images, ignore)`);
  }
  const limits: Partial<Record<NumericRule, Levels<number>>> = {};
  for (const [rule, unit] of Object.entries(NUMERIC_RULES) as [NumericRule, (typeof NUMERIC_RULES)[NumericRule]][]) {
    if (!(rule in value)) continue;
    const parsed = levels(value[rule], PARSERS[unit], `${where}.${rule}`, EXPECTED[unit], errors);
    if (parsed) limits[rule] = parsed;
  }
  const growth =
    'maxGrowth' in value
      ? levels(value['maxGrowth'], parseGrowth, `${where}.maxGrowth`, 'a size or a percentage such as "10%"', errors)
      : null;
  const base =
    'mustShareBase' in value
      ? levels(
          value['mustShareBase'],
          (v) => (typeof v === 'string' && v !== '' ? v : null),
          `${where}.mustShareBase`,
          'an image tag or a path',
          errors,
        )
      : null;
  const forbid =
    'forbidPackages' in value
      ? levels(
          value['forbidPackages'],
          parsePackageGlobs,
          `${where}.forbidPackages`,
          `a package glob such as "dpkg:gcc*" or "npm:typescript" (ecosystems: ${ECOSYSTEMS.join(', ')}), or a list of them`,
          errors,
        )
      : null;
  return {
    images: 'images' in value ? globs(value['images'], `${where}.images`, 'tag', errors) : ['*'],
    limits,
    maxGrowth: growth,
    mustShareBase: base,
    forbidPackages: forbid,
    ignore: 'ignore' in value ? globs(value['ignore'], `${where}.ignore`, 'path', errors) : [],
  };
}

/** `"dpkg:gcc*"` or a list of such globs; null when any is malformed. */
export function parsePackageGlobs(value: unknown): readonly string[] | null {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) return null;
  for (const glob of list) {
    if (typeof glob !== 'string' || glob === '') return null;
    const colon = glob.indexOf(':');
    if (colon === -1) continue;
    const ecosystem = glob.slice(0, colon);
    if (ecosystem !== '*' && !(ECOSYSTEMS as readonly string[]).includes(ecosystem)) return null;
    if (colon === glob.length - 1) return null;
  }
  return list as string[];
}

/** Errors a ConfigError's message lists; the rest are counted (100,000 unknown keys made 5.6 MB of it). */
const ERRORS_SHOWN = 20;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly errors: readonly string[],
  ) {
    const shown = errors.slice(0, ERRORS_SHOWN).map((e) => `  ${e}`);
    if (errors.length > ERRORS_SHOWN)
      shown.push(`  and ${(errors.length - ERRORS_SHOWN).toLocaleString('en-US')} more`);
    super(`${source} is not a valid layerlens config:\n${shown.join('\n')}`);
  }
}

/** Validates a whole `layerlens.config.json`, listing every error at once. */
export function parseAuditConfig(value: unknown, source: string): AuditConfig {
  const errors: string[] = [];
  if (!isObject(value)) throw new ConfigError(source, ['expected a JSON object with "budgets"']);
  for (const key of Object.keys(value)) {
    if (!TOP_KEYS.has(key)) errors.push(`${keyText(key)}: unknown key (known: budgets, ignore, diveCi)`);
  }
  const raw = value['budgets'];
  const budgets: Budget[] = [];
  if (raw === undefined) errors.push('budgets: missing (a list of { "images": "app:*", "maxSize": "500 MB", ... })');
  else if (!Array.isArray(raw)) errors.push('budgets: expected a list');
  else {
    raw.forEach((item: unknown, i) => {
      const budget = parseBudget(item, `budgets[${i}]`, errors);
      if (budget) budgets.push(budget);
    });
  }
  const ignore = 'ignore' in value ? globs(value['ignore'], 'ignore', 'path', errors) : [];
  const diveCi = value['diveCi'];
  if (diveCi !== undefined && (typeof diveCi !== 'string' || diveCi === ''))
    errors.push('diveCi: expected the path of a .dive-ci file');
  if (errors.length > 0) throw new ConfigError(source, errors);
  return typeof diveCi === 'string' ? { budgets, ignore, diveCi } : { budgets, ignore };
}
