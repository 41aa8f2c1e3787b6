// Cron expressions in regcache.toml, checked with node-cron's own validator,
// so that what the config accepts is exactly what the scheduler can run.
// Five fields ("0 3 * * *"), or six with seconds first ("*/30 * * * * *").
import { validate } from "node-cron";
import * as v from "valibot";

const show = (x: unknown) => JSON.stringify(x);

export const cronExpression = () =>
  v.pipe(
    v.string(`expected a cron expression like "0 3 * * *"`),
    v.check((s) => validate(s), (issue) => `expected a cron expression like "0 3 * * *", got ${show(issue.input)}`),
  );

/** A cron expression, or "" for "never". */
export const optionalCron = () =>
  v.pipe(
    v.string(`expected a cron expression like "*/10 * * * *" or ""`),
    v.check((s) => s === "" || validate(s), (issue) => `expected a cron expression like "*/10 * * * *" or "" (off), got ${show(issue.input)}`),
  );
