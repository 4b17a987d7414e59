import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { peek, type ArchiveInput } from './archive/open-input.js';
import type { ArchiveReport } from './model/image.js';
import { readArchive, type ReadOptions } from './read-archive.js';
import { readReport, type ReportReadOptions } from './read-report.js';

export { MAX_REPORT_BYTES } from './read-report.js';

/**
 * Reads one input of `share` or `audit`: an image archive, or a saved report (`inspect --json`
 * or `inspect --format ndjson`), told apart by content: a report starts with `{`.
 */
export async function readInput(
  input: ArchiveInput,
  options: ReadOptions & Pick<ReportReadOptions, 'onBadLine' | 'maxReportBytes'> = {},
): Promise<ArchiveReport[]> {
  const reportOptions = reportReadOptions(options, typeof input === 'string' ? input : '-');
  if (typeof input === 'string') {
    if (await isSavedReport(input)) return readReport(input, reportOptions);
    return [await readArchive(input, options)];
  }
  // A stream (stdin) is peeked at: NDJSON piped from another job is read line by line.
  const { head, rest } = await peek(input as AsyncIterable<Buffer>, 64);
  const replay = Readable.from(rest);
  if (head.toString('utf8').trimStart().startsWith('{')) return readReport(replay, reportOptions);
  return [await readArchive(replay, options)];
}

/** The options a saved report is read with, from those an archive would be read with. */
export function reportReadOptions(
  options: ReadOptions & Pick<ReportReadOptions, 'onBadLine' | 'maxReportBytes'>,
  label: string,
): ReportReadOptions {
  return {
    label: options.label ?? label,
    ...(options.onBadLine ? { onBadLine: options.onBadLine } : {}),
    ...(options.maxReportBytes !== undefined ? { maxReportBytes: options.maxReportBytes } : {}),
    // What a reader without files (share) leaves out of an archive, it leaves out of a report;
    // package databases are files (keepMetadata keeps them).
    ...(options.keepFiles === false && options.keepMetadata !== true ? { keepFiles: false } : {}),
  };
}

/** Whether `path` holds a saved JSON report rather than an archive: its first non-space byte is `{`. */
export async function isSavedReport(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false; // readArchive reports why the path cannot be read
  }
  try {
    if ((await handle.stat()).isDirectory()) return false; // a folder input: an image layout
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0);
    const text = buffer.toString('utf8', 0, bytesRead).trimStart();
    return text.startsWith('{');
  } finally {
    await handle.close();
  }
}
