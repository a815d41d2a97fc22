import net from "node:net";

/** A free TCP port on 127.0.0.1 (the kernel picks it; another process could still take it before us). Used by the tests' global setup and the fault suite. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
