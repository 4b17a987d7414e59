/**
 * JSON output printed in a CI step (hunt 4): the runners act on `##[` and `##vso[` anywhere in a
 * line of a step's output, and JSON carries tags, paths and history steps as they are.
 */
import { describe, expect, it } from 'vitest';
import { writeJson } from '../../src/cli/write-json.js';
import { jsonLogText } from '../../src/report/display-text.js';
import { runCli } from '../helpers/cli.js';
import { workflowCommands } from '../helpers/workflow-commands.js';
import { tempFile } from './generators.js';
import { COMMAND_TEXTS, workflowCommandArchive } from './generators-audit.js';

/** Azure Pipelines' logging command, which GitHub's runner does not know. */
const AZURE = /##vso\[/i;

describe('JSON output holds no CI log command', () => {
  it('inspect (json, ndjson, files, tree, packages), audit, share and diff JSON: the runner acts on nothing, the values are exact', async () => {
    const path = tempFile('commands.tar', await workflowCommandArchive());
    const runs = [
      await runCli(['inspect', '--json', '--files', path]),
      await runCli(['inspect', '--format', 'ndjson', '--files', path]),
      await runCli(['inspect', '--json', '--tree', '--packages', path]),
      await runCli(['audit', '--json', '--max-size', '1', path]),
      await runCli(['share', '--json', path, path]),
      await runCli(['diff', '--json', '--image', COMMAND_TEXTS.anywhere, path, path]),
    ];
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 1, 0, 0]);
    for (const run of runs) {
      expect(run.stdout).toContain('##\\u005b');
      expect(workflowCommands(run.stdout)).toEqual([]);
      expect(run.stdout).not.toMatch(AZURE);
    }
    // Parsed, the values are the archive's own.
    const inspect = JSON.parse(runs[0]?.stdout ?? '') as {
      archives: {
        images: { tags: string[]; history: { createdBy: string }[]; layers: { files: { path: string }[] }[] }[];
      }[];
    };
    const image = inspect.archives[0]?.images.find((i) => i.tags.includes(COMMAND_TEXTS.anywhere));
    expect(image?.history.map((h) => h.createdBy)).toContain(COMMAND_TEXTS.step);
    expect(image?.layers[0]?.files.map((f) => f.path)).toEqual(expect.arrayContaining([COMMAND_TEXTS.azure]));
    const line = JSON.parse(runs[1]?.stdout.split('\n').find((l) => l.includes('from a tag')) ?? '') as {
      tags: string[];
    };
    expect(line.tags).toContain(COMMAND_TEXTS.anywhere);
  });

  it('writeJson parses back to the value and differs from JSON.stringify only in those brackets', () => {
    const hostile = ['##[error]x', '###[group]', '##VSO[task.setvariable variable=a]b', '#[x] ##y [z]', '##'];
    const value = { tags: hostile, [hostile[0] ?? '']: { list: hostile.map((text, i) => ({ i, text })) } };
    let out = '';
    writeJson((text) => (out += text), value);
    expect(JSON.parse(out)).toEqual(value);
    expect(out).toBe(`${JSON.stringify(value, null, 2).replace(/(##(?:vso)?)\[/gi, '$1\\u005b')}\n`);
    expect(workflowCommands(out)).toEqual([]);
    expect(out).not.toMatch(AZURE);
  });

  it('jsonLogText leaves JSON without ## as it is (the same string)', () => {
    const text = JSON.stringify({ a: '#[x] [y] #', b: ['#', '[#]'] });
    expect(jsonLogText(text)).toBe(text);
  });
});
