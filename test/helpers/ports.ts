import { createServer } from "node:net";

// Asks the kernel for an unused port by binding port 0 on loopback, then frees it.
// Another process could take the port before the caller binds it; the kernel hands out
// ephemeral ports in a spread-out order, so in practice this race does not bite tests.
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the port of a loopback listener"));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
