import http from "node:http";
import net from "node:net";
import { randomUUID } from "node:crypto";
import { ApolloServer, ApolloServerPlugin, HeaderMap } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError } from "graphql";
import { DataSource } from "typeorm";
import { getSchema } from "./schema";
import { Context, createContext } from "./context";
import { DATABASE_FAILURE_MESSAGES, databaseFailure, makeFormatError, Logger, RETRY_AFTER_SECONDS } from "./common/errors";
import { Bulkhead, BulkheadOptions } from "./database/bulkhead";
import { MAX_BATCH_JSON_BYTES } from "./common/batch";
import { DEFAULT_LIMITS, limitRules, Limits, QueryTooCostlyError, queryCost, RateLimiter } from "./common/hardening";
import { authenticate } from "./modules/access/authenticate";
import { keyFromHeaders } from "./modules/access/keys";
import { matchRoute, Route, sendError } from "./web/routes";
import { globalId } from "./common/global-ids";
import { textHygienePlugin } from "./common/text";
import { nameDateInputErrors } from "./common/date-input-errors";
import { Metrics, metricsPlugin } from "./web/metrics";

/**
 * The largest request body: the largest legal batch (its items at most MAX_BATCH_JSON_BYTES as
 * compact JSON, src/common/batch.ts) plus 1 MiB for the query, the other variables and the
 * whitespace of pretty-printed JSON (about 300 bytes an item at two spaces an indent).
 */
export const MAX_BODY_BYTES = MAX_BATCH_JSON_BYTES + 1024 * 1024;

export const jsonLog: Logger = (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);

export interface ServerOptions {
  production: boolean;
  log?: Logger;
  limits?: Limits;
  rateLimitPerMinute?: number;
  /** The clock of the per-key rate limit (milliseconds, like Date.now); tests pass a fixed one. */
  clock?: () => number;
  /** Routes besides /graphql (health, metrics, GraphiQL, exports, reports). */
  routes?: Route[];
  /** Where GraphQL operations and HTTP requests are counted (served by metricsRoutes). None: not counted. */
  metrics?: Metrics;
  /** The bulkhead of batch mutations (src/database/bulkhead.ts). None: batches are not limited. */
  batchWrites?: BulkheadOptions;
  /** How long stop() lets requests in flight finish (default 35 s: longer than the default statement timeout). */
  shutdownGraceMs?: number;
}

/** Codes that mean "retry shortly": answered with HTTP 503 and Retry-After, wherever they arise. */
const RETRY_CODES = new Set(["SERVICE_UNAVAILABLE", "QUERY_TIMEOUT"]);
const RETRY_AFTER = { "retry-after": String(RETRY_AFTER_SECONDS) };

/**
 * The operation a GraphQL request resolved to, for the access log. Apollo runs
 * operations on a shallow clone of the context, so the key is the request's
 * RequestDb, which the clone shares with the context the handler created.
 */
const resolvedOperations = new WeakMap<object, { name: string | null }>();

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/**
 * The request each error of a GraphQL response belongs to, so that formatError (which
 * Apollo calls without the context) logs an unexpected error with its request id.
 * (No AsyncLocalStorage: it turns on async hooks for every promise of every request.)
 */
const errorRequests = new WeakMap<object, string>();

/**
 * The request's transaction ends when its response is ready; the audit log learns
 * which mutation wrote; over-costly operations are refused before they run.
 */
function requestPlugin(log: Logger, limits: Limits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, document }) {
          for (const error of errors) errorRequests.set(error, contextValue.requestId);
          nameDateInputErrors(document, errors); // a bad date: the same answer inline and as a variable
        },
        async didResolveOperation({ request, document, schema, operation, contextValue }) {
          resolvedOperations.set(contextValue.requestDb, { name: request.operationName ?? operation?.name?.value ?? null });
          const cost = queryCost(schema, document, request.variables, request.operationName ?? undefined);
          if (cost !== null && cost > limits.maxCost) throw new QueryTooCostlyError(cost, limits.maxCost);
          if (operation?.operation === "mutation") {
            const names = operation!.selectionSet.selections.map((s) => (s.kind === "Field" ? s.name.value : "fragment"));
            await contextValue.requestDb.setOperation(names.join(","));
          }
        },
        async willSendResponse({ contextValue, response }) {
          try {
            await contextValue.finish(true);
          } catch (error) {
            const failure = databaseFailure(error);
            log({ level: failure ? "warn" : "error", msg: "commit failed", requestId: contextValue.requestId, error: error instanceof Error ? error.message : String(error) });
            if (response.body.kind === "single") {
              response.body.singleResult = failure
                ? { errors: [{ message: `${DATABASE_FAILURE_MESSAGES.SERVICE_UNAVAILABLE} (whether this request's writes were kept is unknown: batches are safe to send again with the same client keys)`, extensions: { code: "SERVICE_UNAVAILABLE" } }] }
                : { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] };
            }
          }
          // Busy, timed out or the database away: the whole answer says "retry shortly" (nothing was written).
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          if (errors?.some((e) => RETRY_CODES.has(e.extensions?.code as string))) {
            response.http.status = 503;
            response.http.headers.set("retry-after", String(RETRY_AFTER_SECONDS));
          }
        },
      };
    },
  };
}

export async function createApollo(options: ServerOptions) {
  const schema = await getSchema();
  const baseLog = options.log ?? jsonLog;
  const limits = options.limits ?? DEFAULT_LIMITS;
  /** The request of the error being formatted (formatError runs synchronously). */
  let formatting: string | undefined;
  const log: Logger = (entry) => baseLog(formatting !== undefined && entry.requestId === undefined ? { requestId: formatting, ...entry } : entry);
  const format = makeFormatError(log);
  const formatError: typeof format = (formatted, error) => {
    formatting = error && typeof error === "object" ? errorRequests.get(error) : undefined;
    try {
      return format(formatted, error);
    } finally {
      formatting = undefined;
    }
  };
  return new ApolloServer<Context>({
    schema,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    // Compact JSON: Apollo's default pretty-prints every answer (a tenth of a list page's CPU).
    stringifyResult: (result) => JSON.stringify(result),
    hideSchemaDetailsFromClientErrors: options.production,
    formatError,
    csrfPrevention: true,
    stopOnTerminationSignals: false, // src/index.ts stops the service in its own order
    validationRules: limitRules(limits),
    parseOptions: { maxTokens: limits.maxTokens },
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      requestPlugin(log, limits),
      textHygienePlugin(), // every text argument: no NUL, no lone surrogate (src/common/text.ts)
      ...(options.metrics ? [metricsPlugin(options.metrics)] : []),
    ],
  });
}

export interface App {
  apollo: ApolloServer<Context>;
  http: http.Server;
  /** The bulkhead of batch writes, when there is one. */
  batchWrites: Bulkhead | null;
  /**
   * Graceful stop: stops accepting connections; answers requests that arrive on kept-alive
   * connections 503 with `Connection: close` and Retry-After; lets the requests in flight
   * finish (their responses close their connections) for up to the grace; then closes what is
   * left and stops Apollo. Resolves with the number of requests cut off at the end of the grace.
   */
  stop(): Promise<{ cut: number }>;
}

/** The default grace of a graceful stop: longer than the default statement timeout (30 s). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 35_000;

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
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

/** Longest path written to the access log. */
const MAX_LOGGED_PATH = 200;

/**
 * The HTTP surface: POST/GET /graphql (API key required), GET /healthz, and the
 * routes given (health, metrics, GraphiQL, exports, reports).
 *
 * Every request gets an id (a valid `x-request-id` header, or a new UUID), echoed in
 * the response and added to every log entry written while it runs; when it ends,
 * one access-log entry (msg "request") records method, path without the query,
 * status, duration, and for GraphQL the operation name and the key's id. Never the
 * key itself, variables, bodies or personal data.
 */
export async function createApp(db: DataSource, options: ServerOptions): Promise<App> {
  const baseLog = options.log ?? jsonLog;
  /** A logger that adds the request's id to what is logged while it runs. */
  const logFor =
    (requestId: string): Logger =>
    (entry) =>
      baseLog(entry.requestId === undefined ? { requestId, ...entry } : entry);
  const metrics = options.metrics;
  metrics?.watchPool(db);
  const server = http.createServer();
  const apollo = await createApollo({ ...options, log: baseLog });
  const batchWrites = options.batchWrites ? new Bulkhead(options.batchWrites) : null;
  /** Requests accepted and not yet answered (their responses not closed). */
  const inFlight = new Set<http.ServerResponse>();
  let stopping = false;
  let settled: (() => void) | null = null;
  await apollo.start();
  const limiter = new RateLimiter(options.rateLimitPerMinute ?? 600, options.clock);
  const routes = options.routes ?? [];

  server.on("request", (req, res) => {
    const requestId = (typeof req.headers["x-request-id"] === "string" && /^[\w.-]{1,100}$/.test(req.headers["x-request-id"]) && req.headers["x-request-id"]) || randomUUID();
    res.setHeader("x-request-id", requestId);
    const started = process.hrtime.bigint();
    const method = (req.method ?? "GET").toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      url = new URL("http://localhost/");
    }
    /** What the access log and the metrics learn while the request runs. */
    const seen: { route: string; operationName?: string; keyId?: string } = { route: "unmatched" };
    if (stopping) {
      // Arrived on a kept-alive connection after stop() began: answered, and the connection closed.
      seen.route = "stopping";
    } else {
      inFlight.add(res);
    }
    res.once("close", () => {
      if (inFlight.delete(res) && inFlight.size === 0) settled?.();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const aborted = !res.writableFinished;
      const status = aborted && !res.headersSent ? 499 : res.statusCode;
      metrics?.httpRequest(seen.route, status, seconds);
      baseLog({
        time: new Date().toISOString(),
        level: status >= 500 ? "warn" : "info",
        msg: "request",
        requestId,
        method,
        path: url.pathname.length > MAX_LOGGED_PATH ? `${url.pathname.slice(0, MAX_LOGGED_PATH)}...` : url.pathname,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        ...(seen.operationName !== undefined ? { operationName: seen.operationName } : {}),
        ...(seen.keyId ? { keyId: seen.keyId } : {}),
        ...(aborted ? { aborted: true } : {}),
      });
    });
    if (seen.route === "stopping") {
      sendError(res, 503, "SERVICE_UNAVAILABLE", `The service is shutting down: retry in ${RETRY_AFTER_SECONDS} s (on a new connection)`, { ...RETRY_AFTER, connection: "close" });
      return;
    }
    handle(req, res, requestId, method, url, seen).catch((error: unknown) => {
      baseLog({ level: "error", msg: "request failed", requestId, error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
      else res.destroy();
    });
  });

  async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string,
    method: string,
    url: URL,
    seen: { route: string; operationName?: string; keyId?: string },
  ): Promise<void> {
    const log = logFor(requestId);
    let context: Context | null = null;
    /** An error answered here, outside Apollo's pipeline, still counts as a GraphQL error. */
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      metrics?.graphqlError(code);
      sendError(res, status, code, message, headers);
    };
    try {
      if (url.pathname !== "/graphql") {
        const route = matchRoute(routes, method, url.pathname);
        if (route) {
          seen.route = route.path;
          return await route.handle(req, res, {
            db,
            requestId,
            url,
            log,
            production: options.production,
            limiter,
            identify: (keyId) => {
              // The access log names the key as the API does (`me { keyId }`): its global id.
              seen.keyId = globalId("ApiKey", keyId, keyId);
            },
          });
        }
        if (url.pathname === "/healthz") {
          seen.route = "/healthz";
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ status: "ok" }));
          return;
        }
        return sendError(res, 404, "NOT_FOUND", "Not found: GraphQL is served at /graphql");
      }
      seen.route = "/graphql";
      let body: unknown = undefined;
      if (req.method === "POST") {
        const raw = await readBody(req);
        const type = req.headers["content-type"] ?? "";
        if (type.includes("application/json")) {
          try {
            body = raw.length ? JSON.parse(raw) : undefined;
          } catch {
            return refuse(400, "BAD_REQUEST", "The request body is not valid JSON");
          }
        } else {
          body = raw;
        }
      }
      const requested = method === "GET" ? url.searchParams.get("operationName") : (body as { operationName?: unknown } | undefined)?.operationName;
      if (typeof requested === "string" && GRAPHQL_NAME.test(requested)) seen.operationName = requested;
      const principal = await authenticate(db, keyFromHeaders(req.headers));
      seen.keyId = globalId("ApiKey", principal.keyId, principal.keyId);
      const wait = limiter.hit(principal.keyId);
      if (wait > 0) {
        return refuse(429, "RATE_LIMITED", `Too many requests for this API key (limit ${limiter.perMinute} a minute); retry in ${wait} s`, {
          "retry-after": String(wait),
        });
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search: url.search, body },
        context: async () => {
          context = await createContext(db, principal, requestId, batchWrites);
          return context;
        },
      });
      const resolved = context ? resolvedOperations.get((context as Context).requestDb) : undefined;
      if (resolved) seen.operationName = resolved.name ?? "anonymous";
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
        return refuse(413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${MAX_BODY_BYTES} bytes (a batch's items take at most ${MAX_BATCH_JSON_BYTES} bytes as JSON: send smaller batches)`);
      }
      if (error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED") {
        return refuse(401, "UNAUTHENTICATED", error.message, { "www-authenticate": "Bearer" });
      }
      // The key could not be read (the pool busy, the database away): retry shortly.
      const failure = databaseFailure(error);
      if (failure && !res.headersSent) {
        log({ level: "warn", msg: "database unavailable", requestId, error: error instanceof Error ? error.message : String(error) });
        return refuse(503, failure, DATABASE_FAILURE_MESSAGES[failure], RETRY_AFTER);
      }
      log({ level: "error", msg: "request failed", requestId, error: error instanceof Error ? error.message : String(error) });
      if (seen.route === "/graphql") metrics?.graphqlError("INTERNAL_SERVER_ERROR");
      if (!res.headersSent) sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
      else res.end();
    } finally {
      // The plugin ends the transaction; this is the safety net when Apollo never got that far.
      if (context) await (context as Context).finish(false).catch(() => undefined);
    }
  }

  const grace = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  return {
    apollo,
    http: server,
    batchWrites,
    async stop() {
      if (!stopping) {
        stopping = true;
        // net.Server's close: no new connections, while kept-alive ones stay open so that a request
        // sent on one now is answered (503, Connection: close) rather than cut (http.Server's close
        // would drop them at once).
        net.Server.prototype.close.call(server);
        for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
        if (inFlight.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            settled = resolve;
            timer = setTimeout(resolve, grace);
          });
          clearTimeout(timer);
        }
      }
      const cut = inFlight.size;
      if (cut > 0) baseLog({ level: "error", msg: "shutdown grace over: requests cut off", requests: cut, graceMs: grace });
      server.closeAllConnections();
      await apollo.stop();
      return { cut };
    },
  };
}
