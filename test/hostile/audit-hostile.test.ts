/**
 * `audit`, its reports and its config over hostile input (hunt 3): archive text shaped as CI
 * workflow commands, hostile budgets files, report formats fed characters they cannot hold.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { workflowCommands } from '../helpers/workflow-commands.js';
import { tempFile } from './generators.js';
import { COMMAND_TEXTS, workflowCommandArchive } from './generators-audit.js';

describe('archive text never becomes a CI workflow command', () => {
  it('audit, inspect (files, tree, packages), share and diff text, and their errors, hold no line a runner would act on', async () => {
    const path = tempFile('commands.tar', await workflowCommandArchive());
    const runs = [
      await runCli(['audit', '--max-size', '1', path]),
      await runCli(['inspect', '--files', path]),
      await runCli(['inspect', '--tree', '--packages', path]),
      await runCli(['share', path, path]),
      await runCli(['diff', path, path]),
    ];
    expect(runs[0]?.code).toBe(1);
    // The text is there, made inert: the reader still sees what the archive says.
    expect(runs[0]?.stdout).toContain('\\x3a:error title=pwned::from a tag');
    expect(runs[1]?.stdout).toContain('\\x23#[error]from a tag');
    for (const run of runs) {
      expect(workflowCommands(run.stdout)).toEqual([]);
      expect(workflowCommands(run.stderr)).toEqual([]);
    }
    expect(COMMAND_TEXTS.spacedTag).toMatch(/^\s+::/);
  });
});
