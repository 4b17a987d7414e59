/**
 * Every output block in README.md and docs/*.md that follows `<!-- layerlens: ARGS -->` must be
 * what `layerlens ARGS` prints today. `npm run readme` rewrites them.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const root = resolve(import.meta.dirname, '..');
const MARKER = /<!-- layerlens: (.+?) -->\n+```(\w*)\n([\s\S]*?)```/g;
const pages = [
  'README.md',
  ...readdirSync(resolve(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

describe.each(pages)('%s', (page) => {
  it('shows real output for every marked command', async () => {
    const path = resolve(root, page);
    const text = readFileSync(path, 'utf8');
    const blocks = [...text.matchAll(MARKER)];
    let updated = text;
    for (const [whole, args = '', lang = '', shown = ''] of blocks) {
      const run = await runCli(args.split(' '), { cwd: root });
      const actual = `$ layerlens ${args}\n${run.stdout}${run.stderr}${run.code === 0 ? '' : `(exit ${run.code})\n`}`;
      if (process.env['UPDATE_README'] === '1')
        updated = updated.replace(whole, `<!-- layerlens: ${args} -->\n\n\`\`\`${lang}\n${actual}\`\`\``);
      else expect(shown, `${page}: layerlens ${args}`).toBe(actual);
    }
    if (updated !== text) writeFileSync(path, updated);
  });
});

it('README.md shows at least one real example per command', () => {
  const text = readFileSync(resolve(root, 'README.md'), 'utf8');
  const commands = new Set([...text.matchAll(MARKER)].map((m) => (m[1] ?? '').split(' ')[0]));
  expect([...commands].sort()).toEqual(expect.arrayContaining(['audit', 'diff', 'inspect', 'share']));
});

it('every docs page is linked from README.md', () => {
  const text = readFileSync(resolve(root, 'README.md'), 'utf8');
  for (const page of pages.filter((p) => p.startsWith('docs/'))) expect(text, page).toContain(`(${page})`);
});
