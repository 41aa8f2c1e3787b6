// Issue 3, item 6: a private upstream. docker-registry with htpasswd (Basic auth) pulls
// through with the configured username + password_file; without them, or with a wrong
// password, the pull fails with an error that says the upstream refused regcache's
// credentials (502), not "manifest unknown". The same through a Bearer token service.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, pullToLayout, skopeoCopy } from "../../helpers/clients.ts";
import { makeImage, sha256, type GeneratedImage } from "../../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { expectUpstreamError, get, seed, upstreamToml } from "./setup.ts";
import { startTokenStandin, TOKEN_SERVICE, type TokenStandin } from "./token-standin.ts";

const CREDS = { username: "edge-site", password: "s3cret-pull-password" };

describe("private upstream", () => {
  let work: TempDir;
  let basicRegistry: UpstreamRegistry;
  let openRegistry: UpstreamRegistry;
  let tokens: TokenStandin;
  let regcache: RegcacheProcess;
  let image: GeneratedImage;

  beforeAll(async () => {
    work = makeTempDir();
    image = makeImage({ layers: 2 });
    basicRegistry = await startUpstreamRegistry({ dir: `${work.path}/basic`, auth: CREDS });
    await seed(basicRegistry, work.path, "team/app", { v1: image }, CREDS);
    // The token service guards a registry that itself checks nothing.
    openRegistry = await startUpstreamRegistry({ dir: `${work.path}/open` });
    await seed(openRegistry, work.path, "team/app", { v1: image });
    tokens = await startTokenStandin(openRegistry.url, CREDS);

    const passwordFile = `${work.path}/password`;
    writeFileSync(passwordFile, `${CREDS.password}\n`, { mode: 0o600 });
    const wrongFile = `${work.path}/wrong-password`;
    writeFileSync(wrongFile, "not-the-password\n", { mode: 0o600 });
    regcache = await startRegcache({
      extraToml: [
        upstreamToml({ name: "basic", url: basicRegistry.url, username: CREDS.username, passwordFile }),
        upstreamToml({ name: "basic-anon", url: basicRegistry.url }),
        upstreamToml({ name: "basic-wrong", url: basicRegistry.url, username: CREDS.username, passwordFile: wrongFile }),
        upstreamToml({ name: "token", url: tokens.url, username: CREDS.username, passwordFile }),
        upstreamToml({ name: "token-wrong", url: tokens.url, username: CREDS.username, passwordFile: wrongFile }),
      ].join(""),
    });
  });

  afterAll(async () => {
    await regcache?.dispose();
    await tokens?.stop();
    await openRegistry?.stop();
    await basicRegistry?.stop();
    work?.remove();
  });

  test("htpasswd: podman pulls through with the configured credentials; the client needs none", async () => {
    const podman = createPodman({ dir: useTempDir(), mirrors: [{ location: basicRegistry.host, mirrors: [`${regcache.host}/basic`] }] });
    await podman.pull(`${basicRegistry.host}/team/app:v1`);
    expect(await podman.imageDigest(`${basicRegistry.host}/team/app:v1`)).toBe(image.digests.manifest);
    // Every blob came through regcache with its credentials (a 200 from the registry).
    await basicRegistry.waitForRequests({ method: "GET", path: /\/blobs\//, status: 200 }, 3);
    for (const digest of [image.digests.config, ...image.digests.layers]) {
      expect(basicRegistry.countRequests({ method: "GET", path: `/v2/team/app/blobs/${digest}`, status: 200 })).toBe(1);
    }
  });

  test("htpasswd without credentials, or with a wrong password: 502 naming the upstream and http-401/403", async () => {
    for (const name of ["basic-anon", "basic-wrong"]) {
      const answer = await get(regcache, `/v2/${name}/team/app/manifests/v1`);
      const error = expectUpstreamError(answer, 502, "UPSTREAM_INVALID", name, "http-401/403");
      expect(error.message).toContain("username and password_file");
      const failed = await skopeoCopy(`docker://${regcache.host}/${name}/team/app:v1`, `oci:${useTempDir()}:v1`, { allowFailure: true });
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain("502 Bad Gateway");
      expect(failed.stderr).not.toMatch(/manifest unknown/i);
    }
  });

  test("Bearer token service: pulls through; one token per repository scope, reused", async () => {
    const dir = useTempDir();
    await pullToLayout(`${regcache.host}/token/team/app:v1`, dir, "v1");
    const manifest = await get(regcache, `/v2/token/team/app/manifests/${image.digests.manifest}`);
    expect(sha256(manifest.body)).toBe(image.digests.manifest);
    const granted = tokens.tokenRequests().filter((r) => r.granted);
    expect(granted).toEqual([{ scope: "repository:team/app:pull", service: TOKEN_SERVICE, user: CREDS.username, granted: true }]);
    // Only the first request met a challenge; the token then went up front with every request.
    expect(tokens.challenges()).toBe(1);
  });

  test("Bearer token service refusing the credentials: 502 naming http-401/403", async () => {
    const answer = await get(regcache, "/v2/token-wrong/team/app/manifests/v1");
    expectUpstreamError(answer, 502, "UPSTREAM_INVALID", "token-wrong", "http-401/403");
    expect(tokens.tokenRequests().some((r) => !r.granted && r.user === CREDS.username)).toBe(true);
  });
});
