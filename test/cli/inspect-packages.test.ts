import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagesOfImage, parseInspectJson, readArchive, type ImageReport } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { buildArchive } from '../helpers/fixture-builder.js';
import { alpine, debianApp, distroless } from '../helpers/package-specs.js';
import { usedHeapAfterGc } from '../helpers/heap.js';
import { PackageHeadStart } from '../../src/packages/head-start.js';
import { sharedBaseArchive, tempFile } from '../hostile/generators.js';

const dir = mkdtempSync(join(tmpdir(), 'layerlens-cli-packages-'));
async function archive(): Promise<string> {
  const { bytes } = await buildArchive('docker25', [debianApp, alpine, distroless]);
  const path = join(dir, 'packages.tar');
  writeFileSync(path, bytes);
  return path;
}

describe('layerlens inspect --packages', () => {
  it('writes packages, unownedSize and the folders per image, and no database text', async () => {
    const path = await archive();
    const run = await runCli(['inspect', '--packages', '--json', path]);
    expect(run.code).toBe(0);
    const expected = (await readArchive(path, { keepMetadata: true })).images.map((image) => packagesOfImage(image));
    const doc = JSON.parse(run.stdout) as { archives: { images: Record<string, unknown>[] }[] };
    const images = doc.archives[0]?.images ?? [];
    expect(
      images.map((i) => ({
        packages: i['packages'],
        unownedSize: i['unownedSize'],
        unownedByFolder: i['unownedByFolder'],
        problems: i['packageProblems'],
      })),
    ).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(run.stdout).not.toContain('metadataFiles');
    expect(run.stdout).not.toContain('Installed-Size');
  });

  it('reads a saved report back so packagesOfImage returns the saved list', async () => {
    const path = await archive();
    const run = await runCli(['inspect', '--packages', '--json', path]);
    const reports = parseInspectJson(JSON.parse(run.stdout), 'saved.json');
    const fromArchive = (await readArchive(path, { keepMetadata: true })).images.map((image) => packagesOfImage(image));
    expect(reports[0]?.images.map((image) => packagesOfImage(image))).toEqual(fromArchive);
  });

  it('prints a table within 80 columns that adds up to the content size', async () => {
    const run = await runCli(['inspect', '--packages', await archive()]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const start = lines.findIndex((l) => l.trim().startsWith('packages ('));
    const block = lines.slice(start, lines.findIndex((l, i) => i > start && l.trim().startsWith('content')) + 1);
    expect(block.filter((l) => l.length > 80)).toEqual([]);
    expect(block.join('\n')).toMatch(/typescript +5\.4\.5 +\d[\d.]* (B|kB) +2 +2/);
    expect(block.join('\n')).toMatch(/npm +4 /);
    expect(block.at(-2)).toMatch(/^ {4}final tree 10\.4 kB = 8\.51 kB owned \+ 1\.84 kB unowned$/);
    expect(block.at(-1)).toMatch(/^ {4}content 13\.5 kB = final tree \+ 3\.12 kB hidden by later layers$/);
    expect(run.stdout).toMatch(/libssl3 +3\.0\.11-1 +6\.14 MB\* +-/);
    expect(run.stdout).toContain('* Installed-Size declared by the database');
  });

  it('says in one line that an image has no packages, in text and in HTML', async () => {
    const { bytes } = await buildArchive('oci', [
      { tags: ['static:1'], layers: [{ files: [{ path: 'bin/server', content: 's'.repeat(4000) }] }] },
    ]);
    const path = join(dir, 'static.tar');
    writeFileSync(path, bytes);
    const html = join(dir, 'static.html');
    const run = await runCli(['inspect', '--packages', '--html', html, path]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('    packages: none found (no dpkg, apk, npm or pip database; rpm is not read)');
    expect(run.stdout).not.toContain('packages (0)');
    expect(run.stdout).not.toContain('by ecosystem');
    expect(run.stdout).toMatch(/unowned by folder \(4 kB\):\n +FOLDER +SIZE\n +bin\/ +4 kB/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('static:1: no packages found');
    expect(page).not.toMatch(/<table class="packages"/);
  });

  it('escapes hostile package names and versions in the text table', async () => {
    const { bytes } = await buildArchive('oci', [
      {
        tags: ['hostile:1'],
        layers: [
          {
            files: [
              {
                path: 'app/node_modules/evil/package.json',
                content: JSON.stringify({ name: 'ev\u001b[2Jil', version: '1\u0007.0' }),
              },
            ],
          },
        ],
      },
    ]);
    const path = join(dir, 'hostile.tar');
    writeFileSync(path, bytes);
    const run = await runCli(['inspect', '--packages', path]);
    expect(run.stdout).toContain('ev\\x1b[2Jil');
    expect(run.stdout).toContain('1\\x07.0');
    expect(run.stdout.includes('\u001b') || run.stdout.includes('\u0007')).toBe(false);
  });

  it('draws a size-by-package view in the HTML report', async () => {
    const out = join(dir, 'report.html');
    const run = await runCli(['inspect', '--packages', '--html', out, await archive()]);
    expect(run.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<h2 id="packages-h">Size by package</h2>');
    expect(html).toMatch(/<td>npm: typescript<\/td><td>5\.4\.5<\/td>/);
    expect(html).toMatch(/<td>dpkg: libssl3 \*<\/td>/);
  });
});

describe('inspect --packages on a hostile image', () => {
  it('prints ten package database warnings and counts the rest', async () => {
    const files = Array.from({ length: 30 }, (_, i) => ({
      path: `n/node_modules/p${i}/package.json`,
      content: 'not json',
    }));
    const { bytes } = await buildArchive('docker-classic', [{ tags: ['many:1'], layers: [{ files }] }]);
    const path = join(dir, 'many.tar');
    writeFileSync(path, bytes);
    const run = await runCli(['inspect', '--packages', path]);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/warning PACKAGE_DATABASE/g)).toHaveLength(10);
    expect(run.stdout).toMatch(/and 20 more package database warnings \(see --json\)/);
  });
});

describe('layerlens inspect --packages --json over many images', () => {
  it('keeps no image overlay once its packages are found', async () => {
    // Every image's overlay (its final tree) was kept to the end, though JSON shows only the
    // package list: 200 images on one base of 20,000 files held 434 MB.
    const path = tempFile('shared-base.tar', await sharedBaseArchive(30, 5000));
    const used: number[] = [];
    let calls = 0;
    // Patched by hand: a vitest spy would keep every result it returns.
    const packagesOf = Object.getOwnPropertyDescriptor(PackageHeadStart.prototype, 'packagesOf');
    Object.defineProperty(PackageHeadStart.prototype, 'packagesOf', {
      configurable: true,
      value(this: PackageHeadStart, image: ImageReport) {
        calls++;
        if (calls === 2 || calls === 30) {
          used.push(usedHeapAfterGc());
        }
        return (packagesOf?.value as PackageHeadStart['packagesOf']).call(this, image);
      },
    });
    try {
      const run = await runCli(['inspect', '--packages', '--json', '-q', path]);
      expect(run.code).toBe(0);
    } finally {
      if (packagesOf) Object.defineProperty(PackageHeadStart.prototype, 'packagesOf', packagesOf);
    }
    expect(used).toHaveLength(2);
    // 28 more overlays of 5,000 entries each are 10 MB; a few objects are not.
    expect((used[1] ?? 0) - (used[0] ?? 0)).toBeLessThan(2_000_000);
  });
});
