import { describe, expect, it } from "vitest";
import { parseAccount } from "./account.ts";

const passwd = "root:x:0:0:root:/root:/bin/bash\nproxy:x:13:13:proxy:/bin:/usr/sbin/nologin\n";
const group = "root:x:0:\nproxy:x:13:\nssl-cert:x:110:proxy,www-data\nadm:x:4:syslog\n";

describe("parseAccount", () => {
  it("reads uid, primary and supplementary groups", () => {
    expect(parseAccount("proxy", passwd, group)).toEqual({ name: "proxy", uid: 13, gids: [13, 110] });
  });
  it("is undefined for an unknown user", () => {
    expect(parseAccount("squid", passwd, group)).toBeUndefined();
  });
});
