// Keeps an upstream from steering regcache into the site it runs in. A
// registry may redirect a blob to a CDN and name any token realm; a hostile
// one names http://127.0.0.1:<port>/, 169.254.169.254 (cloud metadata) or a
// printer on 192.168.x.x, and regcache would fetch it with the site's network
// position (and, for a realm, the configured credentials).
//
// The rule: a connection to an origin other than the upstream's own URL (and
// the origins listed in redirect_allow) must not reach a loopback, link-local,
// private or unspecified address. It is checked twice:
//  - before sending, on the URL itself when its host is a literal address
//    (no connection is made at all);
//  - after connecting, on the socket's actual peer address. A DNS name can
//    resolve to 127.0.0.1, and resolve differently on each lookup (DNS
//    rebinding), so only the address connected to is the truth. The socket is
//    destroyed before a single byte of HTTP is written on it.
import { buildConnector } from "undici-client";
import { internalClass } from "../config/ip.ts";
import { UpstreamError } from "./errors.ts";

export class DestinationGuard {
  readonly #trusted: Set<string>;

  /** `trusted`: origins that may be internal (the upstream's URL, redirect_allow). */
  constructor(
    private readonly upstream: string,
    trusted: string[],
  ) {
    this.#trusted = new Set(trusted.map((o) => new URL(o).origin));
  }

  isTrusted(origin: string): boolean {
    return this.#trusted.has(origin);
  }

  /** The refusal for connecting `origin` at `address`, or undefined when allowed. */
  refusal(origin: string, address: string | undefined): UpstreamError | undefined {
    if (this.isTrusted(origin)) return undefined;
    // An address we cannot read is not known to be outside: fail closed.
    const cls = address === undefined || address === "" ? "unknown" : internalClass(address);
    if (cls === undefined) return undefined;
    return new UpstreamError(
      this.upstream,
      "invalid-response",
      `refusing ${origin}: it is at ${cls} address ${address ?? "?"}; list the origin in redirect_allow to allow it`,
    );
  }

  /** Checks a URL whose host is a literal IP address before anything is sent. */
  checkUrl(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (internalClass(host) === undefined) return;
    const refused = this.refusal(url.origin, host);
    if (refused) throw refused;
  }

  /** An undici connector that checks the peer address of every new connection. */
  connector(options: buildConnector.BuildOptions): buildConnector.connector {
    const base = buildConnector(options);
    return (opts, callback) => {
      const origin = new URL(`${opts.protocol}//${opts.host}`).origin;
      return base(opts, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error("connect failed"), null);
        const refused = this.refusal(origin, socket.remoteAddress);
        if (!refused) return callback(null, socket);
        socket.destroy();
        callback(refused, null);
      });
    };
  }
}
