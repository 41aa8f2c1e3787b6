// At most one in-flight operation per key; callers that arrive while it runs
// share its result. Used for manifest fetches, revalidations and tag listings,
// so that 20 clients asking at once cause one upstream request.
export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key);
    if (existing) return existing;
    const p = work().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  get size(): number {
    return this.inflight.size;
  }
}
