// The bandwidth cap of background downloads ([prefetch] max_bandwidth): one
// token bucket shared by every worker, holding at most one second of bytes.
// A chunk larger than the bucket may take it into debt; the next taker waits
// the debt off, so the average rate holds whatever the chunk sizes.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Takers queue up, so a big chunk is not starved by a stream of small ones. */
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly bytesPerSecond: number, private readonly clock: Clock = realClock) {
    this.tokens = bytesPerSecond;
    this.last = clock.now();
  }

  /** Resolves when `bytes` may pass. */
  take(bytes: number): Promise<void> {
    const turn = this.tail.then(() => this.consume(bytes));
    this.tail = turn;
    return turn;
  }

  private async consume(bytes: number): Promise<void> {
    this.refill();
    this.tokens -= bytes;
    if (this.tokens < 0) {
      await this.clock.sleep((-this.tokens / this.bytesPerSecond) * 1000);
      this.refill();
    }
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    this.last = now;
  }
}

/**
 * Passes a download's bytes through the bucket (undefined: no cap) and counts
 * them. Waiting here holds back the read from the upstream, so the cap is on
 * the wire, not just on the disk.
 */
export function throttle(body: ReadableStream<Uint8Array>, bucket: TokenBucket | undefined, onBytes: (n: number) => void): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        if (bucket) await bucket.take(chunk.byteLength);
        onBytes(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
}
