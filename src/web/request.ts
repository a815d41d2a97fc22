import http from "node:http";
import { GraphQLError } from "graphql";
import { authenticate, authenticateKeyId } from "../modules/access/authenticate";
import { Context, createContext } from "../context";
import { Principal, UnauthenticatedError } from "../common/access";
import { NamedPeriod } from "../common/periods";
import { CalendarDay } from "../common/timestamps";
import { isCalendarDate } from "../common/validation";
import { BadInputError, DATABASE_FAILURE_MESSAGES, databaseFailure, RETRY_AFTER_SECONDS } from "../common/errors";
import { RouteContext, sendError } from "./routes";
import { escapeXml } from "./charts";
import { credentialsFromReportRequest, refusedCookies, sendSignInFor } from "./report-session";
import type { ReportSessions } from "./session-token";

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
 * key header, from the browser sign-in cookie when `sessions` is given (the
 * ReportSessions that signed it; without it the cookie is not read). The cookie's
 * token must carry a valid signature and not have expired; its key must still be
 * valid, as authenticate() checks a key. Without a valid key or session, a client
 * that takes HTML gets the sign-in page (401); any other gets the JSON 401. A
 * refused cookie is cleared.
 */
export async function withCaller(
  rc: RouteContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  run: (ctx: Context, auth: CallerAuth) => Promise<void>,
  sessions?: ReportSessions,
): Promise<void> {
  const { db, requestId, log } = rc;
  let ctx: Context | null = null;
  const credentials = credentialsFromReportRequest(req);
  const key = credentials.key;
  const session = sessions ? credentials.session : null;
  const fromCookie = session !== null;
  /** The session's signature and time were right (so a refusal is about its key). */
  let sessionSigned = false;
  try {
    let principal: Principal;
    if (session !== null) {
      const keyId = sessions!.verify(session);
      if (keyId === null) throw new UnauthenticatedError("The sign-in has ended or is not valid: sign in again");
      sessionSigned = true;
      principal = await authenticateKeyId(db, keyId);
    } else {
      principal = await authenticate(db, key);
    }
    rc.identify?.(principal.keyId);
    const wait = rc.limiter?.hit(principal.keyId) ?? 0;
    if (wait > 0) {
      sendError(res, 429, "RATE_LIMITED", `Too many requests for this API key (limit ${rc.limiter!.perMinute} a minute); retry in ${wait} s`, { "retry-after": String(wait) });
      return;
    }
    ctx = await createContext(db, principal, requestId);
    await run(ctx, { fromCookie });
    await ctx.finish(true);
  } catch (error) {
    if (ctx) await ctx.finish(false).catch(() => undefined);
    if (error instanceof ClientGone) {
      // The client closed the connection mid-download: the transaction is rolled back, nothing to answer.
      log({ level: "info", msg: "client went away", requestId });
      res.destroy();
      return;
    }
    if (error instanceof GraphQLError && typeof error.extensions?.code === "string" && STATUS[error.extensions.code]) {
      if (res.headersSent) {
        res.end();
        return;
      }
      const unauthenticated = error.extensions.code === "UNAUTHENTICATED";
      if (unauthenticated && sendSignInFor(req, res, { rejected: key !== null || sessionSigned, session: fromCookie })) return;
      const cookies = unauthenticated ? refusedCookies(req, fromCookie) : [];
      const headers: Record<string, string | string[]> = unauthenticated ? { "www-authenticate": "Bearer", ...(cookies.length ? { "set-cookie": cookies } : {}) } : {};
      res.writeHead(STATUS[error.extensions.code], { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code, field: error.extensions.field } }] }));
      return;
    }
    const failure = databaseFailure(error);
    if (failure && !res.headersSent) {
      // Busy, timed out or the database away: retry shortly, as GraphQL answers it.
      log({ level: "warn", msg: failure === "QUERY_TIMEOUT" ? "query timeout" : "database unavailable", requestId, error: error instanceof Error ? error.message : String(error) });
      sendError(res, 503, failure, DATABASE_FAILURE_MESSAGES[failure], { "retry-after": String(RETRY_AFTER_SECONDS) });
      return;
    }
    log({ level: "error", msg: "export failed", requestId, error: error instanceof Error ? error.message : String(error) });
    if (!res.headersSent) sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
    else res.destroy();
  }
}

/** The client closed the connection, or stopped reading for too long, before the response was written. */
export class ClientGone extends Error {
  constructor() {
    super("the client went away");
  }
}

/** How long a download may wait for a client that reads nothing before it is dropped. */
export const STALLED_CLIENT_MS = 60_000;

/**
 * Writes the chunks as they come, waiting for the client when its buffer is full
 * (backpressure). Throws ClientGone when the client closes the connection or reads
 * nothing for `stalledMs`, so that the caller's transaction ends instead of waiting.
 */
export async function stream(res: http.ServerResponse, chunks: AsyncIterable<string>, stalledMs = STALLED_CLIENT_MS): Promise<void> {
  for await (const chunk of chunks) {
    if (res.destroyed) throw new ClientGone();
    if (res.write(chunk)) continue;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => gone(), stalledMs);
      const cleanup = () => {
        clearTimeout(timer);
        res.off("drain", drained);
        res.off("close", gone);
        res.off("error", gone);
      };
      const drained = () => {
        cleanup();
        resolve();
      };
      const gone = () => {
        cleanup();
        reject(new ClientGone());
      };
      res.once("drain", drained);
      res.once("close", gone);
      res.once("error", gone);
    });
  }
  res.end();
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

/**
 * A date-time query parameter, required unless a fallback is given: ISO 8601 with a
 * time and a zone (`2026-01-01T00:00:00Z`, `2026-01-01T03:00:00+03:00`), on a day
 * that exists. The same form GraphQL's DateTimeISO takes.
 */
export function dateParam(url: URL, name: string, fallback?: Date): Date {
  const raw = url.searchParams.get(name);
  if (!raw) {
    if (fallback) return fallback;
    throw new BadInputError(name, `${name} is required (ISO 8601, e.g. 2026-01-01T00:00:00Z)`);
  }
  // A calendar date, as in GraphQL: the start of that day (in the organization's zone for a period).
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw) && isCalendarDate(raw)) return new CalendarDay(raw);
  const m = DATE_TIME.exec(raw);
  const d = new Date(raw);
  if (!m || Number.isNaN(d.getTime())) throw new BadInputError(name, `${name} must be an ISO 8601 date-time with a time zone, e.g. 2026-01-01T00:00:00Z`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    throw new BadInputError(name, `${name}: ${raw.slice(0, 10)} is not a date`);
  }
  return d;
}

/**
 * The period of a report page or a download: `period=<NamedPeriod>` (e.g. LAST_QUARTER), or
 * `from` and `to`; with neither, LAST_12_MONTHS in the organization's time zone: the twelve
 * whole calendar months before this one, the same default as the GraphiQL examples. With `from`
 * alone it runs to the end of that default; with `to` alone it starts a year before `to`.
 */
export async function periodFromUrl(ctx: Context, organizationId: string, url: URL): Promise<{ from: Date; to: Date }> {
  const named = url.searchParams.get("period");
  const from = url.searchParams.get("from") ? dateParam(url, "from") : null;
  const to = url.searchParams.get("to") ? dateParam(url, "to") : null;
  if (named !== null) {
    if (!(named in NamedPeriod)) throw new BadInputError("period", `period must be one of ${Object.keys(NamedPeriod).join(", ")}`);
    if (from || to) throw new BadInputError("period", "give either period or from and to, not both");
    return ctx.services.periods.resolve(organizationId, { period: named as NamedPeriod });
  }
  if (from && to) return ctx.services.periods.resolve(organizationId, { from, to });
  if (to) return ctx.services.periods.resolve(organizationId, { from: new Date(Date.UTC(to.getUTCFullYear() - 1, to.getUTCMonth(), to.getUTCDate(), to.getUTCHours(), to.getUTCMinutes(), to.getUTCSeconds(), to.getUTCMilliseconds())), to });
  const fallback = await ctx.services.periods.resolve(organizationId, { period: NamedPeriod.LAST_12_MONTHS });
  return from ? ctx.services.periods.resolve(organizationId, { from, to: fallback.to }) : fallback;
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

/** XML text or attribute: escaped, characters XML 1.0 forbids removed (the charts' escaping). */
export const xml = escapeXml;
