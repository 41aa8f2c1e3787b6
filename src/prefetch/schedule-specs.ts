// The schedules the config asks for: the sweep, and one per [[prefetch.image]]
// (named "image-0", "image-1", … in config order).
import type { Config } from "../config/schema.ts";
import type { PrefetchContext } from "./context.ts";
import { runImageSchedule } from "./scheduled-image.ts";
import type { ScheduleSpec } from "./schedules.ts";
import { sweep } from "./sweep.ts";

/** Every image of a scheduled run failed; `failure` is the first one's class. */
export class ScheduledPullFailed extends Error {
  constructor(readonly ref: string, readonly failure: string, detail: string) {
    super(`${ref}: ${detail}`);
    this.name = "ScheduledPullFailed";
  }
}

export function scheduleSpecs(ctx: PrefetchContext, config: Config, quietMs: number): ScheduleSpec[] {
  const specs: ScheduleSpec[] = [];
  if (config.prefetch.sweep) {
    specs.push({ name: "sweep", expression: config.prefetch.sweep, description: "queue what incomplete cached images miss", run: async () => sweep(ctx, quietMs) });
  }
  config.prefetch.image.forEach((image, i) => {
    specs.push({
      name: `image-${i}`,
      expression: image.schedule,
      description: image.tags ? `${image.ref} tags matching /${image.tags}/` : image.ref,
      async run() {
        const summary = await runImageSchedule(ctx, image);
        const first = summary.failed[0];
        if (summary.pulled.length === 0 && first) throw new ScheduledPullFailed(image.ref, first.failure, first.error);
        return summary;
      },
    });
  });
  return specs;
}
