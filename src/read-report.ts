import { terminalText } from './report/display-text.js';
import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { InputError, InputErrorCode } from './model/errors.js';
import type { ArchiveReport } from './model/image.js';
import { isObject, MAX_JSON_DEPTH, parseUntrustedJson, type UntrustedJson } from './model/json.js';
import {
  invalidReport,
  parseImageLine,
  parseInspectJson,
  type ParseReportOptions,
} from './report/parse-inspect-json.js';

/**
 * A single `inspect --json` document above this size is refused: it would be one string and one
 * parse tree in memory. NDJSON (`inspect --format ndjson`) is read line by line at any size.
 */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export interface ReportReadOptions extends ParseReportOptions {
  /** Name used in messages (the path as given). */
  readonly label: string;
  /**
   * Called for an NDJSON line that cannot be read; reading goes on with the next line. Without
   * it the first bad line throws.
   */
  readonly onBadLine?: (error: InputError) => void;
  /** Largest single JSON document, in bytes (default {@link MAX_REPORT_BYTES}). */
  readonly maxReportBytes?: number;
}

/**
 * Reads a saved report: an `inspect --json` document (pretty-printed or on one line) or
 * `inspect --format ndjson` lines, told apart by the first line (a pretty document's is `{`).
 * NDJSON is parsed one line at a time, so a 500 MB fleet never becomes one string.
 */
export async function readReport(input: string | Readable, options: ReportReadOptions): Promise<ArchiveReport[]> {
  if (typeof input !== 'string') return readReportLines(input, null, options);
  // A fleet is thousands of small reports: one synchronous read each is several times faster
  // than the promise round trips of open, stat, read and close.
  const { size } = statSync(input);
  if (size <= WHOLE_READ_BYTES) {
    const text = readFileSync(input, 'utf8');
    const newline = text.indexOf('\n');
    // A pretty-printed report (first line `{`) is parsed as it is, not split into lines and joined.
    if (newline >= 0 && text.slice(0, newline).trim() === '{') {
      const cap = options.maxReportBytes ?? MAX_REPORT_BYTES;
      if (size > cap) throw reportTooLarge(terminalText(options.label), cap);
      return parseDocument(text, terminalText(options.label), options);
    }
    return readReportLines(linesOf(text), size, options);
  }
  // A large file that is not a report (an archive dropped in a reports folder) may have no
  // newline for gigabytes: look at its first bytes before reading lines.
  if (!startsWithBrace(input)) {
    throw new InputError(
      InputErrorCode.invalidReport,
      `${terminalText(options.label)} is not a layerlens report (inspect --json or --format ndjson output)`,
    );
  }
  return readReportLines(createReadStream(input), size, options);
}

function startsWithBrace(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64);
    const bytesRead = readSync(fd, buffer, 0, 64, 0);
    return buffer.toString('utf8', 0, bytesRead).trimStart().startsWith('{');
  } finally {
    closeSync(fd);
  }
}

/** Files up to this size are read in one call and split in memory. */
const WHOLE_READ_BYTES = 4 * 1024 * 1024;

/** A line as it was before its `\n`, without the `\r` a CRLF file puts before it. */
const withoutCr = (line: string): string => (line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);

function* linesOf(text: string): Generator<string> {
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end < 0) break;
    yield withoutCr(text.slice(start, end));
    start = end + 1;
  }
  if (start < text.length) yield text.slice(start);
}

/**
 * The lines of a stream, as linesOf gives those of a string, each given up as soon as it passes
 * `cap` characters. readline held a line whole however long it grew: a 600 MB file of one line
 * threw "Invalid string length" from inside it (a stack trace, exit 1), and a line under that
 * was read to its end, hundreds of MB, before it was refused (issue 9).
 */
async function* streamLines(input: Readable, cap: number, tooLarge: () => InputError): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  // The line so far, in pieces: joined once when it ends, never searched again.
  const pieces: string[] = [];
  let length = 0;
  const take = (end: string): string => {
    pieces.push(end);
    const line = pieces.join('');
    pieces.length = 0;
    length = 0;
    return withoutCr(line);
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      yield take(text.slice(start, end));
      start = end + 1;
    }
    if (start < text.length) {
      pieces.push(text.slice(start));
      length += text.length - start;
      if (length > cap) throw tooLarge();
    }
  }
  const rest = decoder.end();
  if (rest !== '') {
    pieces.push(rest);
    length += rest.length;
  }
  if (length > 0) yield take('');
}

async function readReportLines(
  input: Readable | Iterable<string>,
  size: number | null,
  options: ReportReadOptions,
): Promise<ArchiveReport[]> {
  const label = terminalText(options.label);
  const cap = options.maxReportBytes ?? MAX_REPORT_BYTES;
  const tooLarge = (): InputError => reportTooLarge(label, cap);
  const lines = Symbol.iterator in input ? input : streamLines(input, cap, tooLarge);
  const reports: ArchiveReport[] = [];
  let mode: 'first' | 'document' | 'ndjson' | 'done' = 'first';
  const documentLines: string[] = [];
  let documentBytes = 0;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    // One image per line is kilobytes; a line past the document cap is not a report line.
    if (line.length > cap) throw tooLarge();
    if (mode === 'document') {
      documentBytes += line.length + 1;
      if (documentBytes > cap) throw tooLarge();
      documentLines.push(line);
      continue;
    }
    const text = line.trim();
    if (text === '') continue;
    if (mode === 'done') {
      throw new InputError(
        InputErrorCode.invalidReport,
        `${label} line ${lineNumber}: more text after the report (NDJSON lines are one image each, from inspect --format ndjson)`,
      );
    }
    if (mode === 'first') {
      if (!text.startsWith('{')) {
        throw new InputError(
          InputErrorCode.invalidReport,
          `${label} is not a layerlens report (inspect --json or --format ndjson output)`,
        );
      }
      if (text === '{') {
        if (size !== null && size > cap) throw tooLarge();
        mode = 'document';
        documentBytes = line.length + 1;
        documentLines.push(line);
        continue;
      }
    }
    const where = `${label} line ${lineNumber}`;
    const value = cannotBeJson(text) ? notJson(where, LINE_LIKELY) : parseReportJson(text, where, LINE_LIKELY);
    if (value instanceof InputError) {
      if (mode === 'ndjson' && options.onBadLine) {
        options.onBadLine(value);
        continue;
      }
      throw value;
    }
    if (mode === 'first' && isObject(value) && 'archives' in value) {
      // A whole report on one line (JSON.stringify without indentation).
      for (const report of parseInspectJson(value, label, options)) reports.push(report);
      mode = 'done';
      continue;
    }
    mode = 'ndjson';
    try {
      reports.push(parseImageLine(value, where, options));
    } catch (error) {
      if (!(error instanceof InputError) || !options.onBadLine) throw error;
      options.onBadLine(error);
    }
  }
  if (mode === 'document') {
    for (const report of parseDocument(documentLines.join('\n'), label, options)) reports.push(report);
  }
  if (mode === 'first') throw new InputError(InputErrorCode.invalidReport, `${label} is an empty report`);
  return reports;
}

function parseDocument(text: string, label: string, options: ParseReportOptions): ArchiveReport[] {
  const value = parseReportJson(text, label, 'a truncated report?');
  if (value instanceof InputError) throw value;
  return parseInspectJson(value, label, options);
}

/** Why an NDJSON line that is not JSON may be so. */
const LINE_LIKELY = 'a truncated line?';

/**
 * JSON.parse for a report's text, or one safe line for what it cannot read (returned, not thrown:
 * `--keep-going` goes on past it). Its SyntaxError is made without a stack: one per junk line.
 */
function parseReportJson(text: string, where: string, likely: string): unknown {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let parsed: UntrustedJson;
  try {
    parsed = parseUntrustedJson(text);
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (parsed.ok) return parsed.value;
  // The parser's message quotes the input: hostile text, and not one line.
  return parsed.why === 'too-deep'
    ? invalidReport(`${where} nests deeper than ${MAX_JSON_DEPTH} levels (not a layerlens report: they nest a few)`)
    : notJson(where, likely);
}

function notJson(where: string, likely: string): InputError {
  return invalidReport(`${where} is not valid JSON (${likely})`);
}

/**
 * Whether `text` (trimmed, not empty) cannot be JSON, told from its ends and its first token in an
 * object: most junk cannot, and JSON.parse threw a SyntaxError for each junk line (4.7 s of
 * 1,000,000 junk lines' 11.6 s in `share --keep-going`). Text it lets through is parsed: what
 * cannot be JSON is turned away with the words JSON.parse's failure gets.
 */
function cannotBeJson(text: string): boolean {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (first === 0x7b) {
    // `{`, then a key's quote or `}` past any JSON white space, and `}` at the end.
    if (last !== 0x7d || text.length < 2) return true;
    let i = 1;
    while (isJsonSpace(text.charCodeAt(i))) i++;
    const next = text.charCodeAt(i);
    return next !== 0x22 && next !== 0x7d;
  }
  if (first === 0x5b) return last !== 0x5d || text.length < 2;
  if (first === 0x22) return last !== 0x22 || text.length < 2;
  if (first === 0x2d || isDigit(first)) return !isDigit(last);
  return text !== 'true' && text !== 'false' && text !== 'null';
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
/** Space, tab, line feed, carriage return: JSON's white space (RFC 8259). */
const isJsonSpace = (code: number): boolean => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

function reportTooLarge(label: string, cap: number): InputError {
  return new InputError(
    InputErrorCode.entryTooLarge,
    `${label} is a JSON report over the ${cap}-byte limit for one document (write fleets with inspect --format ndjson, one image per line)`,
  );
}
