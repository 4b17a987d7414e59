import { logLine, markdownText, terminalText } from './display-text.js';
import { DEFAULT_MARKDOWN_LIMIT, fitMarkdown, MarkdownParts, type Rank } from './markdown-limit.js';
import { renderTable, type Column } from './table.js';
import { DEFAULT_TEXT_WIDTH, wrapLine } from './wrap.js';

export type { Column, Rank };

/**
 * A report as titled blocks of lines and tables, rendered as text or Markdown. Pure data. A rank
 * says what a Markdown report cut to fit a limit keeps first (markdown-limit.ts): a block's, else
 * its section's, else 2 (a detail); a table's rows may have ranks of their own.
 */
export type Block =
  | { readonly kind: 'line'; readonly text: string; readonly rank?: Rank }
  | {
      readonly kind: 'table';
      readonly columns: readonly Column[];
      readonly rows: readonly (readonly string[])[];
      readonly rank?: Rank;
      readonly rowRanks?: readonly Rank[];
    };

export interface Section {
  readonly title: string | null;
  readonly blocks: readonly Block[];
  readonly rank?: Rank;
}

export const line = (text: string, rank?: Rank): Block =>
  rank === undefined ? { kind: 'line', text } : { kind: 'line', text, rank };
export const table = (
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  ranks: { readonly rank?: Rank; readonly rowRanks?: readonly Rank[] } = {},
): Block => ({ kind: 'table', columns, rows, ...ranks });

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
  return [...markdownTableHead(columns), ...rows.map((row) => markdownRow(columns, row))];
}

/** A Markdown table's header and delimiter rows. */
export function markdownTableHead(columns: readonly Column[]): string[] {
  return [
    `| ${columns.map((c) => escapeMarkdown(c.header)).join(' | ')} |`,
    `| ${columns.map((c) => (c.align === 'right' ? '---:' : '---')).join(' | ')} |`,
  ];
}

/** One row of a Markdown table, every cell escaped. */
export const markdownRow = (columns: readonly Column[], row: readonly string[]): string =>
  `| ${columns.map((_, i) => escapeMarkdown(row[i] ?? '')).join(' | ')} |`;

/**
 * A table's lines as parts of `doc` under `parent`: its header and delimiter (and the lines
 * `after` it) kept with any of its rows, each row a part of its own rank.
 */
export function pushMarkdownTable(
  doc: MarkdownParts,
  parent: number,
  block: Extract<Block, { kind: 'table' }>,
  rank: Rank,
  after: readonly string[] = [],
): void {
  const head = doc.part(rank, parent);
  doc.push(head, ...markdownTableHead(block.columns));
  block.rows.forEach((row, i) => {
    doc.push(doc.part(block.rowRanks?.[i] ?? rank, head), markdownRow(block.columns, row));
  });
  doc.push(head, ...after);
}

export interface MarkdownOptions {
  /**
   * The longest report, in UTF-16 code units (DEFAULT_MARKDOWN_LIMIT, GitHub's comment limit;
   * 0: no limit). A longer one keeps what matters first and says what it left out.
   */
  readonly limit?: number;
}

export function renderSectionsMarkdown(
  heading: string,
  sections: readonly Section[],
  options: MarkdownOptions = {},
): string {
  const doc = new MarkdownParts();
  doc.push(doc.part(0), `### ${escapeMarkdown(heading)}`);
  for (const section of sections) {
    const sectionRank = section.rank ?? 2;
    // The section's title (or the blank line that opens it) is kept with any of its blocks.
    const head = doc.part(sectionRank);
    doc.push(head, '');
    if (section.title !== null) doc.push(head, `**${escapeMarkdown(section.title)}**`, '');
    for (const block of section.blocks) {
      const rank = block.rank ?? sectionRank;
      if (block.kind === 'line') doc.push(doc.part(rank, head), escapeMarkdown(block.text), '');
      else pushMarkdownTable(doc, head, block, rank, ['']);
    }
  }
  return fitMarkdown(
    doc,
    options.limit ?? DEFAULT_MARKDOWN_LIMIT,
    (lines) =>
      `${lines
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .trimEnd()}\n`,
  );
}

const safeRow = (row: readonly string[]): string[] => row.map(terminalText);
