// The Action's audit step, run by the runner as `node "$GITHUB_ACTION_PATH/action/audit.mjs"` in
// the working directory, with the inputs in INPUT_* (mapped in action.yml). It runs `layerlens
// audit` from the action's checkout, prints the text report to the log, appends the Markdown
// report to $GITHUB_STEP_SUMMARY, sets the outputs, and exits with the audit's exit code.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const env = process.env;
const actionPath = env.GITHUB_ACTION_PATH ?? resolve(import.meta.dirname, '..');
const input = (name) => (env[`INPUT_${name}`] ?? '').trim();
const lines = (name) =>
  input(name)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

const archives = lines('ARCHIVE');
if (archives.length === 0) {
  console.log('::error title=layerlens audit::the archive input names no file');
  process.exit(2);
}
const markdown = input('MARKDOWN') || join(env.RUNNER_TEMP ?? resolve('.'), 'layerlens-audit.md');
const argv = [join(actionPath, 'bin', 'layerlens.js'), 'audit', ...archives, '--markdown', markdown];
if (input('CONFIG')) argv.push('--config', input('CONFIG'));
for (const baseline of lines('BASELINE')) argv.push('--baseline', baseline);
if (input('JUNIT')) argv.push('--junit', input('JUNIT'));
if (input('HTML')) argv.push('--html', input('HTML'));
argv.push(
  ...input('ARGS')
    .split(/\s+/)
    .filter((arg) => arg !== ''),
);

// Progress bars are for terminals; the log gets the report and the one-line errors.
const run = spawnSync(process.execPath, [...argv, '--quiet'], { stdio: 'inherit' });
const code = run.status ?? 70;

const WHAT = {
  0: 'passed',
  1: 'a budget failed',
  2: 'usage error: see the job log',
  3: 'an input could not be read: see the job log',
};
if (env.GITHUB_STEP_SUMMARY && input('SUMMARY') !== 'false') {
  // layerlens wrote the Markdown with its own escaping; nothing from an archive is added here.
  const report = code <= 1 && existsSync(markdown) ? readFileSync(markdown, 'utf8') : '';
  appendFileSync(
    env.GITHUB_STEP_SUMMARY,
    report || `## layerlens audit\n\nExit code ${code}: ${WHAT[code] ?? 'a bug in layerlens; see the job log'}.\n`,
  );
}
if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `exit-code=${code}\nmarkdown=${resolve(markdown)}\n`);
process.exit(code);
