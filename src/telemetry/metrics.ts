// A small Prometheus registry: counters and gauges with labels, rendered in
// the text exposition format at /metrics. Hand-written because it is ~60
// lines and the product's own; no client library needed for this much.

type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");
}

class Family {
  readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly type: "counter" | "gauge") {}
  add(labels: Labels, by: number): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  set(labels: Labels, value: number): void {
    this.values.set(key(labels), value);
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0;
  }
}

export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly collectors: (() => void)[] = [];

  counter(name: string, help: string): { inc(labels?: Labels, by?: number): void; get(labels?: Labels): number } {
    const f = this.family(name, help, "counter");
    return { inc: (labels = {}, by = 1) => f.add(labels, by), get: (labels) => f.get(labels) };
  }

  gauge(name: string, help: string): { set(value: number, labels?: Labels): void; get(labels?: Labels): number } {
    const f = this.family(name, help, "gauge");
    return { set: (value, labels = {}) => f.set(labels, value), get: (labels) => f.get(labels) };
  }

  /** Runs before each render, to refresh gauges computed from state (queue sizes). Returns the unsubscribe. */
  onCollect(fn: () => void): () => void {
    this.collectors.push(fn);
    return () => {
      const i = this.collectors.indexOf(fn);
      if (i >= 0) this.collectors.splice(i, 1);
    };
  }

  render(): string {
    for (const c of this.collectors) c();
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      for (const [labels, value] of f.values) out.push(labels ? `${f.name}{${labels}} ${value}` : `${f.name} ${value}`);
    }
    return out.join("\n") + "\n";
  }

  private family(name: string, help: string, type: "counter" | "gauge"): Family {
    let f = this.families.get(name);
    if (!f) {
      f = new Family(name, help, type);
      this.families.set(name, f);
    }
    return f;
  }
}
