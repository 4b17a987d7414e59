/**
 * The files `audit` reads whole (hunt 4): the budgets file and dive's `.dive-ci` are read up to a
 * cap, so a huge file, a device or a pipe named as one costs at most the cap.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFile } from './generators.js';

const fixture = join(import.meta.dirname, '..', '..', 'fixtures', 'app-v1.docker-save.tar');

/** A valid budgets file of about `bytes` bytes (a long description). */
const config = (bytes: number): string =>
  JSON.stringify({ budgets: [{ images: '*', description: 'x'.repeat(bytes), maxSize: '1 GB' }] });

describe('audit reads its budgets files up to a cap', () => {
  it('refuses a budgets file over --max-json in one line, exit 2', async () => {
    const path = tempFile('layerlens.config.json', config(5000));
    const run = await runCli(['audit', fixture, '--quiet', '--max-json', '4096', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/layerlens\.config\.json is over the 4096-byte cap .*--max-json/);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    // The same file under the cap is read, and so is the one found in the folder.
    expect((await runCli(['audit', fixture, '--quiet', '--max-json', '8192', '--config', path])).code).toBe(0);
    const found = await runCli(['audit', fixture, '--quiet', '--max-json', '4096'], { cwd: dirname(path) });
    expect(found.code).toBe(2);
  });

  it.skipIf(!existsSync('/dev/zero'))(
    'reads a device named as the budgets file or .dive-ci up to the cap, not forever',
    async () => {
      // No deadline: read without a cap, /dev/zero never ends, and no run says it is over one.
      const runs = [
        await runCli(['audit', fixture, '--quiet', '--config', '/dev/zero']),
        await runCli(['audit', fixture, '--quiet', '--dive-ci', '/dev/zero']),
        await runCli([
          'audit',
          fixture,
          '--quiet',
          '--config',
          tempFile('c.json', '{"budgets": [], "diveCi": "/dev/zero"}'),
        ]),
      ];
      for (const run of runs) {
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/\/dev\/zero.* is over the \d+-byte cap/);
        expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      }
    },
  );

  it('turns away a budgets file nested too deep for its size, like JSON from an archive', async () => {
    const deep = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    const run = await runCli(['audit', fixture, '--quiet', '--config', tempFile('deep.json', deep)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/deep\.json nests deeper than 64 levels/);
  });
});
