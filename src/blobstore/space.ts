// The seam between the one write path and the quota: every byte written under
// storage.path is charged before it is written and credited when its file goes.
// The interface lives here so blobstore/ imports nothing above it; lifecycle/quota.ts
// implements it.
export interface SpaceAccount {
  /** About to write `bytes`: returns at once when they fit, else a promise that
   *  settles once eviction made room, or rejects (StorageFull) when it cannot. */
  charge(bytes: number): void | Promise<void>;
  /** `bytes` left the store (a file removed or truncated). */
  credit(bytes: number): void;
}

export const unlimitedSpace: SpaceAccount = { charge() {}, credit() {} };

/** Charges `bytes` and calls `charged` once they are accounted (never for a refused charge). */
export function chargeThen(space: SpaceAccount, bytes: number, charged: (bytes: number) => void): void | Promise<void> {
  const waiting = space.charge(bytes);
  if (!waiting) return charged(bytes);
  return waiting.then(() => charged(bytes));
}
