/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** A budget rule failed (audit). */
  failed: 1,
  usage: 2,
  /** The input cannot be read, or failed verification. */
  input: 3,
  /** A bug: the stack is printed. */
  bug: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
