import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArchive, writeTar } from '../helpers/fixture-builder.js';
import { sampleImages } from '../helpers/specs.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'layerlens-cli-'));
async function sample(
  name: string,
  format: Parameters<typeof buildArchive>[0] = 'podman',
): Promise<{ path: string; bytes: Buffer }> {
  const { bytes } = await buildArchive(format, sampleImages('gzip'));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

interface InspectDoc {
  schemaVersion: number;
  archives: {
    path: string;
    format: string;
    images: { tags: string[]; layers: { files?: unknown[] }[] }[];
    problems: unknown[];
  }[];
}

describe('layerlens inspect', () => {
  it('prints the schemaVersion 1 JSON with every image', async () => {
    const { path } = await sample('a.tar');
    const run = await runCli(['inspect', '--json', path]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as InspectDoc;
    expect(doc.schemaVersion).toBe(1);
    expect(doc.archives[0]?.format).toBe('docker-save');
    expect(doc.archives[0]?.images.map((i) => i.tags[0])).toEqual(['example.com/base:1', 'example.com/app:2']);
    expect(doc.archives[0]?.images[0]?.layers[0]?.files).toBeUndefined();
  });

  it('reads stdin as - and prints the same images as from the path', async () => {
    const { path, bytes } = await sample('b.tar', 'docker25');
    const byPath = JSON.parse((await runCli(['inspect', '--json', path])).stdout) as InspectDoc;
    const byStdin = JSON.parse((await runCli(['inspect', '--json', '-'], { stdin: bytes })).stdout) as InspectDoc;
    expect(byStdin.archives[0]?.images).toEqual(byPath.archives[0]?.images);
    expect(byStdin.archives[0]?.path).toBe('-');
  });

  it('includes file lists with --files', async () => {
    const { path } = await sample('c.tar');
    const json = JSON.parse((await runCli(['inspect', '--json', '--files', path])).stdout) as InspectDoc;
    expect(json.archives[0]?.images[0]?.layers[0]?.files).toHaveLength(6);
    const text = (await runCli(['inspect', '--files', path])).stdout;
    expect(text).toMatch(/l +0 {2}bin\/bash -> \/bin\/sh/);
    expect(text).toMatch(/etc\/\.wh\.os-release {2}\[whiteout\]/);
  });

  it('selects with --platform and --image, and says when nothing matches', async () => {
    const { path } = await sample('d.tar', 'oci');
    const arm = JSON.parse((await runCli(['inspect', '--json', '--platform', 'linux/arm', path])).stdout) as InspectDoc;
    expect(arm.archives[0]?.images.map((i) => i.tags)).toEqual([['example.com/app:2', 'example.com/app:latest']]);
    const byTag = JSON.parse(
      (await runCli(['inspect', '--json', '--image', 'example.com/base:1', path])).stdout,
    ) as InspectDoc;
    expect(byTag.archives[0]?.images).toHaveLength(1);
    const none = await runCli(['inspect', '--platform', 'windows/amd64', path]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no image matches --platform windows\/amd64/);
  });

  it('prints a layer table with history steps, empty ones included', async () => {
    const { path } = await sample('e.tar');
    const run = await runCli(['inspect', path], { env: { COLUMNS: '120' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/DIFF ID +DIGEST +COMP +STORED +UNCOMP +CONTENT +FILES +CREATED BY/);
    // At 80 columns the stored digest and the tar size give way to the step (all in --json).
    const narrow = await runCli(['inspect', path]);
    expect(narrow.stdout).toMatch(/DIFF ID +COMP +STORED +CONTENT +FILES +CREATED BY/);
    expect(run.stdout).toMatch(/ENV PORT=8080/);
    expect(run.stdout).toMatch(/RUN rm \/etc\/os-release/);
  });

  it('exits 3 with one line naming the cause for unreadable input, and goes on with the rest', async () => {
    const good = await sample('f.tar');
    const bad = join(dir, 'bad.tar');
    writeFileSync(bad, await writeTar([{ path: 'hello.txt', content: Buffer.from('hi') }]));
    const run = await runCli(['inspect', '--json', bad, good.path]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/bad\.tar is a tar archive but not an image archive/);
    const doc = JSON.parse(run.stdout) as { archives: { error?: { code: string } }[] };
    expect(doc.archives.map((a) => a.error?.code ?? 'ok')).toEqual(['ok', 'UNKNOWN_FORMAT']);
  });

  it('escapes control characters in names from archives', async () => {
    const { bytes } = await buildArchive('oci', [
      { tags: ['evil\x1b[2J'], layers: [{ files: [{ path: 'x\x07y', content: 'z' }] }] },
    ]);
    const path = join(dir, 'evil.tar');
    writeFileSync(path, bytes);
    const run = await runCli(['inspect', '--files', path]);
    expect(run.stdout.includes('\x1b') || run.stdout.includes('\x07')).toBe(false);
    expect(run.stdout).toMatch(/evil\\x1b\[2J/);
  });

  it('shows the final tree biggest first with waste, in text and JSON', async () => {
    const fixture = join(import.meta.dirname, '../../fixtures/app-v2.oci.tar');
    const text = await runCli(['inspect', '--tree', '--tree-depth', '1', fixture], { env: { COLUMNS: '0' } });
    expect(text.stdout).toMatch(/final tree: 597 kB visible, 93.7 kB hidden by later layers \(efficiency 86\.4%\)/);
    const topLevel = [...text.stdout.matchAll(/^ {4} *[\d.]+ k?B {2}(\S+\/)/gm)].map((m) => m[1]);
    expect(topLevel.slice(0, 3)).toEqual(['bin/', 'usr/', 'lib/']);
    const doc = JSON.parse((await runCli(['inspect', '--json', '--tree', fixture])).stdout) as {
      archives: { images: { wastedSize: number; tree: { path: string; layerIndex: number }[] }[] }[];
    };
    const image = doc.archives[0]?.images[0];
    // The 90 kB tarball, server.js (3013 B) copied up, and the dpkg status apt rewrote (670 B).
    expect(image?.wastedSize).toBe(93_683);
    expect(image?.tree.find((t) => t.path === 'app/server.js')?.layerIndex).toBe(4);
    expect(image?.tree.some((t) => t.path === 'tmp/build-cache.tgz')).toBe(false);
  });

  it('exits 2 for usage errors', async () => {
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(['inspect'])).code).toBe(2);
    expect((await runCli(['inspect', '--bogus', 'x'])).code).toBe(2);
    expect((await runCli(['inspect', '-', '-'])).code).toBe(2);
  });

  it('prints help with examples', async () => {
    const run = await runCli(['inspect', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Examples:/);
  });
});
