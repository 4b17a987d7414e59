/** Every media type layerlens names, and the predicates over them: the one home for these strings. */
export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar',
} as const;

export type Compression = 'none' | 'gzip' | 'zstd';

/** Compression of an archive file as a whole: what layers use, and xz (which `docker load` reads). */
export type ArchiveCompression = Compression | 'xz';

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

export function isImageConfigMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociConfig || mediaType === MediaType.dockerConfig;
}

/** Layer media types of images: OCI and Docker, distributable or not, any compression. */
export function isLayerMediaType(mediaType: string | undefined): boolean {
  if (mediaType === undefined) return false;
  return (
    mediaType.startsWith('application/vnd.oci.image.layer.') ||
    mediaType.startsWith('application/vnd.docker.image.rootfs.')
  );
}

/** Non-distributable ("foreign") layers may legitimately be absent from an archive. */
export function isForeignLayerMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && (mediaType.includes('.foreign.') || mediaType.includes('.nondistributable.'));
}

/** The compression a layer media type declares; null when it declares none we know. */
export function compressionOfMediaType(mediaType: string | undefined): Compression | null {
  if (mediaType === undefined || !isLayerMediaType(mediaType)) return null;
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip')) return 'gzip';
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd')) return 'zstd';
  return 'none';
}

/** The media type a registry would use for a Docker-style layer stored with this compression. */
export function dockerLayerMediaType(compression: Compression): string {
  switch (compression) {
    case 'none':
      return MediaType.dockerLayer;
    case 'gzip':
      return MediaType.dockerLayerGzip;
    case 'zstd':
      return MediaType.ociLayerZstd;
  }
}
