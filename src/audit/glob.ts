/**
 * Globs for tags, paths and package names, matched without regular expressions: the text they
 * meet comes from an image or a saved report (a report's path can be a megabyte long, a tag
 * anything), and a backtracking regex of two stars is quadratic on it (`**\/*.log` as
 * `^.*[^/]*\.log$` took 48 s on one 200 kB file name). Every matcher here costs at most glob
 * length × text length.
 *
 * In paths `*` and `?` stay inside one segment and `**` crosses them (`var/cache/**`; `**\/`
 * also matches nothing, so `**\/*.pyc` matches `a.pyc`); in tags and package names `*` matches
 * anything (`example/app:*`, `*:latest`, `gcc*`).
 */

import { textKey } from '../model/text-key.js';

const enum Step {
  /** One given character. */
  Char,
  /** `?`: one character (not `/` in a path). */
  One,
  /** `*` in a path: any run of characters but `/`. */
  Segment,
  /** `**`, or `*` in a tag: any run of characters. */
  Any,
}

export interface Glob {
  readonly kind: 'path' | 'tag';
  /** Whether it has a `*` that stops at `/` (a path glob's): then the automaton, else the walk. */
  readonly segmentStar: boolean;
  /** The characters before the first wildcard: a text that does not start with them fails at once. */
  readonly prefix: string;
  /** The steps after the prefix. */
  readonly steps: readonly Step[];
  /** The character of each `Char` step (unused for the others). */
  readonly chars: string;
}

export function compileGlob(glob: string, kind: 'path' | 'tag'): Glob {
  const steps: Step[] = [];
  let chars = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') i++;
        steps.push(Step.Any);
      } else {
        steps.push(kind === 'path' ? Step.Segment : Step.Any);
      }
      chars += '\0';
    } else {
      steps.push(c === '?' ? Step.One : Step.Char);
      chars += c;
    }
  }
  let start = 0;
  while (start < steps.length && steps[start] === Step.Char) start++;
  return {
    kind,
    segmentStar: steps.includes(Step.Segment),
    prefix: chars.slice(0, start),
    steps: steps.slice(start),
    chars: chars.slice(start),
  };
}

/** Whether `glob` matches all of `text`. */
export function matchesGlob(glob: Glob, text: string): boolean {
  if (!text.startsWith(glob.prefix)) return false;
  return glob.segmentStar ? simulate(glob, text) : greedy(glob, text);
}

/**
 * With one kind of star (every tag glob, and path globs without a lone `*`): the classic two-pointer walk that goes back only to the last star (what
 * follows a star is best matched as early as possible), without allocating.
 */
function greedy({ steps, chars, prefix, kind }: Glob, text: string): boolean {
  const anyOne = kind === 'tag';
  let s = 0;
  let t = prefix.length;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const step = steps[s];
    const c = text[t];
    if ((step === Step.One && (anyOne || c !== '/')) || (step === Step.Char && chars[s] === c)) {
      s++;
      t++;
    } else if (step === Step.Any) {
      star = s++;
      mark = t;
    } else if (star !== -1) {
      s = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (steps[s] === Step.Any) s++;
  return s === steps.length;
}

/**
 * With both kinds of star (a path glob with `*` and `**`), where going back to the last star is
 * not enough: the steps simulated as a set of positions (a Thompson automaton), one pass over the
 * text, never a step back.
 */
function simulate({ steps, chars, prefix }: Glob, text: string): boolean {
  const n = steps.length;
  // `live[s] === round` marks position s as reached after `round` characters; two lists swap.
  const live = new Int32Array(n + 1).fill(-1);
  let current: number[] = [];
  let next: number[] = [];
  const reach = (list: number[], s: number, round: number): void => {
    // A star may match nothing: reaching it reaches the step after it too.
    while (s <= n && live[s] !== round) {
      live[s] = round;
      list.push(s);
      const step = steps[s];
      if (step !== Step.Segment && step !== Step.Any) return;
      s++;
    }
  };
  reach(current, 0, 0);
  for (let t = prefix.length, round = 1; t < text.length; t++, round++) {
    const c = text[t] ?? '';
    next.length = 0;
    for (const s of current) {
      const step = steps[s];
      if (step === Step.Any || (step === Step.Segment && c !== '/')) reach(next, s, round);
      else if ((step === Step.One && c !== '/') || (step === Step.Char && chars[s] === c)) reach(next, s + 1, round);
    }
    if (next.length === 0) return false;
    [current, next] = [next, current];
  }
  return current.includes(n);
}

/** A node of a GlobSet's tries: the globs whose literal start (or end) is the path to it. */
interface TrieNode {
  readonly next: Map<string, TrieNode>;
  readonly globs: Glob[];
}

const trieNode = (): TrieNode => ({ next: new Map(), globs: [] });

function insert(root: TrieNode, key: string, glob: Glob, reversed: boolean): void {
  let node = root;
  for (let i = 0; i < key.length; i++) {
    const c = key[reversed ? key.length - 1 - i : i] ?? '';
    let child = node.next.get(c);
    if (child === undefined) node.next.set(c, (child = trieNode()));
    node = child;
  }
  node.globs.push(glob);
}

/**
 * Globs matched together (`ignore` paths, `forbidPackages` names, budget `images` tags): each
 * text meets only the globs whose literal characters before the first wildcard start it, found
 * by walking a trie along the text, or, for a glob that starts with a wildcard, those whose
 * characters after the last one end it (a trie of reversed ends); a glob with no wildcard is a
 * set lookup. Trying every glob on every text made a budgets file of thousands of globs times
 * an image of many names quadratic (hunt 3: 10,000 forbidPackages globs against 100,000
 * packages took `audit` 19.4 s; 6,000 of each kind over 100,000 packages and 50,000 paths 545 s).
 * Globs with neither a literal start nor a literal end (`*`, `*x*`) are still tried one by one.
 */
export class GlobSet {
  private readonly exact = new Set<string>();
  private readonly starts = trieNode();
  private readonly ends = trieNode();
  private readonly others: Glob[] = [];

  constructor(globs: readonly Glob[]) {
    for (const glob of globs) {
      if (glob.steps.length === 0) {
        this.exact.add(textKey(glob.prefix));
        continue;
      }
      if (glob.prefix !== '') {
        insert(this.starts, glob.prefix, glob, false);
        continue;
      }
      let end = glob.steps.length;
      while (end > 0 && glob.steps[end - 1] === Step.Char) end--;
      if (end < glob.steps.length) insert(this.ends, glob.chars.slice(end), glob, true);
      else this.others.push(glob);
    }
  }

  /** Whether any glob of the set matches all of `text`. */
  matches(text: string): boolean {
    if (this.exact.size > 0 && this.exact.has(textKey(text))) return true;
    for (let node: TrieNode | undefined = this.starts, i = 0; node !== undefined; i++) {
      for (const glob of node.globs) if (matchesGlob(glob, text)) return true;
      if (i >= text.length) break;
      node = node.next.get(text[i] ?? '');
    }
    for (let node: TrieNode | undefined = this.ends, i = text.length - 1; node !== undefined; i--) {
      for (const glob of node.globs) if (matchesGlob(glob, text)) return true;
      if (i < 0) break;
      node = node.next.get(text[i] ?? '');
    }
    return this.others.some((glob) => matchesGlob(glob, text));
  }
}

/** The globs of `texts`, compiled for `kind`, as one set. */
export const globSet = (texts: readonly string[], kind: 'path' | 'tag'): GlobSet =>
  new GlobSet(texts.map((text) => compileGlob(text, kind)));

export const NO_GLOBS = new GlobSet([]);

export function matchesAny(value: string, globs: GlobSet): boolean {
  return globs.matches(value);
}
