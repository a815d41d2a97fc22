import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { getOperationAST } from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import type { DataSource } from "typeorm";
import { Route, sendError } from "./routes";
import { bearerToken, hashSecret, secretMatches } from "../modules/access/keys";

/** Upper bounds of the duration histograms, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A GraphQL name (what the parser accepts), short enough for a label. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The pg Pool behind TypeORM's postgres driver (only the counts are read). */
interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

export interface MetricsOptions {
  /** Adds prom-client's process and Node.js metrics (CPU, memory, event loop lag). */
  defaultMetrics?: boolean;
  /**
   * Operation names are chosen by clients: past this many distinct names, new ones
   * are counted as "other" so that a client cannot grow the label set without end.
   */
  maxOperations?: number;
}

/**
 * The service's Prometheus metrics, on a registry of their own (one per app, so that
 * tests can run several apps in one process). The Apollo plugin and the HTTP
 * handler record into it; `metricsRoutes` serves it.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly graphqlRequests: Counter<"operation" | "type">;
  readonly graphqlDuration: Histogram<"operation">;
  readonly graphqlErrors: Counter<"code">;
  readonly httpRequests: Counter<"route" | "status">;
  readonly httpDuration: Histogram<"route">;
  private readonly operations = new Set<string>();
  private readonly codes = new Set<string>();
  private readonly maxOperations: number;
  private pool: (() => PgPoolCounts | undefined) | null = null;

  constructor(options: MetricsOptions = {}) {
    this.maxOperations = options.maxOperations ?? 500;
    const registers = [this.registry];
    this.graphqlRequests = new Counter({
      name: "graphql_requests_total",
      help: "GraphQL operations answered, per operation name (or anonymous) and type (query, mutation, subscription; unknown when the document did not resolve to an operation)",
      labelNames: ["operation", "type"],
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: "graphql_request_duration_seconds",
      help: "Time from the start of a GraphQL operation to its response being ready, per operation name",
      labelNames: ["operation"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.graphqlErrors = new Counter({
      name: "graphql_errors_total",
      help: "Errors in GraphQL responses, per extensions.code as the client saw it",
      labelNames: ["code"],
      registers,
    });
    this.httpRequests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered, per route and status",
      labelNames: ["route", "status"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "http_request_duration_seconds",
      help: "Time from receiving an HTTP request to the end of its response, per route",
      labelNames: ["route"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const readPool = () => this.pool?.();
    const poolGauge = (name: string, help: string, read: (p: PgPoolCounts) => number | undefined) =>
      new Gauge({
        name,
        help,
        registers,
        collect(this: Gauge) {
          const pool = readPool();
          const value = pool ? read(pool) : undefined;
          // No pool (not connected yet, or closed): the gauge keeps no value rather than a made-up 0.
          if (typeof value === "number" && Number.isFinite(value)) this.set(value);
          else this.reset();
        },
      });
    poolGauge("db_pool_total", "Connections in the database pool (idle and in use)", (p) => p.totalCount);
    poolGauge("db_pool_idle", "Idle connections in the database pool", (p) => p.idleCount);
    poolGauge("db_pool_waiting", "Requests waiting for a database connection", (p) => p.waitingCount);
    poolGauge("db_pool_max", "Largest number of connections the pool opens", (p) => p.options?.max);
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Reads the pool gauges from this data source (TypeORM's postgres driver keeps its pg Pool in `driver.master`). */
  watchPool(db: DataSource): void {
    this.pool = () => {
      if (!db.isInitialized) return undefined;
      const master = (db.driver as unknown as { master?: Partial<PgPoolCounts> }).master;
      return master && typeof master.totalCount === "number" ? (master as PgPoolCounts) : undefined;
    };
  }

  /** The label for an operation: its name, "anonymous" without one, "other" past the cap or when not a GraphQL name. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return "anonymous";
    if (!OPERATION_NAME.test(name)) return "other";
    if (this.operations.has(name)) return name;
    if (this.operations.size >= this.maxOperations) return "other";
    this.operations.add(name);
    return name;
  }

  /** The label for an error code (codes come from the server, but the set is capped all the same). */
  codeLabel(code: unknown): string {
    if (typeof code !== "string" || !ERROR_CODE.test(code)) return "UNKNOWN";
    if (this.codes.has(code)) return code;
    if (this.codes.size >= 100) return "OTHER";
    this.codes.add(code);
    return code;
  }

  /** Counts an error answered outside Apollo's pipeline (no key, rate limit, body too large, invalid JSON). */
  graphqlError(code: string): void {
    this.graphqlErrors.inc({ code: this.codeLabel(code) });
  }

  httpRequest(route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ route, status: String(status) });
    this.httpDuration.observe({ route }, seconds);
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * Counts every GraphQL operation (name, type, duration) and the codes of the errors
 * in its response. The codes are read in willSendResponse, after formatError, so an
 * unexpected error counts as INTERNAL_SERVER_ERROR, as the client saw it.
 */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<any> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let operation: string | null = null;
      let type = "unknown";
      return {
        async didResolveOperation({ request, operation: resolved }) {
          operation = metrics.operationLabel(request.operationName ?? resolved?.name?.value);
          type = resolved?.operation ?? "unknown";
        },
        async willSendResponse({ request, response, document }) {
          if (operation === null) {
            // Not resolved (a validation error, an unknown operationName): name it from the document when it can be told.
            const declared = document ? getOperationAST(document, request.operationName) : null;
            operation = metrics.operationLabel(request.operationName ?? declared?.name?.value);
            if (declared) type = declared.operation;
          }
          const label = operation;
          metrics.graphqlRequests.inc({ operation: label, type });
          metrics.graphqlDuration.observe({ operation: label }, Number(process.hrtime.bigint() - started) / 1e9);
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : response.body.initialResult.errors;
          for (const error of errors ?? []) metrics.graphqlErrors.inc({ code: metrics.codeLabel(error.extensions?.code) });
        },
      };
    },
    // Refused before an operation started (e.g. a malformed request): Apollo answers BAD_REQUEST.
    async invalidRequestWasReceived({ error }) {
      metrics.graphqlErrors.inc({ code: metrics.codeLabel((error as { extensions?: { code?: unknown } }).extensions?.code ?? "BAD_REQUEST") });
    },
  };
}

/**
 * GET /metrics in Prometheus text format. No API key; with `token`, only for
 * `Authorization: Bearer <token>` (compared in constant time).
 */
export function metricsRoutes(metrics: Metrics, options: { token?: string } = {}): Route[] {
  const expected = options.token ? hashSecret(options.token) : null;
  return [
    {
      method: "GET",
      path: "/metrics",
      async handle(req, res) {
        if (expected) {
          const given = bearerToken(req.headers.authorization);
          if (!given || !secretMatches(given, expected)) {
            return sendError(res, 401, "UNAUTHENTICATED", "The metrics need `Authorization: Bearer <METRICS_TOKEN>`", { "www-authenticate": 'Bearer realm="metrics"' });
          }
        }
        const body = await metrics.render();
        res.writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store", "x-content-type-options": "nosniff" });
        res.end(body);
      },
    },
  ];
}
