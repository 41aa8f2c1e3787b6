// The real clients the tests drive: skopeo for seeding and raw inspection, podman (with a
// private store per test) for pulls the way edge sites do them.
export { inspectRaw, pullToLayout, pushLayout, skopeoCopy, type Credentials, type SkopeoOptions } from "./skopeo.ts";
export { createPodman, type Mirror, type Podman, type PodmanCallOptions, type PodmanOptions } from "./podman.ts";
