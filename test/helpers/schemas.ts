/**
 * Validates JSON reports against the shipped schemas (schemas/*.schema.json) with ajv, an
 * independent implementation of JSON Schema 2020-12. runCli validates every JSON report a test
 * produces through it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const dir = resolve(import.meta.dirname, '../../schemas');
const ajv = new Ajv2020({ allErrors: true, strict: true });
const validators = new Map<string, ValidateFunction>();
for (const name of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
  const schema = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { $id: string };
  validators.set(schema.$id, ajv.compile(schema));
}

/** The schema ids shipped, by file name. */
export const SCHEMA_IDS: readonly string[] = [...validators.keys()];

/** Throws, listing every violation, unless `document` is valid against the schema its `$schema` names. */
export function assertValidReport(document: unknown): void {
  const id = typeof document === 'object' && document !== null && '$schema' in document ? document.$schema : undefined;
  if (typeof id !== 'string') throw new Error('the JSON report has no $schema');
  const validate = validators.get(id);
  if (!validate) throw new Error(`the JSON report names $schema ${id}, which is not in schemas/`);
  if (!validate(document)) {
    const errors = (validate.errors ?? []).map(
      (e) => `  ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
    throw new Error(`the JSON report does not match ${id}:\n${errors.slice(0, 20).join('\n')}`);
  }
}
