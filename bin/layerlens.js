#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ caches compiled code between runs: startup is part of every CI step. Node 20 has no
// such cache and simply skips this.
module.enableCompileCache?.();

// First of all, before the modules compile: freed memory stays with the process rather than going
// back to the kernel page by page (see src/cli/keep-freed-memory.ts).
const { keepFreedMemory } = await import('../dist/cli/keep-freed-memory.js');
keepFreedMemory();

// A reader that stops early (`| head`) closes the pipe: the rest of the output goes nowhere, and
// the command still finishes with its own exit code instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const { main } = await import('../dist/cli/index.js');
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
// Nothing is left to run once main returns. Exiting here skips tearing down a heap that held a
// whole image's file lists (14 ms after `inspect --packages` on a 1 GB archive, issue 9); waiting
// for an empty write on each stream first keeps piped output whole where pipes are asynchronous
// (macOS, Windows). A closed stream (EPIPE) calls back with an error: nothing more to wait for.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write('', done))));
process.exit(code);
