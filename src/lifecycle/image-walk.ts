// One image as eviction and `du` see it: its root manifest and, through an
// index, its child manifests; the stored blobs they reference, and whether any
// of those manifests is pinned. report.ts (`du`) and classes.ts (the gauges)
// read the metadata differently but walk an image the same way, here.
import type { Pins } from "./pins.ts";

export interface ImageEdges {
  /** Blob digests the manifest references. */
  blobs(id: number): Iterable<string>;
  /** Manifest ids of the children it references (in the same repository). */
  children(id: number): Iterable<number>;
}

export function walkImage(rootId: number, pins: Pins, edges: ImageEdges, stored: (digest: string) => boolean): { blobs: Set<string>; pinned: boolean } {
  const blobs = new Set<string>();
  let pinned = false;
  const queue = [rootId];
  const seen = new Set<number>();
  while (queue.length) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (pins.reason(id) !== undefined) pinned = true;
    for (const b of edges.blobs(id)) if (stored(b)) blobs.add(b);
    for (const c of edges.children(id)) queue.push(c);
  }
  return { blobs, pinned };
}
