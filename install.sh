#!/usr/bin/env bash
# Installs, upgrades or removes regcache as a systemd service. Needs no network.
#
#   sudo ./install.sh                 install, or upgrade in place (config and data kept)
#   sudo ./install.sh --uninstall     remove binary, unit and docs; keep config and data
#   sudo ./install.sh --purge         also remove /etc/regcache, /var/lib/regcache and the user
#
# Options:
#   --prefix DIR     where bin/regcache and share/doc/regcache go (default /usr/local)
#   --binary FILE    the regcache executable to install (default: dist/regcache, else ./regcache)
#   --no-start       install but do not enable or (re)start the service
#   --skip-systemd-check
#                    install on a machine where systemd is not running (a container
#                    image build); the service is not enabled
# Environment:
#   DESTDIR          a staged root (packaging, tests): every path goes below it, no user is
#                    created, nothing is started, root is not required, and the systemd
#                    check is skipped (with a note).
#
# What goes where (below $DESTDIR):
#   $PREFIX/bin/regcache                     0755  the binary (replaced on upgrade)
#   $PREFIX/share/doc/regcache/README.md     0644
#   /etc/systemd/system/regcache.service     0644  (ExecStart points at $PREFIX/bin/regcache)
#   /etc/regcache/regcache.toml              0640  root:regcache; written once, never overwritten
#   /var/lib/regcache                        0750  regcache:regcache; blobs and regcache.db
# The database is migrated by the new binary when it starts, so an upgrade is: replace the
# binary, restart. Running it twice changes nothing the second time.
set -euo pipefail
cd "$(dirname "$0")"

die() {
  echo "install.sh: $*" >&2
  exit 1
}
note() { echo "install.sh: $*"; }

prefix=/usr/local
binary=""
action=install
start=yes
skip_systemd=no
while (($#)); do
  case "$1" in
    --prefix) [[ $# -ge 2 ]] || die "--prefix needs a directory"; prefix="$2"; shift ;;
    --prefix=*) prefix="${1#*=}" ;;
    --binary) [[ $# -ge 2 ]] || die "--binary needs a file"; binary="$2"; shift ;;
    --binary=*) binary="${1#*=}" ;;
    --uninstall) action=uninstall ;;
    --purge) action=purge ;;
    --no-start) start=no ;;
    --skip-systemd-check) skip_systemd=yes ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$prefix" == /* ]] || die "--prefix must be an absolute path, got $prefix"
prefix="${prefix%/}"

root="${DESTDIR:-}"
root="${root%/}"
staged=no
[[ -n "$root" ]] && staged=yes

bin_path="$prefix/bin/regcache"
doc_dir="$prefix/share/doc/regcache"
unit_path=/etc/systemd/system/regcache.service
config_dir=/etc/regcache
config_path=$config_dir/regcache.toml
state_dir=/var/lib/regcache

# --- checks: say exactly what is wrong, before anything changes ---
if [[ $staged == no && $EUID -ne 0 ]]; then
  die "run as root (it installs a system service), or set DESTDIR for a staged install"
fi

arch="$(uname -m)"
case "$arch" in
  x86_64 | aarch64) ;;
  *) die "unsupported machine architecture: $arch (regcache ships for x86_64 and aarch64)" ;;
esac

systemd_running=no
if [[ $staged == yes ]]; then
  note "staged install into $root: systemd check skipped, no user created, nothing started"
elif [[ $skip_systemd == yes ]]; then
  note "--skip-systemd-check: the unit is installed but not enabled"
else
  command -v systemctl >/dev/null || die "systemd not found (no systemctl): regcache installs as a systemd service; run it by hand with 'regcache serve', or pass --skip-systemd-check"
  [[ -d /run/systemd/system ]] || die "systemd is not running here (no /run/systemd/system); pass --skip-systemd-check to install anyway and start it by hand"
  systemd_running=yes
fi

# The ELF header's e_machine (bytes 18-19, little-endian): 0x3e x86_64, 0xb7 aarch64.
elf_arch() {
  local magic machine
  magic="$(od -An -tx1 -N4 "$1" | tr -d ' \n')"
  [[ "$magic" == 7f454c46 ]] || { echo "not an ELF executable"; return; }
  machine="$(od -An -tu2 -j18 -N2 "$1" | tr -d ' ')"
  case "$machine" in 62) echo x86_64 ;; 183) echo aarch64 ;; *) echo "machine $machine" ;; esac
}

remove_service() {
  if [[ $systemd_running == yes ]]; then
    systemctl disable --now regcache.service 2>/dev/null || true
  fi
  rm -f "$root$unit_path" "$root$bin_path"
  rm -rf "$root$doc_dir"
  [[ $systemd_running == yes ]] && systemctl daemon-reload
  return 0
}

case "$action" in
  uninstall)
    remove_service
    note "removed $bin_path, $unit_path and $doc_dir; kept $config_dir and $state_dir (--purge removes them)"
    exit 0
    ;;
  purge)
    remove_service
    rm -rf "$root$config_dir" "$root$state_dir"
    if [[ $staged == no ]] && id regcache >/dev/null 2>&1; then userdel regcache 2>/dev/null || note "could not remove the user regcache"; fi
    note "removed regcache with its config ($config_dir) and data ($state_dir)"
    exit 0
    ;;
esac

# --- install or upgrade ---
if [[ -z "$binary" ]]; then
  for candidate in dist/regcache regcache; do
    [[ -f "$candidate" && -x "$candidate" ]] && { binary="$candidate"; break; }
  done
  [[ -n "$binary" ]] || die "no regcache binary here: build it with 'npm run build' (needs node_modules), or pass --binary FILE"
fi
[[ -f "$binary" && -x "$binary" ]] || die "--binary $binary is not an executable file"
built_for="$(elf_arch "$binary")"
[[ "$built_for" == "$arch" ]] || die "$binary is built for $built_for, but this machine is $arch"

previous=""
[[ -x "$root$bin_path" ]] && previous="$("$root$bin_path" version 2>/dev/null || echo unknown)"

if [[ $staged == no ]] && ! id regcache >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$state_dir" --no-create-home --shell /usr/sbin/nologin regcache
  note "created the system user regcache"
fi
# In a staged root the user does not exist yet: ownership is the target's business.
owner() { [[ $staged == no ]] && chown "$@"; return 0; }

# The new binary goes in under a temporary name and is renamed over the old one: a running
# service keeps its (unlinked) old file, and nobody ever sees a half-written binary.
install -d -m 0755 "$root$prefix/bin"
install -m 0755 "$binary" "$root$bin_path.new"
mv -f "$root$bin_path.new" "$root$bin_path"

install -d -m 0755 "$root$doc_dir"
install -m 0644 README.md "$root$doc_dir/README.md"

install -d -m 0750 "$root$state_dir"
owner regcache:regcache "$root$state_dir"
install -d -m 0755 "$root$config_dir"

if [[ ! -e "$root$config_path" ]]; then
  # The embedded defaults (one source of truth), with the data under /var/lib/regcache.
  {
    echo "# regcache configuration; every key is documented in $doc_dir/README.md"
    "$root$bin_path" config defaults | sed "s#^path = \"./regcache-data\"\$#path = \"$state_dir\"#"
  } >"$root$config_path.new"
  grep -q "^path = \"$state_dir\"\$" "$root$config_path.new" || die "could not set storage.path in $config_path"
  chmod 0640 "$root$config_path.new"
  owner root:regcache "$root$config_path.new"
  mv "$root$config_path.new" "$root$config_path"
  note "wrote $config_path"
else
  note "kept $config_path"
fi
"$root$bin_path" config check --config "$root$config_path" >/dev/null || die "$config_path does not pass 'regcache config check'; fix it, then run install.sh again"

install -d -m 0755 "$root/etc/systemd/system"
sed -e "s#/usr/local/bin/regcache#$bin_path#g" -e "s#/usr/local/share/doc/regcache#$doc_dir#g" systemd/regcache.service >"$root$unit_path.new"
chmod 0644 "$root$unit_path.new"
mv -f "$root$unit_path.new" "$root$unit_path"

now="$("$root$bin_path" version)"
if [[ -z "$previous" ]]; then
  note "installed $now at $bin_path"
elif [[ "$previous" == "$now" ]]; then
  note "$now was already installed; binary, unit and docs refreshed, config and data kept"
else
  note "upgraded $previous -> $now; config and data kept (the database is migrated when it starts)"
fi

if [[ $systemd_running == yes && $start == yes ]]; then
  systemctl daemon-reload
  systemctl enable regcache.service >/dev/null
  # restart, not start: an upgrade must run the new binary (which migrates the database).
  systemctl restart regcache.service
  note "regcache is running: systemctl status regcache; journalctl -u regcache -f"
elif [[ $staged == no ]]; then
  note "not started; start it with: systemctl enable --now regcache (or $bin_path serve --config $config_path)"
fi
