// Tags as the admin API shows them, with immutability computed on the fly
// (policies are never copied onto tags), and manual marks set by hand.
import type { Db } from "../db/client.ts";
import { findRepositoryId } from "../db/queries/repositories.ts";
import { findMarkedTag, type MarkedTag, markedTagsOf, setManualMark } from "../db/queries/tag-marks.ts";
import type { Logger } from "../telemetry/log.ts";
import type { ImmutabilityEngine } from "./engine.ts";
import { RepositoryUnknown, TagPolicyProtected, TagUnknown } from "./errors.ts";

export interface TagView {
  repository: string;
  name: string;
  digest: string;
  immutable: boolean;
  /** The policy uuid that makes it immutable, "manual", or null. */
  immutableBy: string | null;
  /** The manual mark, whatever the policies say. */
  manual: boolean;
  updatedAt: number;
}

export interface TagPage {
  tags: TagView[];
  page: number;
  hasAdditional: boolean;
}

export interface TagQuery {
  limit: number;
  /** 1-based. */
  page: number;
  onlyImmutable: boolean;
}

export class TagMarks {
  constructor(private readonly deps: { db: Db; log: Logger; engine: ImmutabilityEngine }) {}

  private view(row: MarkedTag, decide = this.deps.engine.decider()): TagView {
    const d = decide(row.repository, row.name, row.immutable);
    const immutableBy = !d.immutable ? null : d.reason === "policy" ? d.policy.uuid : "manual";
    return { repository: row.repository, name: row.name, digest: row.digest, immutable: d.immutable, immutableBy, manual: row.immutable, updatedAt: row.updatedAt };
  }

  list(repository: string, q: TagQuery): TagPage {
    const { db } = this.deps;
    return db.transaction(() => {
      if (findRepositoryId(db, repository) === undefined) throw new RepositoryUnknown(`repository ${repository} is unknown`);
      const offset = (q.page - 1) * q.limit;
      const decide = this.deps.engine.decider();
      if (!q.onlyImmutable) {
        const rows = markedTagsOf(db, repository, q.limit + 1, offset);
        return { tags: rows.slice(0, q.limit).map((r) => this.view(r, decide)), page: q.page, hasAdditional: rows.length > q.limit };
      }
      // Immutability is computed, not stored: filter in memory, then page.
      const all = markedTagsOf(db, repository, -1, 0).map((r) => this.view(r, decide)).filter((t) => t.immutable);
      return { tags: all.slice(offset, offset + q.limit), page: q.page, hasAdditional: all.length > offset + q.limit };
    });
  }

  /** Sets the manual mark. Lifting it is refused while a policy keeps the tag immutable anyway. */
  setMark(repository: string, tag: string, immutable: boolean): TagView {
    const { db } = this.deps;
    const result = db.transaction(() => {
      if (findRepositoryId(db, repository) === undefined) throw new RepositoryUnknown(`repository ${repository} is unknown`);
      const row = findMarkedTag(db, repository, tag);
      if (!row) throw new TagUnknown(`tag ${tag} is not in ${repository}`);
      if (!immutable) {
        const d = this.deps.engine.decide(repository, tag, false);
        if (d.immutable && d.reason === "policy") {
          throw new TagPolicyProtected(`tag ${tag} of ${repository} stays immutable: policy ${d.policy.uuid} protects it; deactivate that policy first`, d.policy.uuid);
        }
      }
      if (row.immutable !== immutable) setManualMark(db, row.id, immutable);
      return { view: this.view({ ...row, immutable }), changed: row.immutable !== immutable };
    }, { behavior: "immediate" });
    if (result.changed) this.deps.log.info(immutable ? "tag marked immutable by hand" : "manual immutability mark lifted", { repository, tag, digest: result.view.digest, policy: "manual" });
    return result.view;
  }
}
