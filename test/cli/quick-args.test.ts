import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/main.js';
import { quickCommand } from '../../src/cli/quick-args.js';

const io = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: Readable.from([]),
  env: {},
  cwd: '/',
};

describe('the quick command-line path (no yargs)', () => {
  it.each([
    ['inspect', 'app.tar'],
    ['inspect', '--json', '-q', 'app.tar'],
    ['inspect', '--no-verify', '--json', 'a.tar', 'b.tar'],
    ['inspect', '-', '--files', '--tree', '--quiet'],
    ['inspect', '--packages', '--json', 'app.tar'],
    ['inspect', '--verify', '123', 'x=y.tar'],
    ['share', 'a.tar', 'b.tar'],
    ['share', '--json', '--verify', '-q', 'a.json', '-'],
    ['share', '--estimate-compressed', '--no-verify', 'a.tar'],
  ])('parses %s exactly as yargs does: %j', async (...argv) => {
    const quick = quickCommand(argv);
    expect(quick).not.toBeNull();
    expect(quick).toEqual(await parseCommand(argv, io));
  });

  it.each([
    ['inspect'],
    ['inspect', '--help'],
    ['inspect', '-h'],
    ['--version'],
    ['inspect', '-v', 'a.tar'],
    ['inspect', '--json=false', 'a.tar'],
    ['inspect', '--platform', 'linux/amd64', 'a.tar'],
    ['inspect', '--unknown', 'a.tar'],
    ['inspect', '--json', '--json', 'a.tar'],
    ['inspect', '--verify', '--no-verify', 'a.tar'],
    ['inspect', '-qj', 'a.tar'],
    ['inspect', '--', '-a.tar'],
    ['share', '--files', 'a.tar'],
    ['audit', 'a.tar'],
    ['--json', 'inspect', 'a.tar'],
    [],
  ])('leaves %j to yargs', (...argv) => {
    expect(quickCommand(argv)).toBeNull();
  });
});
