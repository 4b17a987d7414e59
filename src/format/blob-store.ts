import { jsonErrorText, terminalText } from '../report/display-text.js';
import type { ArchiveEntry, ArchiveWalk } from '../archive/walk-archive.js';
import { normalizeEntryPath, resolveLinkTarget } from '../archive/entry-path.js';
import { digestClaimedByName, type Digest } from '../model/digest.js';
import { MAX_JSON_DEPTH, parseUntrustedJson } from '../model/json.js';
import { JSON_ARCHIVE_CAPS } from '../model/limits.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';

const MAX_LINK_HOPS = 40;

export type Lookup =
  | { readonly kind: 'found'; readonly entry: ArchiveEntry & { readonly blob: NonNullable<ArchiveEntry['blob']> } }
  | { readonly kind: 'missing' }
  | { readonly kind: 'problem'; readonly problem: Problem };

/** The walked archive as the format readers see it: entries by path and blobs by digest. */
export class BlobStore {
  private readonly byContentDigest = new Map<Digest, ArchiveEntry>();
  private readonly byClaimedDigest = new Map<Digest, ArchiveEntry>();

  constructor(readonly walk: ArchiveWalk) {
    for (const entry of walk.entries.values()) {
      if (!entry.blob) continue;
      const { digest } = entry.blob;
      // Unverified blobs carry the digest their name claims: trusted, since nothing was hashed.
      if (digest !== null && (!this.byContentDigest.has(digest) || entry.path.startsWith('blobs/'))) {
        this.byContentDigest.set(digest, entry);
      }
      const claimed = digestClaimedByName(entry.path);
      if (claimed && entry.blob.verified) this.byClaimedDigest.set(claimed, entry);
    }
  }

  has(path: string): boolean {
    return this.walk.entries.has(path);
  }

  /** Follows symlinks and hard links (relative to the link's folder) to a regular entry. */
  resolve(path: string): Lookup {
    // manifest.json may name `./x.tar`, which docker load accepts; entries are kept normalised.
    let current = normalizeEntryPath(path);
    const seen = new Set<string>();
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const entry = this.walk.entries.get(current);
      if (!entry) return { kind: 'missing' };
      if (entry.blob) return { kind: 'found', entry: entry as Extract<Lookup, { kind: 'found' }>['entry'] };
      if (entry.type !== 'symlink' && entry.type !== 'hardlink') return { kind: 'missing' };
      if (seen.has(current)) break;
      seen.add(current);
      const target = resolveLinkTarget(current, entry.linkTarget ?? '', entry.type);
      if (target === null) {
        return {
          kind: 'problem',
          problem: problem(
            ProblemCode.linkEscape,
            'error',
            `${terminalText(current)} links to ${terminalText(entry.linkTarget ?? '')}, outside the archive (a hostile or hand-edited archive?)`,
            current,
          ),
        };
      }
      current = target;
    }
    return {
      kind: 'problem',
      problem: problem(
        ProblemCode.linkCycle,
        'error',
        `${terminalText(path)} is a link that never reaches a file (a link cycle)`,
        path,
      ),
    };
  }

  /** The blob whose bytes hash to `digest`. */
  byDigest(digest: Digest): Lookup {
    const entry = this.byContentDigest.get(digest);
    if (entry?.blob) return { kind: 'found', entry: entry as Extract<Lookup, { kind: 'found' }>['entry'] };
    const liar = this.byClaimedDigest.get(digest);
    if (liar?.blob?.digest) {
      return {
        kind: 'problem',
        problem: problem(
          ProblemCode.digestMismatch,
          'error',
          `${terminalText(liar.path)} should hash to ${digest} but hashes to ${liar.blob.digest} (corrupted blob?)`,
          liar.path,
        ),
      };
    }
    return { kind: 'missing' };
  }

  /** Entries whose name promises a digest their bytes do not have. */
  misnamedBlobs(): Problem[] {
    const out: Problem[] = [];
    for (const [claimed, entry] of this.byClaimedDigest) {
      if (entry.blob?.digest && entry.blob.digest !== claimed) {
        out.push(
          problem(
            ProblemCode.digestMismatch,
            'error',
            `${terminalText(entry.path)} should hash to ${claimed} but hashes to ${entry.blob.digest} (corrupted blob?)`,
            entry.path,
          ),
        );
      }
    }
    return out;
  }
}

export type JsonResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: Problem };

/** Parses a kept JSON entry; too large, too deep, not JSON or not kept are problems naming the entry. */
export function parseJsonEntry(entry: ArchiveEntry, what: string, jsonCap: number): JsonResult {
  const path = terminalText(entry.path);
  const slot = entry.blob?.json;
  if (!slot) {
    return {
      ok: false,
      problem: problem(ProblemCode.invalidJson, 'error', `${path} (${what}) is not JSON`, entry.path),
    };
  }
  if ('tooLarge' in slot) {
    return {
      ok: false,
      problem: problem(
        ProblemCode.entryTooLarge,
        'error',
        slot.cap === 'entry'
          ? `${path} (${what}) is ${slot.size} bytes of JSON, over the ${jsonCap}-byte cap (a hostile archive? raise --max-json if it is genuine)`
          : `${path} (${what}) is ${slot.size} bytes of JSON, one of the largest when the archive's JSON entries together pass ${JSON_ARCHIVE_CAPS} × the ${jsonCap}-byte cap (a hostile archive? raise --max-json if it is genuine)`,
        entry.path,
      ),
    };
  }
  const parsed = parseUntrustedJson(slot.text);
  if (parsed.ok) return { ok: true, value: parsed.value };
  return {
    ok: false,
    problem: problem(
      ProblemCode.invalidJson,
      'error',
      parsed.why === 'too-deep'
        ? `${path} (${what}) nests deeper than ${MAX_JSON_DEPTH} levels (a hostile archive?); it is not parsed`
        : `${path} (${what}) is not valid JSON: ${jsonErrorText(parsed.error)}`,
      entry.path,
    ),
  };
}
