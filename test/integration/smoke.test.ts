import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, type Harness } from "./harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("GET /v2/ answers with the API version header", async () => {
  const r = await h.request("/v2/");
  expect(r.status).toBe(200);
  expect(r.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
});
