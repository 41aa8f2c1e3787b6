import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { containersConf, insecureAcceptAnythingPolicy, registriesConf, storageConf, type Mirror } from "./podman-config.ts";
import { runCommand, type RunResult } from "./processes.ts";
import type { Credentials } from "./skopeo.ts";

export type { Mirror } from "./podman-config.ts";

export interface PodmanOptions {
  /** A directory owned by the test (e.g. useTempDir()); the store and configs go here. */
  dir: string;
  /** registries.conf mirror entries, which is how edge sites point podman at regcache. */
  mirrors?: Mirror[];
  /** HTTPS: a certs.d directory for the registry (its CA as ca.crt), passed as --cert-dir, and
   *  TLS verified. Default: none, and --tls-verify=false for the plain-HTTP registries. */
  certDir?: string;
}

export interface PodmanCallOptions {
  creds?: Credentials;
  /** Default 120 s. */
  timeoutMs?: number;
  allowFailure?: boolean;
}

export interface Podman {
  /** The environment every call runs with; use it to run podman by hand. */
  readonly env: Record<string, string>;
  /** Any podman sub-command with the private environment. */
  run(args: string[], options?: PodmanCallOptions): Promise<RunResult>;
  pull(ref: string, options?: PodmanCallOptions): Promise<RunResult>;
  push(localRef: string, destRef: string, options?: PodmanCallOptions): Promise<RunResult>;
  /** The manifest digest podman recorded for a pulled image ("sha256:..."). */
  imageDigest(ref: string): Promise<string>;
  /** `podman image inspect` parsed; one object per image. */
  inspect(ref: string): Promise<Array<Record<string, unknown>>>;
  /** Removes an image from the private store (later pulls go to the registry again). */
  rmi(ref: string): Promise<RunResult>;
}

export function createPodman(options: PodmanOptions): Podman {
  const dir = options.dir;
  for (const sub of ["graph", "run", "libpod-tmp", "copy-tmp", "static", "volumes", "networks"]) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const path = (name: string) => join(dir, name);
  writeFileSync(path("storage.conf"), storageConf(dir));
  writeFileSync(path("containers.conf"), containersConf(dir));
  writeFileSync(path("registries.conf"), registriesConf(options.mirrors ?? []));
  writeFileSync(path("policy.json"), insecureAcceptAnythingPolicy);
  // podman refuses to start when REGISTRY_AUTH_FILE names a missing file.
  writeFileSync(path("auth.json"), JSON.stringify({ auths: {} }));

  const env = {
    CONTAINERS_STORAGE_CONF: path("storage.conf"),
    CONTAINERS_CONF: path("containers.conf"),
    CONTAINERS_REGISTRIES_CONF: path("registries.conf"),
    REGISTRY_AUTH_FILE: path("auth.json"),
    TMPDIR: path("copy-tmp"),
  };

  const run = (args: string[], call: PodmanCallOptions = {}) =>
    runCommand("podman", args, { env, timeoutMs: call.timeoutMs, allowFailure: call.allowFailure, name: "podman" });
  const creds = (call?: PodmanCallOptions) => (call?.creds ? [`--creds=${call.creds.username}:${call.creds.password}`] : []);
  // Plain HTTP on 127.0.0.1 unless a cert dir is given; the private policy file accepts unsigned images.
  const tls = options.certDir ? [`--cert-dir=${options.certDir}`] : ["--tls-verify=false"];
  const transfer = [...tls, `--signature-policy=${path("policy.json")}`];

  async function inspect(ref: string) {
    const { stdout } = await run(["image", "inspect", ref]);
    return JSON.parse(stdout) as Array<Record<string, unknown>>;
  }

  return {
    env,
    run,
    pull: (ref, call) => run(["pull", "--quiet", ...transfer, ...creds(call), ref], call),
    push: (localRef, destRef, call) => run(["push", "--quiet", ...transfer, ...creds(call), localRef, destRef], call),
    async imageDigest(ref) {
      const { stdout } = await run(["image", "inspect", "--format", "{{.Digest}}", ref]);
      return stdout.trim();
    },
    inspect,
    rmi: (ref) => run(["rmi", "--force", ref]),
  };
}
