// A hostile upstream registry on 127.0.0.1: ONE small server whose repository
// name picks how it misbehaves. `/v2/<behaviour>/<rest>/...` — the first path
// component after /v2/ is looked up in the behaviour table; the rest of the
// name is free (tests use it to keep their requests apart).
//
// Beside it runs a second server, `internal`: the stand-in for what lives
// inside a site (an admin page, a metadata service, a token service nobody
// should reach). Every request it gets is recorded, so a test can show that
// regcache never reached it.
//
// Every behaviour serves one generated image (`image`) where it serves
// anything honest at all. Add a behaviour with `hostile.add(name, handler)`,
// or pass `behaviours` to startHostileUpstream; handlers get the request, the
// response and the stand-in itself.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./listen.ts";
import { makeImage, MEDIA_TYPES, type GeneratedImage } from "./oci-image.ts";

export interface Recorded {
  method: string;
  url: string;
  authorization?: string;
}

export type Behaviour = (req: IncomingMessage, res: ServerResponse, hostile: HostileUpstream, route: HostileRoute) => void;

export interface HostileRoute {
  /** The behaviour's name (the first component of the repository name). */
  behaviour: string;
  /** The whole repository name. */
  repo: string;
  /** "manifests", "blobs", "tags" or "" (anything else: /v2/, /token) */
  kind: string;
  /** The tag, digest or "list". */
  ref: string;
}

export interface HostileUpstream {
  /** "http://127.0.0.1:PORT": the upstream to configure. */
  readonly url: string;
  readonly port: number;
  /** The site-internal server ("http://127.0.0.1:PORT2"); redirects and realms point here. */
  readonly internalUrl: string;
  /** What the hostile server and the internal server were asked, in order. */
  readonly requests: Recorded[];
  readonly internalRequests: Recorded[];
  /** The honest image every serving behaviour hands out. */
  readonly image: GeneratedImage;
  /** Free-form settings for behaviours (e.g. `realm`: where realm-at points). */
  readonly settings: Record<string, string>;
  add(name: string, behaviour: Behaviour): void;
  stop(): Promise<void>;
}

/** A secret the internal server holds; it must never reach a client of regcache. */
export const INTERNAL_SECRET = '{"secret":"site-internal-document-that-must-not-leak"}';

const record = (req: IncomingMessage): Recorded => ({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });

function parseRoute(url: string): HostileRoute | undefined {
  const path = url.split("?")[0]!;
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  return { behaviour: m[1]!.split("/")[0]!, repo: m[1]!, kind: m[2]!, ref: m[3]! };
}

/** Answers honestly from `image`: its manifest by any tag or its digest, its blobs by digest. */
export function serveImage(req: IncomingMessage, res: ServerResponse, image: GeneratedImage, route: HostileRoute): void {
  const blobs = new Map([image.config, ...image.layers].map((b) => [b.descriptor.digest, b.bytes]));
  let body: Buffer | undefined;
  let type = "application/octet-stream";
  if (route.kind === "manifests") {
    body = image.manifest.bytes;
    type = MEDIA_TYPES.manifest;
    res.setHeader("docker-content-digest", image.digests.manifest);
  } else if (route.kind === "blobs") {
    body = blobs.get(route.ref);
  } else if (route.kind === "tags") {
    body = Buffer.from(JSON.stringify({ name: route.repo, tags: ["latest"] }));
    type = "application/json";
  }
  if (!body) {
    res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"unknown"}]}');
    return;
  }
  res.writeHead(200, { "content-type": type, "content-length": String(body.length) });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** GETs go elsewhere with a 302; HEADs of manifests are answered (regcache revalidates with HEAD). */
const redirectTo = (target: (h: HostileUpstream, route: HostileRoute) => string): Behaviour => (req, res, h, route) => {
  if (req.method === "HEAD") return serveImage(req, res, h.image, route);
  res.writeHead(302, { location: target(h, route) }).end();
};

/** 401 with a Bearer challenge at `realm`; with the token the realm hands out, the image. */
const challengeAt = (realm: (h: HostileUpstream) => string, scheme = "Bearer"): Behaviour => (req, res, h, route) => {
  if (req.headers.authorization === "Bearer hostile-token") return serveImage(req, res, h.image, route);
  res.writeHead(401, { "content-type": "application/json", "www-authenticate": `${scheme} realm="${realm(h)}",service="hostile"` });
  res.end('{"errors":[{"code":"UNAUTHORIZED","message":"token needed"}]}');
};

/** A manifest of `depth` nested objects inside an annotation: valid JSON, a few MiB. */
export function jsonBomb(depth = 690_000): Buffer {
  return Buffer.from(`{"schemaVersion":2,"mediaType":"${MEDIA_TYPES.manifest}","annotations":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`);
}

export const BEHAVIOURS: Record<string, Behaviour> = {
  /** An honest registry. */
  honest: (req, res, h, route) => serveImage(req, res, h.image, route),
  /** Every GET redirects to the internal server by its address. */
  "redirect-internal": redirectTo((h, route) => `${h.internalUrl}/${route.kind}/${route.ref}`),
  /** The same by a DNS name that resolves to loopback: only the connected address tells. */
  "redirect-localhost": redirectTo((h, route) => `http://localhost:${new URL(h.internalUrl).port}/${route.kind}/${route.ref}`),
  /** A token realm on the internal server (another origin on loopback). */
  "realm-loopback": challengeAt((h) => `${h.internalUrl}/token`),
  /** A token realm wherever settings.realm says (e.g. regcache's own admin API). */
  "realm-at": challengeAt((h) => h.settings.realm ?? `${h.internalUrl}/token`),
  /** A lower-case "bearer" challenge with a realm on the upstream itself (allowed: same origin). */
  "bearer-lowercase": challengeAt((h) => `${h.url}/token`, "bearer"),
  /** Manifests are JSON bombs: ~690k nested objects. */
  bomb: (req, res, h, route) => {
    if (route.kind !== "manifests") return serveImage(req, res, h.image, route);
    const body = jsonBomb();
    res.writeHead(200, { "content-type": MEDIA_TYPES.manifest, "content-length": String(body.length) });
    res.end(req.method === "HEAD" ? undefined : body);
  },
  /** Blobs arrive with one byte flipped: same length, wrong digest. */
  corrupt: (req, res, h, route) => {
    const blob = [h.image.config, ...h.image.layers].find((b) => b.descriptor.digest === route.ref);
    if (route.kind !== "blobs" || !blob) return serveImage(req, res, h.image, route);
    const bytes = Buffer.from(blob.bytes);
    bytes[bytes.length >> 1]! ^= 0xff;
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(bytes.length) });
    res.end(bytes);
  },
};

export interface HostileOptions {
  /** Behaviours added to (or replacing) BEHAVIOURS for this instance. */
  behaviours?: Record<string, Behaviour>;
  /** Layer size of the honest image; default 16 KiB. */
  layerSize?: number;
}

export async function startHostileUpstream(options: HostileOptions = {}): Promise<HostileUpstream> {
  const table = new Map(Object.entries({ ...BEHAVIOURS, ...options.behaviours }));
  const requests: Recorded[] = [];
  const internalRequests: Recorded[] = [];
  const image = makeImage({ layers: 1, layerSize: options.layerSize ?? 16 * 1024 });

  const internal = await listenOnLoopback(
    createServer((req, res) => {
      internalRequests.push(record(req));
      // Answers like a token service, like a blob CDN (for redirect_allow) and like a document store.
      if (req.url?.startsWith("/token")) return res.writeHead(200, { "content-type": "application/json" }).end('{"token":"hostile-token"}');
      const blob = [image.config, ...image.layers].find((b) => req.url === `/blobs/${b.descriptor.digest}`);
      if (blob) return res.writeHead(200, { "content-length": String(blob.bytes.length) }).end(blob.bytes);
      res.writeHead(200, { "content-type": "application/json", "content-length": String(INTERNAL_SECRET.length) }).end(INTERNAL_SECRET);
    }),
  );

  let hostile!: HostileUpstream;
  const server = createServer((req, res) => {
    requests.push(record(req));
    const url = req.url ?? "/";
    // Its own token service: same origin, so realms here are allowed.
    if (url.startsWith("/token")) return res.writeHead(200, { "content-type": "application/json" }).end('{"token":"hostile-token"}');
    if (url === "/v2/" || url === "/v2") return res.writeHead(200, { "content-type": "application/json" }).end("{}");
    const route = parseRoute(url);
    const behaviour = route && table.get(route.behaviour);
    if (!route || !behaviour) return res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"no such behaviour"}]}');
    behaviour(req, res, hostile, route);
  });
  const listening = await listenOnLoopback(server);

  hostile = {
    url: `http://127.0.0.1:${listening.port}`,
    port: listening.port,
    internalUrl: `http://127.0.0.1:${internal.port}`,
    requests,
    internalRequests,
    image,
    settings: {},
    add: (name, behaviour) => void table.set(name, behaviour),
    async stop() {
      await Promise.all([listening.close(), internal.close()]);
    },
  };
  return hostile;
}
