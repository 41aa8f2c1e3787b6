// `regcache squid config --ca`: the commands that create the bump CA and the
// certificate generator's database on the Squid host, and the steps on clients.
// Printed as a shell script so that an operator can read it, then run it.
import type { SquidSettings } from "../config/squid.ts";

// Single-quote for sh; the settings already exclude spaces and quotes, this is belt and braces.
const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The CA carries X.509 name constraints for the CDN hosts: clients that trust it
 * accept it for those names only, so its key cannot impersonate any other site.
 * A dstdomain ".quay.io" and a plain "cdn.quay.io" both become DNS constraints,
 * which cover the name and its subdomains.
 */
export function nameConstraints(hosts: readonly string[]): string {
  const names = [...new Set(hosts.map((h) => h.replace(/^\./, "").toLowerCase()))];
  return `nameConstraints=critical,${names.map((n) => `permitted;DNS:${n}`).join(",")}`;
}

export function renderCaScript(s: SquidSettings): string {
  const constraints = s.cdn_hosts.length > 0 ? [`  -addext ${q(nameConstraints(s.cdn_hosts))} \\`] : [];
  const proxy = `${s.listen.hostname === "0.0.0.0" ? "<this host>" : s.listen.hostname}:${s.listen.port}`;
  return `#!/bin/sh
# regcache Squid kit: the TLS interception (ssl-bump) CA. Run as root on the Squid host.
# Squid runs as SQUID_USER (Debian: proxy); it reads the key, nobody else may.
set -eu
SQUID_USER="\${SQUID_USER:-proxy}"

# 1. The CA certificate and key (10 years), limited to the CDN hosts.
if [ ! -e ${q(s.ca_key)} ]; then
  mkdir -p "$(dirname ${q(s.ca_key)})" "$(dirname ${q(s.ca_cert)})"
  (umask 077 && openssl req -x509 -new -nodes -newkey rsa:3072 -sha256 -days 3650 \\
  -subj '/CN=regcache Squid CDN CA' \\
  -addext 'basicConstraints=critical,CA:TRUE' \\
  -addext 'keyUsage=critical,keyCertSign,cRLSign' \\
${constraints.join("\n")}${constraints.length ? "\n" : ""}  -keyout ${q(s.ca_key)} -out ${q(s.ca_cert)})
  chown "root:$SQUID_USER" ${q(s.ca_key)} && chmod 0640 ${q(s.ca_key)}
  chmod 0644 ${q(s.ca_cert)}
fi

# 2. The database of generated host certificates (created once, owned by Squid).
if [ ! -e ${q(s.ssl_db)} ]; then
  mkdir -p "$(dirname ${q(s.ssl_db)})"
  ${q(s.certgen)} -c -s ${q(s.ssl_db)} -M 16MB
  chown -R "$SQUID_USER:$SQUID_USER" ${q(s.ssl_db)}
fi

# 3. On every client that pulls through this proxy: trust the certificate (never copy the key).
#    Debian, Ubuntu:  cp ${s.ca_cert} /usr/local/share/ca-certificates/regcache-squid.crt && update-ca-certificates
#    Fedora, RHEL:    cp ${s.ca_cert} /etc/pki/ca-trust/source/anchors/regcache-squid.pem && update-ca-trust
#    Then point the client at the proxy, e.g. HTTPS_PROXY=http://${proxy} for podman, skopeo,
#    buildah, or in a systemd drop-in (Environment=HTTPS_PROXY=...) for containerd and dockerd.
`;
}
