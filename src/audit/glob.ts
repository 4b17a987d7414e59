/**
 * Globs for tags and paths. In paths `*` and `?` stay inside one segment and `**` crosses them
 * (`var/cache/**`); in tags `*` matches anything (`example/app:*`, `*:latest`).
 */
export function globToRegExp(glob: string, kind: 'path' | 'tag'): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else {
        out += kind === 'path' ? '[^/]*' : '.*';
      }
    } else if (c === '?') {
      out += kind === 'path' ? '[^/]' : '.';
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

export function matchesAny(value: string, globs: readonly RegExp[]): boolean {
  return globs.some((g) => g.test(value));
}

/**
 * Matches `text` against a glob where `*` is any run of characters and `?` one character, without
 * a regular expression: the classic two-pointer walk that backtracks only to the last `*`, so the
 * cost stays at most glob length × text length however hostile the text (package names come from
 * the image).
 */
export function matchesWildcard(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (g < glob.length && (glob[g] === '?' || glob[g] === text[t])) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      mark = t;
    } else if (star !== -1) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}
