import http from "node:http";
import { randomUUID } from "node:crypto";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { DataSource } from "typeorm";
import { getSchema } from "./schema";
import { Context, createContext } from "./context";
import { makeFormatError, Logger } from "./common/errors";

export const MAX_BODY_BYTES = 1024 * 1024;

export interface App {
  apollo: ApolloServer<Context>;
  http: http.Server;
  /** Stops taking requests, waits for those in flight, stops Apollo. */
  stop(): Promise<void>;
}

export const jsonLog: Logger = (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

export async function createApollo(db: DataSource, options: { production: boolean; log?: Logger; httpServer?: http.Server }) {
  const schema = await getSchema();
  const log = options.log ?? jsonLog;
  return new ApolloServer<Context>({
    schema,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: options.production,
    formatError: makeFormatError(log),
    csrfPrevention: true,
    stopOnTerminationSignals: false, // src/index.ts stops the service in its own order
    plugins: [ApolloServerPluginCacheControlDisabled(), ...(options.httpServer ? [ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer })] : [])],
  });
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/** The HTTP surface: POST/GET /graphql, GET /healthz. */
export async function createApp(db: DataSource, options: { production: boolean; log?: Logger }): Promise<App> {
  const log = options.log ?? jsonLog;
  const server = http.createServer();
  const apollo = await createApollo(db, { ...options, httpServer: server });
  await apollo.start();

  server.on("request", async (req, res) => {
    const requestId = (typeof req.headers["x-request-id"] === "string" && req.headers["x-request-id"].slice(0, 100)) || randomUUID();
    res.setHeader("x-request-id", requestId);
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (url.pathname === "/healthz") return sendJson(res, 200, { status: "ok" });
      if (url.pathname !== "/graphql") return sendJson(res, 404, { error: "not found", hint: "GraphQL is served at /graphql" });
      let body: unknown = undefined;
      if (req.method === "POST") {
        const raw = await readBody(req);
        const type = req.headers["content-type"] ?? "";
        if (type.includes("application/json")) {
          try {
            body = raw.length ? JSON.parse(raw) : undefined;
          } catch {
            return sendJson(res, 400, { errors: [{ message: "The request body is not valid JSON", extensions: { code: "BAD_REQUEST" } }] });
          }
        } else {
          body = raw;
        }
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body },
        context: async () => createContext(db, requestId),
      });
      for (const [key, value] of result.headers) res.setHeader(key, value);
      res.statusCode = result.status ?? 200;
      if (result.body.kind === "complete") {
        res.end(result.body.string);
      } else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        res.setHeader("connection", "close");
        return sendJson(res, 413, { errors: [{ message: `The request body is larger than ${MAX_BODY_BYTES} bytes`, extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
      }
      log({ level: "error", msg: "request failed", requestId, error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
      else res.end();
    }
  });

  return {
    apollo,
    http: server,
    async stop() {
      await apollo.stop();
    },
  };
}
