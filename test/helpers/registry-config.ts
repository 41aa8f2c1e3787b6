// Builds the YAML config of Debian's docker-registry (CNCF Distribution 2.8).
// Values are written as JSON strings, which YAML reads as double-quoted scalars.

export interface RegistryConfigInput {
  port: number;
  storageDir: string;
  /** Path of a bcrypt htpasswd file; enables basic auth. */
  htpasswdPath?: string;
  /** Turns the registry into a pull-through cache of this upstream. */
  proxy?: { remoteUrl: string; username?: string; password?: string };
}

const q = (value: string) => JSON.stringify(value);

export function registryConfigYaml(input: RegistryConfigInput): string {
  const lines = [
    "version: 0.1",
    "log:",
    // The app log (stderr) stays at info: "listening on ..." is how we know it is up.
    "  level: info",
    "  formatter: json",
    "  accesslog:",
    "    disabled: false",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${q(input.storageDir)}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: ${q(`127.0.0.1:${input.port}`)}`,
    // A fixed secret silences the start-up warning; nothing here is secret.
    `  secret: ${q("regcache-test-secret")}`,
  ];
  if (input.htpasswdPath) {
    lines.push("auth:", "  htpasswd:", `    realm: ${q("regcache-test")}`, `    path: ${q(input.htpasswdPath)}`);
  }
  if (input.proxy) {
    lines.push("proxy:", `  remoteurl: ${q(input.proxy.remoteUrl)}`);
    if (input.proxy.username !== undefined) lines.push(`  username: ${q(input.proxy.username)}`);
    if (input.proxy.password !== undefined) lines.push(`  password: ${q(input.proxy.password)}`);
  }
  return lines.join("\n") + "\n";
}
