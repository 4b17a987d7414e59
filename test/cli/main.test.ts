import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const { version } = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
  version: string;
};

describe('layerlens --version and -h', () => {
  it.each(['--version', '-v', 'inspect --version', 'audit -v', 'share -v'])(
    'layerlens %s prints the version from package.json and exits 0',
    async (args) => {
      const run = await runCli(args.split(' '));
      expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    },
  );

  it('reads a semver version, not a placeholder', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([['-h'], ['--help']])('%s prints the top-level help on stdout and exits 0', async (flag) => {
    const run = await runCli([flag]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('layerlens <command> [options]');
    expect(run.stdout).toMatch(/-v, --version/);
    expect(run.stdout).toMatch(/-h, --help/);
  });

  it.each(['inspect', 'share', 'audit'])(
    'layerlens %s -h prints the same help as --help, with examples',
    async (command) => {
      const short = await runCli([command, '-h']);
      const long = await runCli([command, '--help']);
      expect(short.code).toBe(0);
      expect(short.stdout).toBe(long.stdout);
      expect(short.stdout).toContain('Examples:');
      expect(short.stdout).toContain(`layerlens ${command}`);
    },
  );

  it('still refuses a missing command with exit 2 and the help on stderr', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('name a command');
  });
});
