import { terminalText, xmlText } from './display-text.js';
import prettyBytes from 'pretty-bytes';
import { plural } from '../model/plural.js';
import type { AuditResult, ImageAudit, RuleResult } from '../audit/audit-images.js';
import { line, table, type Section } from './sections.js';
import { formatGrowth, imageName } from './format.js';
import { describeStep } from '../model/history-step.js';
import { clip } from './table.js';

export const AUDIT_SCHEMA_VERSION = 1;
/** The JSON Schema of `audit --json`, shipped as `schemas/audit.schema.json` (its `$id`). */
export const AUDIT_SCHEMA_ID = 'layerlens/schemas/audit.schema.json';
const TOP_FINDINGS = 8;
const TOP_WASTED = 5;

const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

/** A rule's measured value as every renderer prints it: bytes, counts, percents, `+93 kB` growth. */
export function formatValue(rule: RuleResult, value: number | null): string {
  if (value === null) return 'n/a';
  switch (rule.unit) {
    case 'bytes':
      return prettyBytes(value);
    case 'count':
      return String(value);
    case 'percent':
      return `${value.toFixed(1)}%`;
    case 'ratio':
      return pct(value);
    case 'growth':
      return formatGrowth(value);
    case 'layers':
      return rule.fail === null ? `${value}/? layers` : `${value}/${plural(rule.fail, 'layer')}`;
    case 'packages':
      return plural(value, 'package');
  }
}

export function formatLimit(rule: RuleResult): string {
  if (rule.unit === 'layers') return `all of ${rule.limitText ?? '?'}`;
  if (rule.unit === 'packages') return `none of ${terminalText(rule.limitText ?? '?')}`;
  if (rule.unit === 'growth') return rule.limitText?.replace(/\d+(?=$|,)/g, (n) => prettyBytes(Number(n))) ?? '';
  const op = rule.rule.startsWith('min') ? '<' : '>';
  const parts = [
    rule.warn !== null ? `warn ${op} ${formatValue(rule, rule.warn)}` : null,
    rule.fail !== null ? `fail ${op} ${formatValue(rule, rule.fail)}` : null,
  ];
  return parts.filter(Boolean).join(', ');
}

const STATUS_TEXT = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' } as const;

/** The `audit --json` document (schemaVersion 1, in the README). Pure. */
export function buildAuditJson(result: AuditResult): object {
  return {
    $schema: AUDIT_SCHEMA_ID,
    schemaVersion: AUDIT_SCHEMA_VERSION,
    summary: result.summary,
    images: result.images.map((audit) => ({
      tags: audit.image.tags,
      configDigest: audit.image.configDigest,
      platform: audit.image.platform,
      size: audit.size,
      compressedSize: audit.compressedSize,
      compressedSizeEstimated: audit.compressedSizeEstimated,
      layerCount: audit.layerCount,
      largestLayerSize: audit.largestLayerSize,
      totalSize: audit.totalSize,
      wastedSize: audit.filesKnown ? audit.wastedSize : null,
      efficiency: audit.filesKnown ? audit.efficiency : null,
      baseline: audit.baseline
        ? {
            tags: audit.baseline.tags,
            configDigest: audit.baseline.configDigest,
            size: audit.baseline.contentSize,
            compressedSize: audit.baseline.compressedSize,
            layerCount: audit.baseline.layers.length,
          }
        : null,
      rules: audit.rules.map((r) => ({
        name: r.rule,
        value: r.value,
        limit: { warn: r.warn, fail: r.fail, text: formatLimit(r) },
        status: r.status,
        note: r.note,
        ...(r.causes ? { causes: r.causes } : {}),
      })),
      findings: audit.findings,
      wasted: audit.wasted,
    })),
  };
}

/** `; top causes: step RUN npm ci +90 kB, folder app/node_modules/ +80 kB`, or nothing. */
export function causesText(rule: RuleResult): string {
  const causes = rule.causes ?? [];
  if (causes.length === 0) return '';
  const name = (text: string): string => clip(terminalText(describeStep(text)), 40);
  return `; top causes: ${causes.map((c) => `${c.kind} ${c.kind === 'step' ? name(c.name) : terminalText(c.name)} ${formatGrowth(c.sizeDelta)}`).join(', ')}`;
}

/** Sections shared by the text and Markdown renderers. */
export function buildAuditSections(result: AuditResult, options: { markdown?: boolean } = {}): Section[] {
  const sections: Section[] = [];
  const rows = result.images.flatMap((audit) =>
    audit.rules.map((r) => [
      r.rule,
      imageName(audit.image),
      formatValue(r, r.value),
      formatLimit(r),
      STATUS_TEXT[r.status],
    ]),
  );
  const { pass, warn, fail, skip } = result.summary;
  sections.push({
    title: null,
    blocks: [
      rows.length > 0
        ? table(
            [
              { header: 'RULE' },
              { header: 'IMAGE', max: 28, flex: true },
              { header: 'VALUE', align: 'right' },
              { header: 'LIMIT' },
              { header: 'STATUS' },
            ],
            rows,
            // A Markdown report cut to fit keeps the failing rows first (markdown-limit.ts).
            { rowRanks: rows.map((row) => (row[4] === STATUS_TEXT.fail ? 1 : 2)) },
          )
        : line('No budget applies to these images: add a layerlens.config.json or flags such as --max-size.', 0),
      line(
        `${fail > 0 ? 'FAILED' : 'passed'}: ${pass} pass, ${warn} warn, ${fail} fail${skip > 0 ? `, ${skip} skipped` : ''}`,
        0,
      ),
    ],
  });
  if (options.markdown) sections.push(overviewSection(result));
  for (const audit of result.images) {
    const notes = audit.rules
      .filter((r) => r.note !== null && r.status !== 'pass')
      .map((r) => line(`${r.rule}: ${terminalText(r.note ?? '')}${causesText(r)}`));
    const wasted = audit.wasted
      .slice(0, TOP_WASTED)
      .map((h) => [
        prettyBytes(h.size),
        terminalText(h.path),
        `layer ${h.layerIndex}, ${h.hiddenBy === 'overwrite' ? 'overwritten' : h.hiddenBy === 'replace' ? 'replaced' : 'removed'} in layer ${h.byLayer}`,
      ]);
    const findings = audit.findings
      .slice(0, TOP_FINDINGS)
      .map((f) =>
        line(
          `${f.severity} ${f.code} (${prettyBytes(f.bytes)}): ${terminalText(f.message)}${f.paths.length > 0 ? `; e.g. ${f.paths.slice(0, 3).map(terminalText).join(', ')}` : ''}`,
        ),
      );
    const head = audit.filesKnown
      ? `${prettyBytes(audit.size)}, ${plural(audit.layerCount, 'layer')}, ${prettyBytes(audit.wastedSize)} wasted, efficiency ${pct(audit.efficiency)}`
      : `${prettyBytes(audit.size)}, ${plural(audit.layerCount, 'layer')} (no file lists: waste not measured)`;
    sections.push({
      title: `${imageName(audit.image)}: ${head}`,
      blocks: [
        ...notes,
        ...(wasted.length > 0
          ? [
              table(
                [{ header: 'WASTED', align: 'right' }, { header: 'PATH', max: 44, flex: true }, { header: 'WHERE' }],
                wasted,
              ),
            ]
          : []),
        ...findings,
      ],
    });
  }
  return sections;
}

/** For pull requests: each image against its baseline. */
function overviewSection(result: AuditResult): Section {
  const delta = (now: number | null, then: number | null): string =>
    now === null || then === null ? '' : ` (${formatGrowth(now - then)})`;
  return {
    title: 'Images against the baseline',
    rank: 1,
    blocks: [
      table(
        [
          { header: 'IMAGE', flex: true },
          { header: 'SIZE', align: 'right' },
          { header: 'COMPRESSED', align: 'right' },
          { header: 'LAYERS', align: 'right' },
          { header: 'WASTED', align: 'right' },
          { header: 'EFFICIENCY', align: 'right' },
        ],
        result.images.map((a) => {
          const b = a.baseline;
          return [
            imageName(a.image),
            `${prettyBytes(a.size)}${delta(a.size, b?.contentSize ?? null)}`,
            a.compressedSize === null
              ? 'n/a'
              : `${a.compressedSizeEstimated ? '~' : ''}${prettyBytes(a.compressedSize)}${delta(a.compressedSize, b?.compressedSize ?? null)}`,
            `${a.layerCount}${b ? ` (${a.layerCount - b.layers.length >= 0 ? '+' : ''}${a.layerCount - b.layers.length})` : ''}`,
            a.filesKnown ? prettyBytes(a.wastedSize) : 'n/a',
            a.filesKnown ? pct(a.efficiency) : 'n/a',
          ];
        }),
      ),
    ],
  };
}

/** JUnit XML: one test case per rule and image; FAIL is a failure, SKIP skipped, WARN passes with a note. */
export function renderAuditJunit(result: AuditResult): string {
  const cases = result.images.flatMap((audit: ImageAudit) =>
    audit.rules.map((r) => {
      const message = `${r.rule} = ${formatValue(r, r.value)} (${formatLimit(r)})${r.note ? `: ${r.note}` : ''}`;
      const body =
        r.status === 'fail'
          ? `<failure message="${xmlText(message)}" type="${r.rule}"/>`
          : r.status === 'skip'
            ? `<skipped message="${xmlText(r.note ?? 'not measured')}"/>`
            : r.status === 'warn'
              ? `<system-out>${xmlText(`WARN ${message}`)}</system-out>`
              : '';
      return `    <testcase classname="${xmlText(imageName(audit.image))}" name="${xmlText(r.rule)}">${body}</testcase>`;
    }),
  );
  const { fail, skip } = result.summary;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="layerlens audit" tests="${cases.length}" failures="${fail}" skipped="${skip}">`,
    `  <testsuite name="layerlens audit" tests="${cases.length}" failures="${fail}" skipped="${skip}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
