/**
 * TreeLinks against the real thing: random trees of folders and relative symlinks (`..` and
 * chains and loops among them) written to disk, each folder looked up by TreeLinks in the tree and
 * by the C library's realpath (the kernel's lookup, part by part) on disk. Lookups that leave the
 * temporary root on disk (where TreeLinks stops at the image root) or end at no folder are skipped.
 */
import { lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileList, type FileRecord } from '../../src/layer/file-list.js';
import { applyLayers } from '../../src/layer/overlay.js';
import { TreeLinks } from '../../src/layer/tree-links.js';
import { random } from '../../bench/generate-fleet.mjs';

const NAMES = ['a', 'b', 'c', 'd'];

function record(path: string, type: 'directory' | 'symlink', linkTarget: string | null): FileRecord {
  return { path, type, size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget, whiteout: null, sha256: null };
}

/** Where the kernel leads `folder` under `root`: a relative path, null for ELOOP, undefined to skip. */
function kernelFolder(root: string, folder: string): string | null | undefined {
  try {
    const real = realpathSync.native(join(root, folder));
    const inside = relative(realpathSync.native(root), real);
    if (inside.startsWith('..') || !lstatSync(real).isDirectory()) return undefined;
    return inside;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ELOOP' ? null : undefined;
  }
}

describe('TreeLinks', () => {
  it('leads folders where the kernel does, over random trees with .., chains and loops', () => {
    let compared = 0;
    let loops = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const next = random(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
      const root = mkdtempSync(join(tmpdir(), 'layerlens-links-'));
      try {
        const records: FileRecord[] = [];
        const folders = [''];
        for (let i = 0; i < 12; i++) {
          const parent = pick(folders);
          const path = `${parent === '' ? '' : `${parent}/`}${pick(NAMES)}`;
          if (folders.includes(path)) continue;
          mkdirSync(join(root, path));
          folders.push(path);
          records.push(record(path, 'directory', null));
        }
        for (let i = 0; i < 8; i++) {
          const parent = pick(folders);
          const path = `${parent === '' ? '' : `${parent}/`}l${i}`;
          const parts: string[] = [];
          const ups = Math.floor(next() * path.split('/').length);
          for (let k = 0; k < ups; k++) parts.push('..');
          const count = 1 + Math.floor(next() * 3);
          for (let k = 0; k < count; k++)
            parts.push(next() < 0.2 ? '..' : pick([...NAMES, `l${Math.floor(next() * 8)}`]));
          const target = parts.join('/');
          symlinkSync(target, join(root, path));
          records.push(record(path, 'symlink', target));
        }
        const links = new TreeLinks(applyLayers([FileList.fromRecords(records)]).tree);
        for (const { path } of records) {
          const kernel = kernelFolder(root, path);
          if (kernel === undefined) continue;
          const ours = links.resolve(`${path}/x`);
          expect(ours === null ? null : ours.slice(0, -'/x'.length), `seed ${seed}: ${path}`).toBe(kernel);
          compared++;
          if (kernel === null) loops++;
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
    // The generator makes enough of each kind for the comparison to mean something.
    expect(compared).toBeGreaterThan(1000);
    expect(loops).toBeGreaterThan(5);
  });
});
