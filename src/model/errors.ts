/** Codes of input that no report can be made of. Each has a test in test/model/errors.test.ts. */
export const InputErrorCode = {
  empty: 'EMPTY_INPUT',
  notAnArchive: 'NOT_AN_ARCHIVE',
  truncated: 'TRUNCATED',
  unknownFormat: 'UNKNOWN_FORMAT',
  invalidManifest: 'INVALID_MANIFEST',
  entryTooLarge: 'ENTRY_TOO_LARGE',
  unreadable: 'UNREADABLE',
  invalidReport: 'INVALID_REPORT',
  /** A symlink in an input folder points outside it. */
  linkEscape: 'LINK_ESCAPE',
  /**
   * An image whose final tree takes more work than any real image's (see MAX_REPEATED_ENTRIES and
   * MAX_NEW_FOLDER_CHARACTERS): a layer listed again and again, or paths thousands of folders deep.
   */
  overlayTooLarge: 'OVERLAY_TOO_LARGE',
} as const;

export type InputErrorCode = (typeof InputErrorCode)[keyof typeof InputErrorCode];

/** The input cannot be read as an image archive. The CLI prints `message` and exits 3. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: InputErrorCode,
    message: string,
    readonly entry: string | null = null,
  ) {
    super(message);
  }
}

/** The command line is wrong. The CLI prints `message` and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
