// Immutability policy figures (issue 5, item 5), on the compiled binary:
//   1. policy creation in a namespace with 100,000 tags (half of them matching),
//   2. manifest PUT latency with 0 and with 1,000 active policies in the namespace,
//   3. the guard's own cost per push, measured in process on the same database.
// Run: npm run build && bun bench/policy.ts [--tags 100000] [--policies 1000] [--puts 2000]
// Every process started here is stopped by pid at the end, also when a step fails.
import { parseArgs } from "node:util";
import { openDatabase } from "../src/db/client.ts";
import { bunPlatform } from "../src/platform/bun.ts";
import { createImmutability } from "../src/policy/index.ts";
import { silentLogger } from "../src/telemetry/log.ts";
import { startRegcache, type RegcacheProcess } from "../test/e2e/regcache-process.ts";
import { api, databasePath, makeManifest, putTag, seedTags, type PushedManifest } from "../test/e2e/policy/setup.ts";

const { values } = parseArgs({ options: { tags: { type: "string", default: "100000" }, policies: { type: "string", default: "1000" }, puts: { type: "string", default: "2000" } } });
const TAGS = Number(values.tags);
const POLICIES = Number(values.policies);
const PUTS = Number(values.puts);
const REPO = "bench/app";
const ORG = "/organization/bench/immutabilitypolicy/";

const ms = (x: number) => `${x.toFixed(3)} ms`;
function summary(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `p50 ${ms(at(0.5))}  p90 ${ms(at(0.9))}  p99 ${ms(at(0.99))}  mean ${ms(mean)}  (n=${s.length})`;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/** PUT latency of overwrites of an existing tag that no policy protects: every policy is evaluated, none refuses. */
async function putLatency(regcache: RegcacheProcess, one: PushedManifest, two: PushedManifest): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < PUTS + 100; i++) {
    const [took, r] = await timed(() => putTag(regcache, REPO, "mutable-latest", i % 2 ? one : two));
    if (r.status !== 201) throw new Error(`PUT answered ${r.status}: ${r.text}`);
    if (i >= 100) samples.push(took); // the first 100 warm up
  }
  return samples;
}

async function main(regcache: RegcacheProcess): Promise<void> {
  const one = await makeManifest(regcache, REPO, "one");
  const two = await makeManifest(regcache, REPO, "two");
  await putTag(regcache, REPO, "seed", one);
  await regcache.stop();
  seedTags(regcache, REPO, one.digest, TAGS);
  await regcache.restart();
  console.log(`regcache binary, namespace "bench" with ${TAGS} tags in ${REPO}`);

  const creations: number[] = [];
  for (let i = 0; i < 20; i++) {
    const [took, r] = await timed(() => api(regcache, "POST", ORG, { tagPattern: "t[0-4].*" }));
    if (r.status !== 201) throw new Error(`create answered ${r.status}`);
    creations.push(took);
    await api(regcache, "DELETE", `${ORG}${r.body.uuid}`);
  }
  console.log(`policy creation over ${TAGS} tags (${TAGS / 2} matching), HTTP round trip: ${summary(creations)}`);
  const [dry, d] = await timed(() => api(regcache, "POST", `${ORG}?dryRun=true`, { tagPattern: "t[0-4].*" }));
  console.log(`dry run of the same policy (scans and matches every tag): ${ms(dry)} for ${d.body.wouldProtect} tags`);

  const before = await putLatency(regcache, one, two);
  console.log(`manifest PUT (overwrite), 0 active policies:     ${summary(before)}`);
  for (let i = 0; i < POLICIES; i++) {
    const r = await api(regcache, "POST", ORG, { tagPattern: `^team${i}-v[0-9]+\\.[0-9]+\\.[0-9]+(-rc[0-9]+)?$` });
    if (r.status !== 201) throw new Error(`policy ${i}: ${r.status}`);
  }
  const after = await putLatency(regcache, one, two);
  console.log(`manifest PUT (overwrite), ${POLICIES} active policies: ${summary(after)}`);
  const median = (s: number[]) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)]!;
  console.log(`added per push at the median: ${ms(median(after) - median(before))} (target < 1 ms)`);

  // After any policy change the namespace's policies are reloaded by the next push
  // (compiled patterns are reused, so only the new one is compiled).
  const reloads: number[] = [];
  for (let i = 0; i < 20; i++) {
    await api(regcache, "POST", ORG, { tagPattern: `^extra${i}-.*` });
    const [took] = await timed(() => putTag(regcache, REPO, "mutable-latest", i % 2 ? one : two));
    reloads.push(took);
  }
  console.log(`manifest PUT right after a policy change (${POLICIES + 20} policies reloaded): ${summary(reloads)}`);
  await regcache.restart();
  const [firstAfterStart] = await timed(() => putTag(regcache, REPO, "mutable-latest", one));
  const compiled = regcache.logs().filter((l) => l.msg === "immutability policies compiled").at(-1);
  console.log(`after a restart: ${compiled?.active} policies compiled at start in ${compiled?.ms} ms; first PUT ${ms(firstAfterStart)}`);

  // The guard alone, on the same database, without HTTP: what a push pays for policies.
  await regcache.stop();
  const database = openDatabase(bunPlatform.openSqlite(databasePath(regcache)));
  try {
    const im = createImmutability({ db: database.db, log: silentLogger, upstreams: [] });
    const guardCost = (): number[] => {
      const samples: number[] = [];
      for (let i = 0; i < 5000; i++) {
        const started = performance.now();
        database.db.transaction(() => im.guard.checkRetag(REPO, "mutable-latest", one.digest, two.digest), { behavior: "immediate" });
        samples.push(performance.now() - started);
      }
      return samples.slice(500);
    };
    const active = (database.client.prepare("SELECT count(*) AS n FROM immutability_policies WHERE active = 1").get() as { n: number }).n;
    console.log(`guard check in process (immediate transaction included), ${active} active policies: ${summary(guardCost())}`);
    database.client.exec("UPDATE immutability_policies SET active = 0");
    console.log(`guard check in process (immediate transaction included), 0 active policies:    ${summary(guardCost())}`);
  } finally {
    database.close();
  }
}

const regcache = await startRegcache({ startTimeoutMs: 60_000 });
try {
  await main(regcache);
} finally {
  await regcache.dispose();
}
