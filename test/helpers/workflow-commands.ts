/**
 * The workflow commands a GitHub runner would act on in a job log, read as the runner reads them
 * (actions/runner v2.329.0, src/Runner.Common/ActionCommand.cs and
 * src/Runner.Worker/ActionCommandManager.cs): each line of output, stdout or stderr, is first
 * parsed as `::name props::data` after its leading white space is trimmed (.NET's TrimStart), then
 * as the older `##[name props]data` anywhere in the line; names are compared ignoring case;
 * `::stop-commands::TOKEN` ignores every command until one named TOKEN.
 */

/** The runner's registered command names (its extensions and `stop-commands`). */
const REGISTERED = new Set([
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'add-path',
  'set-env',
  'set-output',
  'save-state',
  'debug',
  'notice',
  'warning',
  'error',
  'group',
  'endgroup',
  'echo',
  'stop-commands',
]);

/** What .NET's `string.TrimStart()` removes: the characters `char.IsWhiteSpace` accepts. */
const LEADING_WHITE_SPACE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

export interface WorkflowCommand {
  readonly name: string;
  readonly data: string;
  readonly line: string;
}

function parse(line: string, registered: ReadonlySet<string>): { name: string; data: string } | null {
  const named = (info: string): string => {
    const space = info.indexOf(' ');
    return (space < 0 ? info : info.slice(0, space)).toLowerCase();
  };
  const trimmed = line.replace(LEADING_WHITE_SPACE, '');
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2);
    if (end >= 0) {
      const name = named(trimmed.slice(2, end));
      if (registered.has(name)) return { name, data: trimmed.slice(end + 2) };
    }
  }
  const start = line.indexOf('##[');
  if (start < 0) return null;
  const close = line.indexOf(']', start);
  if (close < 0) return null;
  const name = named(line.slice(start + 3, close));
  return registered.has(name) ? { name, data: line.slice(close + 1) } : null;
}

/** Every command the runner would process in `log`, in order, `stop-commands` and its resume included. */
export function workflowCommands(log: string): WorkflowCommand[] {
  const registered = new Set(REGISTERED);
  let stopToken: string | null = null;
  const found: WorkflowCommand[] = [];
  // .NET's StreamReader.ReadLine ends a line at \n, \r or \r\n.
  for (const line of log.split(/\r\n|\r|\n/)) {
    const command = parse(line, registered);
    if (command === null) continue;
    if (stopToken !== null) {
      if (command.name !== stopToken) continue;
      registered.delete(stopToken);
      stopToken = null;
    } else if (command.name === 'stop-commands') {
      stopToken = command.data.toLowerCase();
      registered.add(stopToken);
    }
    found.push({ ...command, line });
  }
  return found;
}
