// The distribution spec's grammars for repository names and tags.
// Validating here, before anything touches a path or a query, is what keeps
// `../etc` out of the blob store.

// <name> = path-component ('/' path-component)*, path-component = [a-z0-9]+ (separator [a-z0-9]+)*
const NAME_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Longest repository name we accept; the spec leaves it to registries, and 255 is common practice. */
export const MAX_NAME_LENGTH = 255;

export function isValidName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** The first path component: a namespace (an upstream's name or a local organisation). */
export function namespaceOf(name: string): string {
  const i = name.indexOf("/");
  return i < 0 ? name : name.slice(0, i);
}
