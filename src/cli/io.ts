import type { Readable } from 'node:stream';

/** Everything the CLI touches of the process, injected so tests need no subprocess. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly columns?: number };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** Text width: `COLUMNS` when set (0 for no limit), else the terminal's, else 80. */
export function textWidth(io: CliIo): number {
  const fromEnv = io.env['COLUMNS'];
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  return io.stdout.columns ?? 80;
}
