import { terminalText } from '../report/display-text.js';
import { plural } from '../model/plural.js';
import { parseDigest, type Digest } from '../model/digest.js';
import type { AbsentReport, ArtifactReport, ImageReport, LayerReport } from '../model/image.js';
import { arrayField, isObject, objectField, stringField, type JsonObject } from '../model/json.js';
import {
  isImageConfigMediaType,
  isIndexMediaType,
  isLayerMediaType,
  isManifestMediaType,
} from '../model/media-type.js';
import { formatPlatform, platformOf } from '../model/platform.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { MAX_TAG_HAND_DOWNS } from '../model/limits.js';
import { assembleImage, buildLayer, checkHistory, createdByOf, overlongTags, tagsWithinLength } from './build-image.js';
import type { Lookup } from './blob-store.js';
import { readJson, type FormatContext } from './context.js';
import { readImageConfig } from './image-config.js';
import { descriptorOf } from './docker-save.js';

/** OCI annotations that name an image; containerd writes the full reference beside the tag. */
const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';
/** BuildKit marks attestation (and regclient other reference) manifests with this annotation. */
const REFERENCE_TYPE = 'vnd.docker.reference.type';
const MAX_INDEX_DEPTH = 32;

export interface OciWalk {
  readonly images: ImageReport[];
  readonly artifacts: ArtifactReport[];
  readonly absent: AbsentReport[];
}

interface Descriptor {
  readonly digest: Digest;
  readonly mediaType: string | null;
  readonly size: number | null;
  readonly platform: string | null;
  readonly annotations: JsonObject;
}

/**
 * Walks an OCI image layout from `index.json` through nested indexes (depth-first, cycles
 * reported, not followed) to image manifests, attestations and artifacts. Descriptors whose blob
 * is not in the archive are listed as absent, which containerd exports of one platform expect.
 */
export function walkOciIndex(context: FormatContext, index: unknown): OciWalk {
  const walker = new OciWalker(context);
  walker.index(index, [], [], 'index.json');
  return walker.result();
}

/** A single manifest at a known place (skopeo `dir:` layouts keep one as manifest.json). */
export function readSingleManifest(context: FormatContext, manifest: JsonObject, digest: Digest): OciWalk {
  const walker = new OciWalker(context);
  walker.manifest(
    { digest, mediaType: stringField(manifest, 'mediaType'), size: null, platform: null, annotations: {} },
    manifest,
    [],
  );
  return walker.result();
}

class OciWalker {
  private readonly images = new Map<Digest, ImageReport>();
  private readonly artifacts = new Map<Digest, ArtifactReport>();
  private readonly absent = new Map<Digest, AbsentReport>();
  /**
   * Indexes already walked, with the tags they were walked with: an index that lists the same
   * child twice, nested 30 deep, is 2^30 paths but 30 blobs (issue 12). Each is visited once per
   * set of tags it is reached with (see walk).
   */
  private readonly walked = new Map<Digest, Set<string>>();
  /**
   * Manifests and indexes read so far, by digest: each is parsed once however often it is listed
   * (issue 12: index.json listing one manifest of 5,000 layers 2,000 times parsed it 2,000 times,
   * 6.7 s; an index listed 2,000 times with a tag each, itself listing one manifest 2,000 times,
   * parsed that 4 million times, 9.2 s).
   */
  private readonly blobs = new Map<Digest, ReadBlob | null>();
  /**
   * The tags of manifests listed more than once, in order: index.json may list one manifest any
   * number of times, each with its own tag, and merging each into a new list was quadratic.
   */
  private readonly repeatedTags = new Map<Digest, Set<string>>();
  /** Listings later walks have handed tags down to (see MAX_TAG_HAND_DOWNS). */
  private handDowns = 0;

  constructor(private readonly context: FormatContext) {}

  result(): OciWalk {
    return {
      images: [...this.images].map(([digest, image]) => this.withRepeatedTags(digest, image)),
      artifacts: [...this.artifacts].map(([digest, artifact]) => this.withRepeatedTags(digest, artifact)),
      absent: [...this.absent.values()],
    };
  }

  private withRepeatedTags<T extends ImageReport | ArtifactReport>(digest: Digest, report: T): T {
    const tags = this.repeatedTags.get(digest);
    return tags ? { ...report, tags: [...tags] } : report;
  }

  index(value: unknown, tags: readonly string[], ancestors: readonly Digest[], where: string): void {
    if (!isObject(value)) {
      this.context.problems.push(problem(ProblemCode.invalidManifest, 'error', `${where} is not an OCI index`, where));
      return;
    }
    this.walk(listingsOf(value, where, this.context.problems), tags, ancestors, where, true);
  }

  /**
   * Walks an index's listings with the tags it was reached with. `first`: its first walk, which
   * visits every listing; a later walk, with other tags, visits only the untagged ones (once per
   * blob and kind of media type), since tagged listings and repeats would change nothing.
   */
  private walk(
    listings: Listings,
    tags: readonly string[],
    ancestors: readonly Digest[],
    where: string,
    first: boolean,
  ): void {
    if (!first) {
      if (!this.mayHandDown(listings.untagged.length)) return;
      for (const descriptor of listings.untagged) this.descriptor(descriptor, tags, ancestors);
      return;
    }
    for (const listing of listings.all) {
      if (listing === null) {
        this.context.problems.push(
          problem(
            ProblemCode.invalidManifest,
            'error',
            `${terminalText(where)} has a descriptor without a valid sha256 digest (hand-edited or hostile index?)`,
            where,
          ),
        );
        continue;
      }
      this.descriptor(listing.descriptor, listing.tags.length > 0 ? listing.tags : tags, ancestors);
    }
  }

  /**
   * Whether a later walk may hand tags down `count` more listings (see MAX_TAG_HAND_DOWNS); the
   * first time it may not, says so.
   */
  private mayHandDown(count: number): boolean {
    if (this.handDowns > MAX_TAG_HAND_DOWNS) return false;
    this.handDowns += count;
    if (this.handDowns <= MAX_TAG_HAND_DOWNS) return true;
    this.context.problems.push(
      problem(
        ProblemCode.invalidManifest,
        'error',
        `indexes hand their tags down more than ${MAX_TAG_HAND_DOWNS} times (an index listed with many tags over many untagged indexes: a hostile layout?); the rest of those tags are left out`,
        null,
      ),
    );
    return false;
  }

  private descriptor(descriptor: Descriptor, tags: readonly string[], ancestors: readonly Digest[]): void {
    const { problems, store } = this.context;
    if (ancestors.includes(descriptor.digest)) {
      problems.push(
        problem(
          ProblemCode.indexCycle,
          'warning',
          `index ${descriptor.digest} contains itself; not followed again`,
          null,
        ),
      );
      return;
    }
    if (ancestors.length >= MAX_INDEX_DEPTH) {
      problems.push(
        problem(ProblemCode.indexCycle, 'warning', `indexes nest deeper than ${MAX_INDEX_DEPTH}; stopped`, null),
      );
      return;
    }
    const lookup = store.byDigest(descriptor.digest);
    if (lookup.kind === 'missing') {
      // index.json's own entries must be in the archive; only the children of a multi-platform
      // index may be absent (containerd exports one platform). Issue 12.
      if (ancestors.length === 0) {
        problems.push(
          problem(
            ProblemCode.missingBlob,
            'error',
            `index.json lists ${descriptor.digest} but the archive has no such blob (truncated or partial export?)`,
            null,
          ),
        );
        return;
      }
      this.markAbsent(descriptor, tags);
      return;
    }
    if (lookup.kind === 'found' && descriptor.size !== null && lookup.entry.blob.storedSize !== descriptor.size) {
      problems.push(
        problem(
          ProblemCode.sizeMismatch,
          'error',
          `${terminalText(lookup.entry.path)} is ${lookup.entry.blob.storedSize} bytes, but its descriptor says ${descriptor.size}`,
          lookup.entry.path,
        ),
      );
    }
    const read = this.read(descriptor.digest, lookup);
    if (read === null) return;
    const isIndex =
      isIndexMediaType(descriptor.mediaType ?? undefined) ||
      (!isManifestMediaType(descriptor.mediaType ?? undefined) && read.listings !== null);
    if (isIndex) {
      let walkedWith = this.walked.get(descriptor.digest);
      const first = walkedWith === undefined;
      walkedWith ??= new Set();
      this.walked.set(descriptor.digest, walkedWith);
      const key = tags.join('\u0000');
      if (walkedWith.has(key)) return;
      walkedWith.add(key);
      const listings = read.listings ?? NO_LISTINGS;
      this.walk(listings, tags, [...ancestors, descriptor.digest], descriptor.digest, first);
    } else {
      // Let go once the manifest is recorded: from then on manifest() only adds tags.
      const value = read.value ?? {};
      read.value = null;
      this.manifest(descriptor, value, tags);
    }
  }

  /** The blob's JSON, parsed on its first listing only; null when it is not a JSON object (told once). */
  private read(digest: Digest, lookup: Lookup): ReadBlob | null {
    let read = this.blobs.get(digest);
    if (read === undefined) {
      const value = readJson(this.context, lookup, 'manifest or index');
      read = isObject(value)
        ? {
            value,
            listings: Array.isArray(value['manifests']) ? listingsOf(value, digest, this.context.problems) : null,
          }
        : null;
      this.blobs.set(digest, read);
    }
    return read;
  }

  manifest(descriptor: Descriptor, value: JsonObject, tags: readonly string[]): void {
    const digest = descriptor.digest;
    const known = this.images.get(digest) ?? this.artifacts.get(digest);
    if (known) {
      let merged = this.repeatedTags.get(digest);
      if (!merged) {
        merged = new Set(known.tags);
        this.repeatedTags.set(digest, merged);
      }
      for (const tag of tags) merged.add(tag);
      return;
    }
    const configDescriptor = objectField(value, 'config');
    const configMediaType = configDescriptor ? stringField(configDescriptor, 'mediaType') : null;
    const layerDescriptors = (arrayField(value, 'layers') ?? []).map(descriptorOf);
    const artifactType = stringField(value, 'artifactType');
    const referenceType = stringField(descriptor.annotations, REFERENCE_TYPE);
    const isImage =
      referenceType === null &&
      artifactType === null &&
      isImageConfigMediaType(configMediaType ?? undefined) &&
      layerDescriptors.every((d) => d !== null && isLayerMediaType(d.mediaType ?? undefined));
    if (!isImage) {
      const subject = objectField(value, 'subject');
      this.artifacts.set(digest, {
        kind: referenceType !== null ? 'attestation' : 'artifact',
        manifestDigest: digest,
        artifactType: artifactType ?? (referenceType !== null ? null : configMediaType),
        configMediaType,
        tags: [...tags],
        subject: subject ? parseDigest(subject['digest']) : null,
        platform: descriptor.platform,
        layerCount: layerDescriptors.length,
        size: layerDescriptors.reduce((sum, d) => sum + (d?.size ?? 0), 0),
      });
      return;
    }
    this.images.set(digest, this.image(digest, configDescriptor, layerDescriptors, tags));
  }

  private image(
    digest: Digest,
    configDescriptor: JsonObject | null,
    layerDescriptors: ReturnType<typeof descriptorOf>[],
    tags: readonly string[],
  ): ImageReport {
    const { store, problems } = this.context;
    const configDigest = configDescriptor ? parseDigest(configDescriptor['digest']) : null;
    const configLookup = configDigest ? store.byDigest(configDigest) : ({ kind: 'missing' } as const);
    if (configLookup.kind === 'missing') {
      problems.push(
        problem(
          ProblemCode.missingBlob,
          'error',
          `manifest ${digest} names config ${configDigest ?? '(none)'} but the archive has no such blob (truncated or partial export?)`,
          null,
        ),
      );
    }
    const config = readImageConfig(this.context, configLookup);
    if (config !== null && config.diffIds.length !== layerDescriptors.length) {
      problems.push(
        problem(
          ProblemCode.layerCountMismatch,
          'error',
          `manifest ${digest} lists ${plural(layerDescriptors.length, 'layer')} but its config has ${plural(config.diffIds.length, 'diff id')}`,
          null,
        ),
      );
    }
    const layers: LayerReport[] = layerDescriptors.map((descriptor, index) =>
      buildLayer(
        {
          index,
          reference: descriptor?.digest ?? `layer ${index}`,
          lookup: descriptor?.digest ? store.byDigest(descriptor.digest) : { kind: 'missing' },
          descriptor,
          descriptorIsStored: true,
        },
        config,
        createdByOf(config, index),
        problems,
      ),
    );
    checkHistory(config, layers.length, `config ${configDigest ?? '?'}`, problems);
    return assembleImage({ tags, configDigest, manifestDigest: digest, config, layers });
  }

  private markAbsent(descriptor: Descriptor, tags: readonly string[]): void {
    if (this.absent.has(descriptor.digest)) return;
    const mediaType = descriptor.mediaType;
    const kind = stringField(descriptor.annotations, REFERENCE_TYPE)
      ? 'attestation'
      : isIndexMediaType(mediaType ?? undefined)
        ? 'index'
        : isManifestMediaType(mediaType ?? undefined)
          ? 'image'
          : 'unknown';
    this.absent.set(descriptor.digest, {
      kind,
      digest: descriptor.digest,
      mediaType,
      platform: descriptor.platform,
      tags: [...tags],
    });
  }
}

/** A manifest or index as first read. */
interface ReadBlob {
  /** Its JSON, until it is recorded as a manifest. */
  value: JsonObject | null;
  /** Its listings when it lists manifests (an index), parsed once. */
  readonly listings: Listings | null;
}

/** An index's listings, parsed once however many times the index is walked. */
interface Listings {
  /** Every listing in order, with its own tags; null where a descriptor has no valid digest. */
  readonly all: readonly ({ readonly descriptor: Descriptor; readonly tags: readonly string[] } | null)[];
  /**
   * The listings without tags of their own, the first for each digest and kind of media type
   * (index, manifest, other): all a walk with other tags can change.
   */
  readonly untagged: readonly Descriptor[];
}

const NO_LISTINGS: Listings = { all: [], untagged: [] };

/** The listings of an index (`where`), parsed; tags past MAX_TAG_LENGTH are left out, with an error. */
function listingsOf(index: JsonObject, where: string, problems: Problem[]): Listings {
  const all: Listings['all'][number][] = [];
  const untagged: Descriptor[] = [];
  // Walked as an index or a manifest is all a media type decides once the blob is read.
  const seen = new Map<Digest, number>();
  let overlongCount = 0;
  // Docker 25 writes `"manifests": null` when saving an image by ID.
  for (const child of arrayField(index, 'manifests') ?? []) {
    const descriptor = parseDescriptor(child);
    if (descriptor === null) {
      all.push(null);
      continue;
    }
    const { tags, overlong } = tagsWithinLength(tagsOf(descriptor.annotations));
    overlongCount += overlong;
    all.push({ descriptor, tags });
    if (tags.length > 0) continue;
    const mediaType = descriptor.mediaType ?? undefined;
    const kind = isIndexMediaType(mediaType) ? 1 : isManifestMediaType(mediaType) ? 2 : 4;
    const kinds = seen.get(descriptor.digest) ?? 0;
    if ((kinds & kind) !== 0) continue;
    seen.set(descriptor.digest, kinds | kind);
    untagged.push(descriptor);
  }
  if (overlongCount > 0) problems.push(overlongTags(where, overlongCount));
  return { all, untagged };
}

function parseDescriptor(value: unknown): Descriptor | null {
  if (!isObject(value)) return null;
  const digest = parseDigest(value['digest']);
  if (digest === null) return null;
  const size = value['size'];
  return {
    digest,
    mediaType: stringField(value, 'mediaType'),
    size: typeof size === 'number' && Number.isSafeInteger(size) ? size : null,
    platform: formatPlatform(platformOf(value['platform'])),
    annotations: objectField(value, 'annotations') ?? {},
  };
}

function tagsOf(annotations: JsonObject): string[] {
  const names = [stringField(annotations, CONTAINERD_NAME), stringField(annotations, REF_NAME)];
  return [...new Set(names.filter((n): n is string => n !== null && n !== ''))];
}
