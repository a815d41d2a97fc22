import http from "node:http";
import { GraphQLError } from "graphql";
import { DataSource } from "typeorm";
import { authenticate } from "../modules/access/authenticate";
import { Context, createContext } from "../context";
import { BadInputError } from "../common/errors";
import { sendError } from "./routes";
import { clearCookie, keyFromReportRequest, sendSignInFor } from "./report-session";
import type { Logger } from "../common/errors";

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409 };

/** How the caller of a report or export request was authenticated. */
export interface CallerAuth {
  /** By the browser sign-in cookie (src/web/report-session.ts), not a key header. */
  fromCookie: boolean;
}

/**
 * Runs an HTTP (non-GraphQL) request with the same key, the same request
 * transaction, row-level security and services as GraphQL. Errors answer with the
 * same codes; anything unexpected is logged and masked.
 *
 * The key comes from the headers, or, for a GET under /reports/ or /exports/ with no
 * key header, from the browser sign-in cookie. Without a valid key, a client that
 * takes HTML gets the sign-in page (401); any other gets the JSON 401.
 */
export async function withCaller(
  db: DataSource,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  requestId: string,
  log: Logger,
  run: (ctx: Context, auth: CallerAuth) => Promise<void>,
): Promise<void> {
  let ctx: Context | null = null;
  const { key, fromCookie } = keyFromReportRequest(req);
  try {
    const principal = await authenticate(db, key);
    ctx = await createContext(db, principal, requestId);
    await run(ctx, { fromCookie });
    await ctx.finish(true);
  } catch (error) {
    if (ctx) await ctx.finish(false).catch(() => undefined);
    if (error instanceof GraphQLError && typeof error.extensions?.code === "string" && STATUS[error.extensions.code]) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (error.extensions.code === "UNAUTHENTICATED" && sendSignInFor(req, res)) return;
      const headers: Record<string, string> =
        error.extensions.code === "UNAUTHENTICATED" ? { "www-authenticate": "Bearer", ...(fromCookie ? { "set-cookie": clearCookie(req) } : {}) } : {};
      res.writeHead(STATUS[error.extensions.code], { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code, field: error.extensions.field } }] }));
      return;
    }
    log({ level: "error", msg: "export failed", requestId, error: error instanceof Error ? error.message : String(error) });
    if (!res.headersSent) sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
    else res.destroy();
  }
}

/** A required date-time query parameter. */
export function dateParam(url: URL, name: string, fallback?: Date): Date {
  const raw = url.searchParams.get(name);
  if (!raw) {
    if (fallback) return fallback;
    throw new BadInputError(name, `${name} is required (ISO 8601, e.g. 2026-01-01T00:00:00Z)`);
  }
  const d = new Date(raw);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(raw)) throw new BadInputError(name, `${name} must be an ISO 8601 date-time`);
  return d;
}

/**
 * The period of a report or export: `from` and `to` when given, otherwise the last
 * twelve full calendar months (UTC), the same default everywhere.
 */
export function periodParams(url: URL, now: Date = new Date()): { from: Date; to: Date } {
  const given = url.searchParams.get("from") ? dateParam(url, "from") : null;
  const to = dateParam(url, "to", new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
  return { from: given ?? new Date(Date.UTC(to.getUTCFullYear() - 1, to.getUTCMonth(), to.getUTCDate())), to };
}

export function param(url: URL, name: string): string {
  const v = url.searchParams.get(name);
  if (!v) throw new BadInputError(name, `${name} is required`);
  return v;
}

/** A CSV field: quoted when it holds a comma, quote or line break; formula-looking text is neutralised for spreadsheets. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: unknown[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

export function xml(s: unknown): string {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}
