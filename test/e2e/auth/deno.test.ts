// issue 12 under Deno: the same source with [auth] (jose's WebCrypto, bcryptjs, the key
// file) — skopeo pushes as a user with push rights, a reader pulls, anonymous is refused.
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pullToLayout, pushLayout, type Credentials } from "../../helpers/clients.ts";
import { makeImage, writeOciLayout } from "../../helpers/oci-image.ts";
import { makeTempDir, useTempDir, type TempDir } from "../../helpers/tmp.ts";
import { startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { writeHtpasswd } from "./setup.ts";

const WRITER: Credentials = { username: "writer", password: "writer-deno-Pw-1" };
const READER: Credentials = { username: "reader", password: "reader-deno-Pw-2" };

describe("auth under Deno", () => {
  let work: TempDir;
  let regcache: RegcacheProcess;

  beforeAll(async () => {
    work = makeTempDir();
    const htpasswd = join(work.path, "htpasswd");
    await writeHtpasswd(htpasswd, [WRITER, READER]);
    regcache = await startRegcache({
      runtime: "deno",
      startTimeoutMs: 60_000,
      extraToml: `[auth]\nhtpasswd = ${JSON.stringify(htpasswd)}\n[[access]]\nrepository = "team/**"\nusers = ["writer"]\nactions = ["pull", "push"]\n[[access]]\nrepository = "team/**"\nusers = ["reader"]\nactions = ["pull"]\n`,
    });
    await writeOciLayout(join(work.path, "layout"), { "1": makeImage({ layers: 1 }) });
  });

  afterAll(async () => {
    await regcache?.dispose();
    work?.remove();
  });

  test("push with rights, pull as a reader, refusals for the reader's push and for anonymous", async () => {
    expect(regcache.logs().find((l) => l.msg === "regcache started")?.runtime).toMatch(/^deno /);
    expect(statSync(join(regcache.storageDir, "token-key.jwk")).mode & 0o777).toBe(0o600);
    await pushLayout(join(work.path, "layout"), "1", `${regcache.host}/team/app:1`, { destCreds: WRITER });
    await pullToLayout(`${regcache.host}/team/app:1`, useTempDir(), "1", { srcCreds: READER });
    const push = await pushLayout(join(work.path, "layout"), "1", `${regcache.host}/team/app:2`, { destCreds: READER, allowFailure: true });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/denied/i);
    const anonymous = await pullToLayout(`${regcache.host}/team/app:1`, useTempDir(), "1", { allowFailure: true });
    expect(anonymous.code).not.toBe(0);
  });
});
