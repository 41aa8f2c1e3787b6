import { runCommand, type RunResult } from "./processes.ts";

export interface Credentials {
  username: string;
  password: string;
}

export interface SkopeoOptions {
  /** For the source when it is docker://; inspect uses it for its one image. */
  srcCreds?: Credentials;
  destCreds?: Credentials;
  /** Copy every image of an index (`--all`); without it skopeo picks this machine's platform. */
  all?: boolean;
  /** skopeo's own retries (`--retry-times`); default 0, so a test sees the first failure. */
  retryTimes?: number;
  /** Default 120 s. skopeo's HTTP client also retries a 429 about 5 times over ~4 s by itself. */
  timeoutMs?: number;
  /** HTTPS: directories holding the registry's CA (*.crt); TLS is then verified. Default: not verified. */
  srcCertDir?: string;
  destCertDir?: string;
  /** Resolve with the exit code instead of throwing when skopeo fails. */
  allowFailure?: boolean;
}

const credsArgs = (flag: string, noCredsFlag: string, ref: string, creds?: Credentials) => {
  if (!ref.startsWith("docker://")) return [];
  // Without creds, say "anonymous" so nothing is read from the machine's auth files.
  return creds ? [`${flag}=${creds.username}:${creds.password}`] : [noCredsFlag];
};

// --insecure-policy: no signature policy file is read, so the machine's policy.json plays
// no part. TLS verification is off because the registries in the tests speak plain HTTP
// on 127.0.0.1 (skopeo then falls back from https to http), unless a cert dir is given.
export function skopeoCopy(src: string, dest: string, options: SkopeoOptions = {}): Promise<RunResult> {
  const args = [
    "--insecure-policy",
    "copy",
    "--quiet",
    "--preserve-digests",
    `--retry-times=${options.retryTimes ?? 0}`,
    options.srcCertDir ? `--src-cert-dir=${options.srcCertDir}` : "--src-tls-verify=false",
    options.destCertDir ? `--dest-cert-dir=${options.destCertDir}` : "--dest-tls-verify=false",
    ...credsArgs("--src-creds", "--src-no-creds", src, options.srcCreds),
    ...credsArgs("--dest-creds", "--dest-no-creds", dest, options.destCreds),
    ...(options.all ? ["--all"] : []),
    src,
    dest,
  ];
  return runCommand("skopeo", args, { timeoutMs: options.timeoutMs, allowFailure: options.allowFailure, name: "skopeo" });
}

/** oci:LAYOUT:TAG → docker://REF, where REF is "127.0.0.1:PORT/repo:tag". */
export function pushLayout(layoutDir: string, tag: string, ref: string, options?: SkopeoOptions): Promise<RunResult> {
  return skopeoCopy(`oci:${layoutDir}:${tag}`, `docker://${ref}`, options);
}

/** docker://REF → oci:LAYOUT:TAG (the layout directory is created if missing). */
export function pullToLayout(ref: string, layoutDir: string, tag: string, options?: SkopeoOptions): Promise<RunResult> {
  return skopeoCopy(`docker://${ref}`, `oci:${layoutDir}:${tag}`, options);
}

/** The manifest or index bytes exactly as the registry serves them (`inspect --raw`). */
export async function inspectRaw(ref: string, options: SkopeoOptions = {}): Promise<string> {
  const args = [
    "--insecure-policy",
    "inspect",
    "--raw",
    `--retry-times=${options.retryTimes ?? 0}`,
    options.srcCertDir ? `--cert-dir=${options.srcCertDir}` : "--tls-verify=false",
    ...(options.srcCreds ? [`--creds=${options.srcCreds.username}:${options.srcCreds.password}`] : ["--no-creds"]),
    `docker://${ref}`,
  ];
  const { stdout } = await runCommand("skopeo", args, { timeoutMs: options.timeoutMs, name: "skopeo" });
  return stdout;
}
