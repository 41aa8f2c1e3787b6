// The active policies as the guard and the listings see them: compiled once
// per namespace and kept until the generation counter moves. Every read goes
// through the caller's transaction, so a decision is made on the same snapshot
// as the write it guards (see guard.ts).
import type { Db } from "../db/client.ts";
import { namespacesWithActivePolicies, policiesOfNamespace, policyGeneration } from "../db/queries/policies.ts";
import { manualMark } from "../db/queries/tag-marks.ts";
import { namespaceOf } from "../oci/names.ts";
import { decide, type Immutability, NamespacePolicies } from "./evaluate.ts";
import { MatcherCache } from "./pattern/matcher-cache.ts";
import type { Logger } from "../telemetry/log.ts";

export class ImmutabilityEngine {
  private generation = -1;
  private readonly namespaces = new Map<string, NamespacePolicies>();
  private readonly matchers = new MatcherCache();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /** The active policies of a namespace, as of the current transaction. */
  policiesOf(namespace: string): NamespacePolicies {
    // One indexed read per call; a policy change anywhere (this process, another
    // one, an operator with sqlite3) bumps it through triggers.
    const generation = policyGeneration(this.db);
    if (generation !== this.generation) {
      this.namespaces.clear();
      this.generation = generation;
    }
    let set = this.namespaces.get(namespace);
    if (!set) {
      set = new NamespacePolicies(policiesOfNamespace(this.db, namespace), (pattern) => this.matchers.get(pattern));
      for (const p of set.broken) this.log.error("stored immutability policy does not compile; it protects every tag in its scope", { policy: p.uuid, namespace: p.namespace, repository: p.repository, tag_pattern: p.tagPattern });
      this.namespaces.set(namespace, set);
    }
    return set;
  }

  /** Compiles every active policy now, so that the first push after a start does not pay for it. */
  warm(): number {
    let count = 0;
    for (const namespace of namespacesWithActivePolicies(this.db)) count += this.policiesOf(namespace).size;
    return count;
  }

  /** Is this stored tag immutable, and by which rule? */
  decideStored(repository: string, tag: string): Immutability {
    return decide(this.policiesOf(namespaceOf(repository)), repository, tag, manualMark(this.db, repository, tag));
  }

  /** The same for a tag whose manual mark the caller has already read. */
  decide(repository: string, tag: string, manual: boolean): Immutability {
    return decide(this.policiesOf(namespaceOf(repository)), repository, tag, manual);
  }

  /**
   * A decider for many tags read in one transaction (listings, dry runs): the
   * policies are looked up once per namespace instead of once per tag.
   */
  decider(): (repository: string, tag: string, manual: boolean) => Immutability {
    const sets = new Map<string, NamespacePolicies>();
    return (repository, tag, manual) => {
      const namespace = namespaceOf(repository);
      let set = sets.get(namespace);
      if (!set) sets.set(namespace, (set = this.policiesOf(namespace)));
      return decide(set, repository, tag, manual);
    };
  }
}
