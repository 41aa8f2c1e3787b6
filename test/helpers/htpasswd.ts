import { writeFileSync } from "node:fs";
import { runCommand } from "./processes.ts";

// docker-registry accepts only bcrypt entries. apache2-utils' htpasswd makes them
// (installed by test/setup/ensure-deps.sh). Cost 4, the minimum, because the registry
// checks the hash on every request and the default cost adds tens of ms to each one.
export async function htpasswdLine(username: string, password: string): Promise<string> {
  const { stdout } = await runCommand("htpasswd", ["-n", "-b", "-B", "-C", "4", username, password]);
  return stdout.trim() + "\n";
}

/** An htpasswd file of bcrypt entries, mode 0600 as regcache demands of a secret. */
export async function writeHtpasswdFile(path: string, users: { username: string; password: string }[]): Promise<void> {
  const lines = await Promise.all(users.map((u) => htpasswdLine(u.username, u.password)));
  writeFileSync(path, lines.join(""), { mode: 0o600 });
}
