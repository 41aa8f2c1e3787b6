import { createServer } from "node:net";

// Ports for test servers come from below Linux's ephemeral range (32768-60999 by
// default). A port from bind(0) lies inside that range, and between our probe and
// the server's own bind, any outgoing connection (skopeo, fetch, the registry) may
// take it as its source port: that race did bite under load. Below the range only
// another listener can collide, and the probe below rules out one that is there now.
const LOW = 20_000;
const HIGH = 32_000;

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A loopback port that nothing listens on, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await canBind(port)) return port;
  }
  throw new Error(`no free loopback port found between ${LOW} and ${HIGH}`);
}
