import { ConfigError, parseBudget, quoted, type Budget } from './config.js';

/** dive's CI rules, in its spelling, with the layerlens rule each becomes. */
export const DIVE_RULES = {
  lowestEfficiency: 'minEfficiency',
  highestWastedBytes: 'maxWastedSize',
  highestUserWastedPercent: 'maxUserWastedPercent',
} as const;
type DiveRule = keyof typeof DIVE_RULES;

/** What dive applies when `.dive-ci` leaves a rule out (its defaults since 0.9). */
const DIVE_DEFAULTS: Readonly<Record<DiveRule, string>> = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};

/** Largest `.dive-ci` read; real ones are a few hundred bytes. */
export const MAX_DIVE_CI_BYTES = 64 * 1024;

/**
 * Reads dive's `.dive-ci` (YAML: a `rules:` map of three keys) into one budget for every image.
 * Only that flat shape is read, line by line, no YAML library needed: comments, quotes and
 * `disabled` are understood; anything else is an error naming the line. dive's ratios
 * (`0.2`) become layerlens percentages (`20`); a rule left out gets dive's default, so the
 * budget fails where dive would.
 */
export function parseDiveCi(text: string, source: string): Budget {
  const errors: string[] = [];
  const values = new Map<DiveRule, string>();
  let inRules = false;
  text.split(/\r?\n/).forEach((raw, index) => {
    const where = `line ${index + 1}`;
    const line = stripComment(raw).trimEnd();
    if (line.trim() === '') return;
    const indented = /^\s/.test(line);
    const match = /^\s*([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!match) {
      errors.push(`${where}: expected "key: value"`);
      return;
    }
    const key = match[1] ?? '';
    const value = unquote(match[2] ?? '');
    if (!indented) {
      inRules = key === 'rules';
      if (!inRules) errors.push(`${where}: ${key}: unknown key (a .dive-ci has "rules:")`);
      else if (value !== '') errors.push(`${where}: rules: expected the rules on the lines below`);
      return;
    }
    if (!inRules) {
      errors.push(`${where}: ${key} is not under "rules:"`);
      return;
    }
    if (!(key in DIVE_RULES)) {
      errors.push(`${where}: ${key}: unknown dive rule (known: ${Object.keys(DIVE_RULES).join(', ')})`);
      return;
    }
    values.set(key as DiveRule, value);
  });
  const rules: Record<string, unknown> = { images: '*' };
  for (const rule of Object.keys(DIVE_RULES) as DiveRule[]) {
    const value = values.get(rule) ?? DIVE_DEFAULTS[rule];
    if (value.toLowerCase() === 'disabled') continue;
    const converted = convert(rule, value);
    if (converted === null) {
      errors.push(`${rule}: ${quoted(value)} is not ${EXPECTED[rule]}`);
      continue;
    }
    rules[DIVE_RULES[rule]] = converted;
  }
  const budget = errors.length === 0 ? parseBudget(rules, source, errors) : null;
  if (errors.length > 0 || budget === null) throw new ConfigError(source, errors);
  return budget;
}

const EXPECTED: Readonly<Record<DiveRule, string>> = {
  lowestEfficiency: 'a ratio from 0 to 1 (as dive reads it)',
  highestWastedBytes: 'a size such as 20MB or 20 MiB (as dive reads it)',
  highestUserWastedPercent: 'a ratio from 0 to 1 (as dive reads it)',
};

function convert(rule: DiveRule, value: string): number | string | null {
  if (rule === 'highestWastedBytes') {
    // dive's sizes (go-humanize) also take a bare unit letter: 20M, 1.5G, 300k.
    // On the trimmed text: a trailing `\s*` after the unit made a run of spaces quadratic (hunt 3).
    const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/i.exec(value.trim());
    if (!match) return null;
    const unit = `${match[2] ?? ''}${match[3] ?? ''}`;
    return `${match[1] ?? ''}${unit === '' ? '' : /b$/i.test(unit) ? unit : `${unit}b`}`;
  }
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value)) return null;
  const ratio = Number(value);
  if (ratio < 0 || ratio > 1) return null;
  // Percentages as layerlens writes them; rounded so 0.1 becomes 10, not 10.000000000000002.
  return rule === 'lowestEfficiency' ? ratio : Math.round(ratio * 100 * 1e9) / 1e9;
}

function stripComment(line: string): string {
  // A `#` starts a comment at the line start or after a space (YAML), not inside a quoted value.
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i);
  }
  return line;
}

function unquote(value: string): string {
  const trimmed = value.trim();
  const first = trimmed[0];
  if (trimmed.length >= 2 && (first === '"' || first === "'") && trimmed.endsWith(first)) return trimmed.slice(1, -1);
  return trimmed;
}
