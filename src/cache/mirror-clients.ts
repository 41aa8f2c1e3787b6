// An upstream's client with its mirrors in front (upstream/mirrors.ts), each
// mirror's circuit visible as a gauge and in the log.
import type { UpstreamSettings } from "../config/resolve.ts";
import type { Logger } from "../telemetry/log.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { mirroredClient } from "../upstream/mirrors.ts";
import type { UpstreamClient } from "../upstream/index.ts";

/** The gauge of mirror circuits: 1 while a mirror is skipped. The status page reads it too. */
export function mirrorOpenGauge(metrics: Metrics) {
  return metrics.gauge("regcache_upstream_mirror_open", "1 while a mirror is skipped after a failure (its circuit is open), by upstream and mirror");
}

export function clientWithMirrors(
  s: UpstreamSettings,
  remoteNamespace: string,
  build: (s: UpstreamSettings) => UpstreamClient,
  deps: { log: Logger; metrics: Metrics; now: () => number },
): UpstreamClient {
  const origin = build(s);
  if (!s.mirrors?.length) return origin;
  const open = mirrorOpenGauge(deps.metrics);
  // Names reach the client with the upstream's remote_namespace; each mirror has its own.
  const bare = (repo: string) => (remoteNamespace && repo.startsWith(`${remoteNamespace}/`) ? repo.slice(remoteNamespace.length + 1) : repo);
  const mirrors = s.mirrors.map((m) => {
    open.set(0, { upstream: s.name, mirror: m.url });
    return {
      label: m.url,
      // A mirror gets none of the upstream's credentials: they are the upstream's, not the hub's.
      client: build({ ...s, url: m.url, insecure: m.insecure, username: undefined, password: undefined, mirrors: [] }),
      rename: (repo: string) => (m.remoteNamespace ? `${m.remoteNamespace}/${bare(repo)}` : bare(repo)),
    };
  });
  return mirroredClient(s.name, mirrors, origin, {
    backoffMs: s.mirrorBackoffMs ?? 30_000,
    now: deps.now,
    events: {
      opened(mirror, failure, untilMs) {
        open.set(1, { upstream: s.name, mirror });
        deps.log.warn("mirror failed; skipping it", { upstream: s.name, mirror, upstream_failure: failure, until: new Date(untilMs).toISOString() });
      },
      closed(mirror) {
        open.set(0, { upstream: s.name, mirror });
        deps.log.info("mirror answers again", { upstream: s.name, mirror });
      },
    },
  });
}
