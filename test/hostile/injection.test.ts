import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { EVIL, RAW_UNSAFE, injectionArchive, tempFile } from './generators.js';

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
