// A private CA made for one test with Debian's openssl: a root, an intermediate, and
// server certificates for 127.0.0.1 / localhost issued by the intermediate. Nothing is
// trusted system-wide: a test hands the root to each client (certs.d, --cert-dir,
// --tlscacert, fetch's tls.ca). Also reads what a TLS server presents (s_client).
import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./processes.ts";

export interface ServerCertificate {
  /** Leaf then intermediate: what server.tls_cert names. */
  chainFile: string;
  keyFile: string;
  /** SHA-256 fingerprint of the leaf, "AB:CD:…" (as regcache logs it). */
  fingerprint: string;
}

export interface TestCa {
  /** The root certificate (PEM file) that clients are told to trust. */
  rootFile: string;
  rootPem: string;
  /** Writes a certs.d-style directory `dir` holding the root as ca.crt (what podman's --cert-dir and skopeo's cert dirs read); returns it. */
  certDir(dir: string): string;
  /** Issues a new server certificate (a fresh key) into `<dir>/<name>.{crt,key}`, valid for `days` (default 2). */
  issue(name: string, days?: number): Promise<ServerCertificate>;
}

const openssl = (args: string[]) => runCommand("openssl", args, { name: "openssl", timeoutMs: 30_000 });
const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** The SHA-256 fingerprint of the first certificate in a PEM text. */
export const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

export async function makeTestCa(dir: string): Promise<TestCa> {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const caExt = f("ca.ext");
  writeFileSync(caExt, "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n");
  const leafExt = f("leaf.ext");
  writeFileSync(leafExt, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n");
  await openssl(["req", "-x509", ...ecKey, "-keyout", f("root.key"), "-out", f("root.crt"), "-days", "2", "-subj", "/CN=regcache test root", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  await openssl(["req", ...ecKey, "-keyout", f("int.key"), "-out", f("int.csr"), "-subj", "/CN=regcache test intermediate"]);
  await openssl(["x509", "-req", "-in", f("int.csr"), "-CA", f("root.crt"), "-CAkey", f("root.key"), "-set_serial", "1", "-out", f("int.crt"), "-days", "2", "-extfile", caExt]);
  let serial = 100;
  return {
    rootFile: f("root.crt"),
    rootPem: readFileSync(f("root.crt"), "utf8"),
    certDir(target) {
      mkdirSync(target, { recursive: true });
      copyFileSync(f("root.crt"), join(target, "ca.crt"));
      return target;
    },
    async issue(name, days = 2) {
      await openssl(["req", ...ecKey, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", "/CN=127.0.0.1"]);
      await openssl(["x509", "-req", "-in", f(`${name}.csr`), "-CA", f("int.crt"), "-CAkey", f("int.key"), "-set_serial", String(serial++), "-out", f(`${name}.leaf.crt`), "-days", String(days), "-extfile", leafExt]);
      const leaf = readFileSync(f(`${name}.leaf.crt`), "utf8");
      writeFileSync(f(`${name}.crt`), leaf + readFileSync(f("int.crt"), "utf8"));
      return { chainFile: f(`${name}.crt`), keyFile: f(`${name}.key`), fingerprint: fingerprintOf(leaf) };
    },
  };
}

/** The certificates a TLS server on 127.0.0.1:`port` presents to a new connection, leaf first (PEM). */
export async function presentedCertificates(port: number): Promise<string[]> {
  // stdin is /dev/null, so s_client ends after the handshake.
  const { stdout } = await openssl(["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-showcerts"]);
  return stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** The fingerprint of the leaf that a new connection to `port` gets. */
export async function presentedFingerprint(port: number): Promise<string> {
  const [leaf] = await presentedCertificates(port);
  if (!leaf) throw new Error(`no certificate presented on 127.0.0.1:${port}`);
  return fingerprintOf(leaf);
}

/** A fetch that trusts `rootPem` (the test CA) as Bun's fetch takes it (the tests run on Bun);
 *  `serverName`: the name the certificate must have, when the URL's host is not in it. */
export function fetchTrusting(rootPem: string, serverName?: string): typeof fetch {
  const tls = serverName ? { ca: rootPem, serverName } : { ca: rootPem };
  return ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, tls } as RequestInit)) as typeof fetch;
}
