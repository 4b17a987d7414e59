import { Readable } from 'node:stream';
import { main } from '../../src/cli/index.js';
import { assertValidReport } from './schemas.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output; `stdin` feeds `-`. */
export async function runCli(
  argv: string[],
  options: { stdin?: Buffer; cwd?: string; tty?: boolean; env?: Record<string, string> } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.tty ?? false },
    stdin: Readable.from(options.stdin ? [options.stdin] : []),
    env: { NO_COLOR: '1', ...options.env },
    cwd: options.cwd ?? process.cwd(),
  });
  if (asksForJson(argv) && stdout !== '') assertValidReport(JSON.parse(stdout));
  return { code, stdout, stderr };
}

/** Every JSON report a test produces is checked against its shipped schema. */
function asksForJson(argv: readonly string[]): boolean {
  if (argv.includes('--help')) return false;
  return (
    argv.includes('--json') ||
    argv.some((a, i) => (a === '--format' && argv[i + 1] === 'json') || a === '--format=json')
  );
}
