import { terminalText } from '../report/display-text.js';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareImages, hasFileLists } from '../diff/compare-images.js';
import { overlayOfImage } from '../layer/overlay.js';
import { hasPackageData, packagesOfImage } from '../packages/packages-of-image.js';
import { isSavedReport } from '../read-input.js';
import { pairImages } from '../diff/pair-images.js';
import { UsageError } from '../model/errors.js';
import type { ImageReport } from '../model/image.js';
import { platformMatches } from '../model/platform.js';
import { buildDiffJson, renderDiffMarkdown, renderDiffText, type DiffResult } from '../report/diff-report.js';
import { renderDiffHtml } from '../report/diff-html.js';
import { mergeImages } from '../sharing/analyze-sharing.js';
import type { ExitCode } from './exit-codes.js';
import { textWidth, type CliIo } from './io.js';
import { writeJson } from './write-json.js';
import { markdownOptions } from './markdown-options.js';
import { matchesRef } from './inspect.js';
import { printInputProblems, readInputs, type ReadResult } from './read-inputs.js';

export interface DiffArgs {
  readonly from: string;
  readonly to: string;
  /** One ref for both sides, or OLD's then NEW's. */
  readonly image: readonly string[];
  readonly platform: string | undefined;
  readonly format: 'text' | 'json' | 'markdown';
  readonly html: string | undefined;
  readonly maxJson: number;
  readonly quiet: boolean;
  /** Also check every blob's digest (diff, like share, trusts them by default). */
  readonly verify: boolean;
  /** Longest Markdown report, in characters (0: no limit; default DEFAULT_MARKDOWN_LIMIT). */
  readonly markdownLimit?: number;
}

/** `repo:tag` matches as a tag; a bare `repo` matches any of its tags, so one --image fits both releases. */
function matchesImage(image: ImageReport, ref: string): boolean {
  return matchesRef(image, ref) || image.tags.some((tag) => tag.startsWith(`${ref}:`) || tag.startsWith(`${ref}@`));
}

export async function runDiff(args: DiffArgs, io: CliIo): Promise<ExitCode> {
  if (args.from === '-' && args.to === '-') throw new UsageError('stdin (-) can be read only once');
  if (args.image.length > 2) throw new UsageError('--image takes one ref for both sides, or two: OLD then NEW');
  const read = (path: string): Promise<ReadResult> =>
    readInputs([path], io, {
      quiet: args.quiet,
      // Content changes need per-file sha256. That pass reads every byte, so (unless --verify) the
      // layer's own digest is not computed as well: diff costs about what inspecting both does.
      read: { jsonCap: args.maxJson, keepFiles: true, keepMetadata: true, hashFiles: true, verify: args.verify },
      reportsAllowed: true,
    });
  const read0 = await read(args.from);
  const read1 = await read(args.to);
  const result: ReadResult = {
    reports: [...read0.reports, ...read1.reports],
    failures: [...read0.failures, ...read1.failures],
  };
  if (result.failures.length > 0) return printInputProblems(result, io);
  const sides = [read0, read1].map((side, i) => {
    const ref = args.image[i] ?? args.image[0];
    const images = mergeImages(side.reports.flatMap((r) => r.images.map((image) => ({ image, source: r.path }))))
      .map((m) => m.image)
      .filter(
        (image) =>
          (args.platform === undefined || platformMatches(image.platform, args.platform)) &&
          (ref === undefined || matchesImage(image, ref)),
      );
    return images;
  });
  const labels = { from: args.from === '-' ? 'stdin' : args.from, to: args.to === '-' ? 'stdin' : args.to };
  const { pairs, unpaired } = pairImages(sides[0] ?? [], sides[1] ?? [], labels);
  for (const { from, to } of pairs) {
    for (const [image, label] of [
      [from, labels.from],
      [to, labels.to],
    ] as const) {
      if (!hasFileLists(image)) {
        throw new UsageError(
          `${terminalText(label)} is a report without file lists: save it with inspect --json --files --hash, or pass the archive`,
        );
      }
    }
  }
  // An archive always has known packages (possibly none); a report only when saved with --packages.
  // stdin may carry either: only what was read (kept databases or saved packages) can tell.
  const reportSide = [
    args.from === '-' || (await isSavedReport(resolve(io.cwd, args.from))),
    args.to === '-' || (await isSavedReport(resolve(io.cwd, args.to))),
  ];
  const packagesKnown = (image: ImageReport, side: number): boolean => !reportSide[side] || hasPackageData(image);
  const diff: DiffResult = {
    comparisons: pairs.map(({ from, to }) => {
      const overlays = { from: overlayOfImage(from), to: overlayOfImage(to) };
      const packages =
        packagesKnown(from, 0) && packagesKnown(to, 1)
          ? { from: packagesOfImage(from, overlays.from).packages, to: packagesOfImage(to, overlays.to).packages }
          : null;
      return compareImages(from, to, { overlays, packages });
    }),
    unpaired,
  };
  if (args.html !== undefined)
    writeFileSync(resolve(io.cwd, args.html), renderDiffHtml(diff, `layerlens diff: ${args.from} -> ${args.to}`));
  if (args.format === 'json') writeJson((text) => io.stdout.write(text), buildDiffJson(diff));
  else if (args.format === 'markdown') io.stdout.write(renderDiffMarkdown(diff, markdownOptions(args)));
  else io.stdout.write(renderDiffText(diff, textWidth(io)));
  return printInputProblems(result, io);
}
