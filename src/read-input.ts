import { open, stat } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { escapeControl } from './archive/entry-path.js';
import type { ArchiveInput } from './archive/open-input.js';
import { InputError, InputErrorCode } from './model/errors.js';
import type { ArchiveReport } from './model/image.js';
import { readArchive, type ReadOptions } from './read-archive.js';
import { parseInspectJson } from './report/parse-inspect-json.js';

/** Saved reports larger than this are refused rather than read whole. */
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

/**
 * Reads one input of `share` or `audit`: an image archive, or a saved `inspect --json` report
 * (told apart by content: a report starts with `{`).
 */
export async function readInput(input: ArchiveInput, options: ReadOptions = {}): Promise<ArchiveReport[]> {
  if (typeof input === 'string' && (await startsWithBrace(input))) {
    const label = escapeControl(options.label ?? input);
    const info = await stat(input);
    if (info.size > MAX_REPORT_BYTES) {
      throw new InputError(
        InputErrorCode.entryTooLarge,
        `${label} is a ${info.size}-byte JSON report, over the ${MAX_REPORT_BYTES}-byte limit`,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(await readFile(input, 'utf8'));
    } catch (error) {
      throw new InputError(InputErrorCode.invalidReport, `${label} is not valid JSON: ${(error as Error).message}`);
    }
    return parseInspectJson(value, label);
  }
  return [await readArchive(input, options)];
}

async function startsWithBrace(path: string): Promise<boolean> {
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
