#!/usr/bin/env bash
# Makes sure this machine has the real parts the tests and bench/ run against (see
# shared/DESIGN.md, "Testing with real parts"), installing missing Debian packages as root.
# Idempotent: when everything is there it only checks, and never runs apt-get.
# Fails loudly (exit 1, naming what is missing) rather than letting tests skip.
set -euo pipefail

# docker-registry: the upstream and the reference cache; skopeo, podman: the clients;
# squid-openssl, nginx-light: the squid kit and a stand-in CDN; apache2-utils: htpasswd
# (docker-registry accepts only bcrypt entries); wrk: bench/ load.
# No uidmap/fuse-overlayfs: podman runs as root with the vfs driver, which needs neither.
# systemd: systemd-analyze for the unit's verify and security score (nothing is started);
# chromium: the status page's screenshots and DOM; python3: the sd_notify socket stand-in;
# iproute2 (ip), curl, openssl: the Squid tests' network namespace, client and test CAs;
# containerd (ctr): a private containerd pulls through regcache with a hosts.toml.
PACKAGES=(docker-registry skopeo podman squid-openssl nginx-light apache2-utils wrk systemd chromium python3 iproute2 curl openssl containerd)
COMMANDS=(/usr/bin/docker-registry skopeo podman htpasswd /usr/sbin/squid /usr/sbin/nginx wrk setpriv unshare systemd-analyze /usr/bin/chromium python3 ip nsenter curl openssl /usr/bin/containerd /usr/bin/ctr)

fail() {
  echo "ensure-deps: $*" >&2
  exit 1
}

# Everything this script creates is removed on exit, whatever the outcome.
our_policy_rc=""
check_dir=""
cleanup() {
  [[ -n "$our_policy_rc" ]] && rm -f "$our_policy_rc"
  [[ -n "$check_dir" ]] && rm -rf "$check_dir"
  return 0
}
trap cleanup EXIT

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
  is_installed "$package" || missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  [[ $EUID -eq 0 ]] || fail "missing Debian packages: ${missing[*]} (run this script as root to install them)"
  echo "ensure-deps: installing ${missing[*]}"
  # Package scripts would start nginx and squid as system services listening on all
  # interfaces; policy-rc.d answering 101 tells them not to. Only ours is removed again.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    our_policy_rc=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$our_policy_rc"
    chmod 755 "$our_policy_rc"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed; still missing: ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" || fail "apt-get install failed; still missing: ${missing[*]}"
  for package in "${missing[@]}"; do
    is_installed "$package" || fail "$package is still not installed after apt-get install"
  done
fi

for command in "${COMMANDS[@]}"; do
  command -v "$command" >/dev/null || fail "command not found: $command"
done

# The Squid tests run Squid in a network namespace of their own, with an address on its lo.
unshare -n sh -c 'ip link set lo up && ip addr add 192.0.2.10/32 dev lo' ||
  fail "unshare -n does not work here (the Squid tests need root and network namespaces)"

# podman must work with a private vfs store and no systemd, configured only by files in a
# temp dir, exactly as test/helpers/podman.ts runs it. Nothing system-wide is changed.
check_dir="$(mktemp -d)"
cat >"$check_dir/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$check_dir/graph"
runroot = "$check_dir/run"
CONF
cat >"$check_dir/containers.conf" <<CONF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$check_dir/events.log"
tmp_dir = "$check_dir/libpod-tmp"
[network]
network_config_dir = "$check_dir/networks"
CONF
if ! info="$(CONTAINERS_STORAGE_CONF="$check_dir/storage.conf" CONTAINERS_CONF="$check_dir/containers.conf" \
  podman info --format '{{.Store.GraphDriverName}} {{.Store.GraphRoot}} {{.Host.Security.Rootless}}' 2>&1)"; then
  fail "podman cannot run with a private vfs store: $info"
fi
[[ "$info" == "vfs $check_dir/graph false" ]] ||
  fail "podman did not take the private vfs store as root (got: $info); rootless podman would need uidmap"

echo "ensure-deps: ok ($(docker-registry --version | awk '{print $3}'), $(skopeo --version), $(podman --version))"
