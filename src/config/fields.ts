// Valibot building blocks shared by every config section, so that each key's
// error message says what was expected in the operator's terms.
import * as v from "valibot";
import { parseCidr } from "./ip.ts";
import { parseDuration, parseRate, parseSize } from "./units.ts";

const show = (x: unknown) => JSON.stringify(x);

/** A string parsed by `parse` into a number; `example` shows the operator the expected form. */
const parsedString = (what: string, example: string, parse: (text: string) => number | undefined) =>
  v.pipe(
    v.string(`expected ${what} like ${show(example)}`),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const value = parse(dataset.value);
      if (value === undefined) {
        addIssue({ message: `expected ${what} like ${show(example)}, got ${show(dataset.value)}` });
        return NEVER;
      }
      return value;
    }),
  );

/** A duration string like "24h"; the parsed value is milliseconds. */
export const duration = () => parsedString("a duration", "24h", parseDuration);

/** A size string like "512MiB"; the parsed value is bytes. */
export const size = () => parsedString("a size", "512MiB", parseSize);

/** A rate like "20MiB/s"; the parsed value is bytes per second. */
export const rate = () => parsedString("a rate", "20MiB/s", parseRate);

/** "host:port", ":port" or "port"; the parsed value is { hostname, port }. */
export const listenAddress = () =>
  v.pipe(
    v.string(`expected an address like "127.0.0.1:5000"`),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const m = /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$/.exec(dataset.value.trim());
      const port = m ? Number(m[2]) : NaN;
      if (!m || port > 65535) {
        addIssue({ message: `expected an address like "127.0.0.1:5000" or ":5000", got ${show(dataset.value)}` });
        return NEVER;
      }
      return { hostname: m[1] || "0.0.0.0", port };
    }),
  );

/** A regular expression source that compiles. */
export const regex = () =>
  v.pipe(
    v.string("expected a regular expression"),
    v.check((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, (issue) => `expected a valid regular expression, got ${show(issue.input)}`),
  );

/** A CIDR range like "10.0.0.0/8" or "::1/128" (a bare address is a single host); kept as text. */
export const cidr = () =>
  v.pipe(
    v.string(`expected a CIDR range like "10.0.0.0/8"`),
    v.check((s) => parseCidr(s) !== undefined, (issue) => `expected a CIDR range like "10.0.0.0/8" or "::1/128", got ${show(issue.input)}`),
  );
