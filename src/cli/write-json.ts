import { jsonLogText } from '../report/display-text.js';
import { chunkedWriter } from './write-chunks.js';

/**
 * Our documents nest a few levels (archives > images > layers > files > record); below this
 * depth a value is written by JSON.stringify in one piece. A bound, not recursion as deep as
 * the input.
 */
const MAX_WALK_DEPTH = 12;

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` followed by a newline would, byte for byte,
 * but in pieces of about 64 KiB: arrays and objects are walked, and only small values (a file
 * record, a history step) are stringified whole. A 300k-entry `inspect --files --json` (100 MB)
 * or a fleet's share report is never one string next to the data it comes from (issue 12; V8
 * also caps strings at about 512 MB).
 *
 * One difference: `##[` and `##vso[` inside a string are written `##\u005b` (jsonLogText), which
 * parses to the same value; a CI runner acts on them anywhere in a line of a step's output (hunt 4).
 * Every piece of JSON text comes from `stringify`, `stringifyRun` or a key, which apply it.
 */
export function writeJson(write: (text: string) => unknown, value: unknown): void {
  const out = chunkedWriter(write);
  const walk = (item: unknown, indent: string, depth: number): void => {
    const inner = `${indent}  `;
    if (depth < MAX_WALK_DEPTH && Array.isArray(item) && item.length > 0 && !isSmall(item)) {
      // Rendered ahead at this indent: its runs are written as they are (see renderAhead).
      const ahead = renderedAhead.get(item);
      const rendered = ahead?.indent === indent ? ahead.runs : null;
      out.emit('[\n');
      for (let i = 0, run = 0; i < item.length; run++) {
        out.emit(inner);
        // A run of elements written whole: one JSON.stringify for all of them, or its text
        // rendered ahead in runs of RUN_ELEMENTS.
        const end = rendered === null ? runOfWhole(item, i, depth + 1) : Math.min(i + RUN_ELEMENTS, item.length);
        if (rendered !== null) {
          out.emit(rendered[run] as string);
          i = end;
        } else if (end > i + 1) {
          out.emit(stringifyRun(item.slice(i, end), indent));
          i = end;
        } else {
          const element: unknown = item[i];
          walk(isUnset(element) ? null : element, inner, depth + 1);
          i++;
        }
        out.emit(i < item.length ? ',\n' : '\n');
      }
      out.emit(`${indent}]`);
      return;
    }
    if (depth < MAX_WALK_DEPTH && isPlainObject(item) && !isSmall(item)) {
      const keys = Object.keys(item).filter((key) => !isUnset(item[key]));
      if (keys.length === 0) {
        out.emit('{}');
        return;
      }
      out.emit('{\n');
      keys.forEach((key, i) => {
        out.emit(`${inner}${stringify(key)}: `);
        walk(item[key], inner, depth + 1);
        out.emit(i < keys.length - 1 ? ',\n' : '\n');
      });
      out.emit(`${indent}}`);
      return;
    }
    out.emit(reindent(stringify(item), indent));
  };
  walk(value, '', 0);
  out.emit('\n');
  out.flush();
}

/** Arrays rendered by renderAhead: their runs' text, for the indent they were rendered for. */
const renderedAhead = new WeakMap<readonly unknown[], { readonly indent: string; readonly runs: readonly string[] }>();

/** Most elements of an array rendered ahead, and most characters of one of its runs: its text is held until it is written. */
const AHEAD_MAX_ELEMENTS = 1 << 14;
const AHEAD_RUN_CHARS = 1 << 20;

/**
 * Renders `items` now as writeJson will write it where the array's own line is at `indent`
 * (spaces), so that writing it later is a copy. `inspect --packages --json` renders its package
 * list while the last layer is still being hashed: stringifying 2,000 records took 8-14 ms of
 * cold code after the read, on the critical path (issue 9); so did re-indenting text rendered at
 * the top level (replaceAll over 400 KB: 5 ms, where JSON.stringify indents as it goes). Written
 * at another indent, the array is written as usual.
 *
 * In runs of RUN_ELEMENTS elements, unweighed: whatever the runs, JSON.stringify writes what the
 * walk would, and weighing the records compiled two functions on the idle core for nothing (16 ms
 * of background compiling per run, issue 9). An array of more than AHEAD_MAX_ELEMENTS elements, or
 * with a run longer than AHEAD_RUN_CHARS, is not rendered ahead: it is written as usual, in
 * pieces. The array must not change afterwards.
 */
export function renderAhead(items: readonly unknown[], indent = ''): void {
  if (items.length === 0 || items.length > AHEAD_MAX_ELEMENTS || renderedAhead.has(items)) return;
  const runs: string[] = [];
  for (let i = 0; i < items.length; i += RUN_ELEMENTS) {
    let text: string;
    try {
      text = stringifyRun(items.slice(i, i + RUN_ELEMENTS), indent);
    } catch {
      // What JSON.stringify cannot write (a BigInt, a cycle) fails where the document is written.
      return;
    }
    if (text.length > AHEAD_RUN_CHARS) return;
    runs.push(text);
  }
  renderedAhead.set(items, { indent, runs });
}

/** Elements per JSON.stringify call at most, and about as many characters (see runOfWhole). */
const RUN_ELEMENTS = 256;
const RUN_CHARS = 1 << 16;

/**
 * Where the run of elements from `start` that the walk would write whole (small records,
 * primitives) ends, within RUN_ELEMENTS elements and about RUN_CHARS characters of strings:
 * the 2,000 package records of `inspect --packages --json` cost 20 ms one JSON.stringify each,
 * 3 ms in runs (issue 9).
 */
function runOfWhole(items: readonly unknown[], start: number, depth: number): number {
  let chars = 0;
  let end = start;
  while (end < items.length && end - start < RUN_ELEMENTS && chars < RUN_CHARS) {
    const weight = wholeWeight(items[end], depth);
    if (weight < 0) break;
    chars += weight;
    end++;
  }
  return end;
}

/**
 * About how many characters an element takes when the walk would write it whole: a primitive,
 * or a plain array or record of at most 16 primitives (isSmall). -1 for anything else (the walk
 * goes into it, or it is not plain data whose size is known: dates, toJSON).
 */
function wholeWeight(item: unknown, depth: number): number {
  if (typeof item === 'string') return item.length + 2;
  if (typeof item !== 'object' || item === null) return 8;
  if (depth >= MAX_WALK_DEPTH || !(Array.isArray(item) || isPlainObject(item))) return -1;
  return smallWeight(item);
}

/**
 * The elements of `run` as JSON.stringify(…, null, 2) writes them in an array at `indent`
 * (spaces), without its brackets and before the first element's indent. The run is nested in as
 * many arrays as `indent` has levels, so that JSON.stringify indents it where it goes: a
 * replaceAll over the run's text cost a fifth of writing 2,000 package records (issue 9).
 */
function stringifyRun(run: readonly unknown[], indent: string): string {
  const levels = indent.length / 2;
  let nested: unknown = run;
  for (let level = 0; level < levels; level++) nested = [nested];
  const text = stringify(nested);
  const { head, tail } = shellOf(levels);
  return text.slice(head, text.length - tail);
}

/**
 * JSON.stringify(value, null, 2) with `##[` made inert in a CI log (jsonLogText): text rendered
 * ahead is checked as it is rendered, off the path that writes it.
 */
const stringify = (value: unknown): string => jsonLogText(JSON.stringify(value, null, 2));

/** Where an element starts, and how much follows the last one, in a run nested `levels` deep. */
const shells: { head: number; tail: number }[] = [];
function shellOf(levels: number): { head: number; tail: number } {
  let shell = shells[levels];
  if (shell === undefined) {
    let nested: unknown = [0];
    for (let level = 0; level < levels; level++) nested = [nested];
    const text = JSON.stringify(nested, null, 2);
    const head = text.indexOf('0');
    shell = { head, tail: text.length - head - 1 };
    shells[levels] = shell;
  }
  return shell;
}

/** Text that JSON.stringify(…, null, 2) made at the top level, indented to sit at `indent`. */
function reindent(text: string, indent: string): string {
  return indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
}

/** What JSON.stringify leaves out of an object and writes as null in an array. */
function isUnset(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** An array or object of at most 16 primitives (a file record): cheaper to stringify whole than to walk. */
function isSmall(item: unknown[] | Record<string, unknown>): boolean {
  return smallWeight(item) >= 0;
}

/**
 * About how many characters a small array or record (see isSmall) takes, or -1 when it is not
 * small. Builtins only: this runs once per element of a long list, mostly before the JIT has
 * compiled it.
 */
function smallWeight(item: unknown[] | Record<string, unknown>): number {
  const values = Array.isArray(item) ? item : Object.values(item);
  if (values.length > 16) return -1;
  let chars = 2 + 24 * values.length;
  // Indexed: no iterator per element while this code is cold.
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (typeof value === 'string') chars += value.length;
    else if (typeof value === 'object' && value !== null) return -1;
  }
  return chars;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if ('toJSON' in value) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
