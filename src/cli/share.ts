import { UsageError } from '../model/errors.js';
import { analyzeSharing, mergeImages, type ShareKey } from '../sharing/analyze-sharing.js';
import { buildShareJson, buildShareSections } from '../report/share-report.js';
import { renderSectionsMarkdown, renderSectionsText } from '../report/sections.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { textWidth, type CliIo } from './io.js';
import { printInputProblems, printSkipped, readInputs, type ReadResult } from './read-inputs.js';
import { writeHtmlReport } from './html-output.js';
import { writeJson } from './write-json.js';
import { markdownOptions } from './markdown-options.js';

export interface ShareArgs {
  readonly inputs: readonly string[];
  readonly have: readonly string[];
  readonly by: ShareKey;
  readonly format: 'text' | 'json' | 'markdown';
  readonly estimateCompressed: boolean;
  readonly verify: boolean;
  readonly html: string | undefined;
  readonly maxJson: number;
  readonly quiet: boolean;
  /** Skip unreadable inputs (and NDJSON lines) with a warning each; figures for the rest. */
  readonly keepGoing?: boolean;
  /** Compute the full pairwise matrix whatever the number of images. */
  readonly matrix?: boolean;
  /** Longest Markdown report, in characters (0: no limit; default DEFAULT_MARKDOWN_LIMIT). */
  readonly markdownLimit?: number;
}

export async function runShare(args: ShareArgs, io: CliIo): Promise<ExitCode> {
  const all = [...args.inputs, ...args.have];
  if (all.filter((a) => a === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
  const keepGoing = args.keepGoing ?? false;
  const read = (paths: readonly string[]): Promise<ReadResult> =>
    readInputs(paths, io, {
      quiet: args.quiet,
      read: {
        jsonCap: args.maxJson,
        keepFiles: false,
        estimateCompressed: args.estimateCompressed,
        // Sharing needs sizes and diff ids, not hashes: metadata only unless --verify.
        verify: args.verify || args.estimateCompressed,
      },
      reportsAllowed: true,
      keepGoing,
    });
  const main = await read(args.inputs);
  const have = await read(args.have);
  const combined: ReadResult = {
    reports: [...main.reports, ...have.reports],
    failures: [...main.failures, ...have.failures],
  };
  if (combined.failures.length > 0 && !keepGoing) return printInputProblems(combined, io);
  printSkipped(combined.failures, io);
  const afterSkips: ReadResult = { reports: combined.reports, failures: [] };
  const images = mergeImages(imagesOf(main));
  if (images.length === 0) {
    // Say why: an archive that holds no readable image has its errors to show (exit 3).
    const exit = printInputProblems(afterSkips, io);
    if (exit !== EXIT.ok || combined.failures.length > 0) {
      if (exit === EXIT.ok) io.stderr.write('layerlens: no input could be read\n');
      return EXIT.input;
    }
    throw new UsageError('the inputs hold no images to compare');
  }
  const haveImages = mergeImages(imagesOf(have));
  const report = analyzeSharing(images, {
    key: args.by,
    have: haveImages,
    ...(args.matrix ? { matrix: true } : {}),
  });
  if (args.html !== undefined)
    writeHtmlReport(io, args.html, `layerlens share: ${args.inputs.join(', ')}`, { sharing: report });
  if (args.format === 'json') {
    const skipped = combined.failures.map(({ path, error }) => ({
      input: path,
      code: error.code,
      message: error.message,
    }));
    writeJson((text) => io.stdout.write(text), { ...buildShareJson(report), skipped });
  } else {
    const sections = buildShareSections(report, { width: textWidth(io) || 80 });
    io.stdout.write(
      args.format === 'markdown'
        ? renderSectionsMarkdown('layerlens share', sections, markdownOptions(args))
        : renderSectionsText(sections, textWidth(io)),
    );
  }
  return printInputProblems(afterSkips, io);
}

function* imagesOf(
  result: ReadResult,
): Generator<{ image: ReadResult['reports'][number]['images'][number]; source: string }> {
  for (const report of result.reports) for (const image of report.images) yield { image, source: report.path };
}
