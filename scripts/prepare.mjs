// npm runs `prepare` after `npm install` in a clone, and when it installs layerlens from a git URL
// or links a folder: it compiles src/ into dist/. The packed package has no `prepare` (pack.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

/** npm prepares a git dependency in a clone under its cache's tmp folder. */
function isNpmGitClone() {
  const cache = process.env.npm_config_cache;
  if (!cache) return false;
  const inside = relative(join(cache, '_cacache', 'tmp'), root);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}

if (!existsSync(tsc)) {
  if (process.env.npm_config_global === 'true' && isNpmGitClone()) {
    // npm runs the clone's own install as a global one (npm_config_global is inherited): it
    // installs no devDependencies into the clone and links the temporary clone into the global
    // prefix, so even a successful build would leave a dangling link. Stop with the ways that work.
    console.error(
      'layerlens: npm install -g from a git URL cannot build layerlens (npm runs the build without its ' +
        'devDependencies); use `npx --yes git+URL …`, or `npm pack git+URL` then `npm install -g ./layerlens-*.tgz`',
    );
  } else {
    console.error('layerlens: TypeScript is missing; run `npm install` (with devDependencies) first');
  }
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
