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
