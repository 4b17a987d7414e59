import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArchive } from '../helpers/fixture-builder.js';

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

  it('stops quietly when the reader closes the pipe early (| head), with its own exit code', async () => {
    // Far more output than a pipe holds, so that writes meet the closed pipe.
    const files = Array.from({ length: 3000 }, (_, i) => ({ path: `app/data/file-${i}.txt`, content: `${i}` }));
    const archive = join(mkdtempSync(join(tmpdir(), 'layerlens-bin-')), 'many.tar');
    writeFileSync(archive, (await buildArchive('docker25', [{ tags: ['many:1'], layers: [{ files }] }])).bytes);
    const child = spawn(process.execPath, [bin, 'inspect', '--json', '--files', archive]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
