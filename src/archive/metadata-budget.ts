import { METADATA_ARCHIVE_CAP } from '../packages/metadata-paths.js';

/** A blob's kept database bytes and its position in the archive: smaller first, then earlier. */
interface Capture {
  readonly bytes: number;
  readonly position: number;
}

const before = (a: Capture, b: Capture): boolean =>
  a.bytes < b.bytes || (a.bytes === b.bytes && a.position < b.position);

/**
 * The archive cap on package databases kept in memory (METADATA_ARCHIVE_CAP, issue 9): each layer
 * blob keeps at most METADATA_LAYER_CAP, and an archive of many such layers would otherwise keep
 * them all. The blobs with the smallest captures are kept while they fit, and from the first one
 * that does not fit on, none: the largest (a hostile layer, most often) go first.
 *
 * Workers finish blobs in any order, so a capture admitted early may have to go when smaller ones
 * arrive. Whatever the order, the blobs kept at the end are the same: those whose capture comes
 * before the first one let go (by size, then position), which are exactly the smallest that fit.
 * Memory holds at most the cap, plus the capture being admitted.
 */
export class MetadataBudget {
  /** The admitted captures, a max-heap: the largest first. */
  private readonly heap: Capture[] = [];
  private total = 0;
  /** The smallest capture let go: none at or after it is admitted. */
  private ceiling: Capture | null = null;

  constructor(private readonly cap: number = METADATA_ARCHIVE_CAP) {}

  /**
   * A blob whose capture keeps `bytes`: whether it is admitted, and the positions of blobs
   * admitted earlier that now have to let theirs go (largest first).
   */
  admit(position: number, bytes: number): { admitted: boolean; released: number[] } {
    const capture = { bytes, position };
    const released: number[] = [];
    if (this.ceiling !== null && !before(capture, this.ceiling)) return { admitted: false, released };
    this.push(capture);
    let admitted = true;
    while (this.total > this.cap) {
      const largest = this.pop();
      this.ceiling = largest;
      if (largest === capture) admitted = false;
      else released.push(largest.position);
    }
    return { admitted, released };
  }

  private push(capture: Capture): void {
    const { heap } = this;
    this.total += capture.bytes;
    let at = heap.length;
    heap.push(capture);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!before(heap[parent] as Capture, capture)) break;
      heap[at] = heap[parent] as Capture;
      at = parent;
    }
    heap[at] = capture;
  }

  private pop(): Capture {
    const { heap } = this;
    const top = heap[0] as Capture;
    const last = heap.pop() as Capture;
    this.total -= top.bytes;
    if (heap.length === 0) return top;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && before(heap[child] as Capture, heap[child + 1] as Capture)) child++;
      if (!before(last, heap[child] as Capture)) break;
      heap[at] = heap[child] as Capture;
      at = child;
    }
    heap[at] = last;
    return top;
  }
}
