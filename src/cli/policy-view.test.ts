import { expect, test } from "vitest";
import { serverUrlOf as serverUrl } from "./admin-client.ts";
import { policiesPath } from "./policy-client.ts";
import { describePolicy, printDryRun, printPolicies } from "./policy-view.ts";

test("the server URL comes from the listen address; wildcards mean loopback", () => {
  expect(serverUrl({ hostname: "0.0.0.0", port: 5000 })).toBe("http://127.0.0.1:5000");
  expect(serverUrl({ hostname: "::", port: 5000 })).toBe("http://127.0.0.1:5000");
  expect(serverUrl({ hostname: "10.0.0.7", port: 80 })).toBe("http://10.0.0.7:80");
  expect(serverUrl({ hostname: "::1", port: 5000 })).toBe("http://[::1]:5000");
});

test("policy URLs keep a repository's slashes", () => {
  expect(policiesPath({ namespace: "myorg", repository: null })).toBe("/organization/myorg/immutabilitypolicy/");
  expect(policiesPath({ namespace: "docker.io", repository: "docker.io/library/nginx" })).toBe("/repository/docker.io/library/nginx/immutabilitypolicy/");
});

test("a table for people, and a dry run that stops after 20 tags", () => {
  const lines: string[] = [];
  printPolicies([{ uuid: "u1", tagPattern: "^v.*", tagPatternMatches: false, active: true, scope: "namespace", namespace: "myorg", repository: null }], (l) => lines.push(l));
  expect(lines[0]).toMatch(/^UUID\s+ACTIVE\s+SCOPE\s+TARGET\s+MATCHING\s+PATTERN$/);
  expect(lines[1]).toMatch(/^u1\s+yes\s+namespace\s+myorg\s+not matching\s+\^v\.\*$/);
  expect(describePolicy({ tagPattern: "^v.*", tagPatternMatches: true, namespace: "myorg", repository: null })).toBe('tags matching "^v.*" in namespace myorg are immutable');

  const dry: string[] = [];
  const tags = Array.from({ length: 30 }, (_, i) => ({ repository: "myorg/app", tag: `v${i}` }));
  printDryRun({ wouldProtect: 30, newlyProtected: 28, tags, truncated: false, duplicateOf: "u1" }, (l) => dry.push(l));
  expect(dry[0]).toBe("dry run: would protect 30 existing tag(s), 28 of them not immutable yet");
  expect(dry).toContain("  … and 10 more");
  expect(dry.at(-1)).toContain("policy u1 has this rule already");
});
