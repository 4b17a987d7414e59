import { markdownText, terminalText } from './display-text.js';
import { renderTable, type Column } from './table.js';

/** A report as titled blocks of lines and tables, rendered as text or Markdown. Pure data. */
export type Block =
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'table'; readonly columns: readonly Column[]; readonly rows: readonly (readonly string[])[] };

export interface Section {
  readonly title: string | null;
  readonly blocks: readonly Block[];
}

export const line = (text: string): Block => ({ kind: 'line', text });
export const table = (columns: readonly Column[], rows: readonly (readonly string[])[]): Block => ({
  kind: 'table',
  columns,
  rows,
});

export function renderSectionsText(sections: readonly Section[]): string {
  const out: string[] = [];
  for (const section of sections) {
    if (out.length > 0) out.push('');
    // Builders escape their fields already; escaping again here is a no-op on safe text and
    // the guarantee that nothing a builder forgot reaches the terminal raw (issue 12).
    if (section.title !== null) out.push(`${terminalText(section.title)}:`);
    const indent = section.title === null ? '' : '  ';
    for (const block of section.blocks) {
      if (block.kind === 'line') out.push(indent + terminalText(block.text));
      else for (const row of renderTable(block.columns, block.rows.map(safeRow), indent)) out.push(row);
    }
  }
  return `${out.join('\n')}\n`;
}

export function renderSectionsMarkdown(heading: string, sections: readonly Section[]): string {
  const out: string[] = [`### ${markdownText(heading)}`];
  for (const section of sections) {
    out.push('');
    if (section.title !== null) out.push(`**${markdownText(section.title)}**`, '');
    for (const block of section.blocks) {
      if (block.kind === 'line') {
        out.push(markdownText(block.text), '');
        continue;
      }
      out.push(`| ${block.columns.map((c) => markdownText(c.header)).join(' | ')} |`);
      out.push(`| ${block.columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`);
      for (const row of block.rows)
        out.push(`| ${block.columns.map((_, i) => markdownText(row[i] ?? '')).join(' | ')} |`);
      out.push('');
    }
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

const safeRow = (row: readonly string[]): string[] => row.map(terminalText);
