// A token-auth front for a registry, as Docker Hub and most public registries work: every
// registry request without a valid Bearer token is answered 401 with a
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge; GET /token with the right
// Basic credentials issues a token, and requests carrying it are proxied to the registry.
import { randomUUID } from "node:crypto";
import { createServer, request } from "node:http";
import { listenOnLoopback } from "../../helpers/listen.ts";

export const TOKEN_SERVICE = "regcache-test-registry";

export interface TokenRequest {
  scope: string | null;
  service: string | null;
  /** The Basic user name sent, or null for an anonymous request. */
  user: string | null;
  granted: boolean;
}

export interface TokenStandin {
  readonly url: string;
  readonly host: string;
  /** Every GET /token so far. */
  tokenRequests(): TokenRequest[];
  /** Registry requests answered with a challenge (no or an unknown token). */
  challenges(): number;
  stop(): Promise<void>;
}

export async function startTokenStandin(targetUrl: string, creds: { username: string; password: string }): Promise<TokenStandin> {
  const target = new URL(targetUrl);
  const tokens = new Set<string>();
  const requests: TokenRequest[] = [];
  let challenges = 0;
  let self = "";

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", self);
    if (url.pathname === "/token") {
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      const [user, password] = basic ? Buffer.from(basic, "base64").toString().split(":") : [null, null];
      const granted = user === creds.username && password === creds.password;
      requests.push({ scope: url.searchParams.get("scope"), service: url.searchParams.get("service"), user, granted });
      if (!granted) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"details":"bad credentials"}');
        return;
      }
      const token = randomUUID();
      tokens.add(token);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
      return;
    }
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !tokens.has(bearer)) {
      challenges++;
      const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname)?.[1];
      const scope = repo ? `,scope="repository:${repo}:pull"` : "";
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": `Bearer realm="${self}/token",service="${TOKEN_SERVICE}"${scope}` });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const { authorization: _, ...headers } = req.headers;
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  const { port, close } = await listenOnLoopback(server);
  self = `http://127.0.0.1:${port}`;
  return {
    url: self,
    host: `127.0.0.1:${port}`,
    tokenRequests: () => [...requests],
    challenges: () => challenges,
    stop: close,
  };
}
