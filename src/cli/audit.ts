import { jsonErrorText, terminalText } from '../report/display-text.js';
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { auditImages, basesByTag } from '../audit/audit-images.js';
import {
  CONFIG_FILE,
  ConfigError,
  parseAuditConfig,
  parseBudget,
  type AuditConfig,
  type Budget,
} from '../audit/config.js';
import { MAX_DIVE_CI_BYTES, parseDiveCi } from '../audit/dive-ci.js';
import { UsageError } from '../model/errors.js';
import { MAX_JSON_DEPTH, parseUntrustedJson } from '../model/json.js';
import { buildAuditJson, buildAuditSections, renderAuditJunit } from '../report/audit-report.js';
import { renderSectionsMarkdown, renderSectionsText } from '../report/sections.js';
import { markdownOptions } from './markdown-options.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { textWidth, type CliIo } from './io.js';
import { printInputProblems, printSkipped, readInputs, type ReadResult } from './read-inputs.js';
import { writeHtmlReport } from './html-output.js';
import { writeJson } from './write-json.js';

export interface AuditArgs {
  readonly inputs: readonly string[];
  readonly baseline: readonly string[];
  readonly config: string | undefined;
  /** dive's `.dive-ci`, read into one more budget. */
  readonly diveCi: string | undefined;
  readonly format: 'text' | 'json' | 'markdown' | 'junit';
  readonly junit: string | undefined;
  readonly markdown: string | undefined;
  readonly html: string | undefined;
  /** Rules given as flags, already in config spelling (`maxSize`...). */
  readonly flagRules: Readonly<Record<string, unknown>>;
  readonly ignore: readonly string[];
  readonly maxJson: number;
  readonly quiet: boolean;
  /** Skip unreadable inputs with a warning each; budgets for the rest. */
  readonly keepGoing?: boolean;
  /** Longest Markdown report, in characters (0: no limit; default DEFAULT_MARKDOWN_LIMIT). */
  readonly markdownLimit?: number;
}

/** `layerlens.config.json` from --config, else the working directory or the nearest parent. */
export function findConfig(cwd: string, explicit: string | undefined): string | null {
  if (explicit !== undefined) {
    const path = isAbsolute(explicit) ? explicit : join(cwd, explicit);
    if (!existsSync(path)) throw new UsageError(`--config ${explicit}: no such file`);
    return path;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** Bytes read from a budgets file per call. */
const READ_CHUNK = 64 * 1024;

/**
 * A file of the user's read as UTF-8 text, at most `cap` bytes of it: past that, or when it cannot
 * be read, a one-line usage error naming `label` (`why` says which cap, and how to raise it). The
 * size is what is read, not what stat says: a 2 GB budgets file was read whole, and `/dev/zero`
 * or a pipe (size 0 to stat) until memory ran out (hunt 4).
 */
function readCapped(path: string, label: string, cap: number, why: string): string {
  const chunks: Buffer[] = [];
  let total = 0;
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, cap + 1 - total));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > cap) throw new UsageError(`${terminalText(label)} is over the ${cap}-byte cap (${why})`);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${terminalText(label)}: ${terminalText((error as Error).message)}`);
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

function readDiveCi(file: string, cwd: string): Budget {
  const path = isAbsolute(file) ? file : join(cwd, file);
  const text = readCapped(path, `--dive-ci ${file}`, MAX_DIVE_CI_BYTES, 'real ones are a few hundred bytes');
  return parseDiveCi(text, file);
}

function loadConfig(path: string | null, args: AuditArgs, cwd: string): AuditConfig {
  let config: AuditConfig = { budgets: [], ignore: [] };
  if (path !== null) {
    // A budgets file is JSON the user supplies (a pull request may change it): capped and parsed
    // like JSON from an archive.
    const parsed = parseUntrustedJson(
      readCapped(path, path, args.maxJson, 'a hostile file? raise --max-json if it is genuine'),
    );
    if (!parsed.ok) {
      throw new UsageError(
        parsed.why === 'too-deep'
          ? `${terminalText(path)} nests deeper than ${MAX_JSON_DEPTH} levels: not read`
          : `${terminalText(path)} is not valid JSON: ${jsonErrorText(parsed.error)}`,
      );
    }
    const value = parsed.value;
    config = parseAuditConfig(value, path);
    // A .dive-ci named in the config is read relative to the config file.
    if (config.diveCi !== undefined)
      config = { ...config, budgets: [...config.budgets, readDiveCi(config.diveCi, dirname(path))] };
  }
  if (args.diveCi !== undefined) config = { ...config, budgets: [...config.budgets, readDiveCi(args.diveCi, cwd)] };
  const hasFlags = Object.keys(args.flagRules).length > 0 || args.ignore.length > 0;
  if (!hasFlags) return config;
  const errors: string[] = [];
  const budget = parseBudget(
    { images: '*', ...args.flagRules, ...(args.ignore.length > 0 ? { ignore: args.ignore } : {}) },
    'flags',
    errors,
  );
  if (errors.length > 0 || !budget) throw new ConfigError('the command line', errors);
  return { ...config, budgets: [...config.budgets, budget] };
}

export async function runAudit(args: AuditArgs, io: CliIo): Promise<ExitCode> {
  const configPath = findConfig(io.cwd, args.config);
  let config: AuditConfig;
  try {
    config = loadConfig(configPath, args, io.cwd);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const needsCompressed = config.budgets.some((b) => b.limits.maxCompressedSize !== undefined);
  const read = (paths: readonly string[]): Promise<ReadResult> =>
    readInputs(paths, io, {
      quiet: args.quiet,
      read: {
        jsonCap: args.maxJson,
        keepFiles: true,
        hashFiles: true,
        keepMetadata: true,
        estimateCompressed: needsCompressed,
      },
      reportsAllowed: true,
      keepGoing: args.keepGoing ?? false,
    });
  const inputs = await read(args.inputs);
  const baseline = await read(args.baseline);
  // Bases named by path in the config are read like any input, relative to the config file.
  const baseRefs = [
    ...new Set(
      config.budgets
        .flatMap((b) => [b.mustShareBase?.fail, b.mustShareBase?.warn])
        .filter((r): r is string => typeof r === 'string'),
    ),
  ];
  const basePaths = baseRefs
    .map((ref) => ({ ref, path: isAbsolute(ref) ? ref : join(configPath ? dirname(configPath) : io.cwd, ref) }))
    .filter((b) => existsSync(b.path));
  const baseFiles = await read(basePaths.map((b) => b.path));
  const all: ReadResult = {
    reports: [...inputs.reports, ...baseline.reports, ...baseFiles.reports],
    failures: [...inputs.failures, ...baseline.failures, ...baseFiles.failures],
  };
  if (all.failures.length > 0 && args.keepGoing !== true) return printInputProblems(all, io);
  printSkipped(all.failures, io);
  const afterSkips: ReadResult = { reports: all.reports, failures: [] };

  const images = inputs.reports.flatMap((r) => r.images);
  if (images.length === 0) {
    // Say why: an archive that holds no readable image has its errors to show (exit 3).
    const exit = printInputProblems(afterSkips, io);
    if (exit !== EXIT.ok || all.failures.length > 0) {
      if (exit === EXIT.ok) io.stderr.write('layerlens: no input could be read\n');
      return EXIT.input;
    }
    throw new UsageError('the inputs hold no images to audit');
  }
  const baseImages = basePaths.flatMap(({ ref, path }) => {
    const image = baseFiles.reports.find((r) => r.path === path)?.images[0];
    return image ? [{ ref, image }] : [];
  });
  const baselineImages = baseline.reports.flatMap((r) => r.images);
  const bases = basesByTag([...images, ...baselineImages], baseImages);
  const result = auditImages(images, { config, baseline: baselineImages, bases });

  const markdown = (): string =>
    renderSectionsMarkdown('layerlens audit', buildAuditSections(result, { markdown: true }), markdownOptions(args));
  if (args.junit !== undefined) writeFileSync(resolve(io.cwd, args.junit), renderAuditJunit(result));
  if (args.markdown !== undefined) writeFileSync(resolve(io.cwd, args.markdown), markdown());
  if (args.html !== undefined)
    writeHtmlReport(io, args.html, `layerlens audit: ${args.inputs.join(', ')}`, { reports: inputs.reports }, result);
  switch (args.format) {
    case 'json':
      writeJson((text) => io.stdout.write(text), buildAuditJson(result));
      break;
    case 'markdown':
      io.stdout.write(markdown());
      break;
    case 'junit':
      io.stdout.write(renderAuditJunit(result));
      break;
    case 'text':
      io.stdout.write(renderSectionsText(buildAuditSections(result), textWidth(io)));
      break;
  }
  const inputExit = printInputProblems(afterSkips, io);
  if (inputExit !== EXIT.ok) return inputExit;
  return result.summary.fail > 0 ? EXIT.failed : EXIT.ok;
}
