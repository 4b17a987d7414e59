/**
 * Runs the shared corpus check (../shared/tools/corpus-check.mjs) against the built CLI: every
 * real archive must agree with its truth file, every broken one must exit 3 cleanly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../src/index.js';

const root = resolve(import.meta.dirname, '..');
const shared = resolve(root, '../shared');
const corpus = join(shared, 'corpus');
const hasCorpus = existsSync(join(shared, 'tools/corpus-check.mjs')) && existsSync(corpus);
const built = existsSync(join(root, 'dist/cli/index.js'));

if (!hasCorpus) console.warn(`corpus tests skipped: ${shared} is absent (the corpus lives beside the repo, not in it)`);

describe.skipIf(!hasCorpus || !built)('the shared corpus', () => {
  it('agrees with every truth file (corpus-check.mjs)', () => {
    const run = spawnSync(process.execPath, [join(shared, 'tools/corpus-check.mjs')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 240_000,
    });
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    expect(run.stdout.includes('FAIL') ? run.stdout : '').toBe('');
    expect(last).toMatch(/^\d+ passed, 0 failed$/);
    expect(run.status).toBe(0);
  }, 300_000);

  const external = join(corpus, 'external');
  const archives = existsSync(external) ? readdirSync(external).filter((f) => /\.tar(\.gz)?$/.test(f)) : [];
  it.each(archives)('reads %s the same from a stream as from its path', async (name) => {
    const path = join(external, name);
    const byPath = await readArchive(path);
    const byStream = await readArchive(Readable.from([readFileSync(path)]), { label: path });
    expect(byStream).toEqual(byPath);
  });
});
