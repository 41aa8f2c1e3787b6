// The listener's certificate and key (server.tls_cert, server.tls_key), read and
// checked the same way at start, on SIGHUP and when the files change: a pair
// that a TLS handshake would fail on is refused here, naming the file, so that
// a bad renewal never replaces a good certificate.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { ConfigError } from "./load.ts";
import { readConfigFile, readSecretFile } from "./secrets.ts";

/** A certificate chain and its key, as PEM text, with what the logs say about it. */
export interface TlsPair {
  certFile: string;
  keyFile: string;
  /** Every certificate in the file, leaf first (served whole). */
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint of the leaf, "AB:CD:…". */
  fingerprint: string;
  /** The leaf's notAfter, as the certificate states it. */
  notAfter: string;
  /** How many certificates the file holds (leaf + intermediates). */
  chainLength: number;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM blocks of every certificate in `pem`, in file order. */
export function certificateBlocks(pem: string): string[] {
  return pem.match(PEM_CERTIFICATE) ?? [];
}

/** The certificates of a PEM file, parsed and checked for order; what the CLI trusts (it needs no key). */
export function readCertificateChain(certFile: string, key = "server.tls_cert"): { blocks: string[]; chain: X509Certificate[] } {
  const certPem = readConfigFile(certFile, key);
  const blocks = certificateBlocks(certPem);
  if (blocks.length === 0) throw new ConfigError(`${key}: ${certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  const chain = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (e) {
      throw new ConfigError(`${key}: ${certFile}: certificate ${i + 1} is not valid: ${(e as Error).message}`);
    }
  });
  // A client builds its path from the leaf up; a file in another order fails at the client.
  for (let i = 1; i < chain.length; i++) {
    if (key === "server.tls_cert" && !chain[i - 1]!.checkIssued(chain[i]!)) throw new ConfigError(`${key}: ${certFile}: certificate ${i + 1} did not issue certificate ${i}; put the leaf first, then each issuer`);
  }
  return { blocks, chain };
}

/** Reads and checks the pair; ConfigError names the key and the file that is wrong. */
export function readTlsPair(certFile: string, keyFile: string): TlsPair {
  const { blocks, chain } = readCertificateChain(certFile);
  const keyPem = readSecretFile(keyFile, "server.tls_key");
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    // The message of a parse error never quotes the key's bytes.
    throw new ConfigError(`server.tls_key: ${keyFile} is not a PEM private key (an encrypted key is not supported): ${(e as Error).message}`);
  }
  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key)) throw new ConfigError(`server.tls_key: ${keyFile} does not match the certificate in ${certFile}`);
  return { certFile, keyFile, certPem: blocks.join("\n") + "\n", keyPem, fingerprint: leaf.fingerprint256, notAfter: leaf.validTo, chainLength: chain.length };
}

/** Both keys or neither: the one-sided config is an error, in `config check` as in `serve`. */
export function tlsPairOf(server: { tls_cert: string; tls_key: string }): TlsPair | undefined {
  if (!server.tls_cert && !server.tls_key) return undefined;
  if (!server.tls_key) throw new ConfigError(`server.tls_key: set it too (server.tls_cert is set; HTTPS needs both)`);
  if (!server.tls_cert) throw new ConfigError(`server.tls_cert: set it too (server.tls_key is set; HTTPS needs both)`);
  return readTlsPair(server.tls_cert, server.tls_key);
}
