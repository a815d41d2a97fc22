import http from "node:http";
import { acceptsHtml, cookieKey, keyFromReportRequest, REPORT_COOKIE, safeNext } from "../../src/web/report-session";
import { renderReportListPage, renderSignInPage } from "../../src/web/sign-in-page";

/** The browser sign-in's pure parts (src/web/report-session.ts, src/web/sign-in-page.ts). */

const KEY = `dbl_abcdefghij_${"A".repeat(43)}`;

function req(method: string, url: string, headers: http.IncomingHttpHeaders = {}): http.IncomingMessage {
  return { method, url, headers } as http.IncomingMessage;
}

describe("where a report request's key comes from", () => {
  it("reads the cookie only for GET under /reports/ and /exports/, and only without a key header", () => {
    const cookie = `other=1; ${REPORT_COOKIE}=${KEY}; last=2`;
    expect(keyFromReportRequest(req("GET", "/reports/x?from=1", { cookie }))).toEqual({ key: KEY, fromCookie: true });
    expect(keyFromReportRequest(req("GET", "/exports/report.csv?organizationId=x", { cookie }))).toEqual({ key: KEY, fromCookie: true });
    for (const [method, url] of [
      ["POST", "/reports/x"],
      ["POST", "/exports/report.csv"],
      ["GET", "/graphql"],
      ["POST", "/graphql"],
      ["GET", "/graphiql"],
      ["GET", "/reportsx/"],
      ["GET", "/metrics"],
    ]) {
      expect({ method, url, ...keyFromReportRequest(req(method, url, { cookie })) }).toEqual({ method, url, key: null, fromCookie: false });
    }
    // A key header always wins, even a wrong or non-Bearer one.
    expect(keyFromReportRequest(req("GET", "/reports/x", { cookie, authorization: "Bearer other" }))).toEqual({ key: "other", fromCookie: false });
    expect(keyFromReportRequest(req("GET", "/reports/x", { cookie, authorization: "Basic abc" }))).toEqual({ key: null, fromCookie: false });
    expect(keyFromReportRequest(req("GET", "/reports/x", { cookie, "x-api-key": "k" }))).toEqual({ key: "k", fromCookie: false });
  });

  it("parses the Cookie header", () => {
    expect(cookieKey(req("GET", "/", { cookie: `${REPORT_COOKIE}=${KEY}` }))).toBe(KEY);
    expect(cookieKey(req("GET", "/", { cookie: `x${REPORT_COOKIE}=${KEY}; a=b` }))).toBeNull();
    expect(cookieKey(req("GET", "/", { cookie: `${REPORT_COOKIE}=` }))).toBeNull();
    expect(cookieKey(req("GET", "/", {}))).toBeNull();
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
