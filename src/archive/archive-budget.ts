/** What a blob keeps in memory (bytes) and its position in the archive: smaller first, then earlier. */
interface Kept {
  readonly bytes: number;
  readonly position: number;
}

const before = (a: Kept, b: Kept): boolean => a.bytes < b.bytes || (a.bytes === b.bytes && a.position < b.position);

/**
 * A cap on what the blobs of one archive keep in memory together, where each blob's share is
 * capped already: the package databases of its layer (METADATA_ARCHIVE_CAP, issue 9), its text
 * when it is JSON (JSON_ARCHIVE_CAPS, issue 12). Without it, an archive of many blobs each at its
 * own cap made memory grow with every blob. The blobs keeping the least are kept while they fit,
 * and from the first one that does not fit on, none: the largest (a hostile blob, most often) go
 * first.
 *
 * Workers finish blobs in any order, so a blob admitted early may have to let go when smaller ones
 * arrive. Whatever the order, the blobs kept at the end are the same: those that come before the
 * first one let go (by bytes, then position), which are exactly the smallest that fit. Memory
 * holds at most the cap, plus the blob being admitted.
 */
export class ArchiveBudget {
  /** The blobs admitted, a max-heap: the largest first. */
  private readonly heap: Kept[] = [];
  private total = 0;
  /** The smallest blob let go: none at or after it is admitted. */
  private ceiling: Kept | null = null;

  constructor(private readonly cap: number) {}

  /**
   * The blob at `position` would keep `bytes`: whether it is admitted, and the positions of blobs
   * admitted earlier that now have to let go of what they keep (largest first).
   */
  admit(position: number, bytes: number): { admitted: boolean; released: number[] } {
    const blob = { bytes, position };
    const released: number[] = [];
    if (this.ceiling !== null && !before(blob, this.ceiling)) return { admitted: false, released };
    this.push(blob);
    let admitted = true;
    while (this.total > this.cap) {
      const largest = this.pop();
      this.ceiling = largest;
      if (largest === blob) admitted = false;
      else released.push(largest.position);
    }
    return { admitted, released };
  }

  private push(blob: Kept): void {
    const { heap } = this;
    this.total += blob.bytes;
    let at = heap.length;
    heap.push(blob);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!before(heap[parent] as Kept, blob)) break;
      heap[at] = heap[parent] as Kept;
      at = parent;
    }
    heap[at] = blob;
  }

  private pop(): Kept {
    const { heap } = this;
    const top = heap[0] as Kept;
    const last = heap.pop() as Kept;
    this.total -= top.bytes;
    if (heap.length === 0) return top;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && before(heap[child] as Kept, heap[child + 1] as Kept)) child++;
      if (!before(last, heap[child] as Kept)) break;
      heap[at] = heap[child] as Kept;
      at = child;
    }
    heap[at] = last;
    return top;
  }
}
