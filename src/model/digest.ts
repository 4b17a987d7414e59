import { createHash } from 'node:crypto';

declare const digestBrand: unique symbol;

/** A content address `sha256:<64 hex>`. Only {@link parseDigest} and {@link digestOf} make one. */
export type Digest = string & { readonly [digestBrand]: true };

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const BARE_HEX_PATTERN = /^[0-9a-f]{64}$/;

/** Returns the digest when `value` is a well-formed sha256 digest, otherwise null. */
export function parseDigest(value: unknown): Digest | null {
  return typeof value === 'string' && DIGEST_PATTERN.test(value) ? (value as Digest) : null;
}

/** Accepts a bare 64-hex name (docker-dir blobs, `<hex>.json` configs) as a digest. */
export function digestFromHex(hex: string): Digest | null {
  return BARE_HEX_PATTERN.test(hex) ? (`sha256:${hex}` as Digest) : null;
}

export function digestOf(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/** Wraps a finished sha256 hex string from a streaming hash. */
export function digestFromHash(hexOfSha256: string): Digest {
  return `sha256:${hexOfSha256}` as Digest;
}

/** `sha256:0123456789ab` -> `0123456789ab`: the 12-hex form Docker prints. */
export function shortDigest(digest: Digest | null): string {
  return digest === null ? '-' : digest.slice('sha256:'.length, 'sha256:'.length + 12);
}

/**
 * The digest an archive entry's name claims for its bytes, or null when the name claims none.
 * `blobs/sha256/<hex>` (OCI layout), `sha256:<hex>` (crane configs), a bare `<hex>` at the root
 * (skopeo `dir:`) and `<hex>.json` at the root (docker save configs, named by image ID).
 */
export function digestClaimedByName(path: string): Digest | null {
  const parts = path.split('/');
  const base = parts[parts.length - 1] ?? '';
  if (parts.length === 3 && parts[0] === 'blobs' && parts[1] === 'sha256') return digestFromHex(base);
  if (parts.length !== 1) return null;
  if (base.startsWith('sha256:')) return parseDigest(base);
  if (base.endsWith('.json')) return digestFromHex(base.slice(0, -'.json'.length));
  return digestFromHex(base);
}

/** ChainID per the OCI image spec: chain(0) = diffId(0); chain(n) = sha256(chain(n-1) + " " + diffId(n)). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(previous === undefined ? diffId : digestOf(`${previous} ${diffId}`));
  }
  return out;
}
