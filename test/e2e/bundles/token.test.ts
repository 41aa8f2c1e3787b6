// Issue 13, bundles: export and import go through the admin API like every
// command that acts on a server, so a regcache guarded by server.admin_token_file
// (the way a remote one is reached) needs the token, which the CLI sends from
// $REGCACHE_ADMIN_TOKEN; without it both refuse in one line.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeImage } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startUpstreamRegistry, type UpstreamRegistry } from "../../helpers/upstream-registry.ts";
import { BINARY, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { seed, upstreamToml } from "../prefetch/setup.ts";
import { manifestVia, UPSTREAM } from "./setup.ts";

describe("bundles through a token-guarded admin API", () => {
  let work: TempDir;
  let upstream: UpstreamRegistry;
  let a: RegcacheProcess;

  beforeAll(async () => {
    work = makeTempDir();
    upstream = await startUpstreamRegistry({ dir: `${work.path}/upstream` });
    await seed(upstream, work.path, "org/app", { "1.2": makeImage({ layers: 1 }) });
    const tokenFile = join(work.path, "admin.token");
    writeFileSync(tokenFile, "bundle-t0ken\n", { mode: 0o600 }); // a secret: not readable by others
    a = await startRegcache({ serverToml: `admin_token_file = ${JSON.stringify(tokenFile)}`, extraToml: upstreamToml(UPSTREAM, upstream.url, 'ttl = "1h"') });
  });

  afterAll(async () => {
    await a?.dispose();
    await upstream?.stop();
    work?.remove();
  });

  const run = (args: string[], token?: string) => runCommand(BINARY, args, { allowFailure: true, env: { REGCACHE_ADMIN_TOKEN: token } });

  test("with the token: export and import; without: one line, exit 1, no file", async () => {
    const out = join(work.path, "b.tar");
    const refused = await run(["export", "--server", a.url, "--out", out, "quay.io/org/app:1.2"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/^regcache: export: .*admin_token_file/);
    expect(existsSync(out)).toBe(false);

    const ok = await run(["export", "--server", a.url, "--out", out, "quay.io/org/app:1.2"], "bundle-t0ken");
    expect(ok.code, ok.stderr).toBe(0);
    const noToken = await run(["import", "--server", a.url, out]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^regcache: import: .*admin_token_file/);
    const back = await run(["import", "--server", a.url, out], "bundle-t0ken");
    expect(back.code, back.stderr).toBe(0);
    // Config and layer were in A's store; the manifest lived in SQLite only, so it is the one file written.
    expect(back.stdout).toMatch(/1 blobs written, 2 already present, 0 broken/);
    expect((await manifestVia(a, "quay.io/org/app", "1.2")).cache).toBe("HIT");
  });
});
