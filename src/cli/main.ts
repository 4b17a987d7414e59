import yargs from 'yargs';
import { DEFAULT_JSON_CAP } from '../read-archive.js';
import { InputError, UsageError } from '../model/errors.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { runInspect } from './inspect.js';
import { runShare } from './share.js';

const STDIN_TOKEN = '\u0000stdin';

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
      y
        .positional('archives', {
          type: 'string',
          array: true,
          describe: 'archive files; - reads stdin',
          demandOption: true,
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the schemaVersion 1 JSON report' })
        .option('files', { type: 'boolean', default: false, describe: "list each layer's files" })
        .option('platform', { type: 'string', describe: 'only images of this platform (os/arch[/variant])' })
        .option('image', { type: 'string', describe: 'only the image with this tag or digest prefix' })
        .option('max-json', {
          type: 'number',
          default: DEFAULT_JSON_CAP,
          describe: 'largest JSON entry read, in bytes',
        })
        .option('quiet', { type: 'boolean', alias: 'q', default: false, describe: 'no progress on stderr' })
        .example('$0 inspect app.tar', 'images and layers of a docker save')
        .example('docker save app | $0 inspect -', 'read from stdin')
        .example('$0 inspect --json --platform linux/arm64 multi.oci.tar', 'one platform, as JSON')
        .example('$0 inspect --files app.tar.gz', "every layer's files"),
    )
    .command('share <inputs..>', 'What images share, and what that saves on disk and on the wire', (y) =>
      y
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
        .option('estimate-compressed', {
          type: 'boolean',
          default: false,
          describe: 'gzip uncompressed layers (level 6) to estimate transfer sizes',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the schemaVersion 1 JSON report' })
        .option('format', {
          choices: ['text', 'json', 'markdown'] as const,
          default: 'text' as const,
          describe: 'output format',
        })
        .option('max-json', {
          type: 'number',
          default: DEFAULT_JSON_CAP,
          describe: 'largest JSON entry read, in bytes',
        })
        .option('quiet', { type: 'boolean', alias: 'q', default: false, describe: 'no progress on stderr' })
        .example('$0 share app-1.tar app-2.tar worker.tar', 'shared and unique bytes, savings, bases')
        .example('$0 share --by chain *.tar', "share as Docker's store does (docker system df -v)")
        .example('$0 share next.tar --have current.tar', 'what the next release costs a node that runs the current one')
        .example('$0 share --format markdown a.json b.json', 'merge reports from CI jobs into a PR comment'),
    )
    .demandCommand(1, 'name a command: inspect or share')
    .strict()
    .help()
    .version(false)
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
      case 'inspect':
        return await runInspect(
          {
            archives: stdinAware(args['archives']),
            json: args['json'] === true,
            files: args['files'] === true,
            platform: args['platform'] as string | undefined,
            image: args['image'] as string | undefined,
            maxJson: Number(args['maxJson'] ?? DEFAULT_JSON_CAP),
            quiet: args['quiet'] === true,
          },
          io,
        );
      case 'share':
        return await runShare(
          {
            inputs: stdinAware(args['inputs']),
            have: stdinAware(args['have']),
            by: args['by'] === 'chain' ? 'chainId' : 'diffId',
            format: args['json'] === true ? 'json' : (args['format'] as 'text' | 'json' | 'markdown'),
            estimateCompressed: args['estimateCompressed'] === true,
            maxJson: Number(args['maxJson'] ?? DEFAULT_JSON_CAP),
            quiet: args['quiet'] === true,
          },
          io,
        );
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
