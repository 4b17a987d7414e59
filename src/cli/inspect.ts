import { UsageError } from '../model/errors.js';
import { SharedOverlays, type Overlay } from '../layer/overlay.js';
import { chainTreeOf, treeAbove, treeOf, type TreeNode } from '../layer/tree-view.js';
import type { ArchiveReport, ImageLookup, ImageReport } from '../model/image.js';
import { platformMatches } from '../model/platform.js';
import { buildInspectJson, buildInspectNdjsonLines, PACKAGE_LIST_INDENT } from '../report/inspect-json.js';
import { inspectTextLines, type InspectTextOptions } from '../report/inspect-text.js';
import { writeLines } from './write-chunks.js';
import { renderAhead, writeJson } from './write-json.js';
import type { ExitCode } from './exit-codes.js';
import { textWidth, type CliIo } from './io.js';
import { printInputProblems, readInputs } from './read-inputs.js';
import { writeHtmlReport } from './html-output.js';
import { PackageHeadStart, sharedPackageOverlays } from '../packages/head-start.js';
import type { ImagePackages } from '../packages/types.js';

export interface InspectArgs {
  readonly archives: readonly string[];
  readonly json: boolean;
  /** One JSON line per image (`--format ndjson`). */
  readonly ndjson?: boolean;
  readonly files: boolean;
  /** sha256 each regular file (needs `files`): one more hash pass over every layer. */
  readonly hash: boolean;
  readonly platform: string | undefined;
  readonly image: string | undefined;
  readonly maxJson: number;
  readonly quiet: boolean;
  readonly tree: boolean;
  readonly verify: boolean;
  readonly html: string | undefined;
  readonly treeDepth: number;
  readonly packages: boolean;
}

export async function runInspect(args: InspectArgs, io: CliIo): Promise<ExitCode> {
  if (args.archives.filter((a) => a === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
  if (args.hash && !args.files) throw new UsageError('--hash adds a sha256 to each listed file: pass --files too');
  // --packages starts on the lower layers while the last ones are hashed (issue 9).
  // For JSON, the package list is rendered then too: writing it after the read is a copy.
  const headStart = args.packages
    ? new PackageHeadStart(
        args.json && !args.ndjson
          ? {
              onPackageList: (list) => {
                renderAhead(list, PACKAGE_LIST_INDENT);
              },
            }
          : {},
      )
    : null;
  const result = await readInputs(args.archives, io, {
    quiet: args.quiet,
    // File lists cost memory per file (200k-file layers): keep them only when they are shown.
    read: {
      jsonCap: args.maxJson,
      keepFiles: args.files || args.tree || args.packages,
      keepMetadata: args.packages,
      hashFiles: args.hash,
      verify: args.verify,
      ...(headStart ? { onProvisional: headStart.onProvisional } : {}),
    },
    reportsAllowed: false,
  });
  const reports = result.reports.map((report) => select(report, args));
  const filtering = args.platform !== undefined || args.image !== undefined;
  if (filtering && reports.length > 0 && reports.every((r) => r.images.length === 0)) {
    throw new UsageError(
      `no image matches${args.platform ? ` --platform ${args.platform}` : ''}${args.image ? ` --image ${args.image}` : ''}`,
    );
  }
  // Each image's final tree is built when its output is, not kept for all images until the end:
  // 100 images on one 100,000-entry layer took `inspect --tree` 129 s and 2.9 GB, and with
  // --packages the overlays the packages were measured on, kept for the trees, 2.6 GB (issue 9).
  // Images on one base apply it once between them (SharedOverlays), for the packages and again
  // for the trees. The text shows the final tree's size beside the packages; JSON needs the
  // package list alone.
  const images = reports.flatMap((r) => r.images);
  const packages = new Map<ImageReport, { result: ImagePackages; finalSize: number }>();
  const packageResults = new Map<ImageReport, ImagePackages>();
  if (headStart) {
    const shared = sharedPackageOverlays(images);
    for (const image of images) {
      const found = headStart.packagesOf(image, shared);
      packageResults.set(image, found.result);
      packages.set(image, { result: found.result, finalSize: found.overlay.visibleSize });
    }
  }
  // The text's trees are made from the tree of the chain below each image's own layers (treeAbove).
  // A chain's tree costs 182 bytes an entry (heap measured): about four counts (MAX_SHARED_ENTRIES).
  const treeOverlays = new SharedOverlays(args.tree ? images : [], (_, tree) => chainTreeOf(tree), 4);
  const overlayFor = (image: ImageReport): Overlay => treeOverlays.of(image);
  const overlays: ImageLookup<{ overlay: Overlay }> = {
    get: (image) => (args.tree ? { overlay: overlayFor(image) } : undefined),
  };
  if (args.html !== undefined)
    writeHtmlReport(io, args.html, `layerlens inspect: ${args.archives.join(', ')}`, {
      reports,
      packages: packageResults,
    });
  if (args.ndjson) {
    // Unreadable archives have no image line: their errors go to stderr and the exit code.
    for (const report of reports) {
      const lines = buildInspectNdjsonLines(report, { files: args.files, trees: overlays, packages: packageResults });
      for (const text of lines) io.stdout.write(`${text}\n`);
    }
  } else if (args.json) {
    const document = buildInspectJson(reports, {
      files: args.files,
      trees: overlays,
      packages: packageResults,
    }) as { archives: object[] };
    for (const { path, error } of result.failures) {
      document.archives.push({ path, error: { code: error.code, message: error.message, entry: error.entry } });
    }
    writeJson((text) => io.stdout.write(text), document);
  } else {
    const width = textWidth(io);
    const trees: ImageLookup<{ overlay: Overlay; tree: TreeNode }> = {
      get: (image) => {
        if (!args.tree) return undefined;
        const { overlay, above } = treeOverlays.ofChained(image);
        return { overlay, tree: above ? treeAbove(above.value, above.changes, overlay.tree) : treeOf(overlay) };
      },
    };
    const options = { files: args.files, width, trees, treeDepth: args.treeDepth, packages };
    // Line by line: a 300k-entry file list is never one string next to its records (issue 12).
    writeLines((text) => io.stdout.write(text), textLines(reports, options));
  }
  return printInputProblems(result, io);
}

/** Each archive's lines, a blank line between archives. */
function* textLines(reports: readonly ArchiveReport[], options: InspectTextOptions): Generator<string> {
  for (const [i, report] of reports.entries()) {
    if (i > 0) yield '';
    yield* inspectTextLines(report, options);
  }
}

function select(report: ArchiveReport, args: InspectArgs): ArchiveReport {
  const keep = (image: ImageReport): boolean =>
    (args.platform === undefined || platformMatches(image.platform, args.platform)) &&
    (args.image === undefined || matchesRef(image, args.image));
  return { ...report, images: report.images.filter(keep) };
}

/** Whether `ref` is one of the image's tags or a prefix (6+ hex) of its config or manifest digest. */
export function matchesRef(image: ImageReport, ref: string): boolean {
  if (image.tags.includes(ref)) return true;
  const hex = ref.replace(/^sha256:/, '');
  if (hex.length >= 6 && /^[0-9a-f]+$/.test(hex)) {
    return [image.configDigest, image.manifestDigest].some(
      (d) => d !== null && d.slice('sha256:'.length).startsWith(hex),
    );
  }
  return false;
}
