import type { Problem } from '../model/problem.js';

export type Ecosystem = 'dpkg' | 'apk' | 'npm' | 'pip';

export const ECOSYSTEMS: readonly Ecosystem[] = ['dpkg', 'apk', 'npm', 'pip'];

/** One installed package and the bytes of the image's final tree it owns. */
export interface PackageRecord {
  readonly ecosystem: Ecosystem;
  readonly name: string;
  readonly version: string | null;
  /** Content bytes of its paths in the final tree; with `declared`, the database's Installed-Size. */
  readonly size: number;
  /** Its regular files and symlinks in the final tree (0 when `declared`). */
  readonly fileCount: number;
  /** The layer that last added or changed one of its files (for `declared`: its database entry). */
  readonly layerIndex: number | null;
  /** The size is what the database declares (distroless `status.d`), not measured files. */
  readonly declared?: true;
}

export interface ImagePackages {
  /** Biggest first. */
  readonly packages: readonly PackageRecord[];
  /** Content bytes of the final tree that no (measured) package owns. */
  readonly unownedSize: number;
  /** `unownedSize` by top folder (`app/`, `usr/local/`, `/` for files at the root), biggest first. */
  readonly unownedByFolder: readonly { readonly folder: string; readonly size: number }[];
  /** Warnings about bad package databases: their packages' bytes count as unowned. */
  readonly problems: readonly Problem[];
}

/** What a reader learned about one package before its paths are looked up in the final tree. */
export interface PackageClaim {
  readonly ecosystem: Ecosystem;
  readonly name: string;
  readonly version: string | null;
  /** Image paths (normalized, no leading `/`) it lists; null when only a declared size is known. */
  readonly paths: readonly string[] | null;
  readonly declaredSize?: number;
  /** The database file it came from, for messages and for `layerIndex` of declared sizes. */
  readonly source: string;
}
