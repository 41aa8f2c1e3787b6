import type { Server, Socket } from "node:net";
import { freePort } from "./ports.ts";

export interface Listening {
  port: number;
  /** Destroys every open connection, then closes the server. */
  close(): Promise<void>;
}

// Sockets are tracked so close() cannot hang on keep-alive connections, or on the black
// hole's deliberately idle ones; server.close() alone waits for them to end.
export async function listenOnLoopback(server: Server): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
