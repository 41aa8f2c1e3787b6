// The certificate watcher on real files: a pair replaced by rename, or a symlink
// re-pointed (certbot's live/ → archive/), is reported once it has settled, and once
// only; unchanged files are never reported. Polls are counted through intervalMs(),
// so the test waits on polls, not on time.
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { useTempDir } from "../../test/helpers/tmp.ts";
import { watchTlsFiles } from "./tls-watch.ts";

let stop: (() => void) | undefined;
afterEach(() => stop?.());

/** `betweenPolls(n)` runs after the n-th poll, before the next one: a change the watcher sees at its next look. */
function watch(files: { cert: string; key: string }, betweenPolls: (n: number) => void = () => {}) {
  const state = { polls: 0, changes: 0 };
  stop = watchTlsFiles({ files: () => files, intervalMs: () => (betweenPolls(state.polls++), 2), onChange: () => state.changes++ });
  const untilPolls = async (n: number) => {
    const target = state.polls + n;
    while (state.polls < target) await new Promise((r) => setTimeout(r, 1));
  };
  const untilChanges = async (n: number) => {
    for (let i = 0; state.changes < n; i++) {
      if (i > 5_000) throw new Error(`only ${state.changes} changes reported`);
      await untilPolls(1);
    }
  };
  return { state, untilPolls, untilChanges };
}

test("files that stay the same are never reported", async () => {
  const dir = useTempDir();
  const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  writeFileSync(files.cert, "cert 1");
  writeFileSync(files.key, "key 1");
  const { state, untilPolls } = watch(files);
  await untilPolls(10);
  expect(state.changes).toBe(0);
});

test("a pair replaced by rename is reported once, and not again while it stays", async () => {
  const dir = useTempDir();
  const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  writeFileSync(files.cert, "cert 1");
  writeFileSync(files.key, "key 1");
  const { state, untilPolls, untilChanges } = watch(files);
  await untilPolls(2);
  writeFileSync(`${files.cert}.tmp`, "cert 2");
  writeFileSync(`${files.key}.tmp`, "key 2");
  renameSync(`${files.key}.tmp`, files.key);
  renameSync(`${files.cert}.tmp`, files.cert);
  await untilChanges(1);
  await untilPolls(10);
  expect(state.changes).toBe(1);
});

test("a re-pointed symlink (certbot's live/ → archive/) is reported", async () => {
  const dir = useTempDir();
  mkdirSync(join(dir, "archive"));
  for (const n of [1, 2]) {
    writeFileSync(join(dir, "archive", `cert${n}.pem`), `cert ${n}`);
    writeFileSync(join(dir, "archive", `key${n}.pem`), `key ${n}`);
  }
  const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  symlinkSync(join(dir, "archive", "cert1.pem"), files.cert);
  symlinkSync(join(dir, "archive", "key1.pem"), files.key);
  const { state, untilPolls, untilChanges } = watch(files);
  await untilPolls(2);
  symlinkSync(join(dir, "archive", "cert2.pem"), `${files.cert}.new`);
  renameSync(`${files.cert}.new`, files.cert);
  symlinkSync(join(dir, "archive", "key2.pem"), `${files.key}.new`);
  renameSync(`${files.key}.new`, files.key);
  await untilChanges(1);
  await untilPolls(10);
  expect(state.changes).toBe(1);
});

test("a key written one poll after its certificate is reported once, as a pair, not the half-written state", async () => {
  const dir = useTempDir();
  const files = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  writeFileSync(files.cert, "cert 1");
  writeFileSync(files.key, "key 1");
  const { state, untilPolls, untilChanges } = watch(files, (n) => {
    if (n === 3) writeFileSync(files.cert, "cert 2 (longer)");
    if (n === 4) writeFileSync(files.key, "key 2 (longer)");
  });
  await untilChanges(1);
  await untilPolls(10);
  expect(state.changes).toBe(1);
});
