import { UsageError } from '../model/errors.js';
import type { ImageReport } from '../model/image.js';
import { analyzeSharing, mergeImages, type ShareKey } from '../sharing/analyze-sharing.js';
import { buildShareJson, buildShareSections } from '../report/share-report.js';
import { renderSectionsMarkdown, renderSectionsText } from '../report/sections.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { textWidth, type CliIo } from './io.js';
import { printInputProblems, readInputs, type ReadResult } from './read-inputs.js';
import { writeHtmlReport } from './html-output.js';

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
}

export async function runShare(args: ShareArgs, io: CliIo): Promise<ExitCode> {
  const all = [...args.inputs, ...args.have];
  if (all.filter((a) => a === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
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
    });
  const main = await read(args.inputs);
  const have = await read(args.have);
  const combined: ReadResult = {
    reports: [...main.reports, ...have.reports],
    failures: [...main.failures, ...have.failures],
  };
  if (combined.failures.length > 0) return printInputProblems(combined, io);
  const images = mergeImages(
    main.reports.flatMap((r) => r.images.map((image: ImageReport) => ({ image, source: r.path }))),
  );
  if (images.length === 0) throw new UsageError('the inputs hold no images to compare');
  const haveImages = mergeImages(have.reports.flatMap((r) => r.images.map((image) => ({ image, source: r.path }))));
  const report = analyzeSharing(images, { key: args.by, have: haveImages });
  if (args.html !== undefined)
    writeHtmlReport(io, args.html, `layerlens share: ${args.inputs.join(', ')}`, { sharing: report });
  if (args.format === 'json') {
    io.stdout.write(`${JSON.stringify(buildShareJson(report), null, 2)}\n`);
  } else {
    const sections = buildShareSections(report, { width: textWidth(io) || 80 });
    io.stdout.write(
      args.format === 'markdown'
        ? renderSectionsMarkdown('layerlens share', sections)
        : renderSectionsText(sections, textWidth(io)),
    );
  }
  const exit = printInputProblems(combined, io);
  return exit === EXIT.ok ? EXIT.ok : exit;
}
