// Runs inside the test's network namespace (see netns.ts): accepts TCP on
// HOST:PORT and relays each connection, bytes untouched (TLS included), to a Unix
// socket where the test process serves the stand-in CDN. The test process stays
// outside the namespace; a Unix socket is a file, so it crosses namespaces.
// Usage: relay.ts HOST PORT SOCKET. Prints "listening"; exits when stdin closes.
import { connect, createServer } from "node:net";

const [host, port, socketPath] = process.argv.slice(2);
if (!host || !port || !socketPath) throw new Error("usage: relay.ts HOST PORT SOCKET");

const server = createServer((client) => {
  const upstream = connect(socketPath);
  // pipe() ends each side when the other ends, after flushing what it wrote; only an
  // error cuts a connection (a destroy on 'close' could drop bytes still queued).
  client.pipe(upstream).pipe(client);
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
});
server.listen(Number(port), host, () => console.log("listening"));
// The test keeps stdin open; when it goes (or dies), so does the relay.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
