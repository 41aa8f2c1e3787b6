// HTTP Range ("bytes=a-b", "bytes=a-", "bytes=-n") for blob GETs, and the
// Content-Range of chunked upload PATCHes ("a-b", as the distribution spec writes it).

export type ByteRange = { start: number; end: number };

/** undefined: no (usable) Range header; "unsatisfiable": answer 416. Only single ranges are honoured. */
export function parseRangeHeader(header: string | null, size: number): ByteRange | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    // "bytes=5-2" is not a range at all (RFC 9110 §14.1.1: last < first is invalid);
    // an invalid Range header is ignored and the whole blob is sent (§14.2).
    if (m[2] !== "" && Number(m[2]) < start) return undefined;
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

export function parseContentRange(header: string | null): ByteRange | undefined | "invalid" {
  if (!header) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) return "invalid";
  const start = Number(m[1]);
  const end = Number(m[2]);
  return end < start ? "invalid" : { start, end };
}
