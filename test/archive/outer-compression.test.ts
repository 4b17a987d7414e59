import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sniffContent } from '../../src/archive/sniff.js';
import { InputErrorCode, readArchive } from '../../src/index.js';
import { buildArchive, writeTar } from '../helpers/fixture-builder.js';
import { runCli } from '../helpers/cli.js';
import { sampleImages } from '../helpers/specs.js';

const dir = mkdtempSync(join(tmpdir(), 'layerlens-outer-'));

/** Compresses with the real tool (xz-utils, bzip2, lz4), as a user's archive would be. */
function compress(tool: 'xz' | 'bzip2' | 'lz4', bytes: Buffer): Buffer {
  return execFileSync(tool, ['-c'], { input: bytes, maxBuffer: 1 << 28 });
}

function has(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('compression of the archive as a whole', () => {
  it.each(['xz', 'bzip2', 'lz4'] as const)('sniffs %s by its magic bytes', (tool) => {
    if (!has(tool)) return;
    expect(sniffContent(compress(tool, Buffer.from('layer bytes')))).toBe(tool);
  });

  it('takes a tar whose first entry is named like bzip2 magic for a tar', async () => {
    const tar = await writeTar([{ path: 'BZh91AY&SY', content: Buffer.from('x') }]);
    expect(sniffContent(tar)).toBe('tar');
  });

  it.skipIf(!has('xz'))('reads an xz-compressed archive like the archive itself (docker load reads them)', async () => {
    const { bytes } = await buildArchive('docker25', sampleImages());
    const path = join(dir, 'app.tar.xz');
    writeFileSync(path, compress('xz', bytes));
    const plain = await readArchive(Readable.from([bytes]), { label: 'x' });
    const fromFile = await readArchive(path, { label: 'x' });
    expect(fromFile.compression).toBe('xz');
    expect({ ...fromFile, compression: 'none' }).toEqual(plain);
    const run = await runCli(['inspect', path]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/xz-compressed/);
  });

  it.skipIf(!has('xz'))('says a truncated or corrupt xz archive is one, in one line', async () => {
    const { bytes } = await buildArchive('docker25', sampleImages());
    const xz = compress('xz', bytes);
    const truncated = readArchive(Readable.from([xz.subarray(0, xz.length >> 1)]));
    await expect(truncated).rejects.toMatchObject({ code: InputErrorCode.truncated });
    await expect(truncated).rejects.toThrow(/xz stream ends early \(unexpected end of the xz stream/);
    const corrupt = Buffer.from(xz);
    corrupt.fill(0x55, 200, 400);
    await expect(readArchive(Readable.from([corrupt]))).rejects.toMatchObject({ code: InputErrorCode.notAnArchive });
  });

  it.each([
    ['bzip2', 'bzip2 -dc'],
    ['lz4', 'lz4 -dc'],
  ] as const)('names %s and the command that decompresses it', async (tool, command) => {
    if (!has(tool)) return;
    const { bytes } = await buildArchive('docker25', sampleImages());
    const path = join(dir, `app.tar.${tool}`);
    writeFileSync(path, compress(tool, bytes));
    const run = await runCli(['inspect', path]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `layerlens: ${path} is ${tool}-compressed, which layerlens does not decode: run \`${command} ${path} | layerlens inspect -\`\n`,
    );
    const piped = await runCli(['inspect', '-'], { stdin: compress(tool, bytes) });
    expect(piped.stderr).toMatch(
      new RegExp(`^layerlens: - is ${tool}-compressed.*${command} FILE \\| layerlens inspect -`),
    );
  });
});
