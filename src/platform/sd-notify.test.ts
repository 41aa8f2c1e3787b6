import { describe, expect, it } from "vitest";
import { createNotifier } from "./sd-notify.ts";

describe("createNotifier", () => {
  it("does nothing without $NOTIFY_SOCKET", () => {
    const sent: string[] = [];
    const n = createNotifier({}, (_, m) => sent.push(m), () => {});
    n.ready();
    n.stopping();
    expect(sent).toEqual([]);
  });

  it("sends READY, RELOADING and STOPPING to the socket systemd named", () => {
    const sent: [string, string][] = [];
    const n = createNotifier({ NOTIFY_SOCKET: "/run/systemd/notify" }, (p, m) => sent.push([p, m]), () => {});
    n.ready();
    n.reloading();
    n.stopping();
    expect(sent.map(([p]) => p)).toEqual(["/run/systemd/notify", "/run/systemd/notify", "/run/systemd/notify"]);
    expect(sent[0]![1].split("\n")).toEqual(["READY=1", "STATUS=serving", `MAINPID=${process.pid}`]);
    expect(sent[1]![1]).toMatch(/^RELOADING=1\nMONOTONIC_USEC=\d+$/);
    expect(sent[2]![1].split("\n")[0]).toBe("STOPPING=1");
  });

  it("warns instead of failing when the datagram cannot be sent", () => {
    const warnings: string[] = [];
    const n = createNotifier({ NOTIFY_SOCKET: "/nope" }, () => { throw new Error("ENOENT"); }, (msg) => warnings.push(msg));
    expect(() => n.ready()).not.toThrow();
    expect(warnings).toEqual(["sd_notify failed"]);
  });
});
