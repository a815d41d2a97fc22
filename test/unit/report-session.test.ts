import http from "node:http";
import { ConfigError, loadConfig } from "../../src/config";
import { acceptsHtml, cookieValue, credentialsFromReportRequest, LEGACY_REPORT_COOKIE, REPORT_COOKIE, safeNext } from "../../src/web/report-session";
import { ReportSessions, SESSION_SECONDS } from "../../src/web/session-token";
import { renderReportListPage, renderSignInPage } from "../../src/web/sign-in-page";

/** The browser sign-in's pure parts (src/web/report-session.ts, src/web/session-token.ts, src/web/sign-in-page.ts). */

const KEY = `dbl_abcdefghij_${"A".repeat(43)}`;
const TOKEN = `v1.0b7a3c1e-4d2f-4a6b-8c9d-0e1f2a3b4c5d.1767225600.${"A".repeat(43)}`;

function req(method: string, url: string, headers: http.IncomingHttpHeaders = {}): http.IncomingMessage {
  return { method, url, headers } as http.IncomingMessage;
}

describe("where a report request's key comes from", () => {
  it("reads the cookie only for GET under /reports/ and /exports/, and only without a key header", () => {
    const cookie = `other=1; ${REPORT_COOKIE}=${TOKEN}; last=2`;
    expect(credentialsFromReportRequest(req("GET", "/reports/x?from=1", { cookie }))).toEqual({ key: null, session: TOKEN });
    expect(credentialsFromReportRequest(req("GET", "/exports/report.csv?organizationId=x", { cookie }))).toEqual({ key: null, session: TOKEN });
    for (const [method, url] of [
      ["POST", "/reports/x"],
      ["POST", "/exports/report.csv"],
      ["GET", "/graphql"],
      ["POST", "/graphql"],
      ["GET", "/graphiql"],
      ["GET", "/reportsx/"],
      ["GET", "/metrics"],
    ]) {
      expect({ method, url, ...credentialsFromReportRequest(req(method, url, { cookie })) }).toEqual({ method, url, key: null, session: null });
    }
    // A key header always wins, even a wrong or non-Bearer one.
    expect(credentialsFromReportRequest(req("GET", "/reports/x", { cookie, authorization: "Bearer other" }))).toEqual({ key: "other", session: null });
    // A non-Bearer Authorization is passed on as the key (issue 13: a bare key works, and anything else is
    // refused by authenticate() saying what is wrong, e.g. "holds a Basic credential"), still never the cookie.
    expect(credentialsFromReportRequest(req("GET", "/reports/x", { cookie, authorization: "Basic abc" }))).toEqual({ key: "Basic abc", session: null });
    expect(credentialsFromReportRequest(req("GET", "/reports/x", { cookie, "x-api-key": "k" }))).toEqual({ key: "k", session: null });
    // The old cookie that held the key itself is never read.
    expect(credentialsFromReportRequest(req("GET", "/reports/x", { cookie: `${LEGACY_REPORT_COOKIE}=${KEY}` }))).toEqual({ key: null, session: null });
  });

  it("parses the Cookie header", () => {
    expect(cookieValue(req("GET", "/", { cookie: `${REPORT_COOKIE}=${TOKEN}` }))).toBe(TOKEN);
    expect(cookieValue(req("GET", "/", { cookie: `x${REPORT_COOKIE}=${TOKEN}; a=b` }))).toBeNull();
    expect(cookieValue(req("GET", "/", { cookie: `${REPORT_COOKIE}=` }))).toBeNull();
    expect(cookieValue(req("GET", "/", {}))).toBeNull();
    expect(cookieValue(req("GET", "/", { cookie: `a=b; ${LEGACY_REPORT_COOKIE}=${KEY}` }), LEGACY_REPORT_COOKIE)).toBe(KEY);
  });

  it("takes a client for a browser when its Accept names text/html", () => {
    expect(acceptsHtml(req("GET", "/", { accept: "text/html,application/xhtml+xml,*/*;q=0.8" }))).toBe(true);
    expect(acceptsHtml(req("GET", "/", { accept: "*/*" }))).toBe(false);
    expect(acceptsHtml(req("GET", "/", {}))).toBe(false);
  });
});

describe("safeNext", () => {
  it("keeps this site's report and export paths, normalised", () => {
    expect(safeNext("/reports/abc?from=2025-01-01T00:00:00Z")).toBe("/reports/abc?from=2025-01-01T00:00:00Z");
    expect(safeNext("/exports/report.csv?organizationId=a&to=b")).toBe("/exports/report.csv?organizationId=a&to=b");
    expect(safeNext("/reports/")).toBe("/reports/");
    expect(safeNext("/reports/a b")).toBe("/reports/a%20b");
  });

  it("refuses anything else", () => {
    for (const next of [
      null,
      undefined,
      42,
      "",
      "https://evil.example/reports/",
      "//evil.example/reports/",
      "/\\evil.example",
      "/reports\\..\\graphql",
      "/reports/../graphql",
      "/exports/%2e%2e/graphql",
      "/graphql",
      "/reports/session",
      "/reports/session/end",
      "/reports/\nx",
      "reports/x",
      `/reports/${"x".repeat(2000)}`,
    ]) {
      expect({ next, safe: safeNext(next) }).toEqual({ next, safe: null });
    }
  });
});

describe("the sign-in and list pages", () => {
  it("is a form with a password field posting to /reports/session, no script, next escaped", () => {
    const html = renderSignInPage({ next: `/reports/"><script>alert(1)</script>` });
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain('<form class="sign-in" method="post" action="/reports/session">');
    expect(html).toMatch(/<input type="password" id="key" name="key"[^>]* required/);
    expect(html).toContain('<input type="hidden" name="next" value="/reports/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toContain("not accepted");
    expect(renderSignInPage({ next: null })).not.toContain('name="next"');
    expect(renderSignInPage({ next: null, rejected: true })).toContain("The key was not accepted.");
    expect(renderSignInPage({ next: null, signedOut: true })).toContain("You are signed out.");
  });

  it("lists the readable organizations with links to their reports, escaped", () => {
    const html = renderReportListPage({ organizations: [{ id: "a0000000-0000-4000-8000-000000000001", name: "<b>Lamps</b>" }], signedIn: true });
    expect(html).toContain('<li><a href="/reports/a0000000-0000-4000-8000-000000000001">&lt;b&gt;Lamps&lt;/b&gt;</a></li>');
    expect(html).toContain('action="/reports/session/end"');
    const none = renderReportListPage({ organizations: [], signedIn: false });
    expect(none).toContain("This key may not read the report of any organization.");
    expect(none).not.toContain("/reports/session/end");
  });
});

describe("the session token", () => {
  const SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
  const KEY_ID = "0b7a3c1e-4d2f-4a6b-8c9d-0e1f2a3b4c5d";
  const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

  it("names the key id and its end, signed; holds nothing of the key", () => {
    const sessions = new ReportSessions({ secret: SECRET, now: () => T0 });
    const { token, expiresAt } = sessions.issue(KEY_ID);
    const exp = T0 / 1000 + SESSION_SECONDS;
    expect(SESSION_SECONDS).toBe(8 * 60 * 60);
    expect(expiresAt.getTime()).toBe(exp * 1000);
    expect(token).toMatch(new RegExp(`^v1\\.${KEY_ID}\\.${exp}\\.[A-Za-z0-9_-]{43}$`));
    expect(token).not.toContain(SECRET);
    expect(sessions.verify(token)).toBe(KEY_ID);
    // The same inputs give the same token (no randomness to hide anything in).
    expect(new ReportSessions({ secret: SECRET, now: () => T0 }).issue(KEY_ID).token).toBe(token);
  });

  it("ends 8 hours after it was issued, whatever happens in between", () => {
    let now = T0;
    const sessions = new ReportSessions({ secret: SECRET, now: () => now });
    const { token } = sessions.issue(KEY_ID);
    now = T0 + SESSION_SECONDS * 1000 - 1;
    expect(sessions.verify(token)).toBe(KEY_ID);
    now = T0 + SESSION_SECONDS * 1000;
    expect(sessions.verify(token)).toBeNull();
    now = T0 + 30 * 24 * 3600 * 1000;
    expect(sessions.verify(token)).toBeNull();
  });

  it("refuses a token changed anywhere, signed with another secret, or malformed", () => {
    const sessions = new ReportSessions({ secret: SECRET, now: () => T0 });
    const { token } = sessions.issue(KEY_ID);
    const [v, id, exp, mac] = token.split(".");
    const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    expect(Buffer.from(mac.slice(0, 42) + B64URL[B64URL.indexOf(mac[42]) ^ 1], "base64url")).toEqual(Buffer.from(mac, "base64url"));
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    const forged = [
      [v, id, exp, flip(mac, 0)],
      [v, id, exp, mac.slice(0, 42) + B64URL[B64URL.indexOf(mac[42]) ^ 1]], // the last character's spare bit: the same bytes decoded
      [v, "0b7a3c1e-4d2f-4a6b-8c9d-0e1f2a3b4c5e", exp, mac], // another key
      [v, id, String(Number(exp) + 3600), mac], // a later end
      ["v2", id, exp, mac],
      [v, id.toUpperCase(), exp, mac],
      [v, id, exp, mac.slice(0, 42)],
      [v, id, exp, `${mac}A`],
    ].map((parts) => parts.join("."));
    for (const t of [...forged, "", KEY, `${token} `, `"${token}"`, token.replace(/\./g, ","), `${v}.${id}.${exp}`]) {
      expect({ t, keyId: sessions.verify(t) }).toEqual({ t, keyId: null });
    }
    expect(new ReportSessions({ secret: `${SECRET}!`, now: () => T0 }).verify(token)).toBeNull();
    expect(ReportSessions.withRandomSecret({ now: () => T0 }).verify(token)).toBeNull();
  });

  it("takes a secret of at least 32 bytes, and issues only for a key id", () => {
    expect(() => new ReportSessions({ secret: "x".repeat(31) })).toThrow(/at least 32 bytes/);
    expect(() => new ReportSessions({ secret: Buffer.alloc(16) })).toThrow(/at least 32 bytes/);
    expect(() => new ReportSessions({ secret: SECRET }).issue(KEY)).toThrow(/key by its id/);
  });

  it("REPORT_SESSION_SECRET: unset, or at least 32 visible ASCII characters", () => {
    expect(loadConfig({}).reportSessionSecret).toBeUndefined();
    expect(loadConfig({ REPORT_SESSION_SECRET: "" }).reportSessionSecret).toBeUndefined();
    expect(loadConfig({ REPORT_SESSION_SECRET: SECRET }).reportSessionSecret).toBe(SECRET);
    for (const bad of ["x".repeat(31), `${"x".repeat(32)} y`, `${"x".repeat(40)}\n`, `${"é".repeat(40)}`]) {
      expect(() => loadConfig({ REPORT_SESSION_SECRET: bad })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ REPORT_SESSION_SECRET: "short" })).toThrow(/REPORT_SESSION_SECRET must be at least 32 visible ASCII characters/);
  });
});
