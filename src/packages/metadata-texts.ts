import { metadataKindOf, type MetadataKind } from './metadata-paths.js';

const NONE: ReadonlyMap<string, string> = new Map();

/**
 * The final tree's copy of each kept database file: by path, and by kind. The kind is told once,
 * where the file was found (the layer walk, see MetadataFile), so readers take the files of
 * their kind without asking metadataKindOf of every database again: three readers asking of
 * 2,000 files made it hot enough for the JIT to compile it on the main thread while the last
 * layer was hashed (issue 9).
 */
export class MetadataTexts {
  private readonly texts = new Map<string, string>();
  private readonly kinds = new Map<MetadataKind, Map<string, string>>();

  /** Texts by path (hand-made layers, tests): each path's kind told by metadataKindOf. */
  static of(texts: Iterable<readonly [string, string]>): MetadataTexts {
    const result = new MetadataTexts();
    for (const [path, text] of texts) result.add(path, metadataKindOf(path), text);
    return result;
  }

  /** Keeps `text` as the copy of `path`, a database of `kind` (null: none we read). */
  add(path: string, kind: MetadataKind | null, text: string): void {
    this.texts.set(path, text);
    if (kind === null) return;
    const ofKind = this.kinds.get(kind);
    if (ofKind === undefined) this.kinds.set(kind, new Map([[path, text]]));
    else ofKind.set(path, text);
  }

  get(path: string): string | undefined {
    return this.texts.get(path);
  }

  has(path: string): boolean {
    return this.texts.has(path);
  }

  /** The files of one kind, by path, in the order they were added. */
  ofKind(kind: MetadataKind): ReadonlyMap<string, string> {
    return this.kinds.get(kind) ?? NONE;
  }
}
