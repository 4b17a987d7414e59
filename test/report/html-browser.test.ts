/// <reference lib="dom" />
/**
 * Opens the HTML report in headless Chromium (Debian's package; .ci/run installs it when
 * missing) and checks what a person sees against the JSON report of the same inputs: one bar per
 * image, one segment per distinct layer sized by its bytes, the same colour for the same layer,
 * tooltips on keyboard focus, the totals and the matrix, no network, no horizontal scrolling on
 * a phone. Screenshots go to test-output/html-report/.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import prettyBytes from 'pretty-bytes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli } from '../helpers/cli.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const root = resolve(import.meta.dirname, '../..');
const out = join(root, 'test-output/html-report');
const fixtures = ['app-v1.docker-save.tar', 'app-v2.oci.tar', 'base.podman.tar.gz'].map((f) =>
  join(root, 'fixtures', f),
);
const dir = mkdtempSync(join(tmpdir(), 'layerlens-html-'));

if (!existsSync(CHROMIUM))
  console.warn(`HTML browser tests skipped: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`);

interface ShareDoc {
  images: { id: string; size: number; layerCount: number; distinctLayerCount: number }[];
  layers: { diffId: string; size: number; images: string[] }[];
  matrix: { sharedSize: number[][] };
  totals: { images: number; size: number; dedupedSize: number; savedSize: number };
}

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let doc: ShareDoc;
  const requests: string[] = [];

  beforeAll(async () => {
    mkdirSync(out, { recursive: true });
    const html = join(dir, 'share.html');
    const run = await runCli(['share', '--json', '--html', html, ...fixtures], { cwd: root });
    expect(run.code).toBe(0);
    doc = JSON.parse(run.stdout) as ShareDoc;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(html).href);
  }, 60_000);

  afterAll(async () => {
    await browser.close();
  });

  it('draws one bar per image and one segment per distinct layer, sized by its bytes', async () => {
    const bars = await page.$$eval('.bar', (nodes) =>
      nodes.map((bar) =>
        Array.from(bar.querySelectorAll<HTMLElement>('.seg')).map((s) => ({
          size: Number(s.dataset['size']),
          width: s.getBoundingClientRect().width,
          diffId: s.dataset['diffId'] ?? '',
        })),
      ),
    );
    expect(bars).toHaveLength(doc.images.length);
    bars.forEach((segments, i) => {
      const image = doc.images[i];
      expect(segments).toHaveLength(image?.distinctLayerCount ?? -1);
      expect(segments.reduce((sum, s) => sum + s.size, 0)).toBe(image?.size);
      for (const segment of segments)
        expect(segment.size).toBe(doc.layers.find((l) => l.diffId === segment.diffId)?.size);
      // Widths follow bytes: the biggest segment is the widest.
      const biggest = [...segments].sort((a, b) => b.size - a.size)[0];
      expect(Math.max(...segments.map((s) => s.width))).toBeCloseTo(biggest?.width ?? 0, 0);
    });
  });

  it('gives the same layer the same colour in every image', async () => {
    const colours = await page.$$eval('.seg', (nodes) =>
      nodes.map((n) => [
        (n as HTMLElement).dataset['diffId'] ?? '',
        getComputedStyle(n).backgroundImage + getComputedStyle(n).backgroundColor,
      ]),
    );
    const byLayer = new Map<string, Set<string>>();
    for (const [diffId, colour] of colours)
      byLayer.set(diffId ?? '', (byLayer.get(diffId ?? '') ?? new Set()).add(colour ?? ''));
    const shared = doc.layers.filter((l) => l.images.length > 1);
    expect(shared.length).toBeGreaterThan(0);
    for (const layer of shared) expect(byLayer.get(layer.diffId)?.size).toBe(1);
  });

  it("shows a layer's step, digests and sizes when a segment gets keyboard focus", async () => {
    const first = page.locator('.seg').first();
    expect(await first.locator('.tip').isVisible()).toBe(false);
    await page.keyboard.press('Tab');
    await expect.poll(() => first.evaluate((n) => n === document.activeElement)).toBe(true);
    const tip = first.locator('.tip');
    expect(await tip.isVisible()).toBe(true);
    expect(await tip.innerText()).toMatch(
      /Layer 0 · 301 kB content[\s\S]*ADD file:0b5f0c1d in \/[\s\S]*diff 6b15b2f32f42/,
    );
    expect(await first.getAttribute('aria-label')).toMatch(
      /^layer 0 of example\/app:1\.0: 301 kB, ADD file:0b5f0c1d in \/, shared with 3 other images$/,
    );
  });

  it('shows the totals and the sharing matrix of the JSON report', async () => {
    const total = (name: string) => page.locator(`[data-total="${name}"]`).innerText();
    expect(await total('images')).toBe(String(doc.totals.images));
    expect(await total('size')).toBe(prettyBytes(doc.totals.size));
    expect(await total('dedupedSize')).toBe(prettyBytes(doc.totals.dedupedSize));
    expect(await total('savedSize')).toMatch(new RegExp(`^${prettyBytes(doc.totals.savedSize)} \\(\\d+%\\)$`));
    const matrix = await page.$$eval('.matrix tbody tr', (rows) =>
      rows.map((r) => Array.from(r.querySelectorAll<HTMLElement>('td')).map((td) => Number(td.dataset['shared']))),
    );
    expect(matrix).toEqual(doc.matrix.sharedSize);
  });

  it('loads nothing from the network and fits a phone without sideways scrolling', async () => {
    expect(requests.every((url) => url.startsWith('file://'))).toBe(true);
    await page.screenshot({ path: join(out, 'report-1280-light.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(dark).toBe('rgb(13, 17, 23)');
    await page.screenshot({ path: join(out, 'report-1280-dark.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(out, 'report-390-dark.png'), fullPage: true });
  });

  it('shows audit results and the biggest wasted files from audit --html', async () => {
    const html = join(dir, 'audit.html');
    const run = await runCli(['audit', '--html', html, fixtures[1] ?? '', '--max-wasted-size', '50kB'], { cwd: root });
    expect(run.code).toBe(1);
    const auditPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await auditPage.goto(pathToFileURL(html).href);
    expect(await auditPage.locator('[data-audit-summary]').innerText()).toMatch(/^Failed: 0 pass, 0 warn, 1 fail/);
    expect(await auditPage.locator('text=tmp/build-cache.tgz').count()).toBeGreaterThan(0);
    await auditPage.screenshot({ path: join(out, 'audit-1280.png'), fullPage: true });
    await auditPage.close();
  });
  it('shows size by package per image from inspect --packages --html, readable without hovering', async () => {
    const html = join(dir, 'packages.html');
    const run = await runCli(['inspect', '--packages', '--json', '--html', html, fixtures[1] ?? ''], { cwd: root });
    expect(run.code).toBe(0);
    const image = (
      JSON.parse(run.stdout) as {
        archives: {
          images: { packages: { ecosystem: string; name: string; size: number }[]; unownedSize: number }[];
        }[];
      }
    ).archives[0]?.images[0];
    const packagesPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await packagesPage.goto(pathToFileURL(html).href);
    const rows = await packagesPage.$$eval('table.packages tbody tr', (nodes) =>
      nodes.map((tr) => {
        const cells = Array.from(tr.querySelectorAll<HTMLElement>('td'));
        const bar = tr.querySelector<HTMLElement>('.pbar');
        return {
          label: cells[0]?.innerText ?? '',
          size: Number(cells[2]?.dataset['size']),
          text: cells[2]?.innerText ?? '',
          barWidth: bar?.getBoundingClientRect().width ?? 0,
          visible: (cells[2]?.getBoundingClientRect().width ?? 0) > 0,
        };
      }),
    );
    const expected = [
      ...(image?.packages ?? []).map((p) => ({ label: `${p.ecosystem}: ${p.name}`, size: p.size })),
      { label: 'unowned', size: image?.unownedSize ?? -1 },
    ];
    expect(rows.map((r) => ({ label: r.label, size: r.size }))).toEqual(expected);
    // The size is printed in the row, not only in a tooltip; bars follow bytes.
    for (const row of rows) {
      expect(row.visible).toBe(true);
      expect(row.text).toBe(prettyBytes(row.size));
    }
    const widest = [...rows].sort((a, b) => b.barWidth - a.barWidth)[0];
    expect(widest?.size).toBe(Math.max(...rows.map((r) => r.size)));
    await packagesPage.setViewportSize({ width: 390, height: 844 });
    const overflow = await packagesPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await packagesPage.screenshot({ path: join(out, 'packages-390.png'), fullPage: true });
    await packagesPage.close();
  });
  it('shows diff --html: the summary, and each folder expanding to its own paths; fits a phone', async () => {
    const html = join(dir, 'diff.html');
    const args = ['diff', '--json', '--image', 'example/app', '--html', html, fixtures[0] ?? '', fixtures[1] ?? ''];
    const run = await runCli(args, { cwd: root });
    expect(run.code).toBe(0);
    const diff = JSON.parse(run.stdout) as {
      files: { changed: { path: string }[]; folders: { folder: string; changed: number }[] };
    };
    const diffPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await diffPage.goto(pathToFileURL(html).href);
    expect(await diffPage.locator('[data-summary="size"]').innerText()).toBe('+93 kB (+15.6%)');
    for (const folder of diff.files.folders) {
      const details = diffPage.locator(`details[data-folder="${folder.folder}"]`);
      const item = details.locator('li').first();
      expect(await item.isVisible()).toBe(false);
      await details.locator('summary').click();
      const paths = await details.locator('li').allInnerTexts();
      expect(paths).toHaveLength(folder.changed);
      for (const text of paths) expect(text.startsWith(`~ ${folder.folder}`)).toBe(true);
    }
    await diffPage.setViewportSize({ width: 390, height: 844 });
    const overflow = await diffPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await diffPage.screenshot({ path: join(out, 'diff-390.png'), fullPage: true });
    await diffPage.close();
  });
});
