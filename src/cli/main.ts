import yargs, { type Argv } from 'yargs';
import { CONFIG_FILE } from '../audit/config.js';
import { InputError, UsageError } from '../model/errors.js';
import { DEFAULT_JSON_CAP } from '../model/limits.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { packageVersion } from './version.js';

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
    .option('max-json', { type: 'number', default: DEFAULT_JSON_CAP, describe: 'largest JSON entry read, in bytes' })
    .option('quiet', { type: 'boolean', alias: 'q', default: false, describe: 'no progress on stderr' });
}

function stdinAware(value: unknown): string[] {
  const list = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return list.map((a) => (a === STDIN_TOKEN ? '-' : a));
}

/**
 * The whole CLI: parse `argv`, run one command, return the exit code. Never exits the process.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
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
        .example('$0 inspect app.tar', 'images and layers of a docker save')
        .example('docker save app | $0 inspect -', 'read from stdin')
        .example('$0 inspect --json --platform linux/arm64 multi.oci.tar', 'one platform, as JSON')
        .example('$0 inspect --files app.tar.gz', "every layer's files")
        .example('$0 inspect --packages --json app.tar', 'every package with its size, version and layer'),
    )
    .command('share <inputs..>', 'What images share, and what that saves on disk and on the wire', (y) =>
      withCommonOptions(y)
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
        .example('$0 share app-1.tar app-2.tar worker.tar', 'shared and unique bytes, savings, bases')
        .example('$0 share --by chain *.tar', "share as Docker's store does (docker system df -v)")
        .example('$0 share next.tar --have current.tar', 'what the next release costs a node that runs the current one')
        .example('$0 share --format markdown a.json b.json', 'merge reports from CI jobs into a PR comment'),
    )
    .command('audit <inputs..>', 'Check images against size, layer and waste budgets; advise on layering', (y) =>
      withCommonOptions(y)
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
    .demandCommand(1, 'name a command: inspect, share or audit')
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
  try {
    const command = String(args._[0]);
    switch (command) {
      case 'inspect': {
        // Each command's modules load only when it runs: startup is part of every CI step.
        const { runInspect } = await import('./inspect.js');
        return await runInspect(
          {
            archives: stdinAware(args['archives']),
            json: args['json'] === true,
            files: args['files'] === true,
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
          io,
        );
      }
      case 'share': {
        const { runShare } = await import('./share.js');
        return await runShare(
          {
            inputs: stdinAware(args['inputs']),
            have: stdinAware(args['have']),
            by: args['by'] === 'chain' ? 'chainId' : 'diffId',
            format: args['json'] === true ? 'json' : (args['format'] as 'text' | 'json' | 'markdown'),
            estimateCompressed: args['estimateCompressed'] === true,
            verify: args['verify'] === true,
            html: args['html'] as string | undefined,
            maxJson: Number(args['maxJson'] ?? DEFAULT_JSON_CAP),
            quiet: args['quiet'] === true,
          },
          io,
        );
      }
      case 'audit': {
        const { runAudit } = await import('./audit.js');
        return await runAudit(
          {
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
          },
          io,
        );
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`layerlens: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof InputError) {
      io.stderr.write(`layerlens: ${error.message}\n`);
      return EXIT.input;
    }
    io.stderr.write(
      `layerlens: internal error (a bug; please report it with this trace):\n${(error as Error).stack ?? String(error)}\n`,
    );
    return EXIT.bug;
  }
}
