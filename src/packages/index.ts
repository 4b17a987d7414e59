export type { Ecosystem, PackageRecord, ImagePackages } from './types.js';
export { ECOSYSTEMS } from './types.js';
export { packagesOfImage, topFolderOf } from './packages-of-image.js';
export {
  MAX_LISTED_PATHS,
  METADATA_ARCHIVE_CAP,
  METADATA_FILE_CAP,
  METADATA_LAYER_CAP,
  metadataKindOf,
  type MetadataKind,
} from './metadata-paths.js';
export { PackageHeadStart } from './head-start.js';
