// Errors the blob store reports; src/http maps them to wire codes.

/** The bytes did not hash to the digest they were stored under. Nothing was kept. */
export class DigestMismatch extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`content digest ${actual} does not match ${expected}`);
    this.name = "DigestMismatch";
  }
}

/** The byte count differs from what was announced. Nothing was kept. */
export class SizeMismatch extends Error {
  constructor(readonly expected: number, readonly actual: number, what = "received") {
    super(`${what === "received" ? "received" : `${what} says`} ${actual} bytes, expected ${expected}`);
    this.name = "SizeMismatch";
  }
}

/** The disk is full (ENOSPC/EDQUOT). Nothing partial was kept. */
export class StorageFull extends Error {
  constructor(readonly path: string) {
    super(`no space left on the device holding ${path}`);
    this.name = "StorageFull";
  }
}

/** A write exceeded the caller's byte limit. */
export class TooLarge extends Error {
  constructor(readonly limit: number) {
    super(`body exceeds the limit of ${limit} bytes`);
    this.name = "TooLarge";
  }
}

export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}
