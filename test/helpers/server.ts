import { AddressInfo } from "node:net";
import { DataSource } from "typeorm";
import { createApp, App, ServerOptions } from "../../src/server";

/** The HTTP app of src/server.ts listening on a free port of 127.0.0.1, with what it logged. */
export interface Running {
  app: App;
  url: string;
  logged: Record<string, unknown>[];
}

export async function startServer(db: DataSource, options: ServerOptions): Promise<Running> {
  const logged: Record<string, unknown>[] = [];
  const app = await createApp(db, { log: (e) => logged.push(e), ...options });
  await new Promise<void>((resolve, reject) => {
    app.http.once("error", reject);
    app.http.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = app.http.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, logged };
}

export async function stopServer(running: Running | undefined): Promise<void> {
  if (!running) return;
  await running.app.stop();
  if (running.app.http.listening) await new Promise<void>((resolve) => running.app.http.close(() => resolve()));
}
