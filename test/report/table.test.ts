import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/report/table.js';

const dist = join(resolve(import.meta.dirname, '../..'), 'dist/report/table.js');

describe('renderTable', () => {
  it('aligns columns to their widest cell', () => {
    expect(
      renderTable(
        [{ header: 'NAME' }, { header: 'SIZE', align: 'right' }],
        [
          ['libc6', '1 kB'],
          ['a', '100 MB'],
        ],
      ),
    ).toEqual(['NAME     SIZE', 'libc6    1 kB', 'a      100 MB']);
  });

  // In a plain node process (vitest's threads have a larger stack): a spread of 300k cells overflows it.
  it.skipIf(!existsSync(dist))('renders more rows than a call takes arguments (built dist/, default stack)', () => {
    const script = `
      const { renderTable } = await import(${JSON.stringify(dist)});
      const rows = Array.from({ length: 300000 }, (_, i) => ['p' + i, String(i)]);
      const lines = renderTable([{ header: 'NAME' }, { header: 'N', align: 'right' }], rows);
      process.stdout.write(JSON.stringify([lines.length, lines[300000]]));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([300_001, 'p299999  299999']);
  });
});
