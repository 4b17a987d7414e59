import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { decodeHtml, HAS_CMARK_GFM, renderGfm } from '../helpers/cmark.js';
import { markdownText } from '../../src/report/display-text.js';
import { EVIL, MENTIONS, RAW_UNSAFE, injectionArchive, mentionArchive, tempFile } from './generators.js';

/** Markdown that GitHub would turn into live HTML or links. */
const LIVE_MARKDOWN = /<img|<\/style|<script|(?<!\\)\]\(http/i;

describe('hostile text never reaches a terminal or a PR comment raw', () => {
  it('inspect text escapes tag, platform, created, CREATED BY, artifactType, absent platforms and problems', async () => {
    const path = tempFile('evil.tar', await injectionArchive());
    const run = await runCli(['inspect', '--files', path]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\\x1b[2J');
    expect(run.stdout).toContain('\\u{202e}');
    expect(run.stdout).not.toMatch(RAW_UNSAFE);
    expect(run.stderr).not.toMatch(RAW_UNSAFE);
  });

  it('inspect --tree escapes folder and file names', async () => {
    const path = tempFile('evil.tar', await injectionArchive());
    const run = await runCli(['inspect', '--tree', path]);
    expect(run.stdout).not.toMatch(RAW_UNSAFE);
  });

  it('share text and markdown escape tags, steps and paths', async () => {
    const path = tempFile('evil.tar', await injectionArchive());
    for (const format of ['text', 'markdown']) {
      const run = await runCli(['share', '--format', format, path, path]);
      expect(run.stdout).not.toMatch(RAW_UNSAFE);
      if (format === 'markdown') expect(run.stdout).not.toMatch(LIVE_MARKDOWN);
    }
  });

  it('audit text and markdown escape findings, paths and step text', async () => {
    const path = tempFile('evil.tar', await injectionArchive());
    for (const format of ['text', 'markdown']) {
      const run = await runCli(['audit', '--format', format, '--max-size', '1', path]);
      expect(run.code).toBe(1);
      expect(run.stdout).not.toMatch(RAW_UNSAFE);
      if (format === 'markdown') {
        expect(run.stdout).not.toMatch(LIVE_MARKDOWN);
        expect(run.stdout).toContain('&lt;img');
      }
    }
  });

  // GitHub notifies @user and @org/team from a comment. Bots break the mention with an invisible
  // zero-width space entity after the @ (Renovate: `@&#8203;`): the comment reads the same.
  it('markdown does not @mention users or teams named in tags, paths and history steps', async () => {
    const path = tempFile('mentions.tar', await mentionArchive());
    const runs = [
      await runCli(['share', '--format', 'markdown', path, path]),
      await runCli(['audit', '--format', 'markdown', '--max-size', '1', path]),
    ];
    for (const run of runs) {
      expect(run.stdout).toContain('@&#8203;');
      // A mention is an @ after a non-word character, followed by a letter or digit.
      expect(run.stdout).not.toMatch(/(?:^|[^A-Za-z0-9_`])@[A-Za-z0-9]/m);
    }
    expect(runs.map((r) => r.stdout).join('')).toContain('acme/security-team');
    for (const text of MENTIONS) expect(markdownText(text)).not.toMatch(/@[A-Za-z0-9]/);
  });

  it('markdownText is idempotent: escaping its own output again changes nothing', () => {
    for (const text of [EVIL, ...MENTIONS, 'a & b', '&amp; &lt;', '\\*', '# head', '- item', 'C:\\path\\', 'x@y.z']) {
      const once = markdownText(text);
      expect(markdownText(once)).toBe(once);
    }
  });

  it.skipIf(!HAS_CMARK_GFM)('markdownText renders on GitHub as the text it was given', () => {
    const texts = [
      ...MENTIONS,
      'a & b < c > "d"',
      '# not a heading',
      '- not a list',
      'x|y',
      '*a* _b_ `c` ~d~ [e](f) !{g}',
      'C:\\dir\\',
    ];
    const table = ['| text |', '| --- |', ...texts.map((t) => `| ${markdownText(t)} |`)].join('\n');
    const html = renderGfm(table);
    const cells = [...html.matchAll(/<td>(.*?)<\/td>/g)].map((m) => decodeHtml(m[1] ?? ''));
    // What a reader sees: the same characters, with a zero-width space after each mention's @.
    expect(cells.map((c) => c.replaceAll('\u200b', ''))).toEqual(texts);
    expect(cells.filter((c) => /@\u200b/.test(c))).toHaveLength(MENTIONS.length);
  });

  it('JSON output stays exact', async () => {
    const path = tempFile('evil.tar', await injectionArchive());
    const run = await runCli(['inspect', '--json', path]);
    expect(run.stdout).toContain(JSON.stringify(`evil:${EVIL}`).slice(1, -1));
  });

  it('a JSON parse error is one line and does not echo the input', async () => {
    const path = tempFile('report.json', `{"schemaVersion": \u001b[31m\n\n${'x'.repeat(10000)}`);
    const run = await runCli(['share', path]);
    expect(run.code).toBe(3);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(RAW_UNSAFE);
    expect(run.stderr.length).toBeLessThan(400);
  });
});
