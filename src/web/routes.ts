import http from "node:http";
import { DataSource } from "typeorm";
import type { Logger } from "../common/errors";
import type { RateLimiter } from "../common/rate-limit";

/** What an HTTP route handler gets besides the request and response. */
export interface RouteContext {
  db: DataSource;
  requestId: string;
  url: URL;
  log: Logger;
  production: boolean;
  /** The per-key request limit GraphQL uses; routes that take an API key count against it too. */
  limiter?: RateLimiter;
  /** Tells the access log which key made the request. */
  identify?: (keyId: string) => void;
}

/** A non-GraphQL HTTP route: health, metrics, the GraphiQL page, exports, printable reports. */
export interface Route {
  method: "GET" | "POST";
  /** Exact path, or a prefix ending in "/". */
  path: string;
  handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext): Promise<void> | void;
}

export function matchRoute(routes: Route[], method: string, pathname: string): Route | undefined {
  return routes.find((r) => r.method === method && (r.path.endsWith("/") ? pathname.startsWith(r.path) : pathname === r.path));
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

export function sendError(res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}
