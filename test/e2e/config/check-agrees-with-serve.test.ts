// `regcache config check` and `regcache serve` agree on every config: check
// exits 0 exactly when serve starts, and for a config serve refuses, both exit
// 1 with the same one-line reason naming the file and the key. Table-driven,
// against the compiled binary.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { freePort } from "../../helpers/ports.ts";
import { runCommand, spawnProcess } from "../../helpers/processes.ts";
import { makeTempDir } from "../../helpers/temp-dirs.ts";
import { makeTestCa } from "../../helpers/test-ca.ts";
import { BINARY } from "../regcache-process.ts";

const temp = makeTempDir("regcache-config-agree-");
afterAll(() => temp.remove());
const dir = temp.path;
writeFileSync(join(dir, "password"), "s3cret\n", { mode: 0o600 }); // secrets: not readable by others
writeFileSync(join(dir, "token"), "admin-token\n", { mode: 0o600 });
writeFileSync(join(dir, "empty"), "", { mode: 0o600 });
writeFileSync(join(dir, "a-file"), "not a directory");
// issue 12: secrets readable by others, and htpasswd files with other hash types.
const bcryptLine = execFileSync("htpasswd", ["-n", "-b", "-B", "-C", "4", "alice", "pw"], { encoding: "utf8" }).trim();
const md5Line = execFileSync("htpasswd", ["-n", "-b", "-m", "old", "pw"], { encoding: "utf8" }).trim();
writeFileSync(join(dir, "htpasswd"), `# users\n${bcryptLine}\n`, { mode: 0o640 }); // group-readable is allowed
writeFileSync(join(dir, "htpasswd-open"), `${bcryptLine}\n`, { mode: 0o644 });
writeFileSync(join(dir, "htpasswd-md5"), `${bcryptLine}\n${md5Line}\n`, { mode: 0o600 });
writeFileSync(join(dir, "password-open"), "s3cret\n", { mode: 0o604 });
writeFileSync(join(dir, "token-open"), "admin-token\n", { mode: 0o644 });
mkdirSync(join(dir, "open-key-storage"));
writeFileSync(join(dir, "open-key-storage", "token-key.jwk"), "{}\n", { mode: 0o644 });
for (const f of ["htpasswd", "htpasswd-open", "password-open", "token-open", "open-key-storage/token-key.jwk"]) chmodSync(join(dir, f), f === "htpasswd" ? 0o640 : f === "password-open" ? 0o604 : 0o644);
const auth = (file = "htpasswd") => `[auth]\nhtpasswd = "${join(dir, file)}"\n`;
// Two server certificates from a test CA: their files mixed make a key that does not match.
const ca = await makeTestCa(join(dir, "ca"));
const good = await ca.issue("good");
const other = await ca.issue("other");
const [leafPem, intermediatePem] = readFileSync(good.chainFile, "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)!;
writeFileSync(join(dir, "reversed-chain.crt"), intermediatePem! + leafPem!);
// A server key readable by others is refused like every other secret.
writeFileSync(join(dir, "open.key"), readFileSync(good.keyFile), { mode: 0o644 });
chmodSync(join(dir, "open.key"), 0o644);
writeFileSync(join(dir, "not-a-key"), "not a key", { mode: 0o600 });
const tls = (cert: string, key: string) => [cert && `SERVER tls_cert = "${cert}"`, key && `SERVER tls_key = "${key}"`].filter(Boolean).join("\n") + "\n";

const upstream = (extra = "", url = "https://up.invalid") => `[[upstream]]\nname = "up"\nurl = "${url}"\n${extra}\n`;

/** [what, TOML after [server] listen and [storage] path, the refusal (a key path), or null for a config that serves]. */
const CASES: [string, string, RegExp | null][] = [
  ["the minimal config", upstream(), null],
  ["plain http with insecure = true", upstream("insecure = true", "http://127.0.0.1:9"), null],
  ["plain http without insecure", upstream("", "http://127.0.0.1:9"), /upstream\[0\] \(up\)\.url: plain http:\/\/ needs insecure = true/],
  ["a URL that is not http(s)", upstream("", "ftp://up.invalid"), /upstream\[0\] \(up\)\.url/],
  ["a readable password_file with a username", upstream(`username = "u"\npassword_file = "${join(dir, "password")}"`), null],
  ["a password_file that does not exist", upstream(`username = "u"\npassword_file = "${join(dir, "nope")}"`), /upstream\[0\] \(up\)\.password_file: cannot read/],
  ["a password_file without a username", upstream(`password_file = "${join(dir, "password")}"`), /upstream\[0\] \(up\)\.password_file: set username too/],
  ["a ca_file that does not exist", upstream(`ca_file = "${join(dir, "nope.pem")}"`), /upstream\[0\] \(up\)\.ca_file: cannot read/],
  ["an admin_token_file that does not exist", `ADMIN${join(dir, "nope")}\n${upstream()}`, /server\.admin_token_file: cannot read/],
  ["an empty admin_token_file", `ADMIN${join(dir, "empty")}\n${upstream()}`, /server\.admin_token_file: .* is empty/],
  ["a readable admin_token_file", `ADMIN${join(dir, "token")}\n${upstream()}`, null],
  ["a bad duration", upstream(`ttl = "soon"`), /upstream\[0\]\.ttl: expected a duration/],
  ["an unknown key", upstream(`tll = "1h"`), /upstream\[0\]\.tll: unknown key/],
  ["a dangling default_upstream", `DEFAULT\n${upstream()}`, /server\.default_upstream/],
  ["a bad cron expression", `${upstream()}[prefetch]\nsweep = "every day"\n`, /prefetch\.sweep/],
  ["an [auth] htpasswd with bcrypt entries, group-readable", `${auth()}[[access]]\nrepository = "**"\nusers = ["alice"]\nactions = ["pull"]\n`, null],
  ["an htpasswd readable by others", auth("htpasswd-open"), /auth\.htpasswd: .*htpasswd-open is accessible to others \(mode 0644\)/],
  ["an htpasswd with an MD5 entry", auth("htpasswd-md5"), /auth\.htpasswd: .*htpasswd-md5 line 2: user "old" has an MD5 \(\$apr1\$\) hash; only bcrypt/],
  ["an htpasswd that does not exist", auth("nope"), /auth\.htpasswd: cannot read/],
  ["a password_file readable by others", upstream(`username = "u"\npassword_file = "${join(dir, "password-open")}"`), /upstream\[0\] \(up\)\.password_file: .*password-open is accessible to others \(mode 0604\)/],
  ["an admin_token_file readable by others", `ADMIN${join(dir, "token-open")}\n${upstream()}`, /server\.admin_token_file: .*token-open is accessible to others \(mode 0644\)/],
  ["a token key in storage readable by others", `STORAGE${join(dir, "open-key-storage")}\n${auth()}`, /auth \(token key\): .*token-key\.jwk is accessible to others \(mode 0644\)/],
  ["[[access]] without [auth]", `[[access]]\nrepository = "**"\nanonymous = true\nactions = ["pull"]\n`, /access: \[\[access\]\] entries need an \[auth\] table/],
  ["[[access]] naming an unknown group", `${auth()}[[access]]\nrepository = "**"\ngroups = ["devs"]\nactions = ["pull"]\n`, /access\[0\]\.groups: names no group/],
  ["a passthrough upstream without [auth]", upstream(`auth = "passthrough"`), /upstream\[0\] \(up\)\.auth: "passthrough" needs an \[auth\] table/],
  ["a passthrough upstream with a username", `${auth()}${upstream(`auth = "passthrough"\nusername = "u"`)}`, /upstream\[0\] \(up\)\.auth: "passthrough" uses the clients' credentials/],
  ["a TLS certificate chain and its key", tls(good.chainFile, good.keyFile) + upstream(), null],
  ["tls_cert without tls_key", tls(good.chainFile, "") + upstream(), /server\.tls_key: set it too/],
  ["tls_key without tls_cert", tls("", good.keyFile) + upstream(), /server\.tls_cert: set it too/],
  ["a tls_cert that does not exist", tls(join(dir, "nope.crt"), good.keyFile) + upstream(), /server\.tls_cert: cannot read .*nope\.crt/],
  ["a tls_cert that is not PEM", tls(join(dir, "a-file"), good.keyFile) + upstream(), /server\.tls_cert: .*a-file holds no PEM certificate/],
  ["a tls_key that is not a key", tls(good.chainFile, join(dir, "not-a-key")) + upstream(), /server\.tls_key: .*not-a-key is not a PEM private key/],
  ["a tls_key that does not match the certificate", tls(good.chainFile, other.keyFile) + upstream(), /server\.tls_key: .*other\.key does not match the certificate in .*good\.crt/],
  ["a tls_key readable by others", tls(good.chainFile, join(dir, "open.key")) + upstream(), /server\.tls_key: .*open\.key is accessible to others \(mode 0644\)/],
  ["a chain with the leaf last", tls(join(dir, "reversed-chain.crt"), good.keyFile) + upstream(), /server\.tls_cert: .*reversed-chain\.crt: certificate 2 did not issue certificate 1/],
  ["a storage path under a file", `STORAGE${join(dir, "a-file", "data")}\n${upstream()}`, /storage\.path: .*not a directory/],
];

async function configFor(name: string, body: string): Promise<{ file: string; port: number }> {
  const port = await freePort();
  const storage = join(dir, name.replace(/\W+/g, "-"), "storage");
  mkdirSync(join(dir, name.replace(/\W+/g, "-")), { recursive: true });
  let server = `[server]\nlisten = "127.0.0.1:${port}"\nshutdown_grace = "1s"\n`;
  let storagePath = storage;
  body = body.replace(/^ADMIN(.*)$/m, (_, p) => ((server += `admin_token_file = "${p}"\n`), ""));
  body = body.replace(/^DEFAULT$/m, () => ((server += `default_upstream = "nope"\n`), ""));
  body = body.replace(/^STORAGE(.*)$/m, (_, p) => ((storagePath = p), ""));
  body = body.replace(/^SERVER (.*)$/gm, (_, line) => ((server += `${line}\n`), ""));
  const file = join(dir, `${name.replace(/\W+/g, "-")}.toml`);
  writeFileSync(file, `${server}[storage]\npath = "${storagePath}"\n${body}`);
  chmodSync(file, 0o644);
  return { file, port };
}

/** Starts serve and returns "started", or the exit code and stderr when it refused. */
async function serveOutcome(file: string): Promise<{ started: true } | { started: false; code: number | null; stderr: string }> {
  const child = spawnProcess(BINARY, ["serve", "--config", file], { name: "regcache serve" });
  const started = child.waitForLine(/"msg":"regcache started"/, 20_000, "stdout").then(() => true as const);
  const exited = child.exited.then(() => false as const);
  const outcome = await Promise.race([started, exited]);
  if (outcome) {
    await child.stop("SIGTERM", 5_000);
    return { started: true };
  }
  started.catch(() => {});
  const status = await child.exited;
  return { started: false, code: status.code, stderr: child.text().stderr };
}

describe("config check and serve agree", () => {
  for (const [what, body, refusal] of CASES) {
    test(`${what}: ${refusal ? "both refuse it, naming the key" : "check says ok and serve starts"}`, async () => {
      const { file } = await configFor(what, body);
      const check = await runCommand(BINARY, ["config", "check", "--config", file], { allowFailure: true });
      const served = await serveOutcome(file);
      if (refusal === null) {
        expect(check.code, check.stderr).toBe(0);
        expect(served).toEqual({ started: true });
        return;
      }
      expect(check.code).toBe(1);
      expect(check.stderr).toMatch(new RegExp(`^regcache: ${basename(file).replace(".", "\\.")}: `));
      expect(check.stderr).toMatch(refusal);
      expect(served.started).toBe(false);
      if (served.started) return;
      expect(served.code).toBe(1);
      // The same reason, word for word.
      expect(served.stderr.trim().split("\n").at(-1)).toBe(check.stderr.trim().split("\n").at(-1));
    });
  }
});
