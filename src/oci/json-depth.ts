// A linear byte scan for the nesting depth of a JSON document, run before
// JSON.parse. Why: a 4 MiB manifest of ~690k nested objects made JSON.parse
// (and everything that walks the result) recurse until RangeError, blocking
// the event loop for over a second per request. Counting brackets outside
// strings costs one pass over the bytes, allocates nothing, and stops at the
// first byte past the limit. Real manifests nest 4-5 levels (index →
// manifests[] → descriptor → platform / annotations).

/** Deepest nesting a manifest may have; generous for artifacts with structured annotations. */
export const MAX_JSON_DEPTH = 64;

/**
 * Most objects and arrays a manifest may hold. A flat bomb ("[{},{},…]", 690k
 * empty objects in 4 MiB) passes any depth limit, and JSON.parse spent over
 * half a second building it. A descriptor is one object (two with a
 * platform, three with annotations), so 100,000 admits an index of 30,000
 * children or an image of 30,000 layers, far beyond anything real (registries
 * cap manifests at 4 MiB, about 20,000 descriptors), while JSON.parse of
 * 100,000 small objects takes a few milliseconds.
 */
export const MAX_JSON_CONTAINERS = 100_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The same scan fed chunk by chunk as a body arrives, so that a push of a bomb
 * is refused after its first few hundred bytes instead of after 4 MiB: the
 * state (depth, count, inside a string, after a backslash) carries across chunks.
 */
export class JsonShapeScan {
  private depth = 0;
  private containers = 0;
  private inString = false;
  private escaped = false;

  constructor(
    private readonly maxDepth = MAX_JSON_DEPTH,
    private readonly maxContainers = MAX_JSON_CONTAINERS,
  ) {}

  /** Why the document seen so far is too deep or too big, or undefined. */
  feed(bytes: Uint8Array): string | undefined {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.inString) {
        // The escaped byte cannot end the string (multi-byte UTF-8 never contains 0x22).
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
      } else if (b === QUOTE) {
        this.inString = true;
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (++this.depth > this.maxDepth) return `nests deeper than ${this.maxDepth} levels`;
        if (++this.containers > this.maxContainers) return `holds more than ${this.maxContainers} objects and arrays`;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        this.depth--;
      }
    }
    return undefined;
  }
}

/** True when no [ or { outside a string opens deeper than `limit` levels. Malformed JSON is left to the parser. */
export function withinDepth(bytes: Uint8Array, limit = MAX_JSON_DEPTH): boolean {
  return shapeProblem(bytes, limit, Infinity) === undefined;
}

/** Why the document is too deep or too big to parse, or undefined when it is fine to hand to JSON.parse. */
export function shapeProblem(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH, maxContainers = MAX_JSON_CONTAINERS): string | undefined {
  return new JsonShapeScan(maxDepth, maxContainers).feed(bytes);
}
