#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ caches compiled code between runs: startup is part of every CI step. Node 20 has no
// such cache and simply skips this.
module.enableCompileCache?.();

const { main } = await import('../dist/cli/index.js');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
