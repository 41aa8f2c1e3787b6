import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { QUAY_CDN_PATTERN } from "../../config/squid.ts";
import { compilePatterns } from "../cdn.ts";
import { type Probe, runStoreIdHelper } from "./helper.ts";

const HEX = "b".repeat(64);
const signed = (sig: string, host = "cdn01.quay.io") => `https://${host}/r/sha256/bb/${HEX}?X-Amz-Signature=${sig}`;
const KEY = `https://cdn.quay.io/r/sha256/bb/${HEX}`;
// The OK answer as Squid gets it: the key, and the note squid.conf stores by.
const OK = `OK store-id=${KEY} regcache_shared_key=yes`;

/** A probe whose answers the test releases by hand, recording every call. */
function manualProbe() {
  const calls: string[] = [];
  const waiting = new Map<string, (ok: boolean) => void>();
  const probe: Probe = (url) => {
    calls.push(url);
    return new Promise((resolve) => waiting.set(url, resolve));
  };
  return { probe, calls, release: (url: string, ok: boolean) => waiting.get(url)!(ok) };
}

function start(probe: Probe, patterns = [QUAY_CDN_PATTERN]) {
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: string[] = [];
  let partial = "";
  output.on("data", (b: Buffer) => {
    partial += b.toString();
    const parts = partial.split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const done = runStoreIdHelper(input, output, { patterns: compilePatterns(patterns), probe });
  const until = async (n: number) => {
    for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    return lines;
  };
  return { input, lines, done, until };
}

describe("runStoreIdHelper", () => {
  it("replies out of order with channel IDs: a non-matching URL does not wait for a probe", async () => {
    const p = manualProbe();
    const h = start(p.probe);
    h.input.write(`0 ${signed("A")} 127.0.0.1/- - GET\n`);
    h.input.write("1 https://example.com/other - GET\n");
    h.input.write(`2 ${signed("B")} - GET\n`);
    expect(await h.until(1)).toEqual(["1 ERR"]);
    p.release(signed("B"), true);
    expect(await h.until(2)).toEqual(["1 ERR", `2 ${OK}`]);
    p.release(signed("A"), false);
    expect(await h.until(3)).toEqual(["1 ERR", `2 ${OK}`, "0 ERR"]);
    h.input.end();
    await h.done;
  });

  it("keeps request order without channel IDs", async () => {
    const p = manualProbe();
    const h = start(p.probe);
    h.input.write(`${signed("A")}\nhttps://example.com/x\n`);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.lines).toEqual([]);
    p.release(signed("A"), true);
    expect(await h.until(2)).toEqual([OK, "ERR"]);
    h.input.end();
    await h.done;
  });

  it("probes a URL asked for many times at once only once", async () => {
    const p = manualProbe();
    const h = start(p.probe);
    for (let i = 0; i < 8; i++) h.input.write(`${i} ${signed("A")}\n`);
    await new Promise((r) => setTimeout(r, 20));
    expect(p.calls).toEqual([signed("A")]);
    p.release(signed("A"), true);
    expect((await h.until(8)).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `${i} ${OK}`));
    h.input.end();
    await h.done;
  });

  it("answers malformed lines ERR in place and goes on", async () => {
    const h = start(async () => true);
    h.input.write("5\nnonsense here\n\n6 ftp:/x\n7 " + signed("A") + "\n");
    expect(await h.until(4)).toEqual(["5 ERR", "ERR", "6 ERR", `7 ${OK}`]);
    h.input.end();
    await h.done;
  });

  it("answers ERR when the probe throws, and for everything when no pattern is configured", async () => {
    const h = start(async () => {
      throw new Error("boom");
    });
    h.input.write(`1 ${signed("A")}\n`);
    expect(await h.until(1)).toEqual(["1 ERR"]);
    h.input.end();
    await h.done;
    const none = start(async () => true, []);
    none.input.write(`1 ${signed("A")}\n`);
    expect(await none.until(1)).toEqual(["1 ERR"]);
    none.input.end();
    await none.done;
  });

  it("returns when stdin closes, aborting probes in flight", async () => {
    let aborted = false;
    const h = start((_url, signal) => new Promise((resolve) => signal.addEventListener("abort", () => ((aborted = true), resolve(false)))));
    h.input.write(`1 ${signed("A")}\n`);
    await new Promise((r) => setTimeout(r, 10));
    h.input.end();
    await h.done;
    expect(aborted).toBe(true);
  });
});
