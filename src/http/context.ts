// What the HTTP layer is built from (createApp's options) and the per-request
// variables handlers leave for the request log.
import type { Platform } from "../platform/types.ts";
import type { RegistryContext } from "../registry/context.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { ErrorMapper } from "./errors.ts";

/** Serves repositories that belong to an upstream (the pull-through cache); see src/cache. */
export interface PullThrough {
  /** The upstream serving `name` (with containerd's ?ns=), or undefined for a local repository. */
  resolve(name: string, ns: string | undefined): { upstream: string; remoteName: string; localName: string } | undefined;
  manifest(target: { upstream: string; remoteName: string; localName: string }, reference: string, method: "GET" | "HEAD", accept: string[]): Promise<CachedResponse>;
  blob(target: { upstream: string; remoteName: string; localName: string }, digest: string, method: "GET" | "HEAD", range: string | null): Promise<CachedResponse>;
  tags(target: { upstream: string; remoteName: string; localName: string }, n: number | undefined, last: string | undefined): Promise<string[]>;
}

/** A response plus its cache outcome, for X-Cache and the request log. */
export interface CachedResponse {
  response: Response;
  cache: "HIT" | "MISS" | "REVALIDATED" | "STALE";
  upstreamFailure?: string;
}

export interface AppDeps {
  registry: RegistryContext;
  platform: Pick<Platform, "fileBody">;
  log: Logger;
  metrics: Metrics;
  pullThrough?: PullThrough;
  /** Error mappings of the layers above the registry (upstream failures). */
  errorMappers?: ErrorMapper[];
  /** Extra routes mounted by main (admin API); kept out of http to keep imports pointing down. */
  extraRoutes?: { prefix: string; fetch: (request: Request) => Response | Promise<Response> }[];
}

export type Vars = { cache?: string; upstreamFailure?: string };
