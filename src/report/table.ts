/** Aligned text tables for terminal output. Pure: rows in, lines out. */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Longest cell before it is cut with an ellipsis. */
  readonly max?: number;
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], indent = ''): string[] {
  const cells = rows.map((row) => columns.map((column, i) => clip(row[i] ?? '', column.max)));
  // A loop, not Math.max(...cells): a fleet's or a package table can have more rows than a call has arguments.
  const widths = columns.map((column, i) =>
    cells.reduce((max, row) => Math.max(max, displayWidth(row[i] ?? '')), displayWidth(column.header)),
  );
  const line = (row: readonly string[]): string =>
    indent +
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const last = i === row.length - 1;
        const pad = ' '.repeat(Math.max(0, width - displayWidth(cell)));
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
  if (max === undefined || Array.from(text).length <= max) return text;
  return `${Array.from(text)
    .slice(0, Math.max(0, max - 1))
    .join('')}…`;
}

function displayWidth(text: string): number {
  return Array.from(text).length;
}

/** Splits `text` at spaces into lines of at most `width` characters (a longer word stays whole). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current === '') current = word;
    else if (displayWidth(current) + 1 + displayWidth(word) <= width) current += ` ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  lines.push(current);
  return lines;
}
