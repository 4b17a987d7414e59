import { terminalText } from '../report/display-text.js';
import { fstatSync } from 'node:fs';
import { InputError } from '../model/errors.js';
import type { ArchiveReport } from '../model/image.js';
import { hasErrors } from '../model/problem.js';
import { readInput } from '../read-input.js';
import { readArchive, type ReadOptions } from '../read-archive.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { createProgress } from './progress.js';

const MAX_PROBLEM_LINES = 10;

export interface ReadResult {
  readonly reports: ArchiveReport[];
  readonly failures: { readonly path: string; readonly error: InputError }[];
}

/** Reads each input (archive or saved report; `-` is stdin) with progress, collecting failures. */
export async function readInputs(
  paths: readonly string[],
  io: CliIo,
  options: { quiet: boolean; read: Omit<ReadOptions, 'label' | 'onProgress'>; reportsAllowed: boolean },
): Promise<ReadResult> {
  const reports: ArchiveReport[] = [];
  const failures: { path: string; error: InputError }[] = [];
  for (const path of paths) {
    const progress = createProgress(io, terminalText(path), !options.quiet);
    const input = path === '-' ? stdinInput(io) : path.startsWith('/') ? path : `${io.cwd}/${path}`;
    try {
      const read = { ...options.read, label: path, onProgress: progress.update };
      for (const report of options.reportsAllowed ? await readInput(input, read) : [await readArchive(input, read)])
        reports.push(report);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      failures.push({ path, error });
    } finally {
      progress.done();
    }
  }
  return { reports, failures };
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
