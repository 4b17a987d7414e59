import { logLine } from '../report/display-text.js';

/** Output in pieces of about FLUSH_AT characters: a large report is never held as one string. */
const FLUSH_AT = 1 << 16;

export interface ChunkedWriter {
  /** Adds `text` to the output; a full chunk goes to `write` at once. */
  emit(text: string): void;
  /** Writes what is left. */
  flush(): void;
}

/**
 * Gathers small pieces into chunks for `write` (stdout): one call per 64 KiB instead of one per
 * line, and no whole-report string next to the data it was made from (issue 12).
 */
export function chunkedWriter(write: (text: string) => unknown): ChunkedWriter {
  let parts: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (parts.length > 0) write(parts.join(''));
    parts = [];
    size = 0;
  };
  return {
    emit(text) {
      parts.push(text);
      size += text.length;
      if (size >= FLUSH_AT) flush();
    },
    flush,
  };
}

/** Writes each line followed by a newline, in chunks; a line that would be a CI log command is made inert. */
export function writeLines(write: (text: string) => unknown, lines: Iterable<string>): void {
  const out = chunkedWriter(write);
  for (const line of lines) {
    out.emit(logLine(line));
    out.emit('\n');
  }
  out.flush();
}
