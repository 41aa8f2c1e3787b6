// The embedded defaults: what `regcache serve` uses with no config file at all.
// Listen on :5000, keep data in ./regcache-data, cache the well-known public
// registries, and let docker's registry-mirrors (paths without a prefix) mean docker.io.
export const EMBEDDED_DEFAULTS_TOML = `
[server]
listen = ":5000"
default_upstream = "docker.io"

[storage]
path = "./regcache-data"
# Disk lifecycle (README, "Disk space"): no quota; keep the smaller of 5GiB and 5% free.
max_size = "0"
min_free = "auto"
gc_schedule = "0 * * * *"

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
