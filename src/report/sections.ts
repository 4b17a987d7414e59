import { logLine, markdownText, terminalText } from './display-text.js';
import { renderTable, type Column } from './table.js';
import { DEFAULT_TEXT_WIDTH, wrapLine } from './wrap.js';

export type { Column };

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
    // Builders escape their fields already; escaping again here is a no-op on safe text and
    // the guarantee that nothing a builder forgot reaches the terminal raw (issue 12).
    if (section.title !== null) out.push(`${terminalText(section.title)}:`);
    const indent = section.title === null ? '' : '  ';
    for (const block of section.blocks) {
      if (block.kind === 'line') for (const text of wrapLine(indent + terminalText(block.text), width)) out.push(text);
      else for (const text of renderTable(block.columns, block.rows.map(safeRow), indent, width)) out.push(text);
    }
  }
  // After wrapping: any field can start a line, and one that starts `::` is a CI log command.
  return `${out.map(logLine).join('\n')}\n`;
}

/**
 * Text made safe for Markdown (GitHub comments): HTML tags and entities cannot open, links,
 * emphasis, code spans and table cells cannot be forged by a tag, path or history step.
 */
export function escapeMarkdown(text: string): string {
  // One implementation: display-text.ts (issue 12).
  return markdownText(text);
}

/** A Markdown table: every cell escaped. */
export function markdownTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${columns.map((c) => escapeMarkdown(c.header)).join(' | ')} |`,
    `| ${columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((_, i) => escapeMarkdown(row[i] ?? '')).join(' | ')} |`),
  ];
}

export function renderSectionsMarkdown(heading: string, sections: readonly Section[]): string {
  const out: string[] = [`### ${escapeMarkdown(heading)}`];
  for (const section of sections) {
    out.push('');
    if (section.title !== null) out.push(`**${escapeMarkdown(section.title)}**`, '');
    for (const block of section.blocks) {
      if (block.kind === 'line') {
        out.push(escapeMarkdown(block.text), '');
        continue;
      }
      for (const row of markdownTable(block.columns, block.rows)) out.push(row);
      out.push('');
    }
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

const safeRow = (row: readonly string[]): string[] => row.map(terminalText);
