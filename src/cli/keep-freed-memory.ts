/**
 * Bytes of the zero-filled array the CLI drops at startup (keepFreedMemory): above glibc's
 * default mmap threshold (128 KiB) and at most its ceiling for raising it on its own (32 MiB on
 * 64-bit systems); a larger array would change nothing.
 */
export const STARTUP_BLOCK_BYTES = 2 * 1024 * 1024;

/**
 * Makes glibc's malloc keep the memory the process frees, up to a few megabytes per arena,
 * instead of handing it back to the kernel and faulting it in again on the next allocation.
 *
 * glibc starts by returning any free space above 128 KiB at the top of a thread's heap, and by
 * mapping every block of 128 KiB or more on its own. When it frees such a mapped block it raises
 * both limits to the block's size (twice that for the top): this array, which calloc maps without
 * touching a page, is freed at the next young-generation collection, early in the startup. From
 * then on the megabytes each TurboFan compile takes for its zones, and the read buffers of the
 * workers, are reused rather than given back. On the virtual machines the bench runs on, a page
 * touched for the first time costs about 16 µs (docs/packages.md, Cost, twelfth round): V8's
 * background threads took 5.4k such faults in an `inspect --packages --json` of bench input (e)
 * and 2.6k with this (1.7k against 2.5k without `--packages`).
 *
 * Process-wide, so the CLI calls it and the library does not. Elsewhere (musl, macOS, Windows)
 * it allocates and frees one untouched block. Returns the block's size.
 */
export function keepFreedMemory(): number {
  // Made and dropped at once: nothing holds it, and nothing writes to it.
  return new Uint8Array(STARTUP_BLOCK_BYTES).byteLength;
}
