import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { squidSection } from "../config/squid.ts";
import { renderSquidConf } from "./conf.ts";

const settings = (input: Record<string, unknown> = {}) => v.parse(squidSection, input);
const lines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

describe("renderSquidConf", () => {
  it("by default bumps quay's CDN hosts, keys and caches its blobs for a year, 8 GiB objects", () => {
    const conf = renderSquidConf(settings(), { configPath: "/etc/regcache/regcache.toml" });
    expect(conf).toContain("ssl_bump peek regcache_step1\nssl_bump bump regcache_cdn_sni\n");
    expect(conf).toContain("sslproxy_cert_adapt setCommonName regcache_cdn_sni\nssl_bump splice all\n");
    expect(conf).toContain("store_id_program /usr/local/bin/regcache squid store-id --config /etc/regcache/regcache.toml");
    expect(conf).toContain("store_id_children 5 startup=1 idle=1 concurrency=50");
    expect(conf).toContain("icap_service regcache_reqmod reqmod_precache bypass=off icap://127.0.0.1:1344/regcache");
    expect(conf).not.toContain("WARNING");
    expect(conf).toContain("adaptation_access regcache_reqmod deny CONNECT");
    expect(conf).toMatch(/refresh_pattern \^https:\/\/cdn\S+ 525600 100% 525600 override-expire/);
    expect(conf).toContain("maximum_object_size 8388608 KB");
    expect(conf).toContain("cache_replacement_policy heap LFUDA");
    expect(conf).toContain("cache_dir aufs /var/spool/squid 102400 16 256");
    expect(conf).toContain("http_port 3128 ssl-bump");
    expect(conf).toContain("maximum_object_size_in_memory 32768 KB");
    expect(conf).toContain("logfile_rotate 0\n");
    expect(conf).not.toContain("cache_effective_user");
  });

  it("fails closed: TLS 1.2+, certificate errors fatal, no Via, no X-Forwarded-For", () => {
    const l = lines(renderSquidConf(settings()));
    for (const d of ["tls_outgoing_options min-version=1.2", "sslproxy_cert_error deny all", "via off", "forwarded_for delete"]) expect(l).toContain(d);
  });

  it("stores a blob only when the helper's answer carried the shared-key note", () => {
    const l = lines(renderSquidConf(settings()));
    expect(l).toContain("acl regcache_shared_key note regcache_shared_key yes");
    expect(l).toContain("store_miss deny regcache_cdn_blob !regcache_shared_key");
  });

  it("removes Authorization only from blob URLs on CDN hosts", () => {
    const l = lines(renderSquidConf(settings())).filter((x) => x.startsWith("adaptation_access"));
    expect(l).toEqual([
      "adaptation_access regcache_reqmod deny CONNECT",
      "adaptation_access regcache_reqmod allow regcache_cdn_host regcache_cdn_blob",
      "adaptation_access regcache_reqmod deny all",
    ]);
  });

  it("with icap_bypass = true says in the file that credentials then reach the CDN", () => {
    const conf = renderSquidConf(settings({ icap_bypass: true }));
    expect(conf).toMatch(/# WARNING: icap_bypass = true\. .*\n# forwarded with the client's Authorization header/);
    expect(conf).toContain("reqmod_precache bypass=on ");
  });

  it("denies the proxy host and link-local addresses before any allow, in the full file and the snippet", () => {
    for (const snippet of [false, true]) {
      const l = lines(renderSquidConf(settings(), { snippet }));
      const at = (x: string) => l.indexOf(x);
      expect(at("acl regcache_to_linklocal dst 169.254.0.0/16 fe80::/10")).toBeGreaterThanOrEqual(0);
      expect(at("http_access deny to_localhost")).toBeGreaterThanOrEqual(0);
      expect(at("http_access deny regcache_to_linklocal")).toBeGreaterThan(at("acl regcache_to_linklocal dst 169.254.0.0/16 fe80::/10"));
      expect(at("http_access deny regcache_to_linklocal")).toBeLessThan(at("http_access allow regcache_clients"));
      expect(at("http_access deny to_localhost")).toBeLessThan(at("http_access allow regcache_clients"));
    }
  });

  it("names a cache_effective_user other than proxy; keeps memory objects within cache_mem", () => {
    const conf = renderSquidConf(settings({ cache_effective_user: "squid", memory_cache: "16MiB" }));
    expect(conf).toContain("cache_effective_user squid\n");
    expect(conf).toContain("maximum_object_size_in_memory 16384 KB");
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

  it("caches nothing when the host list is empty, or there is no helper to give shared keys", () => {
    for (const input of [{ cdn_hosts: [] }, { store_id_children: 0 }]) {
      const l = lines(renderSquidConf(settings(input)));
      expect(l.filter((x) => x.startsWith("cache "))).toEqual(["cache deny all"]);
      expect(l.filter((x) => x.startsWith("ssl_bump"))).toEqual(["ssl_bump splice all"]);
      expect(l.some((x) => /^(store_id|icap_service|refresh_pattern|adaptation_access)/.test(x))).toBe(false);
    }
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
    for (const d of ["pid_filename", "access_log", "logfile_rotate", "http_access deny all", "http_access allow localhost"]) expect(conf).not.toContain(d);
    expect(conf).toContain("http_access allow regcache_clients");
    expect(conf).toContain("store_id_program");
  });
});
