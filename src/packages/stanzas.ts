/**
 * Splits RFC 822-style databases (dpkg `status`, apk `installed`) into stanzas of fields, in one
 * linear pass with no regular expressions: the text is whatever the image holds.
 */
export interface Stanza {
  /** Fields in order (apk's R: lines belong to the F: line before them). */
  readonly fields: readonly (readonly [key: string, value: string])[];
  /** Lines that are neither `Key: value`, a continuation, nor blank. */
  readonly badLines: number;
  /** Fields of a repeated key not kept: the text had more than `repeatedMax` of them in all. */
  readonly dropped: number;
}

/**
 * Calls `visit` with each line of a package database, without its `\n` or `\r\n`; no empty
 * line after a final newline. A call per line, not a generator (a resume and a result object per
 * line, read cold on the main thread while the workers still hash, issue 9) and not a split into
 * an array (8 MiB of newlines would be an array of 8M lines).
 */
export function forEachLine(text: string, visit: (line: string) => void): void {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    visit(text.slice(start, end));
    start = next;
  }
}

/**
 * Fields are `Key:value` (dpkg puts a space after the colon, apk does not); keys longer than
 * `keyMaxLength` make a bad line. Continuation lines (dpkg descriptions) start with a space or tab
 * and are ignored. Only fields whose key is in `single` or `repeated` are kept: the rest are
 * checked and let go (an 8 MiB status of `a:b` lines kept 2M fields, 234 MB, for nothing). A key
 * in `single` is kept once per stanza, its first value (what firstField reads; 2M `P:a` lines kept
 * 2M pairs, 280 MB); those in `repeated` each time, in order, up to `repeatedMax` in the whole text.
 */
export function splitStanzas(
  text: string,
  keyMaxLength: number,
  single: ReadonlySet<string>,
  repeated: ReadonlySet<string> = new Set(),
  repeatedMax = Infinity,
): Stanza[] {
  const stanzas: Stanza[] = [];
  let fields: [string, string][] = [];
  let badLines = 0;
  let dropped = 0;
  let repeatedLeft = repeatedMax;
  const seen = new Set<string>();
  // A stanza of fields none of which are kept is still a stanza (one without a name: bad).
  let fieldLines = 0;
  const flush = (): void => {
    if (fieldLines > 0 || badLines > 0) stanzas.push({ fields, badLines, dropped });
    fields = [];
    badLines = 0;
    dropped = 0;
    fieldLines = 0;
    seen.clear();
  };
  forEachLine(text, (line) => {
    if (line.trim() === '') {
      flush();
      return;
    }
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) return;
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > keyMaxLength) {
      badLines++;
      return;
    }
    fieldLines++;
    const key = line.slice(0, colon);
    if (single.has(key)) {
      if (seen.has(key)) return;
      seen.add(key);
    } else if (!repeated.has(key)) {
      return;
    } else if (repeatedLeft === 0) {
      dropped++;
      return;
    } else {
      repeatedLeft--;
    }
    fields.push([key, line.slice(colon + 1).trim()]);
  });
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
