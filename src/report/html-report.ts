import { htmlText } from './display-text.js';
import prettyBytes from 'pretty-bytes';
import { plural } from '../model/plural.js';
import type { AuditResult, ImageAudit } from '../audit/audit-images.js';
import { shortDigest } from '../model/digest.js';
import { describeStep } from '../model/history-step.js';
import type { ImageReport } from '../model/image.js';
import type { ImagePackages } from '../packages/types.js';
import type { ImageShare, SharingReport } from '../sharing/analyze-sharing.js';
import { causesText, formatLimit, formatValue } from './audit-report.js';
import { formatGrowth, formatSize, imageName } from './format.js';
import { clip } from './table.js';

export interface HtmlReportInput {
  readonly title: string;
  readonly sharing: SharingReport;
  readonly audit?: AuditResult | null;
  /** Shown in the footer; pass a fixed value for reproducible files. */
  readonly generatedAt?: string;
  /** Size by package, by image (`inspect --packages --html`). */
  readonly packages?: ReadonlyMap<ImageReport, ImagePackages>;
}

/** Images drawn (bars, the matrix, the layer table) before the page shows the largest only. */
const HTML_MAX_IMAGES = 200;
/** Packages drawn one a row per image; the rest are grouped in one row. */
const PACKAGES_SHOWN = 15;
/**
 * Longest image name a row repeats (a layer, a segment, a pair, a rule): a tag is archive text of
 * any length, written in full once, in its image's bar label.
 */
const ROW_NAME_MAX = 100;

/** The HTML escaping every layerlens page uses for text from archives and reports. */
export const esc = htmlText;
const name = (share: ImageShare): string => imageName(share.image);
/** An image's name as the rows about it show it: clipped (compute it once per image, not per row). */
const rowName = (image: ImageReport): string => clip(imageName(image), ROW_NAME_MAX);

/** The same layer gets the same colour in every image: a hue from its key. */
function hueOf(key: string): number {
  const hex = key.replace(/^[a-z0-9]+:/, '').slice(0, 6);
  const value = Number.parseInt(hex, 16);
  return Number.isFinite(value) ? value % 360 : 0;
}

/**
 * One self-contained HTML file: inline CSS, no script, no network, so it opens from file:// and
 * offline. Tooltips appear on hover and on keyboard focus (CSS only); every chart has a table or
 * text beside it. Pure: data in, a string out.
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { sharing } = input;
  const layerByKey = new Map(sharing.layers.map((l) => [l.key, l]));
  const largest = sharing.images.reduce((max, i) => Math.max(max, i.size), 1);
  // A fleet's page draws the largest images; every figure stays in the JSON report.
  const drawn =
    sharing.images.length <= HTML_MAX_IMAGES
      ? sharing.images
      : [...sharing.images].sort((a, b) => b.size - a.size).slice(0, HTML_MAX_IMAGES);
  const omitted = sharing.images.length - drawn.length;
  const omittedNote =
    omitted > 0
      ? `<p class="note" data-omitted="${omitted}">The ${HTML_MAX_IMAGES} largest of ${sharing.images.length} images are drawn; the JSON report (share --json) has every one.</p>`
      : '';
  const body: string[] = [];

  const t = sharing.totals;
  const transfer =
    t.compressedSize === null || t.dedupedCompressedSize === null || t.savedCompressedSize === null
      ? 'not known (layers stored uncompressed)'
      : `${formatSize(t.savedCompressedSize, t.compressedSizeEstimated)} of ${formatSize(t.compressedSize, t.compressedSizeEstimated)}`;
  // Storage and transfer savings mean something only across images: a one-image audit skips them.
  if (sharing.images.length > 1 || !input.audit)
    body.push(`<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2><dl class="cards">
<div><dt>Images</dt><dd data-total="images">${t.images}</dd></div>
<div><dt>Distinct layers</dt><dd data-total="layers">${t.layers} (${t.sharedLayers} shared)</dd></div>
<div><dt>Stored separately</dt><dd data-total="size">${formatSize(t.size)}</dd></div>
<div><dt>Deduplicated</dt><dd data-total="dedupedSize">${formatSize(t.dedupedSize)}</dd></div>
<div><dt>Storage saved</dt><dd data-total="savedSize">${formatSize(t.savedSize)} (${Math.round(t.savedRatio * 100)}%)</dd></div>
<div><dt>Transfer saved</dt><dd data-total="transfer">${esc(transfer)}</dd></div>
</dl></section>`);

  body.push(`<section aria-labelledby="images-h"><h2 id="images-h">Layers of each image</h2>
<p class="note">Each bar is an image, drawn to scale; each segment a layer, sized by its content bytes. The same layer has the same colour in every image. Hover or focus a segment for its details.</p>${omittedNote}
<div class="bars">`);
  drawn.forEach((share, row) => {
    const shortName = rowName(share.image);
    const seen = new Set<string>();
    const segments: string[] = [];
    share.image.layers.forEach((layer, index) => {
      const key = share.layerKeys[index] ?? '';
      if (seen.has(key)) return; // a layer listed twice is stored once
      seen.add(key);
      const size = layer.contentSize ?? 0;
      const others = Math.max(0, (layerByKey.get(key)?.images.length ?? 1) - 1);
      const step = describeStep(layer.createdBy);
      const label = `layer ${index} of ${shortName}: ${prettyBytes(size)}${step ? `, ${step}` : ''}${others > 0 ? `, shared with ${others} other image${others === 1 ? '' : 's'}` : ''}`;
      const width = share.size === 0 ? 0 : (size / share.size) * 100;
      segments.push(
        `<button type="button" class="seg${others > 0 ? ' shared' : ''}" style="flex-basis:${width.toFixed(4)}%;--hue:${hueOf(key)}" data-image="${row}" data-layer="${index}" data-diff-id="${esc(layer.diffId ?? '')}" data-size="${size}" aria-label="${esc(label)}"><span class="tip" role="tooltip"><b>Layer ${index}</b> · ${esc(prettyBytes(size))} content${layer.uncompressedSize !== null ? ` · ${esc(prettyBytes(layer.uncompressedSize))} tar` : ''}${layer.compressedSize !== null ? ` · ${esc(formatSize(layer.compressedSize, layer.compressedSizeEstimated))} compressed` : ''}<br>${esc(step || '(no history step)')}<br><code>diff ${esc(shortDigest(layer.diffId))}</code> <code>blob ${esc(shortDigest(layer.digest))}</code>${others > 0 ? `<br>shared with ${others} other image${others === 1 ? '' : 's'}` : ''}</span></button>`,
      );
    });
    body.push(`<div class="row"><div class="label"><span class="name">${esc(name(share))}</span> <span class="meta">${esc(share.image.platform ?? '')} · <span data-image-size="${row}">${esc(prettyBytes(share.size))}</span>, ${esc(prettyBytes(share.sharedSize))} shared</span></div>
<div class="track"><div class="bar" role="group" aria-label="${esc(`${name(share)}: ${plural(share.image.layers.length, 'layer')}, ${prettyBytes(share.size)}`)}" style="width:${((share.size / largest) * 100).toFixed(4)}%">${segments.join('')}</div></div></div>`);
  });
  body.push('</div></section>');

  const matrix = sharing.images.length <= HTML_MAX_IMAGES ? sharing.matrix : null;
  if (sharing.images.length >= 2 && matrix === null) {
    const byId = new Map(sharing.images.map((s) => [s.id, s]));
    const nameOf = (id: string): string => {
      const share = byId.get(id);
      return share ? rowName(share.image) : id;
    };
    body.push(`<section aria-labelledby="pairs-h"><h2 id="pairs-h">Most shared pairs</h2><div class="scroll"><table class="pairs"><caption>The pairs of images with the most content bytes in common${sharing.pairsExact ? '' : ' (lower bounds: the search stopped at its work limit)'}</caption>
<thead><tr><th scope="col" class="num">shared</th><th scope="col">image</th><th scope="col">image</th></tr></thead><tbody>${sharing.pairs
      .map(
        (p) =>
          `<tr><td class="num" data-shared="${p.sharedSize}">${esc(prettyBytes(p.sharedSize))}</td><td>${esc(nameOf(p.images[0]))}</td><td>${esc(nameOf(p.images[1]))}</td></tr>`,
      )
      .join('')}</tbody></table></div></section>`);
  }
  if (sharing.images.length >= 2 && matrix !== null) {
    let max = 1;
    matrix.forEach((row, i) => {
      row.forEach((value, j) => {
        if (i !== j) max = Math.max(max, value);
      });
    });
    body.push(`<section aria-labelledby="matrix-h"><h2 id="matrix-h">Shared bytes between images</h2><div class="scroll"><table class="matrix"><caption>Content bytes each pair of images has in common (the diagonal is each image's own size)</caption>
<thead><tr><th scope="col">image</th>${sharing.images.map((s, j) => `<th scope="col" title="${esc(name(s))}">${j + 1}</th>`).join('')}</tr></thead><tbody>`);
    sharing.images.forEach((share, i) => {
      const cells = matrix[i]?.map((value, j) => {
        const heat = i === j ? 0 : value / max;
        return `<td style="--heat:${heat.toFixed(3)}" data-shared="${value}">${esc(prettyBytes(value))}</td>`;
      });
      body.push(`<tr><th scope="row">${i + 1}. ${esc(name(share))}</th>${cells?.join('') ?? ''}</tr>`);
    });
    body.push('</tbody></table></div></section>');
  }

  if (sharing.bases.length > 0) {
    body.push(
      `<section aria-labelledby="bases-h"><h2 id="bases-h">Shared bases</h2><ul>${sharing.bases
        .slice(0, HTML_MAX_IMAGES)
        .map(
          (b) =>
            `<li>${plural(b.images.length, 'image')} share base <b>${esc(describeStep(b.name))}</b>: ${plural(b.layerCount, 'layer')}, ${esc(prettyBytes(b.size))}, stored once</li>`,
        )
        .join('')}</ul></section>`,
    );
  }

  if (input.packages && input.packages.size > 0) body.push(packagesSection(input.packages));
  if (input.audit) body.push(auditSection(input.audit));

  body.push(`<section aria-labelledby="table-h"><h2 id="table-h">All layers</h2><div class="scroll"><table><caption>Every layer of every image, as in the bars above</caption>
<thead><tr><th scope="col">image</th><th scope="col">#</th><th scope="col">diff id</th><th scope="col" class="num">content</th><th scope="col" class="num">compressed</th><th scope="col">created by</th></tr></thead><tbody>`);
  for (const share of drawn) {
    const shortName = esc(rowName(share.image));
    share.image.layers.forEach((layer, index) => {
      body.push(
        `<tr><td>${shortName}</td><td>${index}</td><td><code>${esc(shortDigest(layer.diffId))}</code></td><td class="num">${esc(formatSize(layer.contentSize))}</td><td class="num">${esc(formatSize(layer.compressedSize, layer.compressedSizeEstimated))}</td><td class="step">${esc(describeStep(layer.createdBy))}</td></tr>`,
      );
    });
  }
  body.push('</tbody></table></div></section>');

  return htmlPage(
    input.title,
    body,
    `Made by layerlens${input.generatedAt ? ` on ${esc(input.generatedAt)}` : ''}. Sizes are content bytes (regular files plus symlink targets) unless marked otherwise.`,
  );
}

/**
 * The shell every HTML report shares: one self-contained page (inline CSS, no script), light and
 * dark by the system theme. `body` and `footer` are HTML already escaped by the caller.
 */
export function htmlPage(title: string, body: readonly string[], footer: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1></header>
<main>
${body.join('\n')}
</main>
<footer>${footer}</footer>
</body>
</html>
`;
}

/**
 * Size by package: per image, the biggest packages, the rest grouped, and the unowned bytes, each
 * a row with its size written out and a bar drawn to the image's largest row: readable without
 * hovering, in print and by screen readers (it is a table).
 */
function packagesSection(packages: ReadonlyMap<ImageReport, ImagePackages>): string {
  const out = [
    `<section aria-labelledby="packages-h"><h2 id="packages-h">Size by package</h2>
<p class="note">Content bytes of each package's files in the final tree, biggest first; declared sizes (marked *) come from the package database, not from files. Unowned: bytes no package lists.</p>`,
  ];
  let index = 0;
  for (const [image, result] of packages) {
    if (result.packages.length === 0) {
      out.push(
        `<h3>${esc(imageName(image))}: no packages found</h3>
<p>No dpkg, apk, npm or pip database in the final tree lists a package (rpm is not read): all ${esc(prettyBytes(result.unownedSize))} is unowned.</p>`,
        ...problemList(result),
      );
      continue;
    }
    const measured = result.packages.filter((p) => p.declared !== true);
    const shown = result.packages.slice(0, PACKAGES_SHOWN);
    const rest = result.packages.slice(PACKAGES_SHOWN);
    const rows: { label: string; version: string; size: number; layer: string; kind: string }[] = shown.map((p) => ({
      label: `${p.ecosystem}: ${p.name}${p.declared === true ? ' *' : ''}`,
      version: p.version ?? '',
      size: p.size,
      layer: p.layerIndex === null ? '' : String(p.layerIndex),
      kind: 'package',
    }));
    if (rest.length > 0) {
      rows.push({
        label: `${rest.length} other packages`,
        version: '',
        size: rest.filter((p) => p.declared !== true).reduce((sum, p) => sum + p.size, 0),
        layer: '',
        kind: 'others',
      });
    }
    rows.push({ label: 'unowned', version: '', size: result.unownedSize, layer: '', kind: 'unowned' });
    const largest = Math.max(1, ...rows.map((r) => r.size));
    const owned = measured.reduce((sum, p) => sum + p.size, 0);
    out.push(
      `<h3>${esc(imageName(image))}: ${plural(result.packages.length, 'package')}, ${esc(prettyBytes(owned))} in packages, ${esc(prettyBytes(result.unownedSize))} unowned</h3>
<div class="scroll"><table class="packages" data-packages="${index}"><caption>Biggest packages of ${esc(imageName(image))}</caption>
<thead><tr><th scope="col">package</th><th scope="col">version</th><th scope="col" class="num">size</th><th scope="col">layer</th><th scope="col" class="barcol">share</th></tr></thead><tbody>${rows
        .map(
          (r) =>
            `<tr class="${r.kind}"><td>${esc(r.label)}</td><td>${esc(r.version)}</td><td class="num" data-size="${r.size}">${esc(prettyBytes(r.size))}</td><td>${esc(r.layer)}</td><td class="barcol"><span class="pbar" style="width:${((r.size / largest) * 100).toFixed(2)}%"></span></td></tr>`,
        )
        .join('')}</tbody></table></div>`,
    );
    out.push(...problemList(result));
    index++;
  }
  out.push('</section>');
  return out.join('\n');
}

/** Warnings about an image's package databases, as a list (none: nothing). */
function problemList(result: ImagePackages): string[] {
  if (result.problems.length === 0) return [];
  return [
    `<ul class="findings">${result.problems.map((p) => `<li><span class="code">${esc(p.code)}</span> ${esc(p.message)}</li>`).join('')}</ul>`,
  ];
}

function auditSection(audit: AuditResult): string {
  const out: string[] = [
    `<section aria-labelledby="audit-h"><h2 id="audit-h">Budget audit</h2>
<p data-audit-summary>${audit.summary.fail > 0 ? '<strong class="fail">Failed</strong>' : '<strong class="pass">Passed</strong>'}: ${audit.summary.pass} pass, ${audit.summary.warn} warn, ${audit.summary.fail} fail${audit.summary.skip > 0 ? `, ${audit.summary.skip} skipped` : ''}</p>`,
  ];
  const rows = audit.images.flatMap((a) => {
    const image = esc(clip(a.image.tags[0] ?? shortDigest(a.image.configDigest), ROW_NAME_MAX));
    return a.rules.map(
      (r) =>
        `<tr class="${r.status}"><td>${esc(r.rule)}</td><td>${image}</td><td class="num">${esc(formatValue(r, r.value))}</td><td>${esc(formatLimit(r))}</td><td><span class="status ${r.status}">${r.status.toUpperCase()}</span></td></tr>`,
    );
  });
  if (rows.length > 0) {
    out.push(
      `<div class="scroll"><table><caption>Rules</caption><thead><tr><th scope="col">rule</th><th scope="col">image</th><th scope="col" class="num">value</th><th scope="col">limit</th><th scope="col">status</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
    );
  }
  for (const a of audit.images) {
    if (a.baseline) out.push(baselineTable(a));
    const notes = a.rules.filter((r) => r.status !== 'pass' && r.note !== null);
    if (notes.length > 0)
      out.push(
        `<ul class="notes">${notes.map((r) => `<li>${esc(r.rule)}: ${esc(r.note ?? '')}${esc(causesText(r))}</li>`).join('')}</ul>`,
      );
    if (a.wasted.length === 0 && a.findings.length === 0) continue;
    out.push(
      `<h3>${esc(a.image.tags[0] ?? shortDigest(a.image.configDigest))}: ${esc(prettyBytes(a.wastedSize))} wasted, efficiency ${(a.efficiency * 100).toFixed(1)}%</h3>`,
    );
    if (a.wasted.length > 0) {
      out.push(
        `<div class="scroll"><table><caption>Biggest wasted files</caption><thead><tr><th scope="col" class="num">bytes</th><th scope="col">path</th><th scope="col">where</th></tr></thead><tbody>${a.wasted
          .slice(0, 10)
          .map(
            (h) =>
              `<tr><td class="num">${esc(prettyBytes(h.size))}</td><td><code>${esc(h.path)}</code></td><td>layer ${h.layerIndex}, ${h.hiddenBy === 'overwrite' ? 'overwritten' : h.hiddenBy === 'replace' ? 'replaced' : 'removed'} in layer ${h.byLayer}</td></tr>`,
          )
          .join('')}</tbody></table></div>`,
      );
    }
    if (a.findings.length > 0) {
      out.push(
        `<ul class="findings">${a.findings.map((f) => `<li><span class="code">${esc(f.code)}</span> ${esc(prettyBytes(f.bytes))}: ${esc(f.message)}</li>`).join('')}</ul>`,
      );
    }
  }
  out.push('</section>');
  return out.join('\n');
}

/** The audited image beside its baseline (`--baseline`): size, compressed size and layers, with deltas. */
function baselineTable(a: ImageAudit): string {
  const b = a.baseline;
  if (!b) return '';
  const delta = (now: number | null, then: number | null): string =>
    now === null || then === null ? '' : ` (${formatGrowth(now - then)})`;
  const row = (label: string, image: ImageReport, size: string, compressed: string, layers: string): string =>
    `<tr><th scope="row">${label}</th><td>${esc(imageName(image))}</td><td class="num">${esc(size)}</td><td class="num">${esc(compressed)}</td><td class="num">${esc(layers)}</td></tr>`;
  return `<div class="scroll"><table data-baseline><caption>${esc(imageName(a.image))} against the baseline</caption><thead><tr><th scope="col"></th><th scope="col">image</th><th scope="col" class="num">content</th><th scope="col" class="num">compressed</th><th scope="col" class="num">layers</th></tr></thead><tbody>${row(
    'baseline',
    b,
    formatSize(b.contentSize),
    formatSize(b.compressedSize),
    String(b.layers.length),
  )}${row(
    'image',
    a.image,
    `${formatSize(a.size)}${delta(a.size, b.contentSize)}`,
    `${formatSize(a.compressedSize, a.compressedSizeEstimated)}${delta(a.compressedSize, b.compressedSize)}`,
    `${a.layerCount} (${a.layerCount - b.layers.length >= 0 ? '+' : ''}${a.layerCount - b.layers.length})`,
  )}</tbody></table></div>`;
}

/** The stylesheet of every layerlens HTML page (light and dark, phone widths). */
export const REPORT_CSS = `
:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--card:#f6f8fa;--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--sat:65%;--lit:55%}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--card:#161b22;--pass:#3fb950;--warn:#d29922;--fail:#f85149;--lit:45%}}
*{box-sizing:border-box}
/* Long paths and digests in titles and lists must wrap on a phone, not widen the page. */
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}
h1{font-size:1.5rem;margin:1rem 0}
h2{font-size:1.15rem;margin:1.8rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}
footer{color:var(--muted);font-size:.85rem;margin:2rem auto}
.note{color:var(--muted);margin:.2rem 0 .8rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:10px;margin:0}
.cards div{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.cards dt{color:var(--muted);font-size:.85rem}.cards dd{margin:0;font-size:1.15rem;font-weight:600}
.row{margin:10px 0}
.label{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}.label .name{font-weight:600;overflow-wrap:anywhere}.label .meta{color:var(--muted);font-size:.85rem}
/* Tooltips anchor to the whole track, so one near the right edge cannot push past a phone's screen. */
.track{position:relative;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:2px}
.bar{display:flex;height:28px;min-width:8px}
.seg{flex-grow:0;flex-shrink:1;min-width:3px;height:100%;border:0;border-right:1px solid var(--bg);padding:0;margin:0;cursor:pointer;background:hsl(var(--hue) var(--sat) var(--lit))}
.seg.shared{background:repeating-linear-gradient(135deg,hsl(var(--hue) var(--sat) var(--lit)) 0 6px,hsl(var(--hue) var(--sat) calc(var(--lit) + 8%)) 6px 12px)}
.seg:focus-visible{outline:3px solid var(--fg);outline-offset:1px;z-index:2}
.tip{display:none;position:absolute;left:0;top:calc(100% + 4px);z-index:5;width:max-content;max-width:min(420px,100%);background:var(--fg);color:var(--bg);padding:8px 10px;border-radius:6px;font-size:.8rem;text-align:left;line-height:1.4;overflow-wrap:anywhere}
.seg:hover .tip,.seg:focus .tip{display:block}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;color:var(--muted);padding:.3rem 0}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
.num{text-align:right;white-space:nowrap}
td.step{overflow-wrap:anywhere}
.scroll{overflow-x:auto}
.matrix td{text-align:right;background:rgb(47 129 247 / calc(var(--heat) * 60%));white-space:nowrap}
.status{font-weight:700}.status.pass,.pass{color:var(--pass)}.status.warn{color:var(--warn)}.status.fail,.fail{color:var(--fail)}
.delta{font-variant-numeric:tabular-nums}details>summary{cursor:pointer}.cards dd.note{font-size:.85rem;font-weight:400;margin:0}td.word{overflow-wrap:normal}
.packages .barcol{width:35%}.packages td,.packages th{overflow-wrap:break-word}.pbar{display:block;height:12px;min-width:1px;border-radius:3px;background:hsl(210 var(--sat) var(--lit))}
.packages tr.unowned .pbar{background:var(--muted)}.packages tr.others td{font-style:italic}
.findings .code{font-family:ui-monospace,monospace;font-size:.85rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em}
@media (max-width:600px){.packages .barcol{width:15%}.packages td,.packages th{padding:5px 4px}body{font-size:14px}.bar{height:36px}h1{font-size:1.25rem}}
`;
