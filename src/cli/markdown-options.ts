import type { MarkdownOptions } from '../report/sections.js';

/** The Markdown renderers' options from a command's `--markdown-limit` (absent: their default). */
export const markdownOptions = (args: { readonly markdownLimit?: number }): MarkdownOptions =>
  args.markdownLimit === undefined ? {} : { limit: args.markdownLimit };
