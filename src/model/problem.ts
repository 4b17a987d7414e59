/** Findings about an archive that a report can still be made of. Worded where they are made. */
export const ProblemCode = {
  missingBlob: 'MISSING_BLOB',
  digestMismatch: 'DIGEST_MISMATCH',
  diffIdMismatch: 'DIFF_ID_MISMATCH',
  sizeMismatch: 'SIZE_MISMATCH',
  layerCountMismatch: 'LAYER_COUNT_MISMATCH',
  manifestMismatch: 'MANIFEST_MISMATCH',
  layerSourceMismatch: 'LAYER_SOURCE_MISMATCH',
  invalidJson: 'INVALID_JSON',
  invalidManifest: 'INVALID_MANIFEST',
  invalidConfig: 'INVALID_CONFIG',
  invalidLayer: 'INVALID_LAYER',
  entryTooLarge: 'ENTRY_TOO_LARGE',
  linkCycle: 'LINK_CYCLE',
  linkEscape: 'LINK_ESCAPE',
  indexCycle: 'INDEX_CYCLE',
  duplicateEntry: 'DUPLICATE_ENTRY',
  missingEndOfArchive: 'MISSING_END_OF_ARCHIVE',
  historyMismatch: 'HISTORY_MISMATCH',
  /** A package database (dpkg, apk, npm, pip) that is corrupt, truncated, too large or lying. */
  packageDatabase: 'PACKAGE_DATABASE',
} as const;

export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode];
export type Severity = 'error' | 'warning' | 'info';

export interface Problem {
  readonly code: ProblemCode;
  readonly severity: Severity;
  readonly message: string;
  readonly entry: string | null;
}

export function problem(code: ProblemCode, severity: Severity, message: string, entry: string | null = null): Problem {
  return { code, severity, message, entry };
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
