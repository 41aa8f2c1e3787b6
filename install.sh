#!/usr/bin/env bash
# Installs regcache as a systemd service:
#   /usr/local/bin/regcache            the binary (built here if dist/regcache is missing)
#   /etc/regcache/regcache.toml        the config (written once; never overwritten)
#   /var/lib/regcache                  blobs and the SQLite database
#   /etc/systemd/system/regcache.service
# Run as root from the repository: sudo ./install.sh
set -euo pipefail
cd "$(dirname "$0")"

die() { echo "install.sh: $*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || die "run as root (it installs a system service)"

if [[ ! -x dist/regcache ]]; then
  command -v npm >/dev/null || die "dist/regcache is missing and npm is not installed to build it"
  npm ci
  npm run build
fi

install -m 0755 dist/regcache /usr/local/bin/regcache
id regcache >/dev/null 2>&1 || useradd --system --home-dir /var/lib/regcache --shell /usr/sbin/nologin regcache
install -d -m 0750 -o regcache -g regcache /var/lib/regcache
install -d -m 0755 /etc/regcache

if [[ ! -e /etc/regcache/regcache.toml ]]; then
  # The embedded defaults (one source of truth), with the data under /var/lib/regcache.
  {
    echo "# regcache configuration; every key is documented in the README."
    /usr/local/bin/regcache config defaults | sed 's#^path = "./regcache-data"$#path = "/var/lib/regcache"#'
  } > /etc/regcache/regcache.toml
  grep -q '^path = "/var/lib/regcache"$' /etc/regcache/regcache.toml || die "could not set storage.path in /etc/regcache/regcache.toml"
  echo "wrote /etc/regcache/regcache.toml"
fi
/usr/local/bin/regcache config check --config /etc/regcache/regcache.toml

install -m 0644 systemd/regcache.service /etc/systemd/system/regcache.service
[[ -f systemd/regcache-icap.service ]] && install -m 0644 systemd/regcache-icap.service /etc/systemd/system/regcache-icap.service
install -d /usr/local/share/doc/regcache && install -m 0644 README.md /usr/local/share/doc/regcache/README.md

if [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  systemctl enable --now regcache.service
  echo "regcache is running: systemctl status regcache; journalctl -u regcache -f"
else
  echo "systemd is not running here; start it by hand: regcache serve --config /etc/regcache/regcache.toml"
fi
