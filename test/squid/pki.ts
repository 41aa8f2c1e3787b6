// The stand-in CDN's certificate, from a throwaway CA made with openssl for one test
// run. (The bump CA is made by the kit's own `squid config --ca` script.)
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CdnPki {
  caCert: string;
  cert: string;
  key: string;
}

const openssl = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });

export function makeCdnPki(dir: string, hosts: string[]): CdnPki {
  const p = (name: string) => join(dir, name);
  openssl(["req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-sha256", "-days", "2", "-subj", "/CN=stand-in CDN test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout", p("cdn-ca.key"), "-out", p("cdn-ca.pem")]);
  openssl(["req", "-new", "-nodes", "-newkey", "rsa:2048", "-subj", `/CN=${hosts[0]}`, "-keyout", p("cdn.key"), "-out", p("cdn.csr")]);
  writeFileSync(p("cdn.ext"), `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(",")}\nextendedKeyUsage=serverAuth\n`);
  openssl(["x509", "-req", "-in", p("cdn.csr"), "-CA", p("cdn-ca.pem"), "-CAkey", p("cdn-ca.key"), "-CAcreateserial",
    "-days", "2", "-sha256", "-extfile", p("cdn.ext"), "-out", p("cdn.pem")]);
  return { caCert: p("cdn-ca.pem"), cert: p("cdn.pem"), key: p("cdn.key") };
}
