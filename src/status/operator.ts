// What the operator-facing surface (issue 15) gives the HTTP layer: a hook for
// each finished request, the readiness probe, and the status page handler.
// http/ only calls these; it does not know how any of them is computed.
import type { ClientInfo } from "../platform/types.ts";
import type { RequestRecord } from "./recorder.ts";
import type { ReadyReport } from "./readiness.ts";

export type { RequestRecord } from "./recorder.ts";

export interface OperatorSurface {
  /** Called by the request log once per request, with what its log line says. */
  onRequest(r: Omit<RequestRecord, "upstream"> & { ns?: string }): void;
  /** /readyz */
  ready(): Promise<ReadyReport>;
  /** / and /status */
  status(request: Request, client: ClientInfo | undefined): Promise<Response>;
}
