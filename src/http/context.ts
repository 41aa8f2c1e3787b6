// What the HTTP layer is built from (createApp's options) and the per-request
// variables handlers leave for the request log.
import type { ClientInfo, Platform } from "../platform/types.ts";
import type { RegistryContext } from "../registry/context.ts";
import type { RepositoryResolver } from "../repository/types.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { ErrorMapper } from "./errors.ts";
import type { OperatorSurface } from "../status/operator.ts"; // operator (issue 15)
import type { AuthService } from "../auth/service.ts";

export interface AppDeps {
  /** The catalog and the manifest size limit; repositories themselves come from `repositories`. */
  registry: RegistryContext;
  /** Resolves /v2/<name>/… to a local or cached repository. */
  repositories: RepositoryResolver;
  platform: Pick<Platform, "fileBody" | "streamBody">;
  log: Logger;
  metrics: Metrics;
  /** Error mappings of the layers above the registry (upstream failures). */
  errorMappers?: ErrorMapper[];
  /** Extra routes mounted by main (admin API); kept out of http to keep imports pointing down. */
  /** operator (issue 15): request hook, /readyz and the status page; absent in tests that do not need them. */
  operator?: OperatorSurface;
  /** issue 12: token authentication and access rules; absent without [auth] (everyone may do everything). */
  auth?: AuthService;
  /** Disk lifecycle (issue 11): records manifest GETs for eviction order; absent: nothing recorded. */
  pulls?: { record(repository: string, digest: string): void };
  extraRoutes?: { prefix: string; fetch: (request: Request, client: ClientInfo | undefined) => Response | Promise<Response> }[];
}

export type Vars = { cache?: string; upstreamFailure?: string; upstream?: string; upstreamCache?: string; /** issue 12: the token's user */ user?: string };

/** What the server passes with each request (hono's env): who sent it. */
export type Bindings = { client?: ClientInfo };

/** The hono environment of createApp's app. */
export type Env = { Variables: Vars; Bindings: Bindings };
