// What the HTTP layer is built from (createApp's options) and the per-request
// variables handlers leave for the request log.
import type { PullThrough } from "../cache/service.ts";
import type { ClientInfo, Platform } from "../platform/types.ts";
import type { RegistryContext } from "../registry/context.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { ErrorMapper } from "./errors.ts";

export interface AppDeps {
  registry: RegistryContext;
  platform: Pick<Platform, "fileBody" | "streamBody">;
  log: Logger;
  metrics: Metrics;
  pullThrough?: PullThrough;
  /** Error mappings of the layers above the registry (upstream failures). */
  errorMappers?: ErrorMapper[];
  /** Extra routes mounted by main (admin API); kept out of http to keep imports pointing down. */
  extraRoutes?: { prefix: string; fetch: (request: Request, client: ClientInfo | undefined) => Response | Promise<Response> }[];
}

export type Vars = { cache?: string; upstreamFailure?: string };

/** What the server passes with each request (hono's env): who sent it. */
export type Bindings = { client?: ClientInfo };

/** The hono environment of createApp's app. */
export type Env = { Variables: Vars; Bindings: Bindings };
