import type { Problem } from '../model/problem.js';
import { type BlobStore, parseJsonEntry, type JsonResult, type Lookup } from './blob-store.js';

/** What every format reader works with: the store, the JSON cap, and the list problems go to. */
export interface FormatContext {
  readonly store: BlobStore;
  readonly jsonCap: number;
  readonly problems: Problem[];
}

/** Parses the JSON of a found entry, recording why when it cannot. */
export function readJson(context: FormatContext, lookup: Lookup, what: string): unknown {
  if (lookup.kind !== 'found') {
    if (lookup.kind === 'problem') context.problems.push(lookup.problem);
    return undefined;
  }
  const result: JsonResult = parseJsonEntry(lookup.entry, what, context.jsonCap);
  if (!result.ok) {
    context.problems.push(result.problem);
    return undefined;
  }
  return result.value;
}
