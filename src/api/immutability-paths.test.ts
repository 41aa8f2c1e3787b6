import { expect, test } from "vitest";
import { parseAdminPath } from "./immutability-paths.ts";

const ns = (namespace: string) => ({ namespace, repository: null });
const repo = (repository: string) => ({ namespace: repository.split("/")[0], repository });

test("organization paths, with and without the trailing slash", () => {
  expect(parseAdminPath("organization/myorg/immutabilitypolicy/", "GET")).toEqual({ kind: "policies", scope: ns("myorg") });
  expect(parseAdminPath("organization/docker.io/immutabilitypolicy", "POST")).toEqual({ kind: "policies", scope: ns("docker.io") });
  expect(parseAdminPath("organization/myorg/immutabilitypolicy/abc", "GET")).toEqual({ kind: "policy", scope: ns("myorg"), uuid: "abc" });
  expect(parseAdminPath("organization/My_Org/immutabilitypolicy/", "GET")).toMatchObject({ kind: "invalid" });
});

test("repository names span segments, raw or %2F-encoded, read from the end", () => {
  const nginx = repo("docker.io/library/nginx");
  expect(parseAdminPath("repository/docker.io/library/nginx/immutabilitypolicy/", "GET")).toEqual({ kind: "policies", scope: nginx });
  expect(parseAdminPath("repository/docker.io%2Flibrary%2Fnginx/immutabilitypolicy/", "GET")).toEqual({ kind: "policies", scope: nginx });
  expect(parseAdminPath("repository/docker.io/library/nginx/immutabilitypolicy/u-1", "DELETE")).toEqual({ kind: "policy", scope: nginx, uuid: "u-1" });
  expect(parseAdminPath("repository/busybox/immutabilitypolicy/", "GET")).toEqual({ kind: "policies", scope: repo("busybox") });
  expect(parseAdminPath("repository/docker.io/library/nginx/tag/", "GET")).toEqual({ kind: "tags", repository: "docker.io/library/nginx" });
  expect(parseAdminPath("repository/docker.io/library/nginx/tag/1.27", "PUT")).toEqual({ kind: "tag", repository: "docker.io/library/nginx", tag: "1.27" });
});

test("repository components named like the resources stay unambiguous", () => {
  // A repository whose last component is "tag" or "immutabilitypolicy".
  expect(parseAdminPath("repository/org/tag/tag/", "GET")).toEqual({ kind: "tags", repository: "org/tag" });
  expect(parseAdminPath("repository/org/immutabilitypolicy/tag/v1", "PUT")).toEqual({ kind: "tag", repository: "org/immutabilitypolicy", tag: "v1" });
  // The one two-way path: PUT means the tag, GET and POST the policy list.
  expect(parseAdminPath("repository/org/tag/immutabilitypolicy", "PUT")).toEqual({ kind: "tag", repository: "org", tag: "immutabilitypolicy" });
  expect(parseAdminPath("repository/org/tag/immutabilitypolicy", "GET")).toEqual({ kind: "policies", scope: repo("org/tag") });
});

test("bad names and tags are 400s; other paths are not ours", () => {
  expect(parseAdminPath("repository/Org/app/immutabilitypolicy/", "GET")).toMatchObject({ kind: "invalid" });
  expect(parseAdminPath("repository/org/app/tag/.bad", "PUT")).toMatchObject({ kind: "invalid" });
  expect(parseAdminPath("repository/org%ZZ/immutabilitypolicy/", "GET")).toMatchObject({ kind: "invalid" });
  expect(parseAdminPath("repository/org/app/builds/", "GET")).toBeUndefined();
  expect(parseAdminPath("prefetch/queue", "GET")).toBeUndefined();
  expect(parseAdminPath("immutabilitypolicy/", "GET")).toEqual({ kind: "all-policies" });
});
