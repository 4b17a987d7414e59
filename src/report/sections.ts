import { renderTable, type Column } from './table.js';
import { DEFAULT_TEXT_WIDTH, wrapLine } from './wrap.js';

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

/** Text at `width` columns (0: no limit): lines wrap with a hanging indent, flex columns give way. */
export function renderSectionsText(sections: readonly Section[], width = DEFAULT_TEXT_WIDTH): string {
  const out: string[] = [];
  for (const section of sections) {
    if (out.length > 0) out.push('');
    if (section.title !== null) out.push(`${section.title}:`);
    const indent = section.title === null ? '' : '  ';
    for (const block of section.blocks) {
      if (block.kind === 'line') out.push(...wrapLine(indent + block.text, width));
      else out.push(...renderTable(block.columns, block.rows, indent, width));
    }
  }
  return `${out.join('\n')}\n`;
}

export function renderSectionsMarkdown(heading: string, sections: readonly Section[]): string {
  const out: string[] = [`### ${heading}`];
  for (const section of sections) {
    out.push('');
    if (section.title !== null) out.push(`**${section.title}**`, '');
    for (const block of section.blocks) {
      if (block.kind === 'line') {
        out.push(block.text, '');
        continue;
      }
      const cell = (text: string): string => text.replace(/\|/g, '\\|');
      out.push(`| ${block.columns.map((c) => cell(c.header)).join(' | ')} |`);
      out.push(`| ${block.columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`);
      for (const row of block.rows) out.push(`| ${block.columns.map((_, i) => cell(row[i] ?? '')).join(' | ')} |`);
      out.push('');
    }
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
