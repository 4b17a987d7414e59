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

export function matchesAny(value: string, globs: readonly Glob[]): boolean {
  return globs.some((g) => matchesGlob(g, value));
}
