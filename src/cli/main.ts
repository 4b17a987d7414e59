import { terminalLines, terminalText } from '../report/display-text.js';
import type { Argv } from 'yargs';
import { CONFIG_FILE } from '../audit/config.js';
import { InputError, UsageError } from '../model/errors.js';
import { DEFAULT_JSON_CAP, JSON_ARCHIVE_CAPS, MATRIX_MAX_IMAGES } from '../model/limits.js';
import { DEFAULT_MARKDOWN_LIMIT, MIN_MARKDOWN_LIMIT } from '../report/markdown-limit.js';
import type { AuditArgs } from './audit.js';
import type { DiffArgs } from './diff.js';
import { EXIT } from './exit-codes.js';
import type { InspectArgs } from './inspect.js';
import type { CliIo } from './io.js';
import { quickCommand } from './quick-args.js';
import type { ShareArgs } from './share.js';
import { packageVersion } from './version.js';

/** A command line, parsed: what runs, with what. */
export type Command =
  | { readonly name: 'inspect'; readonly args: InspectArgs }
  | { readonly name: 'share'; readonly args: ShareArgs }
  | { readonly name: 'audit'; readonly args: AuditArgs }
  | { readonly name: 'diff'; readonly args: DiffArgs };

/** Budget flags, in the spelling of layerlens.config.json. */
const FLAG_RULES = [
  'maxSize',
  'maxCompressedSize',
  'maxLayers',
  'maxLayerSize',
  'maxWastedSize',
  'maxWastedPercent',
  'maxUserWastedPercent',
  'minEfficiency',
  'maxGrowth',
  'mustShareBase',
  'forbidPackages',
] as const;

function flagRules(args: Record<string, unknown>): Record<string, unknown> {
  const rules: Record<string, unknown> = {};
  for (const rule of FLAG_RULES) {
    const value = args[rule];
    if (value === undefined) continue;
    // Numbers given as text ("0.95") stay text for sizes; the config parser reads both.
    rules[rule] =
      typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) && rule === 'minEfficiency' ? Number(value) : value;
  }
  return rules;
}

const STDIN_TOKEN = '\u0000stdin';

/** Options every command takes, defined once. */
function withCommonOptions<T>(y: Argv<T>) {
  return y
    .option('json', { type: 'boolean', default: false, describe: 'print the schemaVersion 1 JSON report' })
    .option('html', { type: 'string', describe: 'also write a self-contained HTML report to this file' })
    .option('max-json', {
      type: 'number',
      default: DEFAULT_JSON_CAP,
      describe: `largest JSON entry read, in bytes (${JSON_ARCHIVE_CAPS} times it for all together)`,
    })
    .option('quiet', { type: 'boolean', alias: 'q', default: false, describe: 'no progress on stderr' });
}

/** `--markdown-limit`: on the commands that write a Markdown report (a pull-request comment). */
function withMarkdownLimit<T>(y: Argv<T>) {
  return y.option('markdown-limit', {
    type: 'number',
    default: DEFAULT_MARKDOWN_LIMIT,
    describe: `longest Markdown report in characters (GitHub refuses longer comments); longer ones keep the summary first; 0: no limit`,
    coerce: (value: unknown) => {
      const limit = Number(value);
      if (!Number.isInteger(limit) || (limit !== 0 && limit < MIN_MARKDOWN_LIMIT))
        throw new Error(`--markdown-limit takes 0 (no limit) or a whole number of at least ${MIN_MARKDOWN_LIMIT}`);
      return limit;
    },
  });
}

function stdinAware(value: unknown): string[] {
  const list = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return list.map((a) => (a === STDIN_TOKEN ? '-' : a));
}

/**
 * The whole CLI: parse `argv`, run one command, return the exit code. Never exits the process.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // The common plain command lines skip yargs, which costs more to load than a metadata-only read.
  const command = quickCommand(argv) ?? (await parseCommand(argv, io));
  if (typeof command === 'number') return command;
  try {
    return await runCommand(command, io);
  } catch (error) {
    if (error instanceof UsageError) {
      // A usage message may list several config errors, one per line (the user's own file).
      io.stderr.write(`layerlens: ${terminalLines(error.message)}\n`);
      return EXIT.usage;
    }
    if (error instanceof InputError) {
      io.stderr.write(`layerlens: ${terminalText(error.message)}\n`);
      return EXIT.input;
    }
    io.stderr.write(
      `layerlens: internal error (a bug; please report it with this trace):\n${(error as Error).stack ?? String(error)}\n`,
    );
    return EXIT.bug;
  }
}

/** Each command's modules load only when it runs: startup is part of every CI step. */
async function runCommand(command: Command, io: CliIo): Promise<number> {
  switch (command.name) {
    case 'inspect': {
      const { runInspect } = await import('./inspect.js');
      return runInspect(command.args, io);
    }
    case 'share': {
      const { runShare } = await import('./share.js');
      return runShare(command.args, io);
    }
    case 'audit': {
      const { runAudit } = await import('./audit.js');
      return runAudit(command.args, io);
    }
    case 'diff': {
      const { runDiff } = await import('./diff.js');
      return runDiff(command.args, io);
    }
  }
}

/**
 * Parses with yargs (strict, with --help and examples): the command, or the exit code when
 * the line was --help (printed) or wrong (the reason printed).
 */
export async function parseCommand(argv: readonly string[], io: CliIo): Promise<Command | number> {
  const { default: yargs } = await import('yargs');
  const parsed: { error: Error | null; output: string } = { error: null, output: '' };
  const parser = yargs()
    .scriptName('layerlens')
    .usage(
      '$0 <command> [options]\n\nRead container image archives: what is inside, what images share, whether they fit a budget.',
    )
    .command('inspect <archives..>', 'List the images, platforms, layers and files of image archives', (y) =>
      withCommonOptions(y)
        .positional('archives', {
          type: 'string',
          array: true,
          describe: 'archive files; - reads stdin',
          demandOption: true,
        })
        .option('files', { type: 'boolean', default: false, describe: "list each layer's files" })
        .option('hash', {
          type: 'boolean',
          default: false,
          describe: 'with --files: sha256 of each regular file, so diff sees same-size edits in saved reports',
        })
        .option('verify', {
          type: 'boolean',
          default: true,
          describe: 'hash every blob and check digests; --no-verify reads metadata only (seeks past layer contents)',
        })
        .option('tree', {
          type: 'boolean',
          default: false,
          describe: 'show the final file tree, biggest first, and the waste',
        })
        .option('tree-depth', { type: 'number', default: 3, describe: 'levels of the tree to print' })
        .option('packages', {
          type: 'boolean',
          default: false,
          describe: 'size by package (dpkg, apk, npm, pip) and the bytes no package owns',
        })
        .option('platform', { type: 'string', describe: 'only images of this platform (os/arch[/variant])' })
        .option('image', { type: 'string', describe: 'only the image with this tag or digest prefix' })
        .option('format', {
          choices: ['text', 'json', 'ndjson'] as const,
          default: 'text' as const,
          describe: 'output format; ndjson: one image per line, with its archive, for data engines',
        })
        .example('$0 inspect app.tar', 'images and layers of a docker save')
        .example('docker save app | $0 inspect -', 'read from stdin')
        .example('$0 inspect --json --platform linux/arm64 multi.oci.tar', 'one platform, as JSON')
        .example('$0 inspect --files app.tar.gz', "every layer's files")
        .example('$0 inspect --format ndjson *.tar > fleet.ndjson', 'one JSON line per image, for share and SQL')
        .example('$0 inspect --packages --json app.tar', 'every package with its size, version and layer')
        .example(
          '$0 inspect --json --files --hash app.tar > release.json',
          'a report diff and audit can compare against',
        ),
    )
    .command('share <inputs..>', 'What images share, and what that saves on disk and on the wire', (y) =>
      withMarkdownLimit(withCommonOptions(y))
        .positional('inputs', {
          type: 'string',
          array: true,
          describe: 'archives or saved inspect --json reports; - reads stdin',
          demandOption: true,
        })
        .option('by', {
          choices: ['diff', 'chain'] as const,
          default: 'diff' as const,
          describe: "key layers by diff id, or by ChainID as Docker's store does",
        })
        .option('have', {
          type: 'string',
          array: true,
          default: [] as string[],
          describe: 'images the node already has (archives or reports)',
        })
        .option('verify', {
          type: 'boolean',
          default: false,
          describe: 'also hash every blob and check digests (slower)',
        })
        .option('estimate-compressed', {
          type: 'boolean',
          default: false,
          describe: 'gzip uncompressed layers (level 6) to estimate transfer sizes',
        })
        .option('format', {
          choices: ['text', 'json', 'markdown'] as const,
          default: 'text' as const,
          describe: 'output format',
        })
        .option('keep-going', {
          type: 'boolean',
          default: false,
          describe: 'skip inputs (and NDJSON lines) that cannot be read, with a warning each',
        })
        .option('matrix', {
          type: 'boolean',
          default: false,
          describe: `compute the full pairwise matrix even above ${MATRIX_MAX_IMAGES} images`,
        })
        .example('$0 share app-1.tar app-2.tar worker.tar', 'shared and unique bytes, savings, bases')
        .example('$0 share --json reports/', 'a fleet: every inspect --json or NDJSON report in a folder')
        .example('cat fleet/*.ndjson | $0 share --json --keep-going -', 'NDJSON on stdin, past damaged lines')
        .example('$0 share --by chain *.tar', "share as Docker's store does (docker system df -v)")
        .example('$0 share next.tar --have current.tar', 'what the next release costs a node that runs the current one')
        .example('$0 share --format markdown a.json b.json', 'merge reports from CI jobs into a PR comment'),
    )
    .command('audit <inputs..>', 'Check images against size, layer and waste budgets; advise on layering', (y) =>
      withMarkdownLimit(withCommonOptions(y))
        .positional('inputs', {
          type: 'string',
          array: true,
          describe: 'archives or saved inspect --json --files reports',
          demandOption: true,
        })
        .option('config', { type: 'string', describe: `budgets file (default: ${CONFIG_FILE} here or above)` })
        .option('baseline', {
          type: 'string',
          array: true,
          default: [] as string[],
          describe: 'the last release (archive or report) for maxGrowth and deltas',
        })
        .option('max-size', { type: 'string', describe: 'fail above this content size (e.g. 500MB)' })
        .option('max-compressed-size', { type: 'string', describe: 'fail above this compressed size' })
        .option('max-layers', { type: 'number', describe: 'fail above this many layers' })
        .option('max-layer-size', { type: 'string', describe: 'fail when a layer is larger' })
        .option('max-wasted-size', { type: 'string', describe: 'fail above this many wasted bytes' })
        .option('max-wasted-percent', { type: 'number', describe: 'fail above this share of wasted bytes' })
        .option('max-user-wasted-percent', {
          type: 'number',
          describe: 'fail above this waste as a share of the bytes above the first layer',
        })
        .option('dive-ci', { type: 'string', describe: "also apply dive's .dive-ci rules from this file" })
        .option('min-efficiency', { type: 'string', describe: 'fail below this efficiency (0.95 or 95%)' })
        .option('max-growth', {
          type: 'string',
          describe: 'fail when the image grew more than this since --baseline (10% or 20MB)',
        })
        .option('must-share-base', {
          type: 'string',
          describe: 'fail unless every image contains every layer of this image (tag or path)',
        })
        .option('forbid-packages', {
          type: 'string',
          array: true,
          describe: 'fail when a package matches one of these globs (dpkg:gcc* npm:typescript)',
        })
        .option('ignore', {
          type: 'string',
          array: true,
          default: [] as string[],
          describe: 'path globs exempt from waste rules',
        })
        .option('keep-going', {
          type: 'boolean',
          default: false,
          describe: 'skip inputs (and NDJSON lines) that cannot be read, with a warning each',
        })
        .option('format', {
          choices: ['text', 'json', 'markdown', 'junit'] as const,
          default: 'text' as const,
          describe: 'output format',
        })
        .option('junit', { type: 'string', describe: 'also write JUnit XML to this file' })
        .option('markdown', { type: 'string', describe: 'also write the Markdown PR comment to this file' })
        .example('$0 audit app.tar --max-size 500MB --min-efficiency 95%', 'gate on flags alone')
        .example("$0 audit app.tar --forbid-packages 'dpkg:gcc*' npm:typescript", 'no compilers, no dev tools')
        .example(
          '$0 audit app.tar --baseline release.json',
          `budgets from ${CONFIG_FILE}, growth against the last release`,
        )
        .example('$0 audit app.tar --dive-ci .dive-ci', "dive's CI rules, measured the layerlens way")
        .example(
          '$0 audit app.tar --markdown comment.md --junit audit.xml',
          'text in the log, a PR comment and a test report',
        ),
    )
    .command('diff <old> <new>', 'What changed between two releases of an image, and why it grew', (y) =>
      withMarkdownLimit(withCommonOptions(y))
        .positional('old', {
          type: 'string',
          describe: 'the earlier image: an archive or a saved inspect --json --files report; - reads stdin',
          demandOption: true,
        })
        .positional('new', {
          type: 'string',
          describe: 'the later image, likewise',
          demandOption: true,
        })
        .option('image', {
          type: 'string',
          describe: 'pick the image by tag, repository or digest prefix: once for both sides, or twice (OLD, NEW)',
        })
        .option('platform', { type: 'string', describe: 'compare only this platform (os/arch[/variant])' })
        .option('verify', {
          type: 'boolean',
          default: false,
          describe: 'also check every layer digest (files are hashed either way)',
        })
        .option('format', {
          choices: ['text', 'json', 'markdown'] as const,
          default: 'text' as const,
          describe: 'output format (markdown: a pull-request comment)',
        })
        .example('$0 diff app-1.tar app-2.tar', 'size, layers, steps, folders and pull cost from 1 to 2')
        .example('$0 diff --format markdown release.json app.tar', 'a PR comment against the last release report')
        .example('$0 diff --platform linux/arm64 old.oci.tar new.oci.tar', 'one platform of multi-platform archives')
        .example('docker save app:2 | $0 diff --json app-1.tar -', 'NEW from stdin, as JSON'),
    )
    .demandCommand(1, 'name a command: inspect, share, audit or diff')
    .strict()
    .help()
    .alias('help', 'h')
    .version(packageVersion())
    .alias('version', 'v')
    .wrap(Math.min(100, io.stderr.columns ?? 80))
    .exitProcess(false);
  let args: Awaited<ReturnType<typeof parser.parseAsync>> | undefined;
  try {
    // yargs drops a lone `-` positional; carry it through as a token no real path can equal.
    args = await parser.parseAsync(
      argv.map((a) => (a === '-' ? STDIN_TOKEN : a)),
      {},
      (error: Error | undefined, _argv: unknown, text: string) => {
        parsed.error = error ?? null;
        parsed.output = text;
      },
    );
  } catch (error) {
    parsed.error = error instanceof Error ? error : new Error(String(error));
  }
  const { error: parseError, output } = parsed;
  if (parseError !== null || args === undefined) {
    // yargs' own text already ends with the reason; print it once.
    io.stderr.write(output ? `${output}\n` : `layerlens: ${parseError?.message ?? 'cannot parse the command line'}\n`);
    return EXIT.usage;
  }
  if (output) {
    io.stdout.write(`${output}\n`);
    return EXIT.ok;
  }
  const command = String(args._[0]);
  switch (command) {
    case 'inspect':
      return {
        name: 'inspect',
        args: {
          archives: stdinAware(args['archives']),
          json: args['json'] === true || args['format'] === 'json',
          ndjson: args['format'] === 'ndjson' && args['json'] !== true,
          files: args['files'] === true,
          hash: args['hash'] === true,
          platform: args['platform'] as string | undefined,
          image: args['image'] as string | undefined,
          maxJson: Number(args['maxJson'] ?? DEFAULT_JSON_CAP),
          quiet: args['quiet'] === true,
          tree: args['tree'] === true,
          verify: args['verify'] !== false,
          html: args['html'] as string | undefined,
          treeDepth: Number(args['treeDepth'] ?? 3),
          packages: args['packages'] === true,
        },
      };
    case 'share':
      return {
        name: 'share',
        args: {
          inputs: stdinAware(args['inputs']),
          have: stdinAware(args['have']),
          by: args['by'] === 'chain' ? 'chainId' : 'diffId',
          format: args['json'] === true ? 'json' : (args['format'] as 'text' | 'json' | 'markdown'),
          estimateCompressed: args['estimateCompressed'] === true,
          verify: args['verify'] === true,
          html: args['html'] as string | undefined,
          maxJson: Number(args['maxJson'] ?? DEFAULT_JSON_CAP),
          quiet: args['quiet'] === true,
          keepGoing: args['keepGoing'] === true,
          matrix: args['matrix'] === true,
          markdownLimit: Number(args['markdownLimit'] ?? DEFAULT_MARKDOWN_LIMIT),
        },
      };
    case 'audit':
      return {
        name: 'audit',
        args: {
          inputs: stdinAware(args['inputs']),
          baseline: stdinAware(args['baseline']),
          config: args['config'] as string | undefined,
          diveCi: args['diveCi'] as string | undefined,
          format: args['json'] === true ? 'json' : (args['format'] as 'text' | 'json' | 'markdown' | 'junit'),
          junit: args['junit'] as string | undefined,
          markdown: args['markdown'] as string | undefined,
          html: args['html'] as string | undefined,
          flagRules: flagRules(args),
          ignore: stdinAware(args['ignore']),
          maxJson: Number(args['maxJson'] ?? DEFAULT_JSON_CAP),
          quiet: args['quiet'] === true,
          keepGoing: args['keepGoing'] === true,
          markdownLimit: Number(args['markdownLimit'] ?? DEFAULT_MARKDOWN_LIMIT),
        },
      };
    case 'diff': {
      const [from = '', to = ''] = stdinAware([args['old'], args['new']]);
      return {
        name: 'diff',
        args: {
          from,
          to,
          // Given twice, yargs collects the values in an array.
          image: [args['image']].flat().filter((v): v is string => typeof v === 'string'),
          platform: args['platform'] as string | undefined,
          format: args['json'] === true ? 'json' : (args['format'] as 'text' | 'json' | 'markdown'),
          html: args['html'] as string | undefined,
          maxJson: Number(args['maxJson'] ?? DEFAULT_JSON_CAP),
          quiet: args['quiet'] === true,
          verify: args['verify'] === true,
          markdownLimit: Number(args['markdownLimit'] ?? DEFAULT_MARKDOWN_LIMIT),
        },
      };
    }
    default:
      // strict() and demandCommand() leave no other command.
      io.stderr.write(`layerlens: unknown command ${command}\n`);
      return EXIT.usage;
  }
}
