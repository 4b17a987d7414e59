// The Action's audit step, run by the runner as `node "$GITHUB_ACTION_PATH/action/audit.mjs"` in
// the working directory, with the inputs in INPUT_* (mapped in action.yml). It runs `layerlens
// audit` from the action's checkout, prints the text report to the log, appends the Markdown
// report to $GITHUB_STEP_SUMMARY, sets the outputs, and exits with the audit's exit code.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeSync } from 'node:fs';
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

// Progress bars are for terminals; the log gets the report and the one-line errors. The runner
// acts on a log line that is a workflow command (`::error::`, `::add-mask::`, `##[group]` anywhere),
// and the report quotes tags, paths and steps: layerlens makes such text inert, and the runner is
// told to act on no command until a token no archive can know (`::stop-commands::`, as GitHub
// documents for untrusted output). The report's stderr goes to the same pipe as its stdout: the
// runner reads the two pipes apart, so a stderr line could be read before the stop or after the
// resume. The markers are written synchronously, so they come before and after all of it.
const token = randomBytes(16).toString('hex');
writeSync(1, `::stop-commands::${token}\n`);
const run = spawnSync(process.execPath, [...argv, '--quiet'], { stdio: ['inherit', 'inherit', 1] });
writeSync(1, `::${token}::\n`);
const code = run.status ?? 70;

const WHAT = {
  0: 'passed',
  1: 'a budget failed',
  2: 'usage error: see the job log',
  3: 'an input could not be read: see the job log',
};
/**
 * GitHub takes at most 1 MiB of job summary from one step, and shows none of a larger one (an
 * error annotation instead). A longer report is cut at the last line that fits, with a note. Only
 * with layerlens's own limit lifted (`--markdown-limit 0` in `args`): by default the report fits a
 * pull-request comment, 65,536 UTF-16 code units, at most 192 KiB (src/report/markdown-limit.ts).
 */
const SUMMARY_MAX = 1024 * 1024;

function summaryOf(report) {
  const bytes = Buffer.from(report);
  if (bytes.length <= SUMMARY_MAX) return report;
  const note =
    `\n> The report is ${bytes.length.toLocaleString('en-US')} bytes, over the 1 MiB a job summary holds: ` +
    'it is cut here. The whole report is the file named by the `markdown` output.\n';
  const end = bytes.lastIndexOf(0x0a, SUMMARY_MAX - Buffer.byteLength(note) - 1);
  return `${bytes.subarray(0, end + 1).toString()}${note}`;
}

if (env.GITHUB_STEP_SUMMARY && input('SUMMARY') !== 'false') {
  // layerlens wrote the Markdown with its own escaping; nothing from an archive is added here.
  const report = code <= 1 && existsSync(markdown) ? readFileSync(markdown, 'utf8') : '';
  appendFileSync(
    env.GITHUB_STEP_SUMMARY,
    report
      ? summaryOf(report)
      : `## layerlens audit\n\nExit code ${code}: ${WHAT[code] ?? 'a bug in layerlens; see the job log'}.\n`,
  );
}
if (env.GITHUB_OUTPUT) {
  // A value on a `name<<DELIMITER` line of its own, as @actions/core writes it: a path holding a
  // newline cannot add an output line (`markdown=a` then `exit-code=0`).
  const delimiter = `ghadelimiter_${randomBytes(16).toString('hex')}`;
  const output = (name, value) => `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  appendFileSync(env.GITHUB_OUTPUT, output('exit-code', code) + output('markdown', resolve(markdown)));
}
process.exit(code);
