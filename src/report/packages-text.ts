import { terminalText } from './display-text.js';
import type { ImageReport } from '../model/image.js';
import { ECOSYSTEMS, type ImagePackages, type PackageRecord } from '../packages/types.js';
import { formatSize } from './format.js';
import { renderTable } from './table.js';
import { DEFAULT_TEXT_WIDTH } from './wrap.js';
import { pushAll } from '../model/column.js';

/** What an image without packages says instead of an empty table. */
export const NO_PACKAGES = 'none found (no dpkg, apk, npm or pip database; rpm is not read)';

/** Folders of unowned bytes listed before the rest is grouped. */
const FOLDERS_SHOWN = 8;
/** Package database warnings printed; a hostile image can have thousands (all are in --json). */
const PROBLEMS_SHOWN = 10;

/**
 * Longest name and version shown whatever the width: npm's longest name (214), and a version far
 * past any real one; a hostile name is cut there rather than padded onto every row.
 */
const MAX_NAME = 214;
const MAX_VERSION = 64;
/** The version column's share of a terminal: 22 at 80 columns, half of what the others leave beyond. */
const versionWidth = (width: number): number =>
  width <= 0 ? MAX_VERSION : Math.min(MAX_VERSION, Math.max(22, Math.floor((width - 36) / 2)));

/**
 * The `inspect --packages` block of one image: every package biggest first (within `width`
 * columns, names giving way first; 0: no limit), totals per ecosystem, unowned bytes by top
 * folder, and the sum that ties them to the image's content size. Pure.
 */
export function renderPackagesText(
  image: ImageReport,
  result: ImagePackages,
  finalSize: number,
  width = DEFAULT_TEXT_WIDTH,
): string[] {
  const size = (n: number): string => formatSize(n);
  const measured = result.packages.filter((p) => p.declared !== true);
  const ownedSize = finalSize - result.unownedSize;
  const none = result.packages.length === 0;
  const lines: string[] = ['', none ? `    packages: ${NO_PACKAGES}` : `    packages (${result.packages.length}):`];
  if (!none) {
    pushAll(
      lines,
      renderTable(
        [
          { header: 'ECO' },
          { header: 'NAME', max: MAX_NAME, flex: true },
          { header: 'VERSION', max: versionWidth(width) },
          { header: 'SIZE', align: 'right' },
          { header: 'FILES', align: 'right' },
          { header: 'LAYER', align: 'right' },
        ],
        result.packages.map((p) => [
          p.ecosystem,
          terminalText(p.name),
          terminalText(p.version ?? '-'),
          p.declared === true ? `${size(p.size)}*` : size(p.size),
          p.declared === true ? '-' : String(p.fileCount),
          p.layerIndex === null ? '-' : String(p.layerIndex),
        ]),
        '    ',
        width,
      ),
    );
  }
  if (result.packages.some((p) => p.declared === true)) {
    lines.push('    * Installed-Size declared by the database, not measured: left out of the sums');
  }
  if (!none) appendEcosystems(lines, measured, ownedSize, size);
  lines.push('', `    unowned by folder (${size(result.unownedSize)}):`);
  const folders = result.unownedByFolder.slice(0, FOLDERS_SHOWN).map((f) => [terminalText(f.folder), size(f.size)]);
  const rest = result.unownedByFolder.slice(FOLDERS_SHOWN);
  if (rest.length > 0) {
    folders.push([`${rest.length} more folders`, size(rest.reduce((sum, f) => sum + f.size, 0))]);
  }
  if (folders.length > 0) {
    // A folder is archive text of any length: capped, or every row is padded to it.
    pushAll(
      lines,
      renderTable(
        [
          { header: 'FOLDER', max: 60 },
          { header: 'SIZE', align: 'right' },
        ],
        folders,
        '      ',
      ),
    );
  }
  const hidden = image.contentSize - finalSize;
  lines.push(
    '',
    `    final tree ${size(finalSize)} = ${size(ownedSize)} owned + ${size(result.unownedSize)} unowned`,
    `    content ${size(image.contentSize)} = final tree + ${size(hidden)} hidden by later layers`,
  );
  for (const p of result.problems.slice(0, PROBLEMS_SHOWN)) lines.push(`    ${p.severity} ${p.code}: ${p.message}`);
  if (result.problems.length > PROBLEMS_SHOWN) {
    lines.push(`    and ${result.problems.length - PROBLEMS_SHOWN} more package database warnings (see --json)`);
  }
  return lines;
}

/** The packages and bytes of each ecosystem, and what is owned in all. */
function appendEcosystems(
  lines: string[],
  measured: readonly PackageRecord[],
  ownedSize: number,
  size: (n: number) => string,
): void {
  lines.push('', '    by ecosystem:');
  const totals = ECOSYSTEMS.map((ecosystem) => {
    const of = measured.filter((p) => p.ecosystem === ecosystem);
    return [ecosystem, `${of.length}`, size(of.reduce((sum, p) => sum + p.size, 0))];
  }).filter((row) => row[1] !== '0');
  const shared = measured.reduce((sum, p) => sum + p.size, 0) - ownedSize;
  lines.push(
    ...renderTable(
      [{ header: 'ECO' }, { header: 'PACKAGES', align: 'right' }, { header: 'SIZE', align: 'right' }],
      [
        ...totals,
        ...(shared > 0 ? [['paths owned twice', '', `-${size(shared)}`]] : []),
        ['owned', `${measured.length}`, size(ownedSize)],
      ],
      '      ',
    ),
  );
}
