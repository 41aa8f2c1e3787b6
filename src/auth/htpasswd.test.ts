import { describe, expect, test } from "vitest";
import bcrypt from "bcryptjs";
import { HtpasswdError, parseHtpasswd } from "./htpasswd.ts";

const hash = bcrypt.hashSync("pw", 4).replace(/^\$2b\$/, "$2y$"); // htpasswd -B writes $2y$

describe("htpasswd", () => {
  test("bcrypt entries, comments and blank lines", () => {
    const users = parseHtpasswd(`# site users\n\nalice:${hash}\r\nbob:${hash}\n`);
    expect([...users.keys()]).toEqual(["alice", "bob"]);
  });

  test.each([
    ["old:$apr1$abc$0123456789012345678901", /line 2: user "old" has an MD5 \(\$apr1\$\) hash; only bcrypt entries are accepted/],
    ["sha:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", /line 2: user "sha" has a SHA-1/],
    ["crypt:abJnggxhB/yWI", /line 2: user "crypt" has no bcrypt hash/],
    ["plain:password", /line 2: user "plain" has no bcrypt hash/],
    [`cut:${hash.slice(0, 40)}`, /line 2: user "cut" has a malformed bcrypt hash/],
    ["no-colon", /line 2: expected "name:bcrypt-hash"/],
    [`alice:${hash}`, /line 2: user "alice" appears twice/],
  ])("refused with the line number: %s", (line, message) => {
    expect(() => parseHtpasswd(`alice:${hash}\n${line}\n`)).toThrow(HtpasswdError);
    expect(() => parseHtpasswd(`alice:${hash}\n${line}\n`)).toThrow(message);
  });

  test("the error never shows the hash", () => {
    try {
      parseHtpasswd("old:$apr1$SECRETSALT$0123456789012345678901\n");
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain("SECRETSALT");
    }
  });
});
