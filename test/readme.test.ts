/**
 * Every output block in README.md that follows `<!-- layerlens: ARGS -->` must be what
 * `layerlens ARGS` prints today. `npm run readme` rewrites them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const root = resolve(import.meta.dirname, '..');
const path = resolve(root, 'README.md');
const MARKER = /<!-- layerlens: (.+?) -->\n+```(\w*)\n([\s\S]*?)```/g;

describe('README.md', () => {
  it('shows real output for every marked command', async () => {
    const text = readFileSync(path, 'utf8');
    const blocks = [...text.matchAll(MARKER)];
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    let updated = text;
    for (const [whole, args = '', lang = '', shown = ''] of blocks) {
      const run = await runCli(args.split(' '), { cwd: root });
      const actual = `$ layerlens ${args}\n${run.stdout}${run.stderr}${run.code === 0 ? '' : `(exit ${run.code})\n`}`;
      if (process.env['UPDATE_README'] === '1')
        updated = updated.replace(whole, `<!-- layerlens: ${args} -->\n\n\`\`\`${lang}\n${actual}\`\`\``);
      else expect(shown, args).toBe(actual);
    }
    if (updated !== text) writeFileSync(path, updated);
  });
});
