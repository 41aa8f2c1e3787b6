// Everything the bench starts, stopped by pid at the end, also when a step fails.
// (test/helpers/processes.ts also SIGKILLs its children if the bench process itself dies.)

export type Stopper = () => Promise<unknown>;

export class Lineup {
  private readonly stoppers: { name: string; stop: Stopper }[] = [];

  /** Registers a process (or anything else) to stop at the end; returns the value for chaining. */
  add<T>(name: string, value: T, stop: (value: T) => Promise<unknown>): T {
    this.stoppers.push({ name, stop: () => stop(value) });
    return value;
  }

  /** Stops everything, newest first; a failure to stop one does not keep the others running. */
  async stopAll(): Promise<void> {
    while (this.stoppers.length > 0) {
      const { name, stop } = this.stoppers.pop()!;
      try {
        await stop();
      } catch (error) {
        console.error(`bench: stopping ${name} failed: ${String(error)}`);
      }
    }
  }
}
