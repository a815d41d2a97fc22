import http from "node:http";
import { GraphQLError } from "graphql";
import { UnauthenticatedError } from "../common/access";
import { RateLimiter } from "../common/rate-limit";
import { authenticate } from "../modules/access/authenticate";
import { keyFromHeaders } from "../modules/access/keys";
import { Route, RouteContext, sendError } from "./routes";
import { ReportSessions, SESSION_SECONDS } from "./session-token";
import { renderSignInPage, SIGN_IN_CSP, SignInPageOptions } from "./sign-in-page";

/**
 * Browser sign-in for the read-only report pages and exports. A browser can't send
 * `Authorization: Bearer <key>` when a link is opened, so the key may instead come
 * from a cookie set by a sign-in form:
 *
 * - GET /reports/session: the sign-in page (also what an HTML client gets, with 401,
 *   when it opens a report or an export without a key).
 * - POST /reports/session (form: `key`, `next`): checks the key with the same
 *   authenticate() as GraphQL, sets the cookie, 303 to `next` (only a path under
 *   /reports/ or /exports/; otherwise /reports/, the list of readable reports).
 * - POST /reports/session/end: clears the cookie.
 *
 * The cookie holds a session token, never the key: the key's id and the end of the
 * session (8 hours after sign-in), signed with the server secret
 * (src/web/session-token.ts, REPORT_SESSION_SECRET). Each request checks the
 * signature and the time, then that the key still exists and is not revoked.
 *
 * The cookie is set twice, with the same value, for Path=/reports and Path=/exports
 * (a cookie has one path, and the downloads are not under /reports), so the browser
 * never sends it to /graphql or anything else. Both are HttpOnly and SameSite=Strict;
 * the server reads them only for GET requests to /reports/ and /exports/ without a
 * key header (never for /graphql, which reads headers only, so a cookie can't be
 * used to write anything). Both POSTs refuse a cross-origin Origin with 403.
 */

export const REPORT_COOKIE = "dbl_report_session";
/** The paths the cookie is set for: the report pages and the downloads, nothing else. */
export const REPORT_COOKIE_PATHS = ["/reports", "/exports"] as const;
/** How long the browser keeps the cookie: as long as the session lasts, 8 hours. */
export const REPORT_COOKIE_MAX_AGE = SESSION_SECONDS;
/**
 * The cookie of earlier versions, which held the API key itself (Path=/). Never read;
 * cleared whenever a browser still sends it to a report, download or sign-in page.
 * (Such cookies expire 8 hours after their sign-in; this can go once every deployment
 * has run this version that long.)
 */
export const LEGACY_REPORT_COOKIE = "dbl_report_key";
/** Largest sign-in form accepted. */
export const MAX_SESSION_BODY_BYTES = 4 * 1024;
/** Where a signed-in browser lands when no (acceptable) `next` was given. */
export const DEFAULT_NEXT = "/reports/";

/** Sign-in attempts one client address may make per minute (each process counts its own). */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 20;

const COOKIE_PATHS = /^\/(reports|exports)\//;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Whether the client takes HTML (a browser navigating): its Accept header names text/html. */
export function acceptsHtml(req: http.IncomingMessage): boolean {
  return /text\/html/i.test(req.headers.accept ?? "");
}

/** The (first) value of a cookie in the request's Cookie header, if any and not empty. */
export function cookieValue(req: http.IncomingMessage, name: string = REPORT_COOKIE): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1");
    return value || null;
  }
  return null;
}

function pathOf(req: http.IncomingMessage): string {
  try {
    return new URL(req.url ?? "/", "http://localhost").pathname;
  } catch {
    return "/";
  }
}

/**
 * What a report or export request authenticates with: a key from the headers
 * (`Authorization: Bearer`, `X-Api-Key`) as for GraphQL; otherwise, only for a GET
 * under /reports/ or /exports/ with neither header, the session token in the
 * sign-in cookie (unchecked: see ReportSessions.verify). At most one is set.
 */
export function credentialsFromReportRequest(req: http.IncomingMessage): { key: string | null; session: string | null } {
  const headerKey = keyFromHeaders(req.headers);
  if (headerKey !== null || req.headers.authorization !== undefined || req.headers["x-api-key"] !== undefined) return { key: headerKey, session: null };
  if ((req.method ?? "GET").toUpperCase() !== "GET" || !COOKIE_PATHS.test(pathOf(req))) return { key: null, session: null };
  return { key: null, session: cookieValue(req) };
}

/**
 * `next` when it is a path of this site under /reports/ or /exports/ (not the
 * session pages), normalised; otherwise null. Nothing else is ever redirected to.
 */
export function safeNext(next: unknown): string | null {
  if (typeof next !== "string" || next.length > 2000) return null;
  if (!COOKIE_PATHS.test(next) || /[\\\u0000-\u001f\u007f]/.test(next)) return null;
  const base = "http://same-origin.invalid";
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return null;
  }
  if (url.origin !== base || !COOKIE_PATHS.test(url.pathname) || url.pathname.startsWith("/reports/session")) return null;
  return `${url.pathname}${url.search}`;
}

/** Whether the request came over HTTPS (directly, or as told by a proxy's x-forwarded-proto). */
function overHttps(req: http.IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  return (first(req.headers["x-forwarded-proto"]) ?? "").split(",")[0].trim().toLowerCase() === "https";
}

function cookie(req: http.IncomingMessage, name: string, value: string, maxAge: number, path: string): string {
  return `${name}=${value}; Max-Age=${maxAge}; Path=${path}; HttpOnly; SameSite=Strict${overHttps(req) ? "; Secure" : ""}`;
}

/** The Set-Cookie headers of a new session: the token for the report pages and for the downloads. */
function sessionCookies(req: http.IncomingMessage, token: string): string[] {
  return [...REPORT_COOKIE_PATHS.map((path) => cookie(req, REPORT_COOKIE, token, REPORT_COOKIE_MAX_AGE, path)), ...clearLegacyCookie(req)];
}

/** A Set-Cookie header removing the old cookie that held the key, when the request still carries it. */
function clearLegacyCookie(req: http.IncomingMessage): string[] {
  return cookieValue(req, LEGACY_REPORT_COOKIE) === null ? [] : [cookie(req, LEGACY_REPORT_COOKIE, "", 0, "/")];
}

/** The Set-Cookie headers that remove the sign-in cookie (both paths), and the old one holding a key if sent. */
export function clearCookies(req: http.IncomingMessage): string[] {
  return [...REPORT_COOKIE_PATHS.map((path) => cookie(req, REPORT_COOKIE, "", 0, path)), ...clearLegacyCookie(req)];
}

const HTML_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": SIGN_IN_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  // not no-referrer: with it, browsers send "Origin: null" with the form, which sameOrigin() refuses
  "referrer-policy": "same-origin",
};

/** Answers with the sign-in page. */
export function sendSignInPage(res: http.ServerResponse, status: number, options: SignInPageOptions, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...HTML_HEADERS, ...(status === 401 ? { "www-authenticate": "Bearer" } : {}), ...headers });
  res.end(renderSignInPage(options));
}

/**
 * The Set-Cookie headers of a 401 to a report or export request: the sign-in cookie
 * is cleared when the request was refused for it (bad, expired or forged token,
 * revoked key), and the old cookie holding a key whenever it was sent.
 */
export function refusedCookies(req: http.IncomingMessage, refusedSession: boolean): string[] {
  return refusedSession ? clearCookies(req) : clearLegacyCookie(req);
}

/**
 * The answer to a GET under /reports/ or /exports/ that was not authenticated, when
 * the client takes HTML: 401 with the sign-in form, returning here afterwards.
 * `rejected`: a key or a valid session was sent and refused (wrong or revoked key),
 * said on the form; a bad or expired session token is as if none was sent. A
 * refused cookie is cleared. False when the client wants JSON.
 */
export function sendSignInFor(req: http.IncomingMessage, res: http.ServerResponse, refused: { rejected: boolean; session: boolean }): boolean {
  if (!acceptsHtml(req) || (req.method ?? "GET").toUpperCase() !== "GET") return false;
  const cookies = refusedCookies(req, refused.session);
  sendSignInPage(res, 401, { next: safeNext(req.url ?? ""), rejected: refused.rejected }, cookies.length ? { "set-cookie": cookies } : {});
  return true;
}

/**
 * A form post from another site is refused: when the browser sends Origin (every
 * current browser does for a POST), it must name this host; so must
 * Sec-Fetch-Site when sent.
 */
function sameOrigin(req: http.IncomingMessage): boolean {
  if (first(req.headers["sec-fetch-site"]) === "cross-site") return false;
  const origin = first(req.headers.origin);
  if (origin === undefined) return true;
  const host = first(req.headers.host);
  if (!host) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host.toLowerCase() === host.toLowerCase();
  } catch {
    return false; // "null" (a sandboxed or privacy-sensitive context) and anything unparseable
  }
}

class TooLarge extends Error {}

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > MAX_SESSION_BODY_BYTES) {
      req.resume();
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_SESSION_BODY_BYTES) {
        done = true;
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!done) resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    });
    req.on("error", (error) => {
      if (!done) reject(error);
    });
  });
}

function refuseCrossSite(res: http.ServerResponse): void {
  sendError(res, 403, "FORBIDDEN", "Cross-site requests are refused");
}

/**
 * The sign-in routes. Listed before the GET /reports/ page route (they share its
 * prefix). `sessions` signs the tokens: the same object must check them in
 * withCaller() for the report pages and the downloads.
 */
export function reportSessionRoutes(options: { sessions: ReportSessions; attemptsPerMinute?: number; clock?: () => number }): Route[] {
  const sessions = options.sessions;
  // Sign-in attempts per client address and minute (each one is a key look-up).
  const attempts = new RateLimiter(options.attemptsPerMinute ?? SIGN_IN_ATTEMPTS_PER_MINUTE, options.clock);
  return [
    {
      method: "GET",
      path: "/reports/session",
      handle: (req, res, rc: RouteContext) => {
        sendSignInPage(res, 200, { next: safeNext(rc.url.searchParams.get("next")), signedOut: rc.url.searchParams.has("signed-out") });
      },
    },
    {
      method: "POST",
      path: "/reports/session",
      handle: async (req, res, rc: RouteContext) => {
        if (!sameOrigin(req)) return refuseCrossSite(res);
        const wait = attempts.hit(req.socket.remoteAddress ?? "unknown");
        if (wait > 0) {
          req.resume();
          return sendError(res, 429, "RATE_LIMITED", `Too many sign-in attempts: try again in ${wait} s`, { "retry-after": String(wait) });
        }
        if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? "")) {
          req.resume();
          return sendError(res, 415, "UNSUPPORTED_MEDIA_TYPE", "Send the sign-in form as application/x-www-form-urlencoded");
        }
        let form: URLSearchParams;
        try {
          form = await readForm(req);
        } catch (error) {
          if (error instanceof TooLarge) {
            res.setHeader("connection", "close");
            return sendError(res, 413, "PAYLOAD_TOO_LARGE", `The sign-in form is larger than ${MAX_SESSION_BODY_BYTES} bytes`);
          }
          throw error;
        }
        const next = safeNext(form.get("next"));
        let keyId: string;
        try {
          const key = form.get("key");
          if (!key) throw new UnauthenticatedError();
          keyId = (await authenticate(rc.db, key)).keyId;
        } catch (error) {
          // Wrong, revoked, malformed or missing: the same answer, without detail.
          if (error instanceof GraphQLError && error.extensions?.code === "UNAUTHENTICATED") return sendSignInPage(res, 401, { next, rejected: true });
          throw error;
        }
        // The cookie holds a signed token naming the key's id, not the key.
        const { token } = sessions.issue(keyId);
        res.writeHead(303, { location: next ?? DEFAULT_NEXT, "set-cookie": sessionCookies(req, token), "cache-control": "no-store" });
        res.end();
      },
    },
    {
      method: "POST",
      path: "/reports/session/end",
      handle: (req, res) => {
        req.resume();
        if (!sameOrigin(req)) return refuseCrossSite(res);
        res.writeHead(303, { location: "/reports/session?signed-out", "set-cookie": clearCookies(req), "cache-control": "no-store" });
        res.end();
      },
    },
  ];
}
