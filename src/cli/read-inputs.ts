import { fstatSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { terminalText } from '../report/display-text.js';
import { InputError, InputErrorCode } from '../model/errors.js';
import type { ArchiveReport } from '../model/image.js';
import { hasErrors } from '../model/problem.js';
import { readInput, reportReadOptions } from '../read-input.js';
import { readReport } from '../read-report.js';
import { readArchive, type ReadOptions } from '../read-archive.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { createMergeProgress, createProgress } from './progress.js';
import { compareText } from '../model/compare-text.js';

const MAX_PROBLEM_LINES = 10;

export interface ReadFailure {
  readonly path: string;
  /**
   * What went wrong, without the InputError's stack: --keep-going keeps one per skipped NDJSON
   * line, and an error object each took 1,000,000 junk lines of 3 bytes to 1 GB (issue 9).
   */
  readonly error: Pick<InputError, 'code' | 'message' | 'entry'>;
}

/** A failure as kept: its words only. */
const failureOf = (path: string, { code, message, entry }: InputError): ReadFailure => ({
  path,
  error: { code, message, entry },
});

export interface ReadResult {
  readonly reports: ArchiveReport[];
  /** Inputs (files, or NDJSON lines with keepGoing) that could not be read. */
  readonly failures: ReadFailure[];
}

export interface ReadInputsOptions {
  readonly quiet: boolean;
  readonly read: Omit<ReadOptions, 'label' | 'onProgress'>;
  /** Saved reports (and folders of them) are inputs too: share and audit. */
  readonly reportsAllowed: boolean;
  /** Go on past an NDJSON line that cannot be read (it becomes a failure); --keep-going. */
  readonly keepGoing?: boolean;
}

/**
 * Reads each input (archive, saved report, or a folder of reports; `-` is stdin) with progress,
 * collecting failures.
 */
export async function readInputs(paths: readonly string[], io: CliIo, options: ReadInputsOptions): Promise<ReadResult> {
  const reports: ArchiveReport[] = [];
  const failures: ReadFailure[] = [];
  const inputs: { path: string; inFolder?: boolean }[] = options.reportsAllowed
    ? await expandFolders(paths, io, failures)
    : paths.map((path) => ({ path }));
  const merge = createMergeProgress(io, !options.quiet && inputs.length > 1);
  let images = 0;
  for (const [done, { path, inFolder }] of inputs.entries()) {
    const got = inFolder
      ? await readFolderReport(path, io, options, failures)
      : await readOne(path, io, options, failures);
    if (got instanceof InputError) {
      failures.push(failureOf(path, got));
    } else {
      for (const report of got) {
        reports.push(report);
        images += report.images.length;
      }
    }
    merge.update(done + 1, inputs.length, images);
  }
  merge.done();
  return { reports, failures };
}

/** A file found in a folder: it must be a report (archives are named one by one). */
async function readFolderReport(
  path: string,
  io: CliIo,
  options: ReadInputsOptions,
  failures: ReadFailure[],
): Promise<ArchiveReport[] | InputError> {
  const onBadLine = options.keepGoing ? (error: InputError) => failures.push(failureOf(path, error)) : undefined;
  try {
    const read = { ...options.read, ...(onBadLine ? { onBadLine } : {}) };
    return await readReport(absolute(path, io), reportReadOptions(read, path));
  } catch (error) {
    if (error instanceof InputError) return error;
    if (isFsError(error)) {
      return new InputError(InputErrorCode.unreadable, `cannot read ${terminalText(path)} (${error.code})`);
    }
    throw error;
  }
}

function isFsError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

/** One archive or report named on the command line, with its byte progress. */
async function readOne(
  path: string,
  io: CliIo,
  options: ReadInputsOptions,
  failures: ReadFailure[],
): Promise<ArchiveReport[] | InputError> {
  const progress = createProgress(io, terminalText(path), !options.quiet);
  const input = path === '-' ? stdinInput(io) : absolute(path, io);
  const onBadLine = options.keepGoing ? (error: InputError) => failures.push(failureOf(path, error)) : undefined;
  try {
    const read = { ...options.read, label: path, onProgress: progress.update, ...(onBadLine ? { onBadLine } : {}) };
    return options.reportsAllowed ? await readInput(input, read) : [await readArchive(input, read)];
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error;
  } finally {
    progress.done();
  }
}

const absolute = (path: string, io: CliIo): string => (path.startsWith('/') ? path : `${io.cwd}/${path}`);

/**
 * A folder stands for the files in it (not its subfolders), in name order, each of which must
 * be a report: archives are named one by one.
 */
async function expandFolders(
  paths: readonly string[],
  io: CliIo,
  failures: ReadFailure[],
): Promise<{ path: string; inFolder?: boolean }[]> {
  const out: { path: string; inFolder?: boolean }[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push({ path });
      continue;
    }
    let isFolder = false;
    try {
      isFolder = (await stat(absolute(path, io))).isDirectory();
    } catch {
      // readArchive says why the path cannot be read.
    }
    if (!isFolder) {
      out.push({ path });
      continue;
    }
    let names: string[];
    try {
      const entries = await readdir(absolute(path, io), { withFileTypes: true });
      names = entries.filter((e) => e.isFile()).map((e) => e.name);
    } catch (error) {
      failures.push({
        path,
        error: new InputError(
          InputErrorCode.unreadable,
          `cannot list the folder ${terminalText(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        ),
      });
      continue;
    }
    // Code-unit order: the order DuckDB's glob and `ls` under LC_ALL=C give.
    names.sort(compareText);
    if (names.length === 0) {
      failures.push({
        path,
        error: new InputError(InputErrorCode.empty, `the folder ${terminalText(path)} holds no report files`),
      });
    }
    for (const name of names) out.push({ path: join(path, name), inFolder: true });
  }
  return out;
}

/**
 * stdin redirected from a regular file (`layerlens inspect - < app.tar`) is read by path, so it
 * gets the seekable fast path; a pipe streams.
 */
function stdinInput(io: CliIo): CliIo['stdin'] | string {
  const fd = (io.stdin as { fd?: unknown }).fd;
  if (fd !== 0 || process.platform !== 'linux') return io.stdin;
  try {
    return fstatSync(0).isFile() ? '/dev/stdin' : io.stdin;
  } catch {
    return io.stdin;
  }
}

/** Prints unreadable inputs and `error` findings, one line each; returns 3 if there were any. */
export function printInputProblems(result: ReadResult, io: CliIo): ExitCode {
  let exit: ExitCode = EXIT.ok;
  for (const { error } of result.failures) {
    io.stderr.write(`layerlens: ${terminalText(error.message)}\n`);
    exit = EXIT.input;
  }
  for (const report of result.reports) {
    if (!hasErrors(report.problems)) continue;
    exit = EXIT.input;
    const errors = report.problems.filter((p) => p.severity === 'error');
    for (const p of errors.slice(0, MAX_PROBLEM_LINES))
      io.stderr.write(`layerlens: ${terminalText(report.path)}: ${terminalText(p.message)}\n`);
    if (errors.length > MAX_PROBLEM_LINES) {
      io.stderr.write(
        `layerlens: ${terminalText(report.path)}: and ${errors.length - MAX_PROBLEM_LINES} more errors (see --json)\n`,
      );
    }
  }
  return exit;
}

/**
 * `--keep-going`: each unreadable input is a warning line, then how many were skipped. Returns
 * the number skipped.
 */
export function printSkipped(failures: readonly ReadFailure[], io: CliIo): number {
  // A damaged NDJSON file may have thousands of bad lines: ten per input, then a count.
  const shown = new Map<string, number>();
  for (const { path, error } of failures) {
    const count = (shown.get(path) ?? 0) + 1;
    shown.set(path, count);
    if (count <= MAX_PROBLEM_LINES) io.stderr.write(`layerlens: warning: skipped: ${terminalText(error.message)}\n`);
  }
  for (const [path, count] of shown) {
    if (count > MAX_PROBLEM_LINES) {
      io.stderr.write(
        `layerlens: warning: and ${count - MAX_PROBLEM_LINES} more skipped lines of ${terminalText(path)}\n`,
      );
    }
  }
  if (failures.length > 0) {
    io.stderr.write(
      `layerlens: warning: ${failures.length} input${failures.length === 1 ? '' : 's'} skipped (--keep-going); the figures are for the rest\n`,
    );
  }
  return failures.length;
}
