import { describe, expect, it } from 'vitest';
import { normalizeEntryPath, resolveLinkTarget } from '../../src/archive/entry-path.js';
import { terminalText } from '../../src/report/display-text.js';
import { buildImage, archiveEntries, writeTar } from '../helpers/fixture-builder.js';
import { runCli } from '../helpers/cli.js';
import { tempFile } from '../hostile/generators.js';

describe('entry paths', () => {
  it.each([
    ['./blobs/sha256/ab', 'blobs/sha256/ab'],
    ['/manifest.json', 'manifest.json'],
    ['a//b/./c/', 'a/b/c'],
    ['./', ''],
  ])('normalizes %s to %s', (raw, want) => {
    expect(normalizeEntryPath(raw)).toBe(want);
  });

  it.each([
    ['abc/layer.tar', '../def.tar', 'symlink', 'def.tar'],
    ['abc/layer.tar', '../../etc/passwd', 'symlink', null],
    ['abc/layer.tar', '/etc/passwd', 'symlink', null],
    ['abc/layer.tar', 'def/layer.tar', 'hardlink', 'def/layer.tar'],
    ['a/b/c', './d', 'symlink', 'a/b/d'],
  ] as const)('resolves %s -> %s (%s)', (link, target, kind, want) => {
    expect(resolveLinkTarget(link, target, kind)).toBe(want);
  });

  it('escapes control characters so names cannot drive a terminal', () => {
    expect(terminalText('evil\x1b[2Jname\n\x07')).toBe('evil\\x1b[2Jname\\n\\x07');
    expect(terminalText('日本語-😀.txt')).toBe('日本語-😀.txt');
  });
});

describe('an outer entry past PATH_MAX', () => {
  it('is named by a clipped, escaped prefix of its path, with a hint that fits a made archive', async () => {
    const image = await buildImage({ tags: ['long:outer'], layers: [{ files: [{ path: 'f', content: 'x' }] }] });
    const long = `blobs/\u001b]0;owned\u0007${'a'.repeat(5_000)}`;
    const bytes = await writeTar([
      { path: long, content: Buffer.from('x') },
      ...archiveEntries('docker-classic', [image]),
    ]);
    const run = await runCli(['inspect', tempFile('outer-long-path.tar', bytes)]);
    expect(run.code).toBe(3);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^layerlens: .*outer-long-path\\.tar: entry blobs/\\\\x1b\\]0;owned\\\\x07a{80,100}…: its path is ${long.length} characters long, over Linux's PATH_MAX \\(4096\\) at byte 0 \\(no tar tool writes such a path and docker load refuses it: a hand-made or hostile archive\\?\\)$`,
      ),
    );
    expect(lines[0]?.length).toBeLessThan(400);
  });
});
