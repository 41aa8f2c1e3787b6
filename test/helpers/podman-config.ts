// The config files that give podman a private, throw-away world inside one directory:
// nothing under /var/lib/containers, /run/containers, ~/.local or ~/.config is used.

export interface Mirror {
  /** The registry that clients name, e.g. "docker.io" or "127.0.0.1:5000". */
  location: string;
  /** Where to pull from instead, tried in order, e.g. "127.0.0.1:5001/docker.io". */
  mirrors: string[];
}

const q = (value: string) => JSON.stringify(value);

export function storageConf(dir: string): string {
  // vfs: plain directory copies; no overlay mounts, fuse or kernel features to depend on.
  return ["[storage]", 'driver = "vfs"', `graphroot = ${q(`${dir}/graph`)}`, `runroot = ${q(`${dir}/run`)}`, ""].join("\n");
}

export function containersConf(dir: string): string {
  return [
    "[engine]",
    // No systemd here: cgroups through the filesystem, events to a file in our dir.
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = ${q(`${dir}/events.log`)}`,
    `tmp_dir = ${q(`${dir}/libpod-tmp`)}`,
    `image_copy_tmp_dir = ${q(`${dir}/copy-tmp`)}`,
    `static_dir = ${q(`${dir}/static`)}`,
    `volume_path = ${q(`${dir}/volumes`)}`,
    "[network]",
    `network_config_dir = ${q(`${dir}/networks`)}`,
    "",
  ].join("\n");
}

// Every registry in the tests is plain HTTP on 127.0.0.1, so every entry is insecure.
export function registriesConf(mirrors: Mirror[]): string {
  const lines = ["unqualified-search-registries = []", 'short-name-mode = "disabled"', ""];
  for (const entry of mirrors) {
    lines.push("[[registry]]", `location = ${q(entry.location)}`, "insecure = true");
    for (const mirror of entry.mirrors) {
      lines.push("[[registry.mirror]]", `location = ${q(mirror)}`, "insecure = true");
    }
    lines.push("");
  }
  return lines.join("\n");
}

export const insecureAcceptAnythingPolicy = JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] });
