import { terminalText } from '../report/display-text.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { MAX_LISTED_PATHS } from './metadata-paths.js';

/**
 * How many more paths the databases of one image may list (MAX_LISTED_PATHS): the readers of
 * `.list` files, apk's `installed` and RECORDs ask for room before they read a database and say
 * how many paths they took; the first one cut short gets a warning, and what the paths past the
 * limit own counts as unowned.
 */
export class ListedPaths {
  private left: number;
  private cut = false;

  constructor(
    private readonly problems: Problem[],
    private readonly limit: number = MAX_LISTED_PATHS,
  ) {
    this.left = limit;
  }

  /** How many paths the next database may list. */
  get room(): number {
    return this.left;
  }

  /** `source` listed `count` paths, and more that did not fit when `cut`. */
  took(source: string, count: number, cut: boolean): void {
    this.left -= count;
    if (!cut || this.cut) return;
    this.cut = true;
    this.problems.push(
      problem(
        ProblemCode.packageDatabase,
        'warning',
        `${terminalText(source)}: the databases of this image list more than ${this.limit} paths in all (huge or hostile?); the paths from here on are not read, and what they own counts as unowned`,
        source,
      ),
    );
  }
}
