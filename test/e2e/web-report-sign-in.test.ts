import { promises as fs } from "node:fs";
import path from "node:path";
import { AddressInfo } from "node:net";
import { idOf, startTestApp, TestApp } from "../helpers/app";
import { parseCsv } from "../helpers/csv";
import { browserIt, withBrowser } from "../helpers/browser";
import { createApp, App } from "../../src/server";
import { authenticate, authenticateKeyId } from "../../src/modules/access/authenticate";
import { exportRoutes, REPORT_CSV_COLUMNS } from "../../src/web/exports";
import { reportRoutes } from "../../src/web/reports";
import { LEGACY_REPORT_COOKIE, MAX_SESSION_BODY_BYTES, REPORT_COOKIE } from "../../src/web/report-session";
import { ReportSessions, SESSION_SECONDS } from "../../src/web/session-token";
import { DEMO_SHOES_ID as DEMO_SHOES_UUID, DEMO_SOLAR_ID as DEMO_SOLAR_UUID, seedDemo } from "../../seeds/demo";
import { organizationGlobalId } from "../../src/common/global-ids";

/** The demo organizations, by their global ids (as the API writes them). */
const DEMO_SOLAR_ID = organizationGlobalId(DEMO_SOLAR_UUID);
const DEMO_SHOES_ID = organizationGlobalId(DEMO_SHOES_UUID);
import { keyParts, keyPrefix, withOtherSecret } from "../helpers/keys";

/**
 * A funder's programme officer opens the report link in an ordinary browser: no
 * Authorization header, so a sign-in form, a cookie holding a signed 8-hour session
 * token (not the key) for the read-only pages and downloads, and nothing more (never
 * GraphQL, never another organization, never a redirect off the site).
 */

const SCREENSHOTS = path.join(__dirname, "..", "..", "test-results");
const HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
/** The server secret of these tests: tokens can be forged with it, as only the server could. */
const SECRET = "web-report-sign-in-test-secret-0123456789";
const TOKEN = /^v1\.([0-9a-f-]{36})\.(\d+)\.[A-Za-z0-9_-]{43}$/;

describe("browser sign-in for the printable report and the exports", () => {
  let test: TestApp;
  let server: App;
  let base: string;
  let host: string;
  let funderKey: string;
  let funderKeyId: string;
  let staffKey: string;
  const sessions = new ReportSessions({ secret: SECRET });
  const logged: Record<string, unknown>[] = [];

  const signIn = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${base}/reports/session`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: base, accept: HTML, ...headers },
      body: new URLSearchParams(form).toString(),
    });
  /** The cookie pair ("name=value") set by a response. */
  const cookieOf = (res: Response): string => {
    const set = res.headers.getSetCookie().find((c) => c.startsWith(`${REPORT_COOKIE}=`));
    if (!set) throw new Error("no sign-in cookie was set");
    return set.split(";")[0];
  };
  const withCookie = (p: string, cookie: string, headers: Record<string, string> = {}) => fetch(`${base}${p}`, { redirect: "manual", headers: { cookie, ...headers } });
  /** The Set-Cookie headers of a response that clear the sign-in cookie: one per path, nothing else. */
  const expectCleared = (res: Response) => {
    const set = res.headers.getSetCookie().map((c) => c.split(";").map((s) => s.trim()));
    expect(set.map((c) => c[0])).toEqual([`${REPORT_COOKIE}=`, `${REPORT_COOKIE}=`]);
    expect(set.map((c) => c.find((a) => a.startsWith("Path=")))).toEqual(["Path=/reports", "Path=/exports"]);
    for (const c of set) expect(c).toEqual(expect.arrayContaining(["Max-Age=0", "HttpOnly", "SameSite=Strict"]));
  };

  beforeAll(async () => {
    test = await startTestApp();
    const { keys } = await seedDemo(test.db);
    funderKey = keys.find((k) => k.spec.role === "FUNDER")!.key;
    staffKey = keys.find((k) => /Mwanga Solar staff/.test(k.spec.label))!.key;
    [{ id: funderKeyId }] = await test.db.query(`SELECT id FROM api_keys WHERE prefix = $1`, [keyPrefix(funderKey)]);
    server = await createApp(test.db, {
      production: false,
      log: (e) => logged.push(e),
      routes: [...exportRoutes({ sessions }), ...reportRoutes({ sessions, signInAttemptsPerMinute: 1000 })],
    });
    await new Promise<void>((resolve) => server.http.listen(0, "127.0.0.1", () => resolve()));
    host = `127.0.0.1:${(server.http.address() as AddressInfo).port}`;
    base = `http://${host}`;
  });

  afterAll(async () => {
    await server?.stop();
    if (server?.http.listening) await new Promise<void>((resolve) => server.http.close(() => resolve()));
    await test?.close();
  });

  it("answers a browser without a key with 401 and a sign-in form (no script, strict CSP) that comes back to the page", async () => {
    for (const p of [`/reports/${DEMO_SOLAR_ID}?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, `/exports/${DEMO_SOLAR_ID}/report.csv`, `/exports/${DEMO_SOLAR_ID}/iati.xml`, `/reports/`]) {
      const res = await fetch(`${base}${p}`, { headers: { accept: HTML } });
      expect({ p, status: res.status }).toEqual({ p, status: 401 });
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      expect(res.headers.get("cache-control")).toBe("no-store");
      const csp = res.headers.get("content-security-policy")!;
      expect(csp).toMatch(/default-src 'none'/);
      expect(csp).toMatch(/style-src 'unsafe-inline'/);
      expect(csp).toMatch(/form-action 'self'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.getSetCookie()).toEqual([]);
      const html = await res.text();
      expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain('<form class="sign-in" method="post" action="/reports/session">');
      expect(html).toMatch(/<input type="password" id="key" name="key"/);
      expect(html).toContain(`<input type="hidden" name="next" value="${p.replace(/&/g, "&amp;")}">`);
      expect(html).not.toContain("not accepted");
    }
  });

  it("keeps the JSON 401 for clients that don't take HTML", async () => {
    for (const accept of [undefined, "application/json", "*/*"]) {
      const res = await fetch(`${base}/reports/${DEMO_SOLAR_ID}`, { headers: accept ? { accept } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(((await res.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    }
    const csv = await fetch(`${base}/exports/${DEMO_SOLAR_ID}/report.csv`);
    expect(csv.status).toBe(401);
    expect(((await csv.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  it("refuses a wrong, malformed, empty or revoked key with the form again, no detail and no cookie", async () => {
    const revoked = await test.issue("FUNDER", [{ organizationId: DEMO_SOLAR_ID, role: "FUNDER" }], "revoked funder");
    await test.db.query(`UPDATE api_keys SET revoked_at = now() WHERE prefix = $1`, [keyPrefix(revoked)]);
    const wrongSecret = withOtherSecret(funderKey);
    for (const key of [wrongSecret, "dbl_zzzzzzzzzz_" + "A".repeat(43), "not a key", "", revoked]) {
      const res = await signIn({ key, next: `/reports/${DEMO_SOLAR_ID}` });
      expect({ key, status: res.status }).toEqual({ key, status: 401 });
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get("location")).toBeNull();
      const html = await res.text();
      expect(html).toContain("The key was not accepted.");
      expect(html).not.toMatch(/revoked|malformed|not valid/i);
      expect(html).toContain(`<input type="hidden" name="next" value="/reports/${DEMO_SOLAR_ID}">`);
    }
  });

  it("signs the funder in: 303 to the page, a session cookie for /reports and one for /exports, HttpOnly, SameSite=Strict, 8 hours; Secure over https", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await signIn({ key: funderKey, next: `/reports/${DEMO_SOLAR_ID}?from=2025-01-01T00:00:00Z` });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/reports/${DEMO_SOLAR_ID}?from=2025-01-01T00:00:00Z`);
    const set = res.headers.getSetCookie().map((c) => c.split(";").map((s) => s.trim()));
    expect(set).toHaveLength(2);
    const [value] = set[0][0].split("=").slice(1);
    expect(set.map((c) => c[0])).toEqual([`${REPORT_COOKIE}=${value}`, `${REPORT_COOKIE}=${value}`]);
    expect(set[0].slice(1).sort()).toEqual(["HttpOnly", "Max-Age=28800", "Path=/reports", "SameSite=Strict"]);
    expect(set[1].slice(1).sort()).toEqual(["HttpOnly", "Max-Age=28800", "Path=/exports", "SameSite=Strict"]);

    // The value is the session token: the key's id and the end of the session, signed; nothing of the key.
    const [, keyId, expires] = TOKEN.exec(value)!;
    expect(keyId).toBe(funderKeyId);
    expect(Number(expires)).toBeGreaterThanOrEqual(before + SESSION_SECONDS);
    expect(Number(expires)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + SESSION_SECONDS);
    const { prefix, secret } = keyParts(funderKey);
    for (const part of [funderKey, secret, prefix, secret.slice(0, 16), secret.slice(-16)]) expect(value).not.toContain(part);

    const secure = await signIn({ key: `  ${funderKey}\n` }, { "x-forwarded-proto": "https" });
    expect(secure.status).toBe(303);
    expect(secure.headers.get("location")).toBe("/reports/");
    const secureSet = secure.headers.getSetCookie().map((c) => c.split(";").map((s) => s.trim()));
    expect(secureSet).toHaveLength(2);
    for (const c of secureSet) {
      expect(c[0]).toMatch(new RegExp(`^${REPORT_COOKIE}=v1\\.${funderKeyId}\\.`));
      expect(c).toEqual(expect.arrayContaining(["Secure", "HttpOnly", "SameSite=Strict"]));
    }
  });

  it("the cookie reads Mwanga Solar's page and downloads, is FORBIDDEN for Hatua Shoes, and lists only the reports it may read", async () => {
    const cookie = cookieOf(await signIn({ key: funderKey }));

    const page = await withCookie(`/reports/${DEMO_SOLAR_ID}`, cookie, { accept: HTML });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/form-action 'self'/);
    const html = await page.text();
    expect(html).toContain("Mwanga Solar");
    expect(html).toContain("Small groups hidden: fewer than 10 people.");
    expect(html).toContain('<form class="sign-out" method="post" action="/reports/session/end">');
    const links = [...html.matchAll(/<a href="(\/exports\/[^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
    expect(links.map((l) => l.split("?")[0])).toEqual([`/exports/${DEMO_SOLAR_ID}/report.csv`, `/exports/${DEMO_SOLAR_ID}/report.json`, `/exports/${DEMO_SOLAR_ID}/iati.xml`]);

    // The links download the same organization and period, with the cookie alone.
    for (const link of links) {
      const res = await withCookie(link, cookie);
      expect({ link, status: res.status }).toEqual({ link, status: 200 });
      const body = await res.text();
      if (link.startsWith(`/exports/${DEMO_SOLAR_ID}/report.csv`)) expect(parseCsv(body)[0]).toEqual([...REPORT_CSV_COLUMNS]);
      if (link.startsWith(`/exports/${DEMO_SOLAR_ID}/report.json`)) expect(JSON.parse(body).report.organization.id).toBe(DEMO_SOLAR_ID);
    }
    const csv = await withCookie(`/exports/${DEMO_SOLAR_ID}/report.csv`, cookie);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="impact-report.csv"');

    for (const p of [`/reports/${DEMO_SHOES_ID}`, `/exports/${DEMO_SHOES_ID}/report.csv`, `/exports/${DEMO_SHOES_ID}/iati.xml`]) {
      const res = await withCookie(p, cookie);
      expect({ p, status: res.status }).toEqual({ p, status: 403 });
      expect(((await res.json()) as any).errors[0].extensions.code).toBe("FORBIDDEN");
    }

    const list = await withCookie("/reports/", cookie, { accept: HTML });
    expect(list.status).toBe(200);
    const listed = await list.text();
    expect([...listed.matchAll(/<a href="\/reports\/([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]])).toEqual([[DEMO_SOLAR_ID, "Mwanga Solar"]]);
    expect(listed).toContain('action="/reports/session/end"');
  });

  it("the cookie never authenticates GraphQL, and a key header wins over it", async () => {
    const cookie = cookieOf(await signIn({ key: funderKey }));
    const post = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", origin: base, accept: HTML },
      body: JSON.stringify({ query: "{ me { keyId } }" }),
    });
    expect(post.status).toBe(401);
    expect(((await post.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const get = await fetch(`${base}/graphql?query=${encodeURIComponent("{ me { keyId } }")}`, { headers: { cookie, "apollo-require-preflight": "true" } });
    expect(get.status).toBe(401);

    // Staff key in the header, funder cookie: the staff view (no suppression).
    const staff = await withCookie(`/reports/${DEMO_SOLAR_ID}`, cookie, { authorization: `Bearer ${staffKey}` });
    expect(staff.status).toBe(200);
    expect(await staff.text()).not.toContain("Small groups hidden");
    // A wrong key header is not rescued by the cookie.
    const wrong = await withCookie(`/reports/${DEMO_SOLAR_ID}`, cookie, { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
  });

  it("redirects only to this site's report and export paths", async () => {
    const refused = [
      "https://evil.example",
      "https://evil.example/reports/x",
      "//evil.example/reports/",
      "/\\evil.example",
      "/reports/../graphql",
      "/reports/%2e%2e/graphql",
      "/graphql",
      "javascript:alert(1)",
      "/reports/session",
      "reports/x",
      "/reports/\r\nset-cookie: x=y",
    ];
    for (const next of refused) {
      const res = await signIn({ key: funderKey, next });
      expect({ next, status: res.status, location: res.headers.get("location") }).toEqual({ next, status: 303, location: "/reports/" });
    }
    const ok = `/exports/${DEMO_SOLAR_ID}/report.csv?from=2025-01-01T00:00:00Z`;
    expect((await signIn({ key: funderKey, next: ok })).headers.get("location")).toBe(ok);
  });

  it("refuses a cross-site sign-in or sign-out with 403, and a form too large or of another type", async () => {
    const crossSite: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, { origin: `https://${host}.evil.example` }, { "sec-fetch-site": "cross-site" }];
    for (const headers of crossSite) {
      const res = await signIn({ key: funderKey, next: `/reports/${DEMO_SOLAR_ID}` }, headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe("FORBIDDEN");
    }
    const end = await fetch(`${base}/reports/session/end`, { method: "POST", redirect: "manual", headers: { origin: "https://evil.example" } });
    expect(end.status).toBe(403);
    expect(end.headers.getSetCookie()).toEqual([]);

    // No Origin header at all (a client that sends none): allowed.
    expect((await fetch(`${base}/reports/session`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `key=${funderKey}` })).status).toBe(303);

    const big = await signIn({ key: funderKey, next: `/reports/${"x".repeat(MAX_SESSION_BODY_BYTES)}` });
    expect(big.status).toBe(413);
    expect(big.headers.getSetCookie()).toEqual([]);
    const json = await fetch(`${base}/reports/session`, { method: "POST", redirect: "manual", headers: { "content-type": "application/json", origin: base }, body: JSON.stringify({ key: funderKey }) });
    expect(json.status).toBe(415);
    expect(json.headers.getSetCookie()).toEqual([]);
  });

  it("signs out: the cookie is cleared and the sign-in page says so; a cookie whose key was revoked is cleared too", async () => {
    const end = await fetch(`${base}/reports/session/end`, { method: "POST", redirect: "manual", headers: { origin: base, cookie: cookieOf(await signIn({ key: funderKey })) } });
    expect(end.status).toBe(303);
    expect(end.headers.get("location")).toBe("/reports/session?signed-out");
    expectCleared(end);
    const after = await fetch(`${base}/reports/session?signed-out`);
    expect(after.status).toBe(200);
    expect(await after.text()).toContain("You are signed out.");

    const key = await test.issue("FUNDER", [{ organizationId: DEMO_SOLAR_ID, role: "FUNDER" }], "soon revoked");
    const cookie = cookieOf(await signIn({ key }));
    expect((await withCookie(`/reports/${DEMO_SOLAR_ID}`, cookie)).status).toBe(200);
    await test.db.query(`UPDATE api_keys SET revoked_at = now() WHERE prefix = $1`, [keyPrefix(key)]);
    const page = await withCookie(`/reports/${DEMO_SOLAR_ID}`, cookie, { accept: HTML });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain("The key was not accepted.");
    expectCleared(page);
    const download = await withCookie(`/exports/${DEMO_SOLAR_ID}/report.csv`, cookie);
    expect(download.status).toBe(401);
    expect(((await download.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expectCleared(download);
  });

  it("refuses a session token that was changed, has expired, or was signed with another secret: 401, the form as if signed out, the cookie cleared", async () => {
    const cookie = cookieOf(await signIn({ key: funderKey }));
    expect((await withCookie(`/reports/${DEMO_SOLAR_ID}`, cookie)).status).toBe(200);
    const [, token] = cookie.split("=");
    const [v, keyId, expires, mac] = token.split(".");
    const [{ id: staffKeyId }] = await test.db.query(`SELECT id FROM api_keys WHERE prefix = $1`, [keyPrefix(staffKey)]);
    const ago = (seconds: number) => new ReportSessions({ secret: SECRET, now: () => Date.now() - seconds * 1000 });
    const refused: Record<string, string> = {
      "another MAC": [v, keyId, expires, (mac[0] === "A" ? "B" : "A") + mac.slice(1)].join("."),
      "another key id": [v, staffKeyId, expires, mac].join("."),
      "a later end": [v, keyId, String(Number(expires) + 24 * 3600), mac].join("."),
      "expired a second ago": ago(SESSION_SECONDS + 1).issue(keyId).token,
      "expired a day ago": ago(SESSION_SECONDS + 24 * 3600).issue(keyId).token,
      "another secret": new ReportSessions({ secret: `${SECRET}-other` }).issue(keyId).token,
      "a random secret": ReportSessions.withRandomSecret().issue(staffKeyId).token,
      "the key itself": funderKey,
      garbage: "v1.x.y.z",
    };
    // Still valid a minute before its end, with this secret.
    expect((await withCookie(`/reports/${DEMO_SOLAR_ID}`, `${REPORT_COOKIE}=${ago(SESSION_SECONDS - 60).issue(keyId).token}`)).status).toBe(200);
    for (const [what, forged] of Object.entries(refused)) {
      const page = await withCookie(`/reports/${DEMO_SOLAR_ID}`, `${REPORT_COOKIE}=${forged}`, { accept: HTML });
      expect({ what, status: page.status }).toEqual({ what, status: 401 });
      const html = await page.text();
      expect(html).toContain('<form class="sign-in" method="post" action="/reports/session">');
      expect(html).toContain(`<input type="hidden" name="next" value="/reports/${DEMO_SOLAR_ID}">`);
      expect(html).not.toContain("not accepted");
      expectCleared(page);
      for (const p of [`/exports/${DEMO_SOLAR_ID}/report.csv`, "/reports/"]) {
        const res = await withCookie(p, `${REPORT_COOKIE}=${forged}`);
        expect({ what, p, status: res.status }).toEqual({ what, p, status: 401 });
        expect(((await res.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
        expectCleared(res);
      }
    }
  });

  it("a session's key gives the same principal, grants included, as the key itself, and is refused once revoked or gone", async () => {
    for (const key of [funderKey, staffKey]) {
      const principal = await authenticate(test.db, key);
      expect(principal.grants.length).toBeGreaterThan(0);
      expect(await authenticateKeyId(test.db, principal.keyId)).toEqual(principal);
    }
    const key = await test.issue("FUNDER", [{ organizationId: DEMO_SOLAR_ID, role: "FUNDER" }], "revoked after sign-in");
    const { keyId } = await authenticate(test.db, key);
    await test.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [keyId]);
    await expect(authenticateKeyId(test.db, keyId)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    await expect(authenticateKeyId(test.db, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    await expect(authenticateKeyId(test.db, "not-a-uuid")).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });

  it("never reads the old cookie that held the key, and clears it wherever the browser still sends it", async () => {
    const legacy = `${LEGACY_REPORT_COOKIE}=${funderKey}`;
    const page = await withCookie(`/reports/${DEMO_SOLAR_ID}`, legacy, { accept: HTML });
    expect(page.status).toBe(401);
    expect(await page.text()).not.toContain("not accepted");
    const clearsLegacy = (res: Response) =>
      expect(res.headers.getSetCookie()).toContainEqual(`${LEGACY_REPORT_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`);
    clearsLegacy(page);
    expect(page.headers.getSetCookie()).toHaveLength(1);
    const csv = await withCookie(`/exports/${DEMO_SOLAR_ID}/report.csv`, legacy);
    expect(csv.status).toBe(401);
    clearsLegacy(csv);
    // Signing in and out clear it too, besides setting or clearing the session.
    const signedIn = await signIn({ key: funderKey }, { cookie: legacy });
    expect(signedIn.status).toBe(303);
    clearsLegacy(signedIn);
    expect(signedIn.headers.getSetCookie().filter((c) => c.startsWith(`${REPORT_COOKIE}=v1.`))).toHaveLength(2);
    const end = await fetch(`${base}/reports/session/end`, { method: "POST", redirect: "manual", headers: { origin: base, cookie: legacy } });
    clearsLegacy(end);
    expect(end.headers.getSetCookie()).toHaveLength(3);
    // Without it, nothing about it is sent.
    expect((await signIn({ key: funderKey })).headers.getSetCookie().join()).not.toContain(LEGACY_REPORT_COOKIE);
  });

  it("limits sign-in attempts per client address: the fourth in a minute gets 429 with retry-after", async () => {
    const limited = await createApp(test.db, { production: false, log: () => undefined, routes: reportRoutes({ sessions, signInAttemptsPerMinute: 3, clock: () => Date.UTC(2026, 0, 1, 12, 0, 30) }) });
    await new Promise<void>((resolve) => limited.http.listen(0, "127.0.0.1", () => resolve()));
    const at = `127.0.0.1:${(limited.http.address() as AddressInfo).port}`;
    try {
      const attempt = () =>
        fetch(`http://${at}/reports/session`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: `http://${at}` },
          body: new URLSearchParams({ key: "dbl_zzzzzzzzzz_" + "A".repeat(43) }).toString(),
        });
      // Three answered attempts per minute window; the limiter's clock stands still inside one minute.
      const statuses: number[] = [];
      let fourth = await attempt();
      while (fourth.status === 401 && statuses.length < 6) {
        statuses.push(401);
        fourth = await attempt();
      }
      expect(statuses.length).toBe(3);
      expect(fourth.status).toBe(429);
      expect(Number(fourth.headers.get("retry-after"))).toBe(30);
      expect(((await fourth.json()) as any).errors[0].extensions.code).toBe("RATE_LIMITED");
    } finally {
      await limited.stop();
      if (limited.http.listening) await new Promise<void>((resolve) => limited.http.close(() => resolve()));
    }
  });

  it("answers a malformed percent-escape in the page's path with 400 naming organizationId", async () => {
    const res = await fetch(`${base}/reports/%E0%A4%A`, { headers: { authorization: `Bearer ${staffKey}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "organizationId" });
  });

  it("never writes a key, a session token or the cookie to the log", async () => {
    const cookie = cookieOf(await signIn({ key: funderKey }));
    expect((await withCookie(`/reports/${DEMO_SOLAR_ID}`, cookie)).status).toBe(200);
    await withCookie(`/reports/${DEMO_SOLAR_ID}`, `${cookie.slice(0, -1)}x`);
    await withCookie(`/reports/${DEMO_SOLAR_ID}`, `${LEGACY_REPORT_COOKIE}=${funderKey}`);
    const text = JSON.stringify(logged);
    expect(logged.some((e) => e.msg === "request" && e.path === "/reports/session")).toBe(true);
    expect(logged.some((e) => e.msg === "request" && e.path === `/reports/${DEMO_SOLAR_ID}` && e.keyId === idOf("ApiKey", funderKeyId, funderKeyId))).toBe(true);
    expect(text).not.toContain(funderKey);
    expect(text).not.toContain(keyParts(funderKey).secret);
    expect(text).not.toContain(keyParts(staffKey).secret);
    expect(text).not.toContain(cookie.split("=")[1]);
    expect(text).not.toContain(cookie.split(".").pop()!);
    expect(text).not.toContain(REPORT_COOKIE);
    expect(text).not.toContain(LEGACY_REPORT_COOKIE);
  });

  browserIt("report sign-in")(
    "in Chromium: the report link shows the form; the funder's key opens the report with its charts; the CSV link downloads; sign out",
    async () => {
      await withBrowser(
        async (page, _seen, context) => {
          const first = await page.goto(`${base}/reports/${DEMO_SOLAR_ID}`, { waitUntil: "load" });
          expect(first?.status()).toBe(401);
          expect(await page.title()).toMatch(/Sign in/);
          await fs.mkdir(SCREENSHOTS, { recursive: true });
          await page.screenshot({ path: path.join(SCREENSHOTS, "report-sign-in.png"), fullPage: true });
          await page.fill("input[name=key]", funderKey);
          // The sign-in page has the report's own URL, so wait for the navigation itself (POST, 303, GET).
          const [landed] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("form.sign-in button[type=submit]")]);
          expect(landed?.status()).toBe(200);
          expect(landed?.request().redirectedFrom()?.method()).toBe("POST");
          expect(page.url()).toBe(`${base}/reports/${DEMO_SOLAR_ID}`);
          expect(await page.title()).toMatch(/Mwanga Solar/);
          expect(await page.$$eval("svg#chart-impact", (els) => els.length)).toBe(1);
          await page.screenshot({ path: path.join(SCREENSHOTS, "report-page-signed-in.png") });
          // Two cookies with the same session token, one for the pages and one for the downloads, and no key in them.
          const cookies = await context.cookies();
          expect(cookies.map((c) => c.path).sort()).toEqual(["/exports", "/reports"]);
          for (const cookie of cookies) {
            expect(cookie).toMatchObject({ name: REPORT_COOKIE, httpOnly: true, sameSite: "Strict", value: cookies[0].value });
            expect(cookie.value).toMatch(TOKEN);
            expect(cookie.value).not.toContain(keyParts(funderKey).secret);
            // About 8 hours from now, as the token says.
            expect(Math.abs(cookie.expires - Number(TOKEN.exec(cookie.value)![2]))).toBeLessThanOrEqual(5);
          }
          // What Chromium sends: the cookie to the report pages and the downloads, never to GraphQL or anything else.
          const probe = await context.newPage();
          const sent = async (p: string) => {
            const pathname = new URL(`${base}${p}`).pathname;
            const [request] = await Promise.all([
              probe.waitForRequest((r) => new URL(r.url()).pathname === pathname),
              probe.goto(`${base}${p}`).catch(() => null), // a download isn't a page
            ]);
            return (await request.allHeaders()).cookie;
          };
          expect(await sent(`/reports/${DEMO_SOLAR_ID}`)).toBe(`${REPORT_COOKIE}=${cookies[0].value}`);
          expect(await sent(`/exports/${DEMO_SOLAR_ID}/report.json`)).toBe(`${REPORT_COOKIE}=${cookies[0].value}`);
          for (const elsewhere of [`/graphql?query=${encodeURIComponent("{ me { keyId } }")}`, "/graphiql", "/healthz", "/reportsx/", "/exportsx"]) {
            expect({ elsewhere, cookie: await sent(elsewhere) }).toEqual({ elsewhere, cookie: undefined });
          }
          await probe.close();

          const [download] = await Promise.all([page.waitForEvent("download"), page.click(`nav.actions a[href^="/exports/${DEMO_SOLAR_ID}/report.csv"]`)]);
          expect(download.suggestedFilename()).toBe("impact-report.csv");
          const csv = await fs.readFile((await download.path())!, "utf8");
          expect(csv.split("\r\n")[0]).toBe(REPORT_CSV_COLUMNS.join(","));

          await Promise.all([page.waitForURL(`${base}/reports/session?signed-out`), page.click("form.sign-out button")]);
          expect(await page.textContent("main")).toContain("You are signed out.");
          expect(await context.cookies()).toEqual([]);
          expect((await page.goto(`${base}/reports/${DEMO_SOLAR_ID}`))?.status()).toBe(401);
        },
        {
          // Chromium logs the two 401 sign-in pages this test opens on purpose; any other console error fails it.
          isProblem: (text) => text !== "Failed to load resource: the server responded with a status of 401 (Unauthorized)",
        },
      );
    },
    120000,
  );
});
