/**
 * cmark-gfm is GitHub's own Markdown renderer (Debian package cmark-gfm, which `.ci/run`
 * installs): tests of Markdown output render it with the table extension, as GitHub does, and are
 * skipped where it is missing.
 */
import { execFileSync } from 'node:child_process';

function hasCommand(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const HAS_CMARK_GFM = hasCommand('cmark-gfm');

/** `markdown` as GitHub renders it (cmark-gfm with tables; raw HTML such as `<details>` kept). */
export function renderGfm(markdown: string): string {
  return execFileSync('cmark-gfm', ['-e', 'table', '--unsafe'], {
    input: markdown,
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
}

/** The text of an HTML fragment: tags dropped, the few entities cmark writes decoded. */
export function decodeHtml(html: string): string {
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"' };
  return html.replace(/<[^>]*>/g, '').replace(/&(?:amp|lt|gt|quot);/g, (e) => entities[e] ?? e);
}
