import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/layerlens.js');

describe.skipIf(!existsSync(join(root, 'dist/cli/index.js')))('the built bin/layerlens.js', () => {
  it('runs inspect on the bundled fixtures and sets the exit code', () => {
    const ok = spawnSync(process.execPath, [bin, 'inspect', '--json', join(root, 'fixtures/app-v1.docker-save.tar')], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ schemaVersion: 1 });
    const bad = spawnSync(process.execPath, [bin, 'inspect', join(root, 'package.json')], { encoding: 'utf8' });
    expect(bad.status).toBe(3);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
