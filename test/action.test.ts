/**
 * The GitHub Action (action.yml) run the way a runner runs a composite action: each step's `run`
 * through `bash --noprofile --norc -eo pipefail`, with `${{ inputs.* }}` substituted, the step's
 * env, and the paths a runner sets (GITHUB_ACTION_PATH, GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY,
 * GITHUB_OUTPUT, RUNNER_TEMP). The action path is a fresh copy of the checkout, so the install
 * step really builds layerlens.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowCommands } from './helpers/workflow-commands.js';
import { workflowCommandArchive } from './hostile/generators-audit.js';
import { archiveEntries, buildImage, writeTar } from './helpers/fixture-builder.js';

const root = resolve(import.meta.dirname, '..');
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'test-output', 'test', 'bench']);

interface Step {
  name: string;
  run: string;
  workingDirectory: string | undefined;
  env: Record<string, string>;
}
interface Action {
  using: string;
  inputs: Map<string, { required: boolean; default: string }>;
  steps: Step[];
}

/** Enough YAML for action.yml: block mappings, one step list, single-line or quoted scalars. */
function parseAction(text: string): Action {
  const scalar = (value: string) =>
    value
      .trim()
      .replace(/^'(.*)'$/, '$1')
      .replace(/^"(.*)"$/, '$1');
  const inputs = new Map<string, { required: boolean; default: string }>();
  const steps: Step[] = [];
  let section = '';
  let using = '';
  let input = '';
  let step: Step | undefined;
  let inEnv = false;
  for (const line of text.split('\n')) {
    const top = /^(\w[\w-]*):/.exec(line);
    if (top) {
      section = top[1] ?? '';
      continue;
    }
    if (section === 'inputs') {
      const name = /^ {2}([\w-]+):\s*$/.exec(line);
      if (name) inputs.set((input = name[1] ?? ''), { required: false, default: '' });
      const field = /^ {4}(required|default):(.*)$/.exec(line);
      const current = inputs.get(input);
      if (field && current) {
        if (field[1] === 'required') current.required = scalar(field[2] ?? '') === 'true';
        else current.default = scalar(field[2] ?? '');
      }
    }
    if (section === 'runs') {
      const usingLine = /^ {2}using:(.*)$/.exec(line);
      if (usingLine) using = scalar(usingLine[1] ?? '');
      const start = /^ {4}- name:(.*)$/.exec(line);
      if (start) {
        steps.push((step = { name: scalar(start[1] ?? ''), run: '', workingDirectory: undefined, env: {} }));
        inEnv = false;
        continue;
      }
      const key = /^ {6}([\w-]+):(.*)$/.exec(line);
      if (key && step) {
        inEnv = key[1] === 'env';
        if (key[1] === 'run') step.run = scalar(key[2] ?? '');
        if (key[1] === 'working-directory') step.workingDirectory = scalar(key[2] ?? '');
      }
      const envLine = /^ {8}(\w+):(.*)$/.exec(line);
      if (envLine && step && inEnv) step.env[envLine[1] ?? ''] = scalar(envLine[2] ?? '');
    }
  }
  return { using, inputs, steps };
}

const action = parseAction(readFileSync(join(root, 'action.yml'), 'utf8'));

/**
 * The machine's network settings, which a runner's steps inherit: proxies and extra CA
 * certificates. Without them, on our CI machines (whose registry traffic is signed by a CA that
 * only the system store has), the install step's `npm ci` under a Node with its own CA store
 * (the registry's Node 24, unlike Debian's Node 20) saw each fetch wait about 70 s before it
 * fell back to npm's cache: this test took 153 s of the suite's 298 s on Node 24, 12 s now.
 */
const NETWORK_ENV = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

let work = '';
let actionPath = '';
let workspace = '';
let runs = 0;

interface ActionRun {
  code: number;
  log: string;
  summary: string;
  outputs: Record<string, string>;
}

/** One job step `uses: layerlens@…` with these inputs; stops at the first failing step, as a runner does. */
function runAction(inputs: Record<string, string>): ActionRun {
  const job = join(work, `run-${++runs}`);
  mkdirSync(job);
  const summary = join(job, 'step-summary.md');
  const output = join(job, 'output');
  writeFileSync(summary, '');
  writeFileSync(output, '');
  const substitute = (text: string) =>
    text.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => {
      const declared = action.inputs.get(name);
      if (!declared) throw new Error(`action.yml uses undeclared input ${name}`);
      return inputs[name] ?? declared.default;
    });
  let log = '';
  let code = 0;
  for (const step of action.steps) {
    const env: Record<string, string> = {
      PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`,
      HOME: process.env['HOME'] ?? job,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_WORKSPACE: workspace,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      RUNNER_TEMP: job,
    };
    for (const name of NETWORK_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    for (const [name, value] of Object.entries(step.env)) env[name] = substitute(value);
    const script = join(job, 'step.sh');
    writeFileSync(script, substitute(step.run));
    const ran = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: resolve(workspace, substitute(step.workingDirectory ?? '.')),
      env,
      encoding: 'utf8',
    });
    log += ran.stdout + ran.stderr;
    code = ran.status ?? -1;
    if (code !== 0) break;
  }
  return { code, log, summary: readFileSync(summary, 'utf8'), outputs: readOutputs(readFileSync(output, 'utf8')) };
}

/**
 * $GITHUB_OUTPUT read as the runner reads it (SetOutputFileCommand): `name=value` lines, and
 * `name<<DELIMITER` followed by the value's lines up to a line that is DELIMITER.
 */
function readOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals > 0 && (heredoc < 0 || equals < heredoc)) outputs[line.slice(0, equals)] = line.slice(equals + 1);
    else if (heredoc > 0) {
      const delimiter = line.slice(heredoc + 2);
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) throw new Error(`$GITHUB_OUTPUT: no ${delimiter} closes ${line}`);
      outputs[line.slice(0, heredoc)] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line !== '') throw new Error(`$GITHUB_OUTPUT: invalid line ${line}`);
  }
  return outputs;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'layerlens-action-'));
  actionPath = join(work, 'action');
  cpSync(root, actionPath, {
    recursive: true,
    filter: (source) => source === root || !NOT_COPIED.has(source.slice(root.length + 1).split(/[\\/]/)[0] ?? ''),
  });
  workspace = join(work, 'workspace');
  mkdirSync(join(workspace, 'images'), { recursive: true });
  for (const name of ['app-v1.docker-save.tar', 'app-v2.oci.tar'])
    copyFileSync(join(root, 'fixtures', name), join(workspace, 'images', name));
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('action.yml', () => {
  it('is a composite action whose steps get every input they use', () => {
    expect(action.using).toBe('composite');
    expect(action.inputs.get('archive')?.required).toBe(true);
    expect([...action.inputs.keys()]).toEqual(expect.arrayContaining(['archive', 'config', 'baseline', 'markdown']));
    const mapped = action.steps.flatMap((step) => Object.entries(step.env));
    for (const name of action.inputs.keys())
      if (name !== 'working-directory')
        expect(mapped, name).toContainEqual([`INPUT_${name.toUpperCase()}`, `\${{ inputs.${name} }}`]);
  });

  it('installs layerlens, fails the job on a failed budget, and puts the Markdown report in the summary', () => {
    const run = runAction({
      archive: 'images/app-v2.oci.tar',
      baseline: 'images/app-v1.docker-save.tar',
      args: '--max-growth 10%',
      junit: 'audit.xml',
    });
    expect(run.log).toMatch(/layerlens \d+\.\d+\.\d+ is installed/);
    expect(run.code).toBe(1);
    expect(run.log).toMatch(/maxGrowth\s+example\/app:2\.0\s+\+93 kB\s+fail > 10%\s+FAIL/);
    expect(run.summary).toMatch(/^#+ layerlens audit/m);
    expect(run.summary).toMatch(/\| *maxGrowth *\|/);
    expect(run.outputs['exit-code']).toBe('1');
    expect(readFileSync(run.outputs['markdown'] ?? '', 'utf8')).toBe(run.summary);
    expect(readFileSync(join(workspace, 'audit.xml'), 'utf8')).toContain('<testsuites');
  }, 300_000);

  it('passes the job when the budgets in the config file hold, in the working directory given', () => {
    writeFileSync(
      join(workspace, 'images', 'budgets.json'),
      JSON.stringify({ budgets: [{ images: '*', maxSize: '1 MB', maxLayers: 10 }] }),
    );
    const run = runAction({
      archive: 'app-v1.docker-save.tar\napp-v2.oci.tar\n',
      config: 'budgets.json',
      markdown: 'audit.md',
      'working-directory': 'images',
    });
    expect(run.log).toContain('passed: 6 pass, 0 warn, 0 fail');
    expect(run.code).toBe(0);
    expect(run.outputs['exit-code']).toBe('0');
    expect(run.outputs['markdown']).toBe(join(workspace, 'images', 'audit.md'));
    expect(run.summary).toBe(readFileSync(join(workspace, 'images', 'audit.md'), 'utf8'));
    expect(run.summary).toContain('example/app:2.0');
  }, 60_000);

  it('fails the job with exit 3 and one line for an archive that is not there', () => {
    const run = runAction({ archive: 'images/missing.tar', summary: 'true' });
    expect(run.code).toBe(3);
    expect(run.log).toMatch(/^layerlens: .*missing\.tar/m);
    expect(run.log).not.toMatch(/\n\s+at /);
    expect(run.summary).toContain('Exit code 3: an input could not be read');
    expect(run.outputs['exit-code']).toBe('3');
  }, 60_000);

  it('stops workflow commands around the audit, so that nothing an archive says is acted on, stderr included', async () => {
    writeFileSync(join(workspace, 'images', 'commands.tar'), await workflowCommandArchive());
    const tokens = [0, 1].map(() => {
      const run = runAction({ archive: 'images/commands.tar\nimages/missing.tar', args: '--max-size 1 --keep-going' });
      expect(run.code).toBe(1);
      // The report and the warning about the missing file, on stdout and stderr, come between the two.
      const commands = workflowCommands(run.log).filter((c) => c.name !== 'group' && c.name !== 'endgroup');
      expect(commands.map((c) => c.name)).toEqual(['stop-commands', commands[0]?.data.toLowerCase()]);
      const [stop, resume] = commands.map((c) => run.log.indexOf(`${c.line}\n`));
      expect(stop).toBeLessThan(run.log.indexOf('maxSize'));
      expect(stop).toBeLessThan(run.log.indexOf('missing.tar'));
      expect(resume).toBeGreaterThan(run.log.indexOf('FAILED: '));
      expect(resume).toBeGreaterThan(run.log.indexOf('missing.tar'));
      return commands[0]?.data ?? '';
    });
    // A token an archive cannot guess: another each run.
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens[1]).not.toBe(tokens[0]);
  }, 60_000);

  it('writes each output so that no path or value can add another', () => {
    const run = runAction({
      archive: 'images/app-v1.docker-save.tar',
      markdown: 'odd\nexit-code=0.md',
      args: '--max-size 1',
    });
    expect(run.code).toBe(1);
    expect(run.outputs['exit-code']).toBe('1');
    expect(run.outputs['markdown']).toBe(join(workspace, 'odd\nexit-code=0.md'));
  }, 60_000);

  it('fits the Markdown to a PR comment, and with the limit lifted keeps the job summary under the 1 MiB GitHub takes from one step', async () => {
    // 40 images with 4,000-character tags, each named in 8 rule rows, an overview row and a title.
    const images = [];
    for (let i = 0; i < 40; i++)
      images.push(
        await buildImage({ tags: [`big/${i}:${'t'.repeat(4000)}`], layers: [{ files: [{ path: `f${i}` }] }] }),
      );
    writeFileSync(join(workspace, 'images', 'big.tar'), await writeTar(archiveEntries('docker-classic', images)));
    const rules =
      '--max-size 1 --max-layers 0 --max-layer-size 1 --max-wasted-size 1 --min-efficiency 100% --max-wasted-percent 1';
    // By default the report fits a pull-request comment (layerlens cuts it), and the summary is all of it.
    const comment = runAction({ archive: 'images/big.tar', args: rules });
    expect(comment.code).toBe(1);
    const fitted = readFileSync(comment.outputs['markdown'] ?? '', 'utf8');
    expect(fitted.length).toBeLessThanOrEqual(65_536);
    expect(fitted).toMatch(/_Cut to fit the 65,536-character limit of a pull-request comment: /);
    expect(comment.summary).toBe(fitted);
    // With the limit lifted, the Action still keeps the summary under GitHub's 1 MiB.
    const run = runAction({ archive: 'images/big.tar', args: `${rules} --markdown-limit 0` });
    expect(run.code).toBe(1);
    const whole = readFileSync(run.outputs['markdown'] ?? '', 'utf8');
    expect(Buffer.byteLength(whole)).toBeGreaterThan(1024 * 1024);
    expect(Buffer.byteLength(run.summary)).toBeLessThanOrEqual(1024 * 1024);
    const note = run.summary.lastIndexOf('\n\n> ');
    expect(whole.startsWith(run.summary.slice(0, note + 1))).toBe(true);
    expect(run.summary.slice(note)).toMatch(/over the 1 MiB/);
  }, 120_000);
});
