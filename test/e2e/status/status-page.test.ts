// Issue 15, item 1: the status page of the compiled binary, in headless Chromium
// with JavaScript off. Screenshots at 1280x800 and 375x800 go to test-artifacts/status/;
// the DOM shows the upstream rows, the disk bar and the hit-ratio chart. When the
// upstream stops, the same page shows it as down.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dumpDom, screenshot } from "../../helpers/chromium.ts";
import { makeImage, type GeneratedImage } from "../../helpers/oci-image.ts";
import { freePort } from "../../helpers/ports.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { REPO_ROOT, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { get, seed, upstreamToml, waitUntilStored } from "../pull-through/setup.ts";
import { elementById, startTags } from "./dom.ts";

const ARTIFACTS = join(REPO_ROOT, "test-artifacts", "status");

describe("status page in headless Chromium", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;

  /** Pulls the image the way a client does: manifest, then config and layers. */
  async function pull(): Promise<string[]> {
    const outcomes = [(await get(regcache, "/v2/up/app/web/manifests/v1")).xCache ?? ""];
    for (const digest of [image.digests.config, ...image.digests.layers]) outcomes.push((await get(regcache, `/v2/up/app/web/blobs/${digest}`)).xCache ?? "");
    return outcomes;
  }

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    image = makeImage({ layers: 2 });
    await seed(upstream, work.path, "app/web", { v1: image });
    // "gone" points at a loopback port nothing listens on: refused, at once.
    const gone = `http://127.0.0.1:${await freePort()}`;
    regcache = await startRegcache({
      extraToml: upstreamToml({ name: "up", url: upstream.url, ttl: "0s", staleness: "1h" }) + upstreamToml({ name: "gone", url: gone }),
    });
    expect(await pull()).toEqual(["MISS", "MISS", "MISS", "MISS"]);
    // A client has a blob's last byte once it is verified, a moment before it is recorded in the
    // store; asked again in that moment, it would be a MISS that joins the finishing download.
    for (const digest of [image.digests.config, ...image.digests.layers]) await waitUntilStored(regcache, digest);
    // ttl 0s: the tag is revalidated (one HEAD), the blobs are hits.
    expect(await pull()).toEqual(["REVALIDATED", "HIT", "HIT", "HIT"]);
    expect((await get(regcache, "/v2/gone/library/x/manifests/latest")).status).toBe(503);
    const policy = await fetch(`${regcache.url}/api/v1/organization/up/immutabilitypolicy/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tagPattern: "^v[0-9]+$", active: false }),
    });
    expect(policy.status).toBe(201);
  });

  afterAll(async () => {
    await regcache?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  test("shows upstream health, the disk bar, the hit-ratio chart and the images, at both widths", async () => {
    await screenshot(`${regcache.url}/`, join(ARTIFACTS, "status-1280x800.png"), 1280, 800);
    await screenshot(`${regcache.url}/status`, join(ARTIFACTS, "status-375x800.png"), 375, 800);
    const dom = await dumpDom(`${regcache.url}/`);
    // Readable without JavaScript: there is none, and nothing is loaded from elsewhere.
    const served = await (await fetch(`${regcache.url}/`)).text();
    expect(served).not.toMatch(/<script|<link|src=/i);

    const rows = startTags(dom, "tr", "data-upstream");
    expect(rows.map((r) => [r["data-upstream"], r["data-state"]])).toEqual([
      ["up", "up"],
      ["gone", "down"],
    ]);
    expect(elementById(dom, "section", "upstreams")).toMatch(/<span class="failure">refused<\/span>/);

    const [bar] = startTags(dom, "div", "id", "disk-bar");
    expect(Number(bar!["data-used"])).toBeGreaterThan(0);
    expect(Number(bar!["data-limit"])).toBeGreaterThan(Number(bar!["data-used"]));

    const chart = elementById(dom, "svg", "chart-hour");
    expect(chart).toBeDefined();
    // Eight requests with a cache outcome, four from the cache, all within this minute or the last.
    const ratios = startTags(chart!, "rect", "data-ratio").map((r) => Number(r["data-ratio"]));
    expect(ratios.length).toBeGreaterThanOrEqual(1);
    expect(ratios.every((r) => r > 0 && r <= 1)).toBe(true);
    expect(elementById(dom, "svg", "chart-day")).toMatch(/<rect /);

    expect(dom).toMatch(/<span id="images-total">1<\/span>/);
    expect(startTags(dom, "tr", "data-complete", "true")).toHaveLength(1);
    expect(elementById(dom, "section", "images")).toContain("up/app/web:v1");
    expect(startTags(dom, "tr", "data-active", "false")).toHaveLength(1);
    expect(elementById(dom, "section", "errors")).toContain("/v2/gone/library/x/manifests/latest");
  });

  test("the JSON twin has the same facts", async () => {
    const s = (await (await fetch(`${regcache.url}/status?format=json`)).json()) as {
      upstreams: { name: string; state: string; requests: number; lastFailure?: { failure: string } }[];
      images: { total: number; complete: number };
      hitRatio: { hour: number };
    };
    expect(s.upstreams.map((u) => [u.name, u.state])).toEqual([
      ["up", "up"],
      ["gone", "down"],
    ]);
    expect(s.upstreams[0]!.requests).toBe(8);
    expect(s.upstreams[1]!.lastFailure?.failure).toBe("refused");
    expect(s.images).toMatchObject({ total: 1, complete: 1 });
    expect(s.hitRatio.hour).toBe(4 / 8);
  });

  test("an upstream that stops answering is shown as down, with its STALE serves", async () => {
    await upstream.stop();
    expect((await get(regcache, "/v2/up/app/web/manifests/v1")).xCache).toBe("STALE");
    await screenshot(`${regcache.url}/`, join(ARTIFACTS, "status-upstream-down-1280x800.png"), 1280, 800);
    const dom = await dumpDom(`${regcache.url}/`);
    const up = startTags(dom, "tr", "data-upstream", "up")[0]!;
    expect(up["data-state"]).toBe("down");
    const row = dom.match(/<tr class="upstream" data-upstream="up"[\s\S]*?<\/tr>/)![0];
    expect(row).toContain('<span class="failure">refused</span>');
    // requests, stale, failures in the last hour
    expect([...row.matchAll(/<td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]))).toEqual([9, 1, 1]);
  });
});
