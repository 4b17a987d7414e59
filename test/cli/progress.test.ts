import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';
import type { CliIo } from '../../src/cli/io.js';

function io(tty: boolean): { io: CliIo; err: () => string } {
  let err = '';
  return {
    io: {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (err += t), isTTY: tty },
      stdin: Readable.from([]),
      env: {},
      cwd: '/',
    },
    err: () => err,
  };
}

describe('progress on stderr', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('shows bytes, percent and rate on a terminal once the work lasts more than a moment, then clears', () => {
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const { io: cli, err } = io(true);
    const progress = createProgress(cli, 'app.tar', true);
    progress.update(1_000_000, 10_000_000);
    expect(err()).toBe(''); // quiet during the first half second
    now.mockReturnValue(1_002_000);
    progress.update(5_000_000, 10_000_000);
    expect(err()).toMatch(/reading app\.tar: 5 MB of 10 MB \(50%\), 2\.5 MB\/s/);
    progress.done();
    expect(err().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('stays silent when stderr is not a terminal, or with --quiet', () => {
    vi.spyOn(Date, 'now').mockReturnValueOnce(0).mockReturnValue(10_000);
    for (const [tty, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const { io: cli, err } = io(tty);
      const progress = createProgress(cli, 'x', enabled);
      progress.update(1, 2);
      progress.done();
      expect(err()).toBe('');
    }
  });
});
