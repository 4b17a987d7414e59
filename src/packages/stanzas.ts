/**
 * Splits RFC 822-style databases (dpkg `status`, apk `installed`) into stanzas of fields, in one
 * linear pass with no regular expressions: the text is whatever the image holds.
 */
export interface Stanza {
  /** Fields in order (apk's R: lines belong to the F: line before them). */
  readonly fields: readonly (readonly [key: string, value: string])[];
  /** Lines that are neither `Key: value`, a continuation, nor blank. */
  readonly badLines: number;
}

/**
 * Fields are `Key:value` (dpkg puts a space after the colon, apk does not); keys longer than
 * `keyMaxLength` make a bad line. Continuation lines (dpkg descriptions) start with a space or tab
 * and are ignored.
 */
/**
 * The lines of a package database, without their `\n` or `\r\n`: one pass, no split of the
 * whole text into an array (status files run to megabytes).
 */
export function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    yield line.endsWith('\r') ? line.slice(0, -1) : line;
  }
}

export function splitStanzas(text: string, keyMaxLength: number): Stanza[] {
  const stanzas: Stanza[] = [];
  let fields: [string, string][] = [];
  let badLines = 0;
  const flush = (): void => {
    if (fields.length > 0 || badLines > 0) stanzas.push({ fields, badLines });
    fields = [];
    badLines = 0;
  };
  for (const line of linesOf(text)) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) continue;
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > keyMaxLength) {
      badLines++;
      continue;
    }
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  flush();
  return stanzas;
}

export function firstField(stanza: Stanza, key: string): string | null {
  for (const [k, value] of stanza.fields) if (k === key) return value;
  return null;
}
