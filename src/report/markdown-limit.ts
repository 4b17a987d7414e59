/**
 * Markdown reports cut to fit a pull-request comment (hunt 4). GitHub refuses a comment body over
 * 65,536 characters ("Body is too long (maximum is 65536 characters)", HTTP 422) and posts
 * nothing; measured, the refusal has also been reported at 65,536 code points (pull-request
 * bodies) and at 262,144 UTF-8 bytes (comments). The limit here counts UTF-16 code units (a
 * JavaScript string's length), which is at least the code points, and at most 3 bytes each in
 * UTF-8 (a surrogate pair is 2 units for 4 bytes): 65,536 of them are under every one of those
 * readings (at most 196,608 bytes).
 *
 * A renderer writes its report as parts: groups of whole lines (a table row, a paragraph, a title)
 * that are kept or left out whole, each with a rank and the part it belongs to (a row's table
 * header, a section's title, a `<details>` element whose closing tag is part of it too). A report
 * within the limit is the renderer's text as it was. A longer one keeps the headline (rank 0),
 * then summary tables and failing budgets (rank 1), then the details (rank 2), each rank in
 * document order, up to the first part that no longer fits; a part brings the parts it belongs
 * to. Lines are never cut, so no table row, escape, entity, surrogate pair or `<details>` is
 * split, and one line at the end says how much was left out and where the whole report is.
 */

/** The longest Markdown report by default, in UTF-16 code units: GitHub's comment limit. */
export const DEFAULT_MARKDOWN_LIMIT = 65_536;

/** The smallest limit other than 0 (none): the headline and the closing line fit in it. */
export const MIN_MARKDOWN_LIMIT = 1024;

/** What a report cut to fit keeps first: 0 the headline, 1 summary tables and failing budgets, 2 details. */
export type Rank = 0 | 1 | 2;

const NO_PARENT = -1;

/** A Markdown report as parts of whole lines, in document order (see the module comment). */
export class MarkdownParts {
  /** Every line of the report, in order. */
  readonly lines: string[] = [];
  /** The part each line belongs to. */
  readonly owners: number[] = [];
  readonly ranks: Rank[] = [];
  readonly parents: number[] = [];

  /** A new part of `rank`, kept only with `parent` (a table's header, a section's title, a `<details>`). */
  part(rank: Rank, parent = NO_PARENT): number {
    this.ranks.push(rank);
    this.parents.push(parent);
    return this.ranks.length - 1;
  }

  /** Adds lines to `part`, at the end of the report. */
  push(part: number, ...lines: string[]): void {
    for (const line of lines) {
      this.lines.push(line);
      this.owners.push(part);
    }
  }
}

/** The closing line of a cut report. */
function cutNote(limit: number, linesLeft: number, lines: number, charactersLeft: number): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  return (
    `_Cut to fit the ${n(limit)}-character limit of a pull-request comment: ${n(linesLeft)} of ${n(lines)} lines ` +
    `(${n(charactersLeft)} characters) left out. The whole report: \`--json\` or \`--html FILE\`; ` +
    '`--markdown-limit 0` lifts the limit._'
  );
}

/**
 * The report `parts` makes, as `finish` joins its lines, cut to at most `limit` characters
 * (UTF-16 code units; 0: no limit) when it is longer. `finish` may only drop characters (blank
 * lines, trailing white space) and must end the text with a newline. Linear in the report.
 */
export function fitMarkdown(parts: MarkdownParts, limit: number, finish: (lines: readonly string[]) => string): string {
  const whole = finish(parts.lines);
  if (limit <= 0 || whole.length <= limit) return whole;
  const count = parts.ranks.length;
  const costs = new Float64Array(count);
  for (let i = 0; i < parts.lines.length; i++) {
    const owner = parts.owners[i] ?? 0;
    costs[owner] = (costs[owner] ?? 0) + (parts.lines[i]?.length ?? 0) + 1;
  }
  const container = new Uint8Array(count);
  for (const parent of parts.parents) if (parent !== NO_PARENT) container[parent] = 1;
  // The closing line is at most as long as with every line and character left out; a blank line
  // before it ends whatever table or paragraph the cut report ends with.
  const reserve = cutNote(limit, parts.lines.length, parts.lines.length, whole.length).length + 2;
  let room = limit - reserve;
  const kept = new Uint8Array(count);
  // A part that others belong to is kept with them, never alone: no table without rows, no
  // empty <details>.
  fill: for (let rank = 0; rank <= 2; rank++) {
    for (let part = 0; part < count; part++) {
      if (parts.ranks[part] !== rank || container[part] === 1 || kept[part] === 1) continue;
      let cost = 0;
      for (let p = part; p !== NO_PARENT && kept[p] === 0; p = parts.parents[p] ?? NO_PARENT) cost += costs[p] ?? 0;
      if (cost > room) break fill;
      room -= cost;
      for (let p = part; p !== NO_PARENT && kept[p] === 0; p = parts.parents[p] ?? NO_PARENT) kept[p] = 1;
    }
  }
  const lines: string[] = [];
  for (let i = 0; i < parts.lines.length; i++) if (kept[parts.owners[i] ?? 0] === 1) lines.push(parts.lines[i] ?? '');
  const cut = finish(lines);
  const note = cutNote(limit, parts.lines.length - lines.length, parts.lines.length, whole.length - cut.length);
  return `${cut}\n${note}\n`;
}
