import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../src/index.js';
import { buildArchive } from './helpers/fixture-builder.js';
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
