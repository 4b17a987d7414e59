/**
 * Image layers made from the test machine's own files (a real dpkg, pip or npm tree), at test
 * time, into memory: never committed. Each path is written where the host keeps it and as what it
 * is there (a file with its content, a symlink with its target, a second name of an inode as a
 * tar hard link, a folder), and every symlink that a folder on the way to it crosses too, so that
 * the image resolves paths as the host does. What a path is on the host is read with lstat,
 * readlink and realpath: the host kernel follows the links, not layerlens's code.
 */
import {
  accessSync,
  constants,
  lstatSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { FileSpec } from './fixture-builder.js';

type HostEntry =
  | { kind: 'file'; host: string; size: number; inode: string }
  | { kind: 'symlink'; target: string }
  | { kind: 'dir' }
  | { kind: 'text'; content: Buffer };

/** Where `hostPath` is: its folder as the host kernel resolves it, its last part as it is. Null when the folder is not there. */
export function hostLocation(hostPath: string, realFolders = new Map<string, string | null>()): string | null {
  const folder = dirname(hostPath);
  let real = realFolders.get(folder);
  if (real === undefined) {
    try {
      real = realpathSync(folder);
    } catch {
      real = null;
    }
    realFolders.set(folder, real);
  }
  return real === null ? null : join(real, basename(hostPath));
}

/** lstat, or null when nothing is there (or it cannot be read). */
export function lstatOrNull(hostPath: string): Stats | null {
  try {
    return lstatSync(hostPath);
  } catch {
    return null;
  }
}

/**
 * Whether this user can read every regular file among `hostPaths` (a CI machine that runs the tests
 * as another user than root may find a 0600 file in a package): a part leaves out what it cannot write.
 */
export function allReadable(hostPaths: Iterable<string>): boolean {
  for (const path of hostPaths) {
    if (!lstatOrNull(path)?.isFile()) continue;
    try {
      accessSync(path, constants.R_OK);
    } catch {
      return false;
    }
  }
  return true;
}

/** The entries of a folder, sorted; none when it cannot be read. */
export function sortedEntries(hostPath: string): string[] {
  try {
    return readdirSync(hostPath).sort();
  } catch {
    return [];
  }
}

/** One layer's worth of host paths, and what the tar will give for each. */
export class HostTree {
  private readonly entries = new Map<string, HostEntry>();
  private readonly realFolders = new Map<string, string | null>();
  private readonly foldersDone = new Set<string>();
  /** Each inode's names (image paths) in tar order: made when asked, after the last add. */
  private inodeNames: Map<string, string[]> | null = null;

  /** `imagePathOf` maps an absolute host path to the image's (default: the same place, no leading `/`). */
  constructor(private readonly imagePathOf: (hostPath: string) => string = (hostPath) => hostPath.slice(1)) {}

  /** hostLocation, with this tree's cache of resolved folders. */
  locate(hostPath: string): string | null {
    return hostLocation(hostPath, this.realFolders);
  }

  /**
   * Adds what a process on the host reaches at `hostPath` (folders followed, the last part as it
   * is), with the links on the way; returns where it is, or null when it is absent or neither a
   * file, a symlink nor a folder.
   */
  addReached(hostPath: string): string | null {
    const location = this.locate(hostPath);
    if (location === null) return null;
    this.addLinksOnTheWay(dirname(hostPath));
    return this.addAt(location) ? location : null;
  }

  /** Adds what is at `location` (a path whose folders are real ones) as it is; false when it is not added. */
  addAt(location: string): boolean {
    const image = this.imagePathOf(location);
    if (this.entries.has(image)) return true;
    const stats = lstatOrNull(location);
    if (stats === null) return false;
    if (stats.isSymbolicLink()) this.entries.set(image, { kind: 'symlink', target: readlinkSync(location) });
    else if (stats.isDirectory()) this.entries.set(image, { kind: 'dir' });
    else if (stats.isFile())
      this.entries.set(image, { kind: 'file', host: location, size: stats.size, inode: `${stats.dev}:${stats.ino}` });
    else return false;
    this.inodeNames = null;
    return true;
  }

  /** A file of the test's own making (a status file cut down to the packages taken). */
  addText(imagePath: string, content: string): void {
    this.entries.set(imagePath, { kind: 'text', content: Buffer.from(content) });
  }

  /**
   * The symlinks a lookup of `folder` crosses (each folder of it, as the host resolves the ones
   * before it), and those their targets cross, so the image follows them where the host does.
   */
  private addLinksOnTheWay(folder: string): void {
    const pending = [folder];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      for (let prefix = next; prefix !== '/' && !this.foldersDone.has(prefix); prefix = dirname(prefix)) {
        this.foldersDone.add(prefix);
        const location = this.locate(prefix);
        if (location === null || !lstatOrNull(location)?.isSymbolicLink()) continue;
        this.addAt(location);
        pending.push(resolve(dirname(location), readlinkSync(location)));
      }
    }
  }

  /** The image path of the host path `location` (for a caller that names image paths). */
  imagePath(location: string): string {
    return this.imagePathOf(location);
  }

  has(location: string): boolean {
    return this.entries.has(this.imagePathOf(location));
  }

  /** Image paths in the order the tar has them. */
  private sortedPaths(): string[] {
    return [...this.entries.keys()].sort();
  }

  /**
   * Whether the name `imagePath` of `inode` holds its bytes: the first of its names in the tar (the
   * others are hard links to it), or with `present` (which host paths a later layer left in the
   * image), the first of those still present: a hard link keeps its file's bytes when the file's
   * own name is deleted, as on the host.
   */
  private holdsBytes(inode: string, imagePath: string, present?: (location: string) => boolean): boolean {
    if (this.inodeNames === null) {
      this.inodeNames = new Map();
      for (const path of this.sortedPaths()) {
        const entry = this.entries.get(path);
        if (entry?.kind !== 'file') continue;
        const names = this.inodeNames.get(entry.inode);
        if (names === undefined) this.inodeNames.set(entry.inode, [path]);
        else names.push(path);
      }
    }
    const names = this.inodeNames.get(inode) ?? [imagePath];
    const holder =
      present === undefined
        ? names[0]
        : names.find((name) => {
            const entry = this.entries.get(name);
            return entry?.kind === 'file' && present(entry.host);
          });
    return holder === imagePath;
  }

  /**
   * What the tar entry at host path `location` is, and its content bytes there: a file's size for
   * the name of its inode that holds them (holdsBytes) and 0 for its other names (as `du`), a
   * symlink's target length. Null when not in this tree.
   */
  entryAt(
    location: string,
    present?: (location: string) => boolean,
  ): { kind: 'file' | 'symlink' | 'dir'; bytes: number } | null {
    return this.entryOf(this.imagePathOf(location), present);
  }

  private entryOf(
    imagePath: string,
    present?: (location: string) => boolean,
  ): { kind: 'file' | 'symlink' | 'dir'; bytes: number } | null {
    const entry = this.entries.get(imagePath);
    if (entry === undefined) return null;
    switch (entry.kind) {
      case 'dir':
        return { kind: 'dir', bytes: 0 };
      case 'symlink':
        return { kind: 'symlink', bytes: Buffer.byteLength(entry.target) };
      case 'text':
        return { kind: 'file', bytes: entry.content.length };
      case 'file':
        return { kind: 'file', bytes: this.holdsBytes(entry.inode, imagePath, present) ? entry.size : 0 };
    }
  }

  /** The host path of the first name, in tar order, of the first file with several names that `where` accepts; null when none. */
  firstOfSeveralNames(where: (location: string) => boolean): string | null {
    for (const path of this.sortedPaths()) {
      const entry = this.entries.get(path);
      if (entry?.kind !== 'file' || !where(entry.host) || !this.holdsBytes(entry.inode, path)) continue;
      if ((this.inodeNames?.get(entry.inode)?.length ?? 0) > 1) return entry.host;
    }
    return null;
  }

  /** Content bytes of every entry whose image path `keep` accepts; `present` as for entryAt. */
  contentSize(keep: (imagePath: string) => boolean = () => true, present?: (location: string) => boolean): number {
    let total = 0;
    for (const path of this.entries.keys()) if (keep(path)) total += this.entryOf(path, present)?.bytes ?? 0;
    return total;
  }

  /** Entries that are no folder, and how many of them are an inode's second name (a tar hard link). */
  fileCount(): { files: number; hardLinks: number } {
    let files = 0;
    let hardLinks = 0;
    for (const [path, entry] of this.entries) {
      if (entry.kind === 'dir') continue;
      files++;
      if (entry.kind === 'file' && !this.holdsBytes(entry.inode, path)) hardLinks++;
    }
    return { files, hardLinks };
  }

  /** The layer: folders first, each inode's later names as hard links, file contents read now. */
  files(): FileSpec[] {
    const files: FileSpec[] = [];
    const folders = new Set<string>();
    const written = new Map<string, string>();
    for (const path of this.sortedPaths()) {
      for (let at = path.indexOf('/'); at !== -1; at = path.indexOf('/', at + 1)) {
        const folder = path.slice(0, at);
        if (folders.has(folder) || this.entries.has(folder)) continue;
        folders.add(folder);
        files.push({ path: `${folder}/`, type: 'dir' });
      }
      const entry = this.entries.get(path) as HostEntry;
      if (entry.kind === 'dir') files.push({ path: `${path}/`, type: 'dir' });
      else if (entry.kind === 'symlink') files.push({ path, type: 'symlink', target: entry.target });
      else if (entry.kind === 'text') files.push({ path, content: entry.content });
      else {
        const first = written.get(entry.inode);
        if (first !== undefined) files.push({ path, type: 'hardlink', target: first });
        else {
          written.set(entry.inode, path);
          files.push({ path, content: readFileSync(entry.host) });
        }
      }
    }
    return files;
  }
}
