// [[access]] globs see the full name a request resolves to: under default_upstream,
// "library/nginx" is "up/library/nginx", and so is containerd's /v2/library/nginx?ns=up.
// A name under local_namespaces stays local. (The upstream is a closed port: the gate
// decides before anything is fetched, and a request it lets through then fails upstream.)
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { fetchToken, writeHtpasswd } from "./setup.ts";

describe("access rules over resolved names (binary)", () => {
  let work: TempDir;
  let regcache: RegcacheProcess;

  beforeAll(async () => {
    work = makeTempDir();
    const htpasswd = join(work.path, "htpasswd");
    await writeHtpasswd(htpasswd, [{ username: "ci", password: "ci-names-Pw-5" }]);
    regcache = await startRegcache({
      serverToml: `default_upstream = "up"\nlocal_namespaces = ["myorg"]\ntrusted_proxies = ["127.0.0.1/32"]`,
      extraToml: [
        `[auth]\nhtpasswd = ${JSON.stringify(htpasswd)}\n`,
        `[[access]]\nrepository = "up/library/*"\nanonymous = true\nactions = ["pull"]\n`,
        `[[upstream]]\nname = "up"\nurl = "http://127.0.0.1:9"\ninsecure = true\nconnect_timeout = "1s"\nstale_if_error = []\n`,
      ].join("\n"),
    });
  });
  afterAll(async () => {
    await regcache?.dispose();
    work?.remove();
  });

  const claims = (t: string) => JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString()) as { access: { name: string; actions: string[] }[] };

  test("/token: a name without prefix is matched as the default upstream's; a local one is not", async () => {
    const token = await fetchToken(regcache, ["repository:library/nginx:pull", "repository:up/library/nginx:pull", "repository:myorg/library:pull", "repository:up/other/x:pull"]);
    expect(claims(token).access.map((a) => a.name)).toEqual(["library/nginx", "up/library/nginx"]);
  });

  test("the gate: ?ns=up resolves like the prefix; the request then fails upstream, not at the gate", async () => {
    const token = await fetchToken(regcache, ["repository:library/nginx:pull"]);
    const viaNs = await fetch(`${regcache.url}/v2/library/nginx/manifests/latest?ns=up`, { headers: { authorization: `Bearer ${token}` } });
    expect(viaNs.status).toBe(503);
    const local = await fetchToken(regcache, ["repository:myorg/library:pull"]);
    expect((await fetch(`${regcache.url}/v2/myorg/library/manifests/latest`, { headers: { authorization: `Bearer ${local}` } })).status).toBe(401);
  });

  test("behind a trusted proxy (a TLS terminator) the realm follows X-Forwarded-Proto and -Host", async () => {
    const r = await fetch(`${regcache.url}/v2/`, { headers: { "x-forwarded-proto": "https", "x-forwarded-host": "edge.example:8443", "x-forwarded-for": "10.1.2.3" } });
    expect(r.headers.get("www-authenticate")).toBe('Bearer realm="https://edge.example:8443/token",service="regcache"');
    const bad = await fetch(`${regcache.url}/v2/`, { headers: { "x-forwarded-proto": "gopher", "x-forwarded-host": 'evil"x' } });
    expect(bad.headers.get("www-authenticate")).toBe(`Bearer realm="${regcache.url}/token",service="regcache"`);
  });
});
