import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { squidSection } from "../config/squid.ts";
import { renderSquidConf } from "./conf.ts";

const settings = (input: Record<string, unknown> = {}) => v.parse(squidSection, input);
const lines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

describe("renderSquidConf", () => {
  it("by default bumps quay's CDN hosts, keys and caches its blobs for a year, 8 GiB objects", () => {
    const conf = renderSquidConf(settings(), { configPath: "/etc/regcache/regcache.toml" });
    expect(conf).toContain("ssl_bump bump regcache_step1 regcache_cdn_sni\nssl_bump splice all");
    expect(conf).toContain("store_id_program /usr/local/bin/regcache squid store-id --config /etc/regcache/regcache.toml");
    expect(conf).toContain("store_id_children 5 startup=1 idle=1 concurrency=50");
    expect(conf).toContain("icap_service regcache_reqmod reqmod_precache bypass=on icap://127.0.0.1:1344/regcache");
    expect(conf).toContain("adaptation_access regcache_reqmod deny CONNECT");
    expect(conf).toMatch(/refresh_pattern \^https:\/\/cdn\S+ 525600 100% 525600 override-expire/);
    expect(conf).toContain("maximum_object_size 8388608 KB");
    expect(conf).toContain("cache_replacement_policy heap LFUDA");
    expect(conf).toContain("cache_dir aufs /var/spool/squid 102400 16 256");
    expect(conf).toContain("http_port 3128 ssl-bump");
  });

  it("puts maximum_object_size before cache_dir, and cache deny all after the allow", () => {
    const l = lines(renderSquidConf(settings()));
    const at = (prefix: string) => l.findIndex((x) => x.startsWith(prefix));
    expect(at("maximum_object_size")).toBeLessThan(at("cache_dir"));
    expect(at("cache allow regcache_cdn_blob")).toBeLessThan(at("cache deny all"));
    expect(at("http_access allow localhost")).toBeLessThan(at("http_access deny all"));
  });

  it("caches nothing and bumps nothing when the pattern list is empty", () => {
    const l = lines(renderSquidConf(settings({ cdn_url_patterns: [] })));
    expect(l.filter((x) => x.startsWith("cache "))).toEqual(["cache deny all"]);
    expect(l.filter((x) => x.startsWith("ssl_bump"))).toEqual(["ssl_bump splice all"]);
    expect(l.some((x) => /^(store_id|icap_service|refresh_pattern|adaptation_access)/.test(x))).toBe(false);
  });

  it("caches nothing when the host list is empty", () => {
    const l = lines(renderSquidConf(settings({ cdn_hosts: [] })));
    expect(l.filter((x) => x.startsWith("cache "))).toEqual(["cache deny all"]);
    expect(l.filter((x) => x.startsWith("ssl_bump"))).toEqual(["ssl_bump splice all"]);
  });

  it("honours rock, sizes, addresses, clients and the helper command", () => {
    const conf = renderSquidConf(
      settings({
        cache_type: "rock", cache_size: "2GiB", maximum_object_size: "512MiB", listen: "10.1.2.3:8080",
        icap_listen: "1345", clients: [], command: "bun /opt/regcache/main.ts", icap_bypass: false, visible_hostname: "edge1",
      }),
    );
    expect(conf).toContain("cache_dir rock /var/spool/squid 2048\n");
    expect(conf).toContain("maximum_object_size 524288 KB");
    expect(conf).toContain("http_port 10.1.2.3:8080 ssl-bump");
    expect(conf).toContain("bypass=off icap://127.0.0.1:1345/regcache");
    expect(conf).toContain("store_id_program bun /opt/regcache/main.ts squid store-id\n");
    expect(conf).toContain("visible_hostname edge1");
    expect(conf).not.toContain("regcache_clients");
  });

  it("as a snippet leaves process, log and catch-all access lines to the main file", () => {
    const conf = renderSquidConf(settings(), { snippet: true });
    for (const d of ["pid_filename", "access_log", "http_access deny all", "http_access allow localhost"]) expect(conf).not.toContain(d);
    expect(conf).toContain("http_access allow regcache_clients");
    expect(conf).toContain("store_id_program");
  });
});
