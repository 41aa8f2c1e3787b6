// Issue 5, "What must be shown" 3: real clients against the binary. skopeo and
// podman pushes to an immutable tag are refused with the policy's message; a
// delete is refused; pushing the same digest again works; deactivating the
// policy (with the `regcache policy` CLI) allows both again.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPodman, pushLayout, skopeoCopy, type Podman } from "../../helpers/clients.ts";
import { makeImage, writeOciLayout, type GeneratedImage } from "../../helpers/oci-image.ts";
import { runCommand } from "../../helpers/processes.ts";
import { makeTempDir, type TempDir } from "../../helpers/tmp.ts";
import { regcacheCommand, startRegcache, type RegcacheProcess } from "../regcache-process.ts";
import { digestOfTag } from "./setup.ts";

describe("skopeo and podman against an immutable tag (binary)", () => {
  let work: TempDir;
  let regcache: RegcacheProcess;
  let podman: Podman;
  let first: GeneratedImage;
  let second: GeneratedImage;
  let layout: string;
  let uuid: string;
  const ref = (tag: string) => `${regcache.host}/shop/web:${tag}`;
  const cli = (...args: string[]) => {
    const [command, argv] = regcacheCommand("binary", ["policy", ...args, "--server", regcache.url]);
    return runCommand(command, argv, { allowFailure: true, name: "regcache policy" });
  };

  beforeAll(async () => {
    work = makeTempDir();
    regcache = await startRegcache();
    first = makeImage({ layers: 2 });
    second = makeImage({ layers: 2 });
    layout = `${work.path}/layout`;
    await writeOciLayout(layout, { first, second });
    await pushLayout(layout, "first", ref("v1.0"));
    await pushLayout(layout, "second", ref("candidate"));
    podman = createPodman({ dir: `${work.path}/podman` });
    await podman.pull(ref("candidate"));

    const created = await cli("create", "--namespace", "shop", "--pattern", "^v[0-9]+\\.[0-9]+$");
    expect(created.code, created.stderr).toBe(0);
    uuid = /policy ([0-9a-f-]{36})/.exec(created.stdout)![1]!;
    expect(created.stdout).toContain('tags matching "^v[0-9]+\\.[0-9]+$" in namespace shop are immutable');
  });

  afterAll(async () => {
    await regcache?.dispose();
    work?.remove();
  });

  test("`regcache policy list` shows the policy as active", async () => {
    const list = await cli("list");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${uuid}\\s+yes\\s+namespace\\s+shop\\s+matching`));
  });

  test("skopeo: pushing another image to the tag is refused with the policy's message", async () => {
    const push = await pushLayout(layout, "second", ref("v1.0"), { allowFailure: true });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain(`policy ${uuid}`);
    expect(push.stderr).toContain("cannot be pointed at another digest");
    expect(await digestOfTag(regcache, "shop/web", "v1.0")).toBe(first.digests.manifest);
  });

  test("podman: the same push is refused with the same message", async () => {
    const push = await podman.push(ref("candidate"), ref("v1.0"), { allowFailure: true });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain(`policy ${uuid}`);
    expect(await digestOfTag(regcache, "shop/web", "v1.0")).toBe(first.digests.manifest);
  });

  test("pushing the same digest again succeeds", async () => {
    const push = await pushLayout(layout, "first", ref("v1.0"));
    expect(push.code).toBe(0);
  });

  test("deleting is refused: skopeo delete, and DELETE by tag", async () => {
    const del = await runCommand("skopeo", ["delete", "--tls-verify=false", "--no-creds", `docker://${ref("v1.0")}`], { allowFailure: true, name: "skopeo" });
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain(`policy ${uuid}`);
    const byTag = await fetch(`${regcache.url}/v2/shop/web/manifests/v1.0`, { method: "DELETE" });
    expect(byTag.status).toBe(409);
    const refusals = regcache.logs().filter((l) => l.msg === "write refused: immutable tag" && l.policy === uuid);
    expect(refusals.map((l) => l.action)).toEqual(expect.arrayContaining(["overwrite", "delete"]));
  });

  test("`regcache policy deactivate` lifts the protection: the push and the delete then work", async () => {
    const off = await cli("deactivate", uuid);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain("is inactive");
    expect((await cli("list")).stdout).toMatch(new RegExp(`${uuid}\\s+no\\s+`));
    await podman.push(ref("candidate"), ref("v1.0"));
    expect(await digestOfTag(regcache, "shop/web", "v1.0")).toBe(second.digests.manifest);
    await skopeoCopy(`oci:${layout}:first`, `docker://${ref("v2.0")}`);
    await runCommand("skopeo", ["delete", "--tls-verify=false", "--no-creds", `docker://${ref("v2.0")}`], { name: "skopeo" });
    expect(await digestOfTag(regcache, "shop/web", "v2.0")).toBeNull();
  });

  test("`regcache policy activate` protects again, `delete` removes the policy", async () => {
    expect((await cli("activate", uuid)).code).toBe(0);
    expect((await pushLayout(layout, "first", ref("v1.0"), { allowFailure: true })).code).not.toBe(0);
    const del = await cli("delete", uuid);
    expect(del.code).toBe(0);
    expect((await cli("list")).stdout.trim()).toBe("no immutability policies");
    await pushLayout(layout, "first", ref("v1.0"));
    const again = await cli("delete", uuid);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no immutability policy ${uuid}`);
  });

  test("the CLI's errors: a refused create says why (exit 1), usage errors exit 2", async () => {
    const bad = await cli("create", "--namespace", "shop", "--pattern", "(a)\\1");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("backreferences are not supported");
    expect((await cli("create", "--pattern", "x")).code).toBe(2);
    expect((await cli("frobnicate")).code).toBe(2);
    const [command, argv] = regcacheCommand("binary", ["policy", "list", "--server", "http://127.0.0.1:9"]);
    const unreachable = await runCommand(command, argv, { allowFailure: true });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach regcache at http://127.0.0.1:9");
  });
});
