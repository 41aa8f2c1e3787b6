// The embedded defaults: what `regcache serve` uses with no config file at all.
// Listen on :5000, keep data in ./regcache-data, cache the well-known public
// registries, and let docker's registry-mirrors (paths without a prefix) mean docker.io.
export const EMBEDDED_DEFAULTS_TOML = `
[server]
listen = ":5000"
default_upstream = "docker.io"
# HTTPS: a PEM certificate (leaf first, then intermediates) and its key. Without them
# regcache serves plain HTTP and says so at start; a renewed pair is picked up on SIGHUP
# or within tls_watch_interval.
# tls_cert = "/etc/regcache/tls/fullchain.pem"
# tls_key = "/etc/regcache/tls/privkey.pem"

[storage]
path = "./regcache-data"
# Disk lifecycle (README, "Disk space"): no quota; keep the smaller of 5GiB and 5% free.
max_size = "0"
min_free = "auto"
gc_schedule = "0 * * * *"

# Who may pull and push (README, "Authentication and access"). Without an [auth] table every
# client may pull, push and delete. With one, clients log in (podman login) and [[access]]
# decides, first match wins, no match: no.
# [auth]
# htpasswd = "/etc/regcache/htpasswd"   # htpasswd -B -c /etc/regcache/htpasswd alice; chmod 0640
# token_ttl = "5m"
# admin_users = ["alice"]               # may use the admin API with a token (registry:admin:*)
# [auth.groups]
# dev = ["alice", "bob"]
# [[access]]
# repository = "myorg/**"
# groups = ["dev"]
# actions = ["pull", "push", "delete"]
# [[access]]
# repository = "**"
# anonymous = true                      # everyone, logged in or not
# actions = ["pull"]

[[upstream]]
name = "docker.io"
url = "https://registry-1.docker.io"

[[upstream]]
name = "quay.io"
url = "https://quay.io"

[[upstream]]
name = "ghcr.io"
url = "https://ghcr.io"

[[upstream]]
name = "registry.k8s.io"
url = "https://registry.k8s.io"

[[upstream]]
name = "gcr.io"
url = "https://gcr.io"

[[upstream]]
name = "public.ecr.aws"
url = "https://public.ecr.aws"

[[upstream]]
name = "registry.access.redhat.com"
url = "https://registry.access.redhat.com"
`;
