import { terminalText } from '../report/display-text.js';
import { clip } from '../report/table.js';
import type { ImageReport } from '../model/image.js';
import { plural } from '../model/plural.js';
import {
  ChainPaths,
  SharedOverlays,
  type AboveChain,
  type HiddenCopy,
  type Overlay,
  type OverlayTree,
  type TreeEntry,
} from '../layer/overlay.js';
import {
  NUMERIC_RULES,
  type AuditConfig,
  type Budget,
  type Growth,
  type Levels,
  type NumericRule,
  type RuleName,
} from './config.js';
import { findLayeringIssues, mayFindLayeringIssue, type Finding } from './findings.js';
import { compareImages } from '../diff/compare-images.js';
import { globSet, matchesAny, type GlobSet } from './glob.js';
import { findPackageIssues, mayFindPackageIssue, type PackageFacts } from './package-findings.js';
import { chainPackagesOf, patchedAbove, type ChainPackages } from '../packages/head-start.js';
import { attributePackages, hasPackageData, packagesOfImage } from '../packages/packages-of-image.js';
import type { PackageRecord } from '../packages/types.js';
import { textKey } from '../model/text-key.js';

export type RuleStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface RuleResult {
  readonly rule: RuleName;
  readonly unit: 'bytes' | 'count' | 'percent' | 'ratio' | 'growth' | 'layers' | 'packages';
  /** The measured value; null when it cannot be measured (then status is skip and `note` says why). */
  readonly value: number | null;
  readonly warn: number | null;
  readonly fail: number | null;
  readonly status: RuleStatus;
  readonly note: string | null;
  /** For maxGrowth: whether the limit is in bytes or percent. */
  readonly limitText: string | null;
  /** For a maxGrowth that warns or fails: what grew most (from `diff`'s comparison), largest first. */
  readonly causes?: readonly GrowthCause[];
}

/** A step, folder or package that added bytes since the baseline. */
export interface GrowthCause {
  readonly kind: 'step' | 'folder' | 'package';
  /** The history step, folder (`app/node_modules/`) or `ecosystem name`; raw text from the archive. */
  readonly name: string;
  readonly sizeDelta: number;
}

const TOP_CAUSES = 2;

/** The steps, folders and packages of `image` that grew most since `baseline`: the same comparison as `diff`. */
export function growthCauses(baseline: ImageReport, image: ImageReport): GrowthCause[] {
  const withPackages = hasPackageData(baseline) && hasPackageData(image);
  const diff = compareImages(
    baseline,
    image,
    withPackages ? { packages: { from: packagesOfImage(baseline).packages, to: packagesOfImage(image).packages } } : {},
  );
  const top = <T>(items: readonly T[], delta: (t: T) => number, cause: (t: T) => GrowthCause): GrowthCause[] =>
    items
      .filter((t) => delta(t) > 0)
      .sort((a, b) => delta(b) - delta(a))
      .slice(0, TOP_CAUSES)
      .map(cause);
  const packages = diff.packages;
  return [
    ...top(
      diff.steps,
      (s) => s.sizeDelta,
      (s) => ({ kind: 'step' as const, name: s.createdBy ?? '', sizeDelta: s.sizeDelta }),
    ),
    ...top(
      diff.files?.folders ?? [],
      (f) => f.sizeDelta,
      (f) => ({ kind: 'folder' as const, name: f.folder, sizeDelta: f.sizeDelta }),
    ),
    ...(packages
      ? top(
          [
            ...packages.added.map((p) => ({ name: `${p.ecosystem} ${p.name}`, delta: p.size })),
            ...packages.changed.map((p) => ({ name: `${p.ecosystem} ${p.name}`, delta: p.toSize - p.fromSize })),
          ],
          (p) => p.delta,
          (p) => ({ kind: 'package' as const, name: p.name, sizeDelta: p.delta }),
        )
      : []),
  ];
}

export interface ImageAudit {
  readonly image: ImageReport;
  readonly size: number;
  readonly compressedSize: number | null;
  readonly compressedSizeEstimated: boolean;
  readonly layerCount: number;
  readonly largestLayerSize: number;
  readonly totalSize: number;
  readonly wastedSize: number;
  readonly efficiency: number;
  /** False when the input carried no file lists (a report saved without --files). */
  readonly filesKnown: boolean;
  readonly findings: readonly Finding[];
  readonly rules: readonly RuleResult[];
  /** The largest hidden copies, for "top offenders". */
  readonly wasted: readonly HiddenCopy[];
  readonly baseline: ImageReport | null;
}

export interface AuditResult {
  readonly images: readonly ImageAudit[];
  readonly summary: { readonly pass: number; readonly warn: number; readonly fail: number; readonly skip: number };
}

export interface AuditContext {
  readonly config: AuditConfig;
  readonly baseline: readonly ImageReport[];
  /** Images a `mustShareBase` may name (inputs, baseline and loaded base files), from basesByTag. */
  readonly bases: ReadonlyMap<string, ImageReport>;
}

/**
 * The images a `mustShareBase` may name: each image by each of its tags (a later one wins), then
 * each base file by the reference the config gives it. Keyed through textKey: a saved report's
 * tags have no length cap, and thousands past 16,383 characters of one length were hashed by
 * length alone (2,000 images: `audit` spent 5.4 s of 8.7 here; hunt 3).
 */
export function basesByTag(
  images: readonly ImageReport[],
  files: readonly { readonly ref: string; readonly image: ImageReport }[] = [],
): ReadonlyMap<string, ImageReport> {
  const bases = new Map<string, ImageReport>();
  for (const image of images) for (const tag of image.tags) bases.set(textKey(tag), image);
  for (const { ref, image } of files) bases.set(textKey(ref), image);
  return bases;
}

const TOP_WASTED = 20;

/** The budgets that apply to an image: every budget whose glob matches one of its tags (untagged: `*` only). */
export function budgetsFor(image: ImageReport, budgets: readonly Budget[]): Budget[] {
  return budgets.filter((budget) => {
    if (budget.images.includes('*')) return true;
    const globs = imageGlobs(budget);
    return image.tags.some((tag) => matchesAny(tag, globs));
  });
}

/** Each budget's `images` globs, compiled once for all the images audited (not once per image). */
const IMAGE_GLOBS = new WeakMap<Budget, GlobSet>();

function imageGlobs(budget: Budget): GlobSet {
  let globs = IMAGE_GLOBS.get(budget);
  if (globs === undefined) IMAGE_GLOBS.set(budget, (globs = globSet(budget.images, 'tag')));
  return globs;
}

/** Later budgets override earlier ones rule by rule. */
function mergeBudgets(budgets: readonly Budget[]): Omit<Budget, 'images'> {
  let limits: Budget['limits'] = {};
  let maxGrowth: Budget['maxGrowth'] = null;
  let mustShareBase: Budget['mustShareBase'] = null;
  let forbidPackages: Budget['forbidPackages'] = null;
  const ignore: string[] = [];
  for (const budget of budgets) {
    limits = { ...limits, ...budget.limits };
    maxGrowth = budget.maxGrowth ?? maxGrowth;
    mustShareBase = budget.mustShareBase ?? mustShareBase;
    forbidPackages = budget.forbidPackages ?? forbidPackages;
    for (const glob of budget.ignore) ignore.push(glob);
  }
  return { limits, maxGrowth, mustShareBase, forbidPackages, ignore };
}

/**
 * Finds each audited image's baseline: the first baseline image with the same config and
 * platform, else the first with the same platform and a tag of the same repository, else the
 * only one when one image is audited against one. The baseline is indexed once, so a fleet of
 * images costs one lookup each, not a pass over the baseline each (20,000 against 20,000 took
 * close to a minute).
 */
export function baselineFinder(
  baseline: readonly ImageReport[],
  auditedCount: number,
): (image: ImageReport) => ImageReport | null {
  const repo = (tag: string): string => tag.replace(/(@sha256:[0-9a-f]+)?$/, '').replace(/:[^:/]+$/, '');
  // Through textKey: a platform past 16,383 characters made every key one length, which V8 hashes
  // by length alone (a baseline of 4,000 images on one such platform took `audit` 96 s; hunt 3).
  const key = (platform: string | null, name: string): string => textKey(`${platform ?? '\u0000'}\u0000${name}`);
  const byConfig = new Map<string, ImageReport>();
  const byRepo = new Map<string, { image: ImageReport; order: number }>();
  baseline.forEach((b, order) => {
    if (b.configDigest !== null && !byConfig.has(key(b.platform, b.configDigest)))
      byConfig.set(key(b.platform, b.configDigest), b);
    for (const tag of b.tags) {
      const k = key(b.platform, repo(tag));
      if (!byRepo.has(k)) byRepo.set(k, { image: b, order });
    }
  });
  const only = baseline.length === 1 && auditedCount === 1 ? (baseline[0] ?? null) : null;
  return (image) => {
    const sameConfig = image.configDigest === null ? undefined : byConfig.get(key(image.platform, image.configDigest));
    if (sameConfig) return sameConfig;
    let first: { image: ImageReport; order: number } | undefined;
    for (const tag of image.tags) {
      const found = byRepo.get(key(image.platform, repo(tag)));
      if (found && (first === undefined || found.order < first.order)) first = found;
    }
    return first?.image ?? only;
  };
}

/**
 * Audits images against the budgets that match them: waste from the overlaid layers, findings
 * from history and trees, and one result per rule. Pure.
 */
export function auditImages(images: readonly ImageReport[], context: AuditContext): AuditResult {
  const baselineOf = baselineFinder(context.baseline, images.length);
  // Images on one base apply it once between them (SharedOverlays), and read it once for findings.
  const overlays = new SharedOverlays(images, auditChainOf);
  const ignoreOf = ignoreFinder(context.config);
  const audits = images.map((image) => auditImage(image, context, baselineOf(image), overlays, ignoreOf));
  const summary = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const audit of audits) for (const rule of audit.rules) summary[rule.status]++;
  return { images: audits, summary };
}

/**
 * The ignore globs of the config and of the budgets that apply to an image, compiled once per set
 * of budgets: compiling them per image cost images x globs (1,000 images of a 10,000-glob config).
 */
function ignoreFinder(config: AuditConfig): (budgets: readonly Budget[]) => GlobSet {
  const order = new Map(config.budgets.map((budget, index) => [budget, index]));
  const sets = new Map<string, GlobSet>();
  return (budgets) => {
    const key = textKey(budgets.map((budget) => order.get(budget) ?? -1).join(','));
    let set = sets.get(key);
    if (set === undefined)
      sets.set(key, (set = globSet([...config.ignore, ...budgets.flatMap((budget) => budget.ignore)], 'path')));
    return set;
  };
}

/**
 * What audit reads of a chain of lower layers that images share, once for them all: the paths
 * findings may look at, and the packages. Each image above it lists its own tree's paths for the
 * findings from those and the paths its layers changed (pathsInOrder), and patches the packages
 * (100 images on one 100,000-entry base: walking each image's tree was 4.2 s of the audit).
 */
interface AuditChain {
  readonly paths: ChainPaths;
  /** The places in `paths` of those findings may look at (mayFindLayeringIssue, mayFindPackageIssue). */
  readonly picked: readonly number[];
  /** The chain attributed to packages, when its layers keep databases (and no saved list). */
  readonly packages: ChainPackages | null;
}

function auditChainOf(lower: ImageReport, tree: OverlayTree): AuditChain {
  const paths = new ChainPaths(tree);
  const picked: number[] = [];
  paths.paths.forEach((path, at) => {
    const entry = tree.get(path);
    if (mayFindPackageIssue(path) || (entry !== undefined && mayFindLayeringIssue(path, entry.record))) picked.push(at);
  });
  const packages = hasPackageData(lower) && !lower.packages ? chainPackagesOf(lower, tree) : null;
  return { paths, picked, packages };
}

/** The paths of the image's tree that findings may look at, in its order, with their entries; null: all of them. */
function findingPaths(above: AboveChain<AuditChain> | null, tree: OverlayTree): [string, TreeEntry][] | null {
  const paths = above?.pathsInOrder(above.value.paths, above.value.picked) ?? null;
  if (paths === null) return null;
  const entries: [string, TreeEntry][] = [];
  for (const path of paths) {
    const entry = tree.get(path);
    if (entry !== undefined) entries.push([path, entry]);
  }
  return entries;
}

function auditImage(
  image: ImageReport,
  context: AuditContext,
  baseline: ImageReport | null,
  overlays: SharedOverlays<AuditChain>,
  ignoreOf: (budgets: readonly Budget[]) => GlobSet,
): ImageAudit {
  const budgets = budgetsFor(image, context.config.budgets);
  const budget = mergeBudgets(budgets);
  const ignore = ignoreOf(budgets);
  const filesKnown = image.layers.every((l) => l.files.length > 0 || l.fileCount === 0 || !l.present);
  const { overlay, above } = overlays.ofChained(image);
  // Waste counts, and lists, only hidden copies outside the ignore globs.
  const wasted = overlay.hidden.filter((h) => h.size > 0 && !matchesAny(h.path, ignore));
  const wastedSize = wasted.reduce((sum, h) => sum + h.size, 0);
  const totalSize = overlay.totalSize;
  const efficiency = totalSize === 0 ? 1 : 1 - wastedSize / totalSize;
  const compressedSizeEstimated = image.layers.some((l) => l.compressedSizeEstimated);
  // What the image's own layers add above its first (base) layer, as dive's "user" bytes.
  let userSize = 0;
  for (const layer of image.layers.slice(1)) userSize += layer.contentSize ?? 0;
  const measured: Record<NumericRule, number | null> = {
    maxSize: image.contentSize,
    maxCompressedSize: image.compressedSize,
    maxLayers: image.layers.length,
    maxLayerSize: image.layers.reduce((max, l) => Math.max(max, l.contentSize ?? 0), 0),
    maxWastedSize: filesKnown ? wastedSize : null,
    maxWastedPercent: filesKnown ? (totalSize === 0 ? 0 : (wastedSize / totalSize) * 100) : null,
    maxUserWastedPercent: filesKnown ? (userSize === 0 ? 0 : (wastedSize / userSize) * 100) : null,
    minEfficiency: filesKnown ? efficiency : null,
  };
  const rules: RuleResult[] = [];
  for (const rule of Object.keys(NUMERIC_RULES) as NumericRule[]) {
    const limit = budget.limits[rule];
    if (!limit) continue;
    const value = measured[rule];
    const note =
      value !== null
        ? null
        : rule === 'maxCompressedSize'
          ? 'compressed size unknown (layers stored uncompressed)'
          : 'no file lists in this input (inspect --json --files keeps them)';
    rules.push(numericResult(rule, value, limit, note));
  }
  if (budget.maxGrowth) rules.push(growthResult(image, baseline, budget.maxGrowth));
  if (budget.mustShareBase) rules.push(baseResult(image, budget.mustShareBase, context.bases));
  const facts = packageFactsOf(image, filesKnown ? overlay : null, above);
  const paths = filesKnown ? findingPaths(above, overlay.tree) : null;
  if (budget.forbidPackages) rules.push(forbidResult(facts?.packages ?? null, budget.forbidPackages));
  return {
    image,
    size: image.contentSize,
    compressedSize: image.compressedSize,
    compressedSizeEstimated,
    layerCount: image.layers.length,
    largestLayerSize: measured.maxLayerSize ?? 0,
    totalSize,
    wastedSize,
    efficiency,
    filesKnown,
    findings: [
      ...(filesKnown ? findLayeringIssues(image, overlay, ignore, paths ?? overlay.tree) : []),
      ...findPackageIssues(
        image,
        filesKnown ? overlay : null,
        facts,
        ignore,
        filesKnown ? (paths ?? overlay.tree) : null,
      ),
    ].sort((a, b) => b.bytes - a.bytes),
    rules,
    wasted: wasted.sort((a, b) => b.size - a.size).slice(0, TOP_WASTED),
    baseline,
  };
}

/** Packages of an archive read with keepMetadata (with their sources), or a report's saved list; null if unknown. */
function packageFactsOf(
  image: ImageReport,
  overlay: Overlay | null,
  above: AboveChain<AuditChain> | null,
): PackageFacts | null {
  if (!hasPackageData(image)) return null;
  if (image.packages) return { packages: image.packages.packages, attributed: null, texts: null };
  if (overlay === null) return null;
  const chain = above?.value.packages;
  const patched = above && chain ? patchedAbove(image, chain, above, overlay.tree) : null;
  const { result, attributed, texts } = patched ? patched.result() : attributePackages(image, overlay);
  return { packages: result.packages, attributed, texts };
}

/**
 * Package globs by the ecosystem they name (`*` for a bare glob or `*:`): `dpkg:gcc*` matches
 * dpkg packages named gcc…. Each package meets its ecosystem's set and the `*` set.
 */
/** Each level's package matcher, made once for all the images audited (the lists are the config's). */
const PACKAGE_GLOBS = new WeakMap<readonly string[], (record: PackageRecord) => boolean>();

function packageGlobs(globs: readonly string[]): (record: PackageRecord) => boolean {
  let matcher = PACKAGE_GLOBS.get(globs);
  if (matcher === undefined) PACKAGE_GLOBS.set(globs, (matcher = packageMatcher(globs)));
  return matcher;
}

function packageMatcher(globs: readonly string[]): (record: PackageRecord) => boolean {
  const names = new Map<string, string[]>();
  for (const glob of globs) {
    const colon = glob.indexOf(':');
    const ecosystem = colon === -1 ? '*' : glob.slice(0, colon);
    const list = names.get(ecosystem);
    if (list === undefined) names.set(ecosystem, [glob.slice(colon + 1)]);
    else list.push(glob.slice(colon + 1));
  }
  const sets = new Map([...names].map(([ecosystem, list]) => [ecosystem, globSet(list, 'tag')]));
  const any = sets.get('*');
  return (record) => any?.matches(record.name) === true || sets.get(record.ecosystem)?.matches(record.name) === true;
}

/** Longest list of globs a rule's limit names; the rest are counted. */
const GLOB_LIST_MAX = 200;

/**
 * `dpkg:gcc* npm:typescript`, or as many as fit in GLOB_LIST_MAX characters and `and N more`:
 * the limit is printed on every row of the rule, and the text table pads every row to the widest,
 * so 10,000 globs over 1,000 images made `audit` print 447 MB (13 s, 1.7 GB; hunt 3).
 */
function globList(globs: readonly string[]): string {
  let text = '';
  let shown = 0;
  for (const glob of globs) {
    if (shown > 0 && text.length + 1 + glob.length > GLOB_LIST_MAX) break;
    text += shown === 0 ? clip(glob, GLOB_LIST_MAX) : ` ${glob}`;
    shown++;
  }
  return shown < globs.length ? `${text} and ${(globs.length - shown).toLocaleString('en-US')} more` : text;
}

function forbidResult(packages: readonly PackageRecord[] | null, limit: Levels<readonly string[]>): RuleResult {
  const globs = [...(limit.fail ?? []), ...(limit.warn ?? [])];
  const base = {
    rule: 'forbidPackages' as const,
    unit: 'packages' as const,
    warn: null,
    fail: null,
    limitText: globList(globs),
  };
  if (packages === null) {
    return {
      ...base,
      value: null,
      status: 'skip',
      note: 'no package lists in this input (inspect --json --packages keeps them)',
    };
  }
  const hits = (level: readonly string[] | null): PackageRecord[] => {
    const matches = packageGlobs(level ?? []);
    return packages.filter(matches);
  };
  const failing = hits(limit.fail);
  const failed = new Set(failing);
  const warning = hits(limit.warn).filter((p) => !failed.has(p));
  const found = [...failing, ...warning];
  const status: RuleStatus = failing.length > 0 ? 'fail' : warning.length > 0 ? 'warn' : 'pass';
  const names = found
    .slice(0, 8)
    .map((p) => `${p.ecosystem}:${terminalText(p.name)}${p.layerIndex === null ? '' : ` (layer ${p.layerIndex})`}`)
    .join(', ');
  return {
    ...base,
    value: found.length,
    status,
    note: found.length === 0 ? null : `found ${names}${found.length > 8 ? ` and ${found.length - 8} more` : ''}`,
  };
}

function numericResult(
  rule: NumericRule,
  value: number | null,
  limit: Levels<number>,
  note: string | null,
): RuleResult {
  const unit = NUMERIC_RULES[rule];
  const below = rule.startsWith('min');
  const crosses = (threshold: number | null): boolean =>
    value !== null && threshold !== null && (below ? value < threshold : value > threshold);
  const status: RuleStatus =
    value === null ? 'skip' : crosses(limit.fail) ? 'fail' : crosses(limit.warn) ? 'warn' : 'pass';
  return { rule, unit, value, warn: limit.warn, fail: limit.fail, status, note, limitText: null };
}

function growthResult(image: ImageReport, baseline: ImageReport | null, limit: Levels<Growth>): RuleResult {
  const text = (g: Growth | null): string | null =>
    g === null ? null : g.kind === 'percent' ? `${g.percent}%` : `${g.bytes}`;
  const limitText = [
    limit.warn ? `warn > ${text(limit.warn) ?? ''}` : null,
    limit.fail ? `fail > ${text(limit.fail) ?? ''}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  if (baseline === null) {
    return {
      rule: 'maxGrowth',
      unit: 'growth',
      value: null,
      warn: null,
      fail: null,
      status: 'skip',
      note: 'no baseline image for it (--baseline)',
      limitText,
    };
  }
  const growth = image.contentSize - baseline.contentSize;
  const exceeds = (g: Growth | null): boolean => {
    if (g === null) return false;
    if (g.kind === 'bytes') return growth > g.bytes;
    return baseline.contentSize === 0 ? growth > 0 : (growth / baseline.contentSize) * 100 > g.percent;
  };
  const status: RuleStatus = exceeds(limit.fail) ? 'fail' : exceeds(limit.warn) ? 'warn' : 'pass';
  const percent = baseline.contentSize === 0 ? null : (growth / baseline.contentSize) * 100;
  return {
    ...(status === 'pass' ? {} : { causes: growthCauses(baseline, image) }),
    rule: 'maxGrowth',
    unit: 'growth',
    value: growth,
    warn: limit.warn?.kind === 'bytes' ? limit.warn.bytes : null,
    fail: limit.fail?.kind === 'bytes' ? limit.fail.bytes : null,
    status,
    note: `against ${baseline.tags[0] ?? baseline.configDigest ?? 'baseline'}${percent === null ? '' : ` (${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%)`}`,
    limitText,
  };
}

function baseResult(image: ImageReport, limit: Levels<string>, bases: ReadonlyMap<string, ImageReport>): RuleResult {
  const ref = limit.fail ?? limit.warn ?? '';
  const level: RuleStatus = limit.fail !== null ? 'fail' : 'warn';
  const base = bases.get(textKey(ref));
  if (!base) {
    return {
      rule: 'mustShareBase',
      unit: 'layers',
      value: null,
      warn: null,
      fail: null,
      status: 'skip',
      note: `base ${ref} is not among the inputs`,
      limitText: ref,
    };
  }
  const have = new Set(image.layers.map((l) => l.diffId));
  const missing = base.layers.filter((l) => !have.has(l.diffId)).length;
  return {
    rule: 'mustShareBase',
    unit: 'layers',
    value: base.layers.length - missing,
    warn: null,
    fail: base.layers.length,
    status: missing === 0 ? 'pass' : level,
    note:
      missing === 0
        ? `contains all ${plural(base.layers.length, 'layer')} of ${ref}`
        : `lacks ${missing} of the ${plural(base.layers.length, 'layer')} of ${ref} (rebuild on the current base)`,
    limitText: ref,
  };
}
