import { DEFAULT_MARKDOWN_LIMIT } from '../report/markdown-limit.js';
import { DEFAULT_JSON_CAP } from '../model/limits.js';
import type { Command } from './main.js';

/** The flags a quick line may use: booleans with no value, each at most once. */
const INSPECT_FLAGS = new Set([
  '--json',
  '--files',
  '--verify',
  '--no-verify',
  '--tree',
  '--packages',
  '--quiet',
  '-q',
]);
const SHARE_FLAGS = new Set(['--json', '--verify', '--no-verify', '--estimate-compressed', '--quiet', '-q']);

/**
 * The command for a plain line such as `inspect --json -q app.tar` or `share a.tar b.tar`,
 * parsed without loading yargs (about 60 ms of a 150 ms metadata-only run); null for anything
 * else (help, values, other commands, unknown or repeated flags), which yargs parses, checks
 * and explains. It must give exactly what yargs gives: a test compares the two.
 */
export function quickCommand(argv: readonly string[]): Command | null {
  const [name, ...rest] = argv;
  const allowed = name === 'inspect' ? INSPECT_FLAGS : name === 'share' ? SHARE_FLAGS : null;
  if (allowed === null) return null;
  const flags = new Set<string>();
  const paths: string[] = [];
  for (const token of rest) {
    if (token === '-' || !token.startsWith('-')) {
      paths.push(token);
      continue;
    }
    if (!allowed.has(token) || flags.has(token)) return null;
    flags.add(token);
  }
  // yargs lets the last of --verify / --no-verify win; which one is last is not kept here.
  if (paths.length === 0 || (flags.has('--verify') && flags.has('--no-verify'))) return null;
  const quiet = flags.has('--quiet') || flags.has('-q');
  const json = flags.has('--json');
  if (name === 'inspect') {
    return {
      name,
      args: {
        archives: paths,
        json,
        ndjson: false,
        files: flags.has('--files'),
        hash: false,
        platform: undefined,
        image: undefined,
        maxJson: DEFAULT_JSON_CAP,
        quiet,
        tree: flags.has('--tree'),
        verify: !flags.has('--no-verify'),
        html: undefined,
        treeDepth: 3,
        packages: flags.has('--packages'),
      },
    };
  }
  return {
    name: 'share',
    args: {
      inputs: paths,
      have: [],
      by: 'diffId',
      format: json ? 'json' : 'text',
      estimateCompressed: flags.has('--estimate-compressed'),
      verify: flags.has('--verify'),
      html: undefined,
      maxJson: DEFAULT_JSON_CAP,
      quiet,
      keepGoing: false,
      matrix: false,
      markdownLimit: DEFAULT_MARKDOWN_LIMIT,
    },
  };
}
