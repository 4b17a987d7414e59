export { readArchive, DEFAULT_JSON_CAP, type ReadOptions, type ProvisionalReport } from './read-archive.js';
export type { ArchiveInput } from './archive/open-input.js';
export type {
  ArchiveReport,
  ArchiveFormat,
  ImageReport,
  LayerReport,
  ArtifactReport,
  AbsentReport,
} from './model/image.js';
export type { LayerContents } from './layer/layer-contents.js';
export { FileList, type FileRecord, type FileBatch } from './layer/file-list.js';
export type { HistoryStep } from './model/config.js';
export { type Digest, parseDigest, chainIds, shortDigest } from './model/digest.js';
export { MediaType, type ArchiveCompression, type Compression } from './model/media-type.js';
export { InputError, InputErrorCode, UsageError } from './model/errors.js';
export { ProblemCode, type Problem, type Severity, hasErrors } from './model/problem.js';
export { whiteoutKindOf, whiteoutTarget, type WhiteoutKind } from './layer/whiteout.js';
export { buildInspectJson, buildInspectNdjsonLines, INSPECT_SCHEMA_VERSION } from './report/inspect-json.js';
export { readInput } from './read-input.js';
export { readReport, MAX_REPORT_BYTES, type ReportReadOptions } from './read-report.js';
export { parseInspectJson, parseImageLine } from './report/parse-inspect-json.js';
export {
  analyzeSharing,
  mergeImages,
  imageId,
  type ShareKey,
  type SharingReport,
  type ImageShare,
  type SharedLayer,
  type SharedBase,
  type PullCost,
  type SharingTotals,
  type SharedPair,
  MATRIX_MAX_IMAGES,
  TOP_PAIRS,
} from './sharing/analyze-sharing.js';
export { buildShareJson, SHARE_SCHEMA_VERSION } from './report/share-report.js';
export { formatDockerSize } from './report/docker-units.js';
export { applyLayers, type Overlay, type HiddenCopy, type TreeEntry } from './layer/overlay.js';
export { treeOf, type TreeNode } from './layer/tree-view.js';
export { auditImages, type AuditResult, type ImageAudit, type RuleResult } from './audit/audit-images.js';
export { parseAuditConfig, ConfigError, type AuditConfig, type Budget } from './audit/config.js';
export { findLayeringIssues, FindingCode, type Finding } from './audit/findings.js';
export { buildAuditJson, renderAuditJunit, AUDIT_SCHEMA_VERSION } from './report/audit-report.js';
export {
  packagesOfImage,
  PackageHeadStart,
  ECOSYSTEMS,
  MAX_LISTED_PATHS,
  METADATA_ARCHIVE_CAP,
  METADATA_FILE_CAP,
  METADATA_LAYER_CAP,
  type Ecosystem,
  type PackageRecord,
  type ImagePackages,
} from './packages/index.js';
export type { MetadataFile, CapturedMetadata } from './layer/metadata-capture.js';
export { MAX_PATH_LENGTH } from './model/limits.js';
export {
  compareImages,
  hasFileLists,
  type ImageDiff,
  type LayerDiff,
  type LayerEntry,
  type StepGrowth,
  type CompareOptions,
} from './diff/compare-images.js';
export {
  compareTrees,
  type FileDiff,
  type FileEntry,
  type FileChange,
  type FolderDelta,
} from './diff/compare-files.js';
export { comparePackages, type PackageDiff, type PackageChange, type PackageEntry } from './diff/compare-packages.js';
export { pairImages, type ImagePairs } from './diff/pair-images.js';
export { buildDiffJson, renderDiffText, renderDiffMarkdown, DIFF_SCHEMA_VERSION } from './report/diff-report.js';
