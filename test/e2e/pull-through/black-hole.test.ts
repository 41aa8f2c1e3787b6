// Issue 3, item 3: the upstream accepts connections and never answers. With
// connect_timeout = 1s and timeout = 2s, every pull returns within connect_timeout +
// timeout (plus a margin for the client): STALE while within staleness, a 503 naming
// the timeout class past it or for what was never cached. It never hangs.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { skopeoCopy } from "../../helpers/clients.ts";
import { blackHole, type Standin } from "../../helpers/standins.ts";
import { useTempDir } from "../../helpers/tmp.ts";
import { cacheThenFail, EXPIRY_MS, REPO, TTL_MS, type Outage } from "./outage.ts";
import { expectUpstreamError, get, nextRequestLine, sleepUntil } from "./setup.ts";

const CONNECT_TIMEOUT_MS = 1_000;
const TIMEOUT_MS = 2_000;
/** What a pull may take at most: both timeouts, and time for the client and the cache. */
const BOUND_MS = CONNECT_TIMEOUT_MS + TIMEOUT_MS + 2_000;

describe("upstream that accepts and never answers", () => {
  let hole: Standin;
  let o: Outage;

  beforeAll(async () => {
    hole = await blackHole();
    o = await cacheThenFail(hole.url, { connectTimeout: `${CONNECT_TIMEOUT_MS / 1000}s`, timeout: `${TIMEOUT_MS / 1000}s` });
  });

  afterAll(async () => {
    await o?.dispose();
    await hole?.stop();
  });

  test("within ttl: served from the cache without touching the black hole", async () => {
    const started = Date.now();
    await skopeoCopy(`docker://${o.regcache.host}/fresh/${REPO}:v1`, `oci:${useTempDir()}:v1`);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(hole.hits()).toBe(0);
  });

  test("past ttl: the pull succeeds STALE once the timeout fires", async () => {
    await sleepUntil(o.confirmedBy, TTL_MS + 100);
    const line = nextRequestLine(o.regcache, `/v2/keep/${REPO}/manifests/v1`);
    const started = Date.now();
    await skopeoCopy(`docker://${o.regcache.host}/keep/${REPO}:v1`, `oci:${useTempDir()}:v1`, { timeoutMs: 30_000 });
    const took = Date.now() - started;
    expect(took).toBeLessThan(BOUND_MS);
    // It really waited for the upstream: the timeout, not some shortcut, decided.
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(hole.hits()).toBeGreaterThan(0);
    expect(await line()).toMatchObject({ status: 200, cache: "STALE", upstream_failure: "timeout" });
  });

  test("past ttl + staleness, and never cached: 503 naming the timeout, within the bound", async () => {
    await sleepUntil(o.confirmedBy, EXPIRY_MS + 200);
    const [expired, never] = await Promise.all([
      get(o.regcache, `/v2/gone/${REPO}/manifests/v1`, "GET", 30_000),
      get(o.regcache, `/v2/keep/${REPO}/manifests/never-pulled`, "GET", 30_000),
    ]);
    for (const answer of [expired, never]) expect(answer.ms).toBeLessThan(BOUND_MS);
    const error = expectUpstreamError(expired, 503, "UPSTREAM_UNAVAILABLE", "gone", "timeout");
    // The operator learns which timeout fired.
    expect(error.message).toContain("no response headers within 2s");
    expectUpstreamError(never, 503, "UPSTREAM_UNAVAILABLE", "keep", "timeout");

    const started = Date.now();
    const failed = await skopeoCopy(`docker://${o.regcache.host}/gone/${REPO}:v1`, `oci:${useTempDir()}:v1`, { allowFailure: true, timeoutMs: 30_000 });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("503 Service Unavailable");
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
  });
});
