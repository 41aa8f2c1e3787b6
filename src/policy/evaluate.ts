// Pure decisions: is this tag immutable, and by which rule? From the tag, its
// manual mark and the policies of its namespace; nothing here reads storage.
import { compileTagPattern, type TagMatcher } from "./pattern/pattern.ts";
import type { Policy } from "./types.ts";

export type Immutability =
  | { immutable: false }
  | { immutable: true; reason: "policy"; policy: Policy }
  | { immutable: true; reason: "manual" };

interface CompiledPolicy {
  policy: Policy;
  /** undefined: the stored pattern no longer compiles (edited by hand?); the policy then fails closed. */
  matcher: TagMatcher | undefined;
}

/** Compiles a pattern, or undefined when it does not compile. */
export type Compile = (pattern: string) => TagMatcher | undefined;

const compileFresh: Compile = (pattern) => {
  try {
    return compileTagPattern(pattern);
  } catch {
    return undefined;
  }
};

/** Does this policy (active or not) make the tag immutable? */
export function protects(policy: Policy, matcher: TagMatcher | undefined, tag: string): boolean {
  if (!matcher) return true;
  return matcher.matches(tag) === policy.tagPatternMatches;
}

/** The active policies of one namespace, compiled once and asked many times. */
export class NamespacePolicies {
  private readonly wide: CompiledPolicy[] = [];
  private readonly byRepository = new Map<string, CompiledPolicy[]>();
  /** Policies whose stored pattern does not compile; they protect every tag in their scope. */
  readonly broken: Policy[] = [];

  constructor(policies: readonly Policy[], compile: Compile = compileFresh) {
    // Oldest first, so the policy a refusal names does not change from push to push.
    const active = policies.filter((p) => p.active).sort((a, b) => a.createdAt - b.createdAt || a.uuid.localeCompare(b.uuid));
    for (const policy of active) {
      const compiled: CompiledPolicy = { policy, matcher: compile(policy.tagPattern) };
      if (!compiled.matcher) this.broken.push(policy);
      if (policy.repository === null) this.wide.push(compiled);
      else {
        const list = this.byRepository.get(policy.repository) ?? [];
        list.push(compiled);
        this.byRepository.set(policy.repository, list);
      }
    }
  }

  get size(): number {
    let n = this.wide.length;
    for (const list of this.byRepository.values()) n += list.length;
    return n;
  }

  /** The first active policy that makes `tag` in `repository` immutable. */
  protectingPolicy(repository: string, tag: string): Policy | undefined {
    for (const c of this.wide) if (protects(c.policy, c.matcher, tag)) return c.policy;
    for (const c of this.byRepository.get(repository) ?? []) if (protects(c.policy, c.matcher, tag)) return c.policy;
    return undefined;
  }
}

/** A policy names the refusal when one applies; the manual mark otherwise. */
export function decide(policies: NamespacePolicies, repository: string, tag: string, manual: boolean): Immutability {
  const policy = policies.protectingPolicy(repository, tag);
  if (policy) return { immutable: true, reason: "policy", policy };
  return manual ? { immutable: true, reason: "manual" } : { immutable: false };
}

/** Would this policy protect a tag, were it active? For dry runs; throws PatternInvalid. */
export function protectionTest(policy: Pick<Policy, "tagPattern" | "tagPatternMatches">): (tag: string) => boolean {
  const matcher = compileTagPattern(policy.tagPattern);
  return (tag) => matcher.matches(tag) === policy.tagPatternMatches;
}
