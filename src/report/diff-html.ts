import type { FolderDelta } from '../diff/compare-files.js';
import type { ImageDiff } from '../diff/compare-images.js';
import { compareText } from '../model/compare-text.js';
import { firstPast } from '../model/search.js';
import { shortDigest } from '../model/digest.js';
import { describeStep } from '../model/history-step.js';
import { diffNotes, summaryRows, type DiffResult } from './diff-report.js';
import { formatGrowth, formatSize, imageName } from './format.js';
import { esc, htmlPage } from './html-report.js';

/** Paths listed under one folder before "and N more": the page stays a few MB at most. */
const MAX_PATHS_PER_FOLDER = 500;

const table = (caption: string, headers: readonly string[], rows: readonly string[]): string =>
  `<div class="scroll"><table><caption>${esc(caption)}</caption><thead><tr>${headers.map((h) => `<th scope="col"${h.startsWith('#') ? ' class="num"' : ''}>${esc(h.replace(/^#/, ''))}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;

const num = (text: string): string => `<td class="num delta">${esc(text)}</td>`;
const cell = (text: string): string => `<td>${esc(text)}</td>`;
/** A one-word cell (`added`, `changed`) that must not break inside the word on a phone. */
const word = (text: string): string => `<td class="word">${esc(text)}</td>`;
const code = (text: string): string => `<td><code>${esc(text)}</code></td>`;

function folderDetails(diff: ImageDiff): string {
  const files = diff.files;
  if (!files || files.folders.length === 0) return '';
  // Each path under the folder row it was counted in, so a folder expands to its own paths.
  const byFolder = new Map<string, string[]>();
  // The new (gone) folders, sorted: as compare-files folds, each is the outermost folder OLD (NEW)
  // lacks above its paths, so none is inside another, and the one above a path, if any, is the
  // last that sorts at or before it. Looking up each folder above the path instead hashed every
  // one whole, from the root: 1,500 files added beside one 2,000 folders deep took 10 s.
  const rowsOf = (status: FolderDelta['status']): string[] =>
    files.folders
      .filter((f) => f.status === status)
      .map((f) => f.folder)
      .sort(compareText);
  const freshRows = rowsOf('added');
  const goneRows = rowsOf('removed');
  /** The row a path was counted in (as compare-files folds): the new/gone folder above it, else its parent. */
  const place = (path: string, kind: 'added' | 'removed' | 'changed', text: string): void => {
    const parent = path.lastIndexOf('/');
    let row = parent >= 0 ? path.slice(0, parent + 1) : '/';
    if (kind !== 'changed') {
      const rows = kind === 'added' ? freshRows : goneRows;
      const above = rows[firstPast(rows.length, (i) => compareText(rows[i] ?? '', path) > 0) - 1];
      if (above !== undefined && path.startsWith(above)) row = above;
    }
    const list = byFolder.get(row) ?? [];
    if (list.length < MAX_PATHS_PER_FOLDER) list.push(text);
    byFolder.set(row, list);
  };
  for (const f of files.added) place(f.path, 'added', `+ ${f.path} (${formatSize(f.size)})`);
  for (const f of files.removed) place(f.path, 'removed', `- ${f.path} (${formatSize(f.size)})`);
  for (const c of files.changed)
    place(c.path, 'changed', `~ ${c.path} (${formatSize(c.fromSize)} → ${formatSize(c.toSize)})`);
  const items = files.folders.map((f) => {
    const paths = byFolder.get(f.folder) ?? [];
    const total = f.added + f.removed + f.changed;
    const shown = paths.slice(0, MAX_PATHS_PER_FOLDER);
    return `<details data-folder="${esc(f.folder)}"><summary><span class="delta">${esc(formatGrowth(f.sizeDelta))}</span> <code>${esc(f.folder)}</code>${f.status === 'added' ? ' (new)' : f.status === 'removed' ? ' (gone)' : ''}: ${f.added} added, ${f.removed} removed, ${f.changed} changed</summary><ul>${shown.map((p) => `<li><code>${esc(p)}</code></li>`).join('')}${total > shown.length ? `<li>and ${total - shown.length} more (see --json)</li>` : ''}</ul></details>`;
  });
  return `<h3>Files by folder (compared by ${esc(files.comparedBy)})</h3>${items.join('\n')}`;
}

function comparisonSection(diff: ImageDiff, n: number): string {
  const out: string[] = [
    `<section aria-labelledby="diff-${n}-h"><h2 id="diff-${n}-h">${esc(imageName(diff.from))} → ${esc(imageName(diff.to))}${diff.to.platform ? ` (${esc(diff.to.platform)})` : ''}</h2>`,
    `<dl class="cards">${summaryRows(diff)
      .map(
        ([label = '', what = '', change = '']) =>
          `<div><dt>${esc(label)}</dt><dd data-summary="${esc(label)}">${esc(change)}</dd><dd class="note">${esc(what)}</dd></div>`,
      )
      .join('')}</dl>`,
    ...diffNotes(diff).map((note) => `<p class="note">${esc(note)}</p>`),
  ];
  if (diff.steps.length > 0) {
    out.push(
      table(
        'Growth by step of the new image',
        ['#delta', '#layer', 'step'],
        diff.steps.map(
          (s) =>
            `<tr>${num(formatGrowth(s.sizeDelta))}${num(s.index === null ? 'gone' : String(s.index))}<td class="step">${esc(describeStep(s.createdBy) || '(no history step)')}</td></tr>`,
        ),
      ),
    );
  }
  out.push(folderDetails(diff));
  const packages = diff.packages;
  if (packages) {
    const rows = [
      ...packages.changed.map(
        (p) =>
          `<tr>${num(formatGrowth(p.toSize - p.fromSize))}${word('changed')}${cell(`${p.ecosystem} ${p.name}`)}${cell(`${p.fromVersion ?? '?'} → ${p.toVersion ?? '?'}`)}</tr>`,
      ),
      ...packages.added.map(
        (p) =>
          `<tr>${num(formatGrowth(p.size))}${word('added')}${cell(`${p.ecosystem} ${p.name}`)}${cell(p.version ?? '?')}</tr>`,
      ),
      ...packages.removed.map(
        (p) =>
          `<tr>${num(formatGrowth(-p.size))}${word('removed')}${cell(`${p.ecosystem} ${p.name}`)}${cell(p.version ?? '?')}</tr>`,
      ),
    ];
    if (rows.length > 0) out.push(table('Packages', ['#delta', 'change', 'package', 'version'], rows));
  }
  const layerRow = (change: string) => (l: ImageDiff['layers']['added'][number]) =>
    `<tr>${word(change)}${num(String(l.index))}${num(formatSize(l.size))}${code(shortDigest(l.diffId))}<td class="step">${esc(describeStep(l.createdBy))}</td></tr>`;
  const layerRows = [...diff.layers.added.map(layerRow('added')), ...diff.layers.removed.map(layerRow('removed'))];
  if (layerRows.length > 0)
    out.push(table('Layers added and removed', ['change', '#index', '#size', 'diff id', 'step'], layerRows));
  out.push('</section>');
  return out.join('\n');
}

/** The self-contained HTML page of a diff (inline CSS, no script), styled like the other reports. Pure. */
export function renderDiffHtml(result: DiffResult, title: string): string {
  const body = result.comparisons.map(comparisonSection);
  if (result.unpaired.length > 0) {
    body.push(
      `<section><h2>Not compared</h2><ul>${result.unpaired
        .map(
          (u) =>
            `<li>only in ${u.side === 'from' ? 'OLD' : 'NEW'}: ${esc(imageName(u.image))} (${esc(u.image.platform ?? 'unknown platform')})</li>`,
        )
        .join('')}</ul></section>`,
    );
  }
  return htmlPage(title, body, 'Made by layerlens. Sizes are content bytes (regular files plus symlink targets).');
}
