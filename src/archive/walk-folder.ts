import { terminalText } from '../report/display-text.js';
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, InputErrorCode } from '../model/errors.js';
import { BlobReader } from './blob-reader.js';
import { EntryCollector } from './entry-collector.js';
import { childPath, resolveLinkTarget } from './entry-path.js';
import type { TarEntryType } from './tar-parser.js';
import type { ArchiveWalk } from './walk-archive.js';
import { BlockReader, readFileEntry, WaitingBlobs, type FileWalkOptions } from './walk-file.js';

/**
 * Walks a folder (an OCI image layout, a skopeo `dir:` copy) into the same ArchiveWalk the tar
 * walks produce, as if the folder had been tarred with `tar -C DIR -cf - .`: every file read
 * once through the same BlobReader (large ones on the worker pool when verifying), symlinks kept
 * as link entries for the BlobStore to resolve. Directory links are never followed, and a link
 * that leaves the folder is refused: the folder must not make us read a file beside it.
 *
 * The walk is iterative (no recursion as deep as the folder) and visits names in sorted order,
 * so two walks of one folder agree.
 */
export async function walkFolder(root: string, options: FileWalkOptions, label: string): Promise<ArchiveWalk> {
  const collector = new EntryCollector(options.jsonCap);
  const jobs: Promise<void>[] = [];
  const waiting = new WaitingBlobs(collector, options);
  const stack: string[] = [''];
  let done = 0;
  const progress = (bytes: number): void => {
    done += bytes;
    options.onProgress?.(done, null);
  };
  while (stack.length > 0) {
    const folder = stack.pop() ?? '';
    let names: string[];
    try {
      names = (await readdir(join(root, folder))).sort();
    } catch (error) {
      throw unreadable(label, folder, error);
    }
    // Pushed in reverse so that the stack pops them in sorted order.
    const subfolders: string[] = [];
    for (const name of names) {
      const path = childPath(folder, name);
      const full = join(root, path);
      let info;
      try {
        info = await lstat(full);
      } catch (error) {
        throw unreadable(label, path, error);
      }
      const position = collector.count++;
      collector.lastEntry = path;
      if (info.isDirectory()) {
        collector.record({ path, type: 'directory', linkTarget: null, blob: null, position });
        subfolders.push(path);
      } else if (info.isSymbolicLink()) {
        const target = await readlink(full);
        if (resolveLinkTarget(path, target, 'symlink') === null) {
          throw new InputError(
            InputErrorCode.linkEscape,
            `${label}/${terminalText(path)} is a symlink to ${terminalText(target)}, outside the folder; layerlens reads only files inside an input folder (copy the target in, or tar the folder with tar -h)`,
            path,
          );
        }
        collector.record({ path, type: 'symlink', linkTarget: target, blob: null, position });
      } else if (info.isFile()) {
        const job = readFolderFile(full, path, info.size, options, progress, label).then((blob) => {
          collector.record({ path, type: 'file', linkTarget: null, blob, position });
          waiting.read(path);
        });
        if (options.verify && options.pool && info.size >= options.workerThreshold) {
          waiting.add(path, info.size, position);
          jobs.push(job);
        } else await job;
      } else {
        // Sockets, FIFOs and devices are never opened: reading a FIFO would wait forever.
        collector.record({ path, type: specialType(info), linkTarget: null, blob: null, position });
      }
    }
    for (let i = subfolders.length - 1; i >= 0; i--) stack.push(subfolders[i] ?? '');
  }
  waiting.outerWalkDone(true);
  await Promise.all(jobs);
  if (collector.count === 0) {
    throw new InputError(InputErrorCode.empty, `${label} is an empty folder (an interrupted copy?)`);
  }
  return collector.result(true);
}

async function readFolderFile(
  full: string,
  path: string,
  size: number,
  options: FileWalkOptions,
  progress: (bytes: number) => void,
  label: string,
): ReturnType<typeof readFileEntry> {
  if (size === 0) return new BlobReader(options).end();
  let handle;
  try {
    // O_NOFOLLOW: a file swapped for a link after lstat is refused, not followed.
    handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw unreadable(label, path, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw unreadable(label, path, new Error('changed while being read'));
    return await readFileEntry(handle, new BlockReader(handle, info.size), full, path, 0, info.size, options, progress);
  } finally {
    await handle.close();
  }
}

function specialType(info: {
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
}): TarEntryType {
  if (info.isCharacterDevice()) return 'char';
  if (info.isBlockDevice()) return 'block';
  if (info.isFIFO()) return 'fifo';
  return 'other';
}

function unreadable(label: string, path: string, error: unknown): InputError {
  const reason = error instanceof Error ? error.message : String(error);
  return new InputError(
    InputErrorCode.unreadable,
    `cannot read ${label}/${terminalText(path)}: ${terminalText(reason)}`,
    path,
  );
}
