import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../src/index.js';
import { buildArchive, sha256 } from './helpers/fixture-builder.js';
import { SAMPLE_FIXTURES } from './helpers/sample-fixtures.js';

const dir = resolve(import.meta.dirname, '../fixtures');
const update = process.env['UPDATE_FIXTURES'] === '1';

describe('fixtures/', () => {
  it.each(SAMPLE_FIXTURES.map((f) => [f.file, f] as const))(
    '%s is what the fixture builder writes',
    async (_name, fixture) => {
      const { bytes } = await buildArchive(fixture.format, fixture.images, fixture.options);
      const path = join(dir, fixture.file);
      if (update) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path, bytes);
      }
      expect(existsSync(path), `${fixture.file} is missing: run npm run fixtures`).toBe(true);
      expect(readFileSync(path).equals(bytes), `${fixture.file} is stale: run npm run fixtures`).toBe(true);
      const report = await readArchive(path);
      expect(report.problems).toEqual([]);
      expect(report.images.map((i) => i.tags)).toEqual(fixture.images.map((i) => i.tags));
    },
  );
});

/** Files of a tar, by path (directories implied), read with tar-stream as an independent reader. */
async function filesOfTar(bytes: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const reader = extract();
  const done = new Promise<void>((resolveDone, reject) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => {
        if (Buffer.isBuffer(chunk)) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name.replace(/^\.\//, ''), Buffer.concat(chunks));
        next();
      });
    });
    reader.on('finish', resolveDone);
    reader.on('error', reject);
  });
  Readable.from([bytes]).pipe(reader);
  await done;
  return files;
}

function digests(files: Map<string, Buffer>): Record<string, string> {
  const pairs: [string, string][] = [...files].map(([path, bytes]) => [path, sha256(bytes)]);
  return Object.fromEntries(pairs.sort(([a], [b]) => a.localeCompare(b)));
}

function filesOfFolder(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(root, path).split('\\').join('/'), readFileSync(path));
  }
  return files;
}

describe('fixtures/app-v2.oci-layout/', () => {
  it('is app-v2.oci.tar unpacked: an OCI layout folder for the folder-input example', async () => {
    const fixture = SAMPLE_FIXTURES.find((f) => f.file === 'app-v2.oci.tar');
    if (!fixture) throw new Error('app-v2.oci.tar is no longer a sample fixture');
    const { bytes } = await buildArchive(fixture.format, fixture.images, fixture.options);
    const expected = await filesOfTar(bytes);
    const folder = join(dir, 'app-v2.oci-layout');
    if (update) {
      rmSync(folder, { recursive: true, force: true });
      for (const [path, content] of expected) {
        mkdirSync(dirname(join(folder, path)), { recursive: true });
        writeFileSync(join(folder, path), content);
      }
    }
    expect(existsSync(folder), 'fixtures/app-v2.oci-layout is missing: run npm run fixtures').toBe(true);
    // Compare digests, not buffers: a stale folder should fail fast with a readable diff.
    expect(digests(filesOfFolder(folder))).toEqual(digests(expected));
    const { path: _folderPath, entryCount: _folderCount, ...byFolder } = await readArchive(folder);
    const { path: _tarPath, entryCount: _tarCount, ...byTar } = await readArchive(join(dir, fixture.file));
    expect(byFolder).toEqual(byTar);
  });
});
