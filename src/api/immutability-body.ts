// Request bodies of the immutability endpoints, validated field by field so
// that a 400 names the field and what was expected.
import * as v from "valibot";
import { ApiError } from "./errors.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const pattern = v.string("tagPattern: expected a string (a regular expression)");
const matches = v.boolean("tagPatternMatches: expected true or false");
const active = v.boolean("active: expected true or false");

export const createBody = v.strictObject(
  {
    tagPattern: pattern,
    /** Default true: matching tags are immutable. */
    tagPatternMatches: v.optional(matches, true),
    /** Default true: a new policy is enforced at once. */
    active: v.optional(active, true),
    uuid: v.optional(v.pipe(v.string("uuid: expected a string"), v.regex(UUID, "uuid: expected a lower-case UUID like 3f0c2a5e-8d2b-4c1e-9f4a-0b6d7e8f9a10"))),
  },
  "expected a JSON object",
);

export const updateBody = v.pipe(
  v.strictObject({ tagPattern: v.optional(pattern), tagPatternMatches: v.optional(matches), active: v.optional(active) }, "expected a JSON object"),
  v.check((b) => Object.keys(b).length > 0, "expected at least one of tagPattern, tagPatternMatches, active"),
);

export const tagBody = v.strictObject({ immutable: v.boolean("immutable: expected true or false") }, "expected a JSON object");

/** Parses JSON and validates it; every failure is a 400 that says what is wrong. */
export async function readBody<S extends v.GenericSchema>(request: Request, schema: S): Promise<v.InferOutput<S>> {
  const text = await request.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ApiError(400, text.trim() === "" ? "the request needs a JSON body" : "the body is not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ApiError(400, "the body must be a JSON object");
  const result = v.safeParse(schema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const key = issue.path?.map((p) => String(p.key)).join(".");
    // strictObject reports an unknown key as "expected never" and a missing one
    // with no input, both at that key and with the object's own message.
    let message = issue.message;
    if (key && issue.type.endsWith("object") && issue.expected === "never") message = `unknown field ${JSON.stringify(key)}`;
    else if (key && issue.type.endsWith("object") && issue.input === undefined) message = `missing field ${JSON.stringify(key)}`;
    throw new ApiError(400, message);
  }
  return result.output;
}
