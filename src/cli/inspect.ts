import { escapeControl } from '../archive/entry-path.js';
import { InputError, UsageError } from '../model/errors.js';
import type { ArchiveReport, ImageReport } from '../model/image.js';
import { platformMatches } from '../model/platform.js';
import { hasErrors } from '../model/problem.js';
import { readArchive } from '../read-archive.js';
import { buildInspectJson } from '../report/inspect-json.js';
import { renderInspectText } from '../report/inspect-text.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { createProgress } from './progress.js';

export interface InspectArgs {
  readonly archives: readonly string[];
  readonly json: boolean;
  readonly files: boolean;
  readonly platform: string | undefined;
  readonly image: string | undefined;
  readonly maxJson: number;
  readonly quiet: boolean;
}

const MAX_PROBLEM_LINES = 10;

export async function runInspect(args: InspectArgs, io: CliIo): Promise<ExitCode> {
  if (args.archives.filter((a) => a === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
  const reports: ArchiveReport[] = [];
  const failures: { path: string; error: InputError }[] = [];
  for (const path of args.archives) {
    const progress = createProgress(io, escapeControl(path), !args.quiet);
    try {
      const report = await readArchive(path === '-' ? io.stdin : resolvePath(io.cwd, path), {
        label: path,
        jsonCap: args.maxJson,
        keepFiles: true,
        onProgress: progress.update,
      });
      reports.push(select(report, args));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      failures.push({ path, error });
    } finally {
      progress.done();
    }
  }
  if (
    (args.platform !== undefined || args.image !== undefined) &&
    reports.length > 0 &&
    reports.every((r) => r.images.length === 0)
  ) {
    throw new UsageError(
      `no image matches${args.platform ? ` --platform ${args.platform}` : ''}${args.image ? ` --image ${args.image}` : ''}`,
    );
  }
  if (args.json) {
    const document = buildInspectJson(reports, { files: args.files }) as { archives: object[] };
    for (const { path, error } of failures) {
      document.archives.push({ path, error: { code: error.code, message: error.message, entry: error.entry } });
    }
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    const width = io.env['COLUMNS'] ? Number(io.env['COLUMNS']) : 0;
    io.stdout.write(reports.map((r) => renderInspectText(r, { files: args.files, width })).join('\n'));
  }
  let exit: ExitCode = EXIT.ok;
  for (const { error } of failures) {
    io.stderr.write(`layerlens: ${error.message}\n`);
    exit = EXIT.input;
  }
  for (const report of reports) {
    if (!hasErrors(report.problems)) continue;
    exit = EXIT.input;
    const errors = report.problems.filter((p) => p.severity === 'error');
    for (const p of errors.slice(0, MAX_PROBLEM_LINES))
      io.stderr.write(`layerlens: ${escapeControl(report.path)}: ${p.message}\n`);
    if (errors.length > MAX_PROBLEM_LINES) {
      io.stderr.write(
        `layerlens: ${escapeControl(report.path)}: and ${errors.length - MAX_PROBLEM_LINES} more errors (see --json)\n`,
      );
    }
  }
  return exit;
}

function select(report: ArchiveReport, args: InspectArgs): ArchiveReport {
  const keep = (image: ImageReport): boolean =>
    (args.platform === undefined || platformMatches(image.platform, args.platform)) &&
    (args.image === undefined || matchesRef(image, args.image));
  return { ...report, images: report.images.filter(keep) };
}

function matchesRef(image: ImageReport, ref: string): boolean {
  if (image.tags.includes(ref)) return true;
  const hex = ref.replace(/^sha256:/, '');
  if (hex.length >= 6 && /^[0-9a-f]+$/.test(hex)) {
    return [image.configDigest, image.manifestDigest].some(
      (d) => d !== null && d.slice('sha256:'.length).startsWith(hex),
    );
  }
  return false;
}

function resolvePath(cwd: string, path: string): string {
  return path.startsWith('/') ? path : `${cwd}/${path}`;
}
