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
 * The lines of a package database, without their `\n` or `\r\n`. One split, then a loop over
 * its array: a generator yielding each line cost the main thread a resume and a result object
 * per line, read cold while the workers still hash (issue 9). The array holds slices of the
 * text, which is under METADATA_FILE_CAP.
 */
export function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  // A final newline ends the last line; it does not start an empty one.
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/**
 * Fields are `Key:value` (dpkg puts a space after the colon, apk does not); keys longer than
 * `keyMaxLength` make a bad line. Continuation lines (dpkg descriptions) start with a space or tab
 * and are ignored.
 */
export function splitStanzas(text: string, keyMaxLength: number): Stanza[] {
  const stanzas: Stanza[] = [];
  let fields: [string, string][] = [];
  let badLines = 0;
  const flush = (): void => {
    if (fields.length > 0 || badLines > 0) stanzas.push({ fields, badLines });
    fields = [];
    badLines = 0;
  };
  const lines = linesOf(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
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
  const { fields } = stanza;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as readonly [string, string];
    if (field[0] === key) return field[1];
  }
  return null;
}
