/**
 * Hand-built records and reports for tests of pure functions over large or hostile shapes, where
 * building and reading real archives would cost more than the code under test.
 */
import { FileList, type FileRecord } from '../../src/layer/file-list.js';
import type { ArchiveReport, ImageReport, LayerReport } from '../../src/model/image.js';

export const fileRecord = (path: string, extra: Partial<FileRecord> = {}): FileRecord => ({
  path,
  type: 'file',
  size: 2048,
  mode: 0o644,
  uid: 0,
  gid: 0,
  linkTarget: null,
  whiteout: null,
  sha256: null,
  ...extra,
});

export const layerReport = (
  index: number,
  files: readonly FileRecord[],
  createdBy: string | null = null,
  extra: Partial<LayerReport> = {},
): LayerReport => ({
  index,
  diffId: null,
  digest: null,
  mediaType: null,
  compression: 'none',
  storedSize: 0,
  uncompressedSize: 0,
  contentSize: files.reduce((sum, f) => sum + f.size, 0),
  fileCount: files.length,
  createdBy,
  present: true,
  external: false,
  estargz: false,
  entry: null,
  compressedSize: null,
  compressedSizeEstimated: false,
  files: FileList.fromRecords(files),
  ...extra,
});

export const imageReport = (layers: LayerReport[], extra: Partial<ImageReport> = {}): ImageReport => ({
  tags: ['t:1'],
  configDigest: null,
  manifestDigest: null,
  platform: 'linux/amd64',
  created: null,
  contentSize: layers.reduce((sum, l) => sum + (l.contentSize ?? 0), 0),
  uncompressedSize: 0,
  compressedSize: null,
  layers,
  history: [],
  ...extra,
});

export const archiveReport = (images: ImageReport[]): ArchiveReport => ({
  path: 'test.tar',
  format: 'docker-save',
  compression: 'none',
  verified: true,
  entryCount: 0,
  images,
  artifacts: [],
  absent: [],
  problems: [],
});
