// Issue 15, item 3: install.sh into a staged root. Twice gives the same tree
// (idempotent), with the documented paths and modes; a re-run keeps an edited
// config and the data; --uninstall keeps config and data, --purge removes them.
import { readFileSync, writeFileSync, existsSync, mkdirSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { makeTempDir, type TempDir } from "../helpers/temp-dirs.ts";
import { BINARY, install, runInstall, tree } from "./run-install.ts";

const EXPECTED_MODES: Record<string, string> = {
  "/usr/local/bin/regcache": "755",
  "/usr/local/share/doc/regcache/README.md": "644",
  "/etc/systemd/system/regcache.service": "644",
  "/etc/regcache": "755",
  "/etc/regcache/regcache.toml": "640",
  "/var/lib/regcache": "750",
};

describe("install.sh into a staged root", () => {
  let dir: TempDir;
  let root: string;
  beforeEach(() => {
    dir = makeTempDir("regcache-install-");
    root = join(dir.path, "root");
  });
  afterEach(() => dir.remove());

  test("installs the documented files with their modes, with no network, and a second run changes nothing", () => {
    const first = install(root, [], { offline: true });
    expect(first.stdout).toContain("staged install");
    expect(first.stdout).toContain("wrote /etc/regcache/regcache.toml");
    const once = tree(root);
    for (const [path, mode] of Object.entries(EXPECTED_MODES)) expect(once[path]?.mode, path).toBe(mode);
    expect(once["/usr/local/bin/regcache"]!.hash).toBe(tree(join(BINARY, ".."))["/regcache"]!.hash);

    const config = readFileSync(join(root, "etc/regcache/regcache.toml"), "utf8");
    expect(config).toMatch(/^path = "\/var\/lib\/regcache"$/m);
    const unit = readFileSync(join(root, "etc/systemd/system/regcache.service"), "utf8");
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/regcache serve --config \/etc\/regcache\/regcache.toml$/m);
    expect(unit).toMatch(/^Type=notify$/m);

    const second = install(root);
    expect(second.stdout).toContain("kept /etc/regcache/regcache.toml");
    expect(tree(root)).toEqual(once);
  });

  test("--prefix moves the binary and docs, and the unit follows", () => {
    install(root, ["--prefix", "/opt/regcache"]);
    const t = tree(root);
    expect(t["/opt/regcache/bin/regcache"]?.mode).toBe("755");
    expect(t["/opt/regcache/share/doc/regcache/README.md"]?.mode).toBe("644");
    expect(t["/usr/local/bin/regcache"]).toBeUndefined();
    const unit = readFileSync(join(root, "etc/systemd/system/regcache.service"), "utf8");
    expect(unit).toMatch(/^ExecStart=\/opt\/regcache\/bin\/regcache serve /m);
    expect(unit).toContain("file:///opt/regcache/share/doc/regcache/README.md");
    expect(unit).not.toContain("/usr/local");
  });

  test("an upgrade replaces the binary and keeps an edited config and the data", () => {
    install(root);
    const configPath = join(root, "etc/regcache/regcache.toml");
    writeFileSync(configPath, readFileSync(configPath, "utf8") + "\n# edited by the operator\n");
    const data = join(root, "var/lib/regcache/regcache.db");
    writeFileSync(data, "the data");
    // The "previous release": a binary that only answers `version` differently.
    const bin = join(root, "usr/local/bin/regcache");
    writeFileSync(bin, "#!/bin/sh\necho 'regcache 0.0.9 (old)'\n");
    chmodSync(bin, 0o755);

    const run = install(root);
    expect(run.stdout).toMatch(/upgraded regcache 0\.0\.9 \(old\) -> regcache \S+/);
    expect(tree(root)["/usr/local/bin/regcache"]!.hash).toBe(tree(join(BINARY, ".."))["/regcache"]!.hash);
    expect(readFileSync(configPath, "utf8")).toContain("# edited by the operator");
    expect(readFileSync(data, "utf8")).toBe("the data");
  });

  test("--uninstall keeps config and data; --purge removes them; both can run twice", () => {
    install(root);
    writeFileSync(join(root, "var/lib/regcache/regcache.db"), "the data");
    for (let i = 0; i < 2; i++) {
      const run = runInstall(root, ["--uninstall"]);
      expect(run.code, run.stderr).toBe(0);
      const t = tree(root);
      expect(t["/usr/local/bin/regcache"]).toBeUndefined();
      expect(t["/etc/systemd/system/regcache.service"]).toBeUndefined();
      expect(t["/usr/local/share/doc/regcache"]).toBeUndefined();
      expect(t["/etc/regcache/regcache.toml"]?.mode).toBe("640");
      expect(t["/var/lib/regcache/regcache.db"]).toBeDefined();
    }
    for (let i = 0; i < 2; i++) {
      const run = runInstall(root, ["--purge"]);
      expect(run.code, run.stderr).toBe(0);
      expect(existsSync(join(root, "etc/regcache"))).toBe(false);
      expect(existsSync(join(root, "var/lib/regcache"))).toBe(false);
    }
  });
});

describe("install.sh says what is wrong with the machine, before it changes anything", () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = makeTempDir("regcache-install-");
  });
  afterEach(() => dir.remove());

  test("an unsupported architecture", () => {
    // A `uname` first on PATH that reports another machine.
    const shims = join(dir.path, "shims");
    mkdirSync(shims);
    writeFileSync(join(shims, "uname"), "#!/bin/sh\necho riscv64\n");
    chmodSync(join(shims, "uname"), 0o755);
    const root = join(dir.path, "root");
    const run = runInstall(root, ["--binary", BINARY], { PATH: `${shims}:${process.env.PATH}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("unsupported machine architecture: riscv64 (regcache ships for x86_64 and aarch64)");
    expect(existsSync(root)).toBe(false);
  });

  test("a binary built for the other architecture", () => {
    const machine = process.arch === "arm64" ? { id: 62, name: "x86_64" } : { id: 183, name: "aarch64" };
    const elf = Buffer.alloc(64);
    elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    elf.writeUInt16LE(machine.id, 18);
    const fake = join(dir.path, "regcache");
    writeFileSync(fake, elf);
    chmodSync(fake, 0o755);
    const root = join(dir.path, "root");
    const run = runInstall(root, ["--binary", fake]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`is built for ${machine.name}, but this machine is`);
    expect(existsSync(join(root, "usr"))).toBe(false);
  });

  // Without DESTDIR this would be a real install; only where systemd is not running does
  // the script stop at its check, which is what this asserts.
  test.runIf(!existsSync("/run/systemd/system"))("no running systemd, outside a staged root", () => {
    const run = runInstall(undefined, ["--binary", BINARY]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("systemd is not running here (no /run/systemd/system); pass --skip-systemd-check");
  });

  test("unknown options are usage errors", () => {
    const run = runInstall(join(dir.path, "root"), ["--frobnicate"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option --frobnicate");
  });
});
