import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { defaultSquidSettings, squidSection } from "../config/squid.ts";
import { runSquid } from "./squid.ts";

// The default command, /usr/local/bin/regcache, need not exist here: `squid config`
// would refuse it. /bin/sh is there and runnable by everybody, Debian's proxy user included.
const runnable = v.parse(squidSection, { command: "/bin/sh" });

function run(args: string[], squid = runnable, stdinText = "") {
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
    // The helper reads the config as Squid's user: /etc/passwd is a file everybody may read.
    const r = await run(["config", "--config", "/etc/passwd"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("store_id_program /bin/sh squid store-id --config /etc/passwd\n");
  });

  it("config refuses, naming the path and the user, a helper that Squid's user cannot execute", async () => {
    const dir = await mkdtemp(join(tmpdir(), "regcache-cli-squid-"));
    try {
      chmodSync(dir, 0o755);
      mkdirSync(join(dir, "private"), { mode: 0o700 });
      writeFileSync(join(dir, "private", "regcache"), "", { mode: 0o755 });
      const squid = v.parse(squidSection, { command: join(dir, "private", "regcache") });
      for (const args of [["config"], ["config", "--snippet"]]) {
        const r = await run(args, squid);
        expect(r.code).toBe(1);
        expect(r.out).toBe("");
        expect(r.err).toBe(
          `regcache squid: user proxy (cache_effective_user) cannot execute the store-id helper ${join(dir, "private", "regcache")}: directory ${join(dir, "private")} is not searchable by user proxy (mode 700)\n`,
        );
      }
      chmodSync(join(dir, "private"), 0o755);
      expect((await run(["config"], squid)).code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("config with icap_bypass = true warns on stderr, and still writes the config", async () => {
    const r = await run(["config"], v.parse(squidSection, { command: "/bin/sh", icap_bypass: true }));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^regcache squid: warning: icap_bypass = true: .*Authorization/);
    expect(r.out).toContain("bypass=on");
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
    // Squid shows only "exited": cache.log (stderr) says when and why.
    expect(r.err).toMatch(/^regcache squid store-id: started \(pid \d+, 1 URL pattern\(s\)\)\n/m);
    expect(r.err).toMatch(/regcache squid store-id: exiting: stdin closed \(Squid stopped, restarted or reconfigured\)\n$/);
  });
});
