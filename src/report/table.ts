/** Aligned text tables for terminal output. Pure: rows in, lines out. */
import { codePointCount, codePointEnd } from './code-points.js';

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Longest cell before it is cut with an ellipsis. */
  readonly max?: number;
  /** The column that gives way (its cells cut with an ellipsis) when the table is wider than `maxWidth`. */
  readonly flex?: boolean;
}

/** Narrowest a flex column gets before the table is allowed to overflow. */
const MIN_FLEX = 12;

export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  indent = '',
  maxWidth = 0,
): string[] {
  let cells = rows.map((row) => columns.map((column, i) => clip(row[i] ?? '', column.max)));
  const widthsOf = (): number[] =>
    columns.map((column, i) => {
      let widest = codePointCount(column.header);
      for (const row of cells) widest = Math.max(widest, codePointCount(row[i] ?? ''));
      return widest;
    });
  let widths = widthsOf();
  const flex = columns.findIndex((c) => c.flex === true);
  if (maxWidth > 0 && flex >= 0) {
    const total = codePointCount(indent) + widths.reduce((sum, w) => sum + w, 0) + 2 * (columns.length - 1);
    const over = total - maxWidth;
    const flexWidth = widths[flex] ?? 0;
    if (over > 0 && flexWidth > MIN_FLEX) {
      const room = Math.max(MIN_FLEX, flexWidth - over);
      cells = cells.map((row) => row.map((cell, i) => (i === flex ? clip(cell, room) : cell)));
      widths = widthsOf();
    }
  }
  const line = (row: readonly string[]): string =>
    indent +
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const last = i === row.length - 1;
        const pad = ' '.repeat(Math.max(0, width - codePointCount(cell)));
        if (columns[i]?.align === 'right') return pad + cell;
        return last ? cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  const lines = [line(columns.map((c) => c.header))];
  for (const row of cells) lines.push(line(row));
  return lines;
}

export function clip(text: string, max: number | undefined): string {
  if (max === undefined || codePointCount(text) <= max) return text;
  return `${text.slice(0, codePointEnd(text, 0, Math.max(0, max - 1)))}…`;
}

/** Splits `text` at spaces into lines of at most `width` characters (a longer word stays whole). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current === '') current = word;
    else if (codePointCount(current) + 1 + codePointCount(word) <= width) current += ` ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  lines.push(current);
  return lines;
}
