import { describe, expect, it } from 'vitest';
import { normalizeEntryPath, resolveLinkTarget } from '../../src/archive/entry-path.js';
import { terminalText } from '../../src/report/display-text.js';

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
