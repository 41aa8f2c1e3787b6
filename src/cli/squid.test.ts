import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { defaultSquidSettings, squidSection } from "../config/squid.ts";
import { runSquid } from "./squid.ts";

function run(args: string[], squid = defaultSquidSettings, stdinText = "") {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (b) => (out += b));
  stderr.on("data", (b) => (err += b));
  stdin.end(stdinText);
  return runSquid(args, { squid, stdout, stderr, stdin }).then((code) => ({ code, out, err }));
}

describe("regcache squid", () => {
  it("exits 2 with usage for a missing or unknown sub-command or flag", async () => {
    for (const args of [[], ["nope"], ["config", "--bogus"], ["icap", "--listen"], ["store-id", "extra"]]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/^regcache squid: .+\nusage: /);
    }
  });

  it("config prints squid.conf, passing --config on to the helper", async () => {
    const r = await run(["config", "--config", "/srv/regcache.toml"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("store_id_program /usr/local/bin/regcache squid store-id --config /srv/regcache.toml\n");
  });

  it("config --out writes the file; a bad directory is a one-line error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "regcache-cli-squid-"));
    try {
      expect((await run(["config", "--snippet", "--out", join(dir, "regcache.conf")])).code).toBe(0);
      expect(await readFile(join(dir, "regcache.conf"), "utf8")).toContain("(conf.d snippet)");
      const bad = await run(["config", `--out=${join(dir, "missing", "x.conf")}`]);
      expect(bad.code).toBe(1);
      expect(bad.err.trim().split("\n")).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("config --ca prints a CA script limited to the CDN hosts", async () => {
    const r = await run(["config", "--ca"], v.parse(squidSection, { cdn_hosts: ["cdn01.quay.io", ".cdn.example"] }));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^#!\/bin\/sh\n/);
    expect(r.out).toContain("nameConstraints=critical,permitted;DNS:cdn01.quay.io,permitted;DNS:cdn.example");
    expect(r.out).toContain("security_file_certgen' -c -s '/var/lib/squid/regcache-ssl_db'");
    expect(r.out).toContain("update-ca-certificates");
  });

  it("icap with a bad --listen is a user error", async () => {
    const r = await run(["icap", "--listen", "localhost:99999"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^regcache squid: --listen: expected an address/);
  });

  it("store-id answers from stdin and exits 0 when stdin closes", async () => {
    const r = await run(["store-id"], defaultSquidSettings, "0 https://example.com/x\n1 nonsense\n");
    expect(r.code).toBe(0);
    // Channel IDs allow any order.
    expect(r.out.split("\n").sort()).toEqual(["", "0 ERR", "1 ERR"]);
  });
});
