import http from "node:http";
import type { Page } from "playwright-core";
import { Running, startServer, stopServer } from "../helpers/server";
import { startTestApp, TestApp } from "../helpers/app";
import { browserIt, withBrowser } from "../helpers/browser";
import { ServerOptions } from "../../src/server";
import { graphiqlRoutes, GRAPHIQL_ASSET_NAMES } from "../../src/web/graphiql";
import { EXAMPLE_ORGANIZATION_ID, EXAMPLE_QUERIES, exampleVariables } from "../../src/web/graphiql-examples";
import { DEMO_SHOES_ID as DEMO_SHOES_UUID, DEMO_SOLAR_ID as DEMO_SOLAR_UUID, seedDemo } from "../../seeds/demo";
import { organizationGlobalId } from "../../src/common/global-ids";

/** The demo organizations, by their global ids (as the API writes them). */
const DEMO_SOLAR_ID = organizationGlobalId(DEMO_SOLAR_UUID);
const DEMO_SHOES_ID = organizationGlobalId(DEMO_SHOES_UUID);

/**
 * GraphiQL at /graphiql, served entirely from this server (no CDN): the page, its
 * assets (allow-listed), the example queries, and a real browser run offline.
 */


function start(db: TestApp["db"], options: Partial<ServerOptions> = {}): Promise<Running> {
  return startServer(db, { production: false, routes: graphiqlRoutes(), ...options });
}

const stop = stopServer;

/** A GET with the path sent exactly as written (fetch would resolve "..", "%2e%2e" itself). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

function attributes(page: string, tag: string, attribute: string): string[] {
  const out: string[] = [];
  for (const m of page.matchAll(new RegExp(`<${tag}\\b[^>]*>`, "gi"))) {
    const a = new RegExp(`\\s${attribute}="([^"]*)"`, "i").exec(m[0]);
    if (a) out.push(a[1].replace(/&amp;/g, "&"));
  }
  return out;
}

function pageConfig(page: string): { endpoint: string; production: boolean; tabs: { query: string; variables: string }[] } {
  const m = /<script type="application\/json" id="graphiql-config">([\s\S]*?)<\/script>/.exec(page);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]);
}

describe("GraphiQL at /graphiql", () => {
  let test: TestApp;
  let server: Running;
  let solarAdminKey: string;

  beforeAll(async () => {
    test = await startTestApp();
    const { keys } = await seedDemo(test.db);
    solarAdminKey = keys.find((k) => /Mwanga Solar admin/.test(k.spec.label))!.key;
    server = await start(test.db);
  });

  afterAll(async () => {
    await stop(server);
    await test?.close();
  });

  it("serves an HTML page whose scripts and styles all come from /graphiql/assets/, with no outside URL", async () => {
    const response = await fetch(`${server.url}/graphiql`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/connect-src 'self'/);
    const page = await response.text();
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}\//i); // no protocol-relative URL either

    const scripts = attributes(page, "script", "src");
    const styles = attributes(page, "link", "href");
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    expect(styles.length).toBeGreaterThanOrEqual(1);
    for (const src of [...scripts, ...styles]) expect(src.startsWith("/graphiql/assets/")).toBe(true);
    // Every <script> either loads from /graphiql/assets/ or is the JSON data block: no inline code.
    for (const tag of page.match(/<script\b[^>]*>/gi) ?? []) expect(tag).toMatch(/src="\/graphiql\/assets\/|type="application\/json"/);
    expect(scripts.map((s) => s.split("?")[0].split("/").pop())).toEqual([
      "react.production.min.js",
      "react-dom.production.min.js",
      "graphiql.min.js",
      "graphiql-init.js",
    ]);

    for (const url of [...scripts, ...styles]) {
      const asset = await fetch(`${server.url}${url}`);
      expect({ url, status: asset.status }).toEqual({ url, status: 200 });
      const type = asset.headers.get("content-type")!;
      if (url.includes(".js")) expect(type).toBe("text/javascript; charset=utf-8");
      else expect(type).toBe("text/css; charset=utf-8");
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
      expect(asset.headers.get("etag")).toMatch(/^"[0-9a-f]{16}"$/);
      const body = await asset.text();
      expect(body.length).toBeGreaterThan(100);
    }
    expect(page).toContain("Authorization");
    expect(page).not.toMatch(/introspection is off/i);
  });

  it("serves the GraphiQL, React and ReactDOM browser builds from node_modules, compressed and revalidated by ETag", async () => {
    const js = await fetch(`${server.url}/graphiql/assets/graphiql.min.js`, { headers: { "accept-encoding": "gzip" } });
    expect(js.status).toBe(200);
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect(js.headers.get("cache-control")).toBe("no-cache"); // no version in the URL: checked again each time
    const text = await js.text();
    expect(text).toContain("window.GraphiQL");
    const etag = js.headers.get("etag")!;
    const again = await fetch(`${server.url}/graphiql/assets/graphiql.min.js`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);

    const react = await (await fetch(`${server.url}/graphiql/assets/react.production.min.js`)).text();
    expect(react).toMatch(/React v18\.|react\.production\.min\.js/);
    const reactDom = await (await fetch(`${server.url}/graphiql/assets/react-dom.production.min.js`)).text();
    expect(reactDom).toMatch(/react-dom\.production\.min\.js/);
    const css = await (await fetch(`${server.url}/graphiql/assets/graphiql.min.css`)).text();
    expect(css).toContain(".graphiql-container");
    expect(GRAPHIQL_ASSET_NAMES).toHaveLength(6);
  });

  it("refuses anything outside the allow-list, path traversal included", async () => {
    const attempts = [
      "/graphiql/assets/../../package.json",
      "/graphiql/assets/..%2F..%2Fpackage.json",
      "/graphiql/assets/%2e%2e/%2e%2e/package.json",
      "/graphiql/assets/%2e%2e%2f%2e%2e%2fpackage.json",
      "/graphiql/assets/..\\..\\package.json",
      "/graphiql/assets/graphiql.min.js/../../../package.json",
      "/graphiql/assets/../../node_modules/graphiql/package.json",
      "/graphiql/assets/graphiql.min.js.map",
      "/graphiql/assets/package.json",
      "/graphiql/assets/%2fetc%2fpasswd",
      "/graphiql/assets//etc/passwd",
      "/graphiql/assets/",
      "/graphiql/assets/constructor",
      "/graphiql/assets/__proto__",
      "/graphiql/assets/GRAPHIQL.MIN.JS",
    ];
    for (const path of attempts) {
      const r = await rawGet(server.url, path);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
      expect(r.body).not.toMatch(/double-bottom-line-api|"dependencies"|root:x:0/);
    }
    const fetched = await fetch(`${server.url}/graphiql/assets/../../package.json`);
    expect(fetched.status).toBe(404);
    expect(await fetched.text()).not.toContain("double-bottom-line-api");
  });

  it("preloads the example queries with the demo organization and period: LAST_12_MONTHS, and they all run", async () => {
    const page = await (await fetch(`${server.url}/graphiql`)).text();
    const config = pageConfig(page);
    expect(config.endpoint).toBe("/graphql");
    expect(config.production).toBe(false);
    expect(config.tabs.map((t) => t.query)).toEqual(EXAMPLE_QUERIES.map((e) => e.query));
    expect(EXAMPLE_QUERIES.map((e) => /^\s*(?:#.*\n)*\s*query (\w+)/.exec(e.query)?.[1])).toEqual([
      "Organizations",
      "CustomerFunnel",
      "ImpactAtSale",
      "QualityByTouchpoint",
      "ImpactReport",
    ]);
    expect(EXAMPLE_QUERIES[3].query).toMatch(/groupBy: TOUCHPOINT/);
    const funnel = JSON.parse(config.tabs[1].variables);
    expect(funnel.organizationId).toBe(EXAMPLE_ORGANIZATION_ID);
    expect(EXAMPLE_ORGANIZATION_ID).toBe(DEMO_SOLAR_ID);
    // The views ask for the same period as the report page's and the downloads' default (issue 13: one "last
    // year" everywhere): LAST_12_MONTHS, resolved by the server in the organization's time zone.
    expect(funnel).toEqual({ organizationId: EXAMPLE_ORGANIZATION_ID });
    for (const e of EXAMPLE_QUERIES.slice(1)) {
      expect(e.query).toMatch(/period: LAST_12_MONTHS/);
      expect(e.query).not.toMatch(/\$from|\$to/);
    }

    for (const example of EXAMPLE_QUERIES) {
      const response = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${solarAdminKey}` },
        body: JSON.stringify({ query: example.query, variables: exampleVariables(example) }),
      });
      const body: any = await response.json();
      expect({ title: example.title, status: response.status, errors: body.errors }).toEqual({ title: example.title, status: 200, errors: undefined });
      expect(body.data).toBeTruthy();
    }
  });

  it("says on the page that the docs are empty in production (introspection off), and asks for no schema", async () => {
    const prod = await start(test.db, { production: true });
    try {
      const page = await (await fetch(`${prod.url}/graphiql`)).text();
      expect(page).toMatch(/introspection is off/i);
      expect(pageConfig(page).production).toBe(true);
    } finally {
      await stop(prod);
    }
  });

  const inBrowser = browserIt("GraphiQL");

  /** The GraphQL requests the page sends, recorded as they go out. */
  function recordGraphql(page: Page): { body: string; contentType?: string; authorization?: string }[] {
    const graphql: { body: string; contentType?: string; authorization?: string }[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/graphql") {
        graphql.push({ body: request.postData() ?? "", contentType: request.headers()["content-type"], authorization: request.headers()["authorization"] });
      }
    });
    return graphql;
  }
  const cspProblem = { isProblem: (text: string) => /Content Security Policy|Refused to/i.test(text) };

  inBrowser(
    "runs a query in headless Chromium, offline, with the API key typed in the page",
    () =>
      withBrowser(async (page) => {
        const graphql = recordGraphql(page);
        await page.goto(`${server.url}/graphiql`, { waitUntil: "load" });
        await page.waitForSelector(".graphiql-container", { timeout: 30000 });
        await page.fill("#api-key", solarAdminKey);
        await page.click("#api-key-form button[type=submit]");
        await page.waitForFunction(() => (globalThis as any).document.getElementById("api-key-status")?.textContent?.includes("Key set"));
        expect(await page.evaluate(() => (globalThis as any).localStorage.getItem("dbl.graphiql.apiKey"))).toBe(solarAdminKey);

        // The first tab is the "organizations with lifecycles" example.
        const editor = await page.textContent(".graphiql-query-editor");
        expect(editor).toContain("organizations(first: 10)");
        await page.click(".graphiql-execute-button");
        await page.waitForFunction(
          () => {
            const text = (globalThis as any).document.querySelector(".graphiql-response")?.textContent ?? "";
            return text.includes('"data"') && text.includes("Mwanga Solar");
          },
          undefined,
          { timeout: 30000 },
        );
        const result = (await page.textContent(".graphiql-response")) ?? "";
        expect(result).toContain("lifecycles");
        expect(result).not.toContain("UNAUTHENTICATED");

        const sent = graphql.filter((r) => r.authorization);
        expect(sent.length).toBeGreaterThanOrEqual(1);
        for (const r of sent) {
          expect(r.contentType).toBe("application/json");
          expect(r.authorization).toBe(`Bearer ${solarAdminKey}`);
        }
        expect(sent.some((r) => JSON.parse(r.body).operationName === "Organizations")).toBe(true);
      }, cspProblem),
    120000,
  );

  inBrowser(
    "keeps working in production without introspection, and says why the docs are empty",
    async () => {
      const prod = await start(test.db, { production: true });
      try {
        await withBrowser(async (page) => {
          const graphql = recordGraphql(page);
          await page.goto(`${prod.url}/graphiql`, { waitUntil: "load" });
          await page.waitForSelector(".graphiql-container", { timeout: 30000 });
          expect(await page.textContent("#bar")).toMatch(/introspection is off/i);
          await page.fill("#api-key", solarAdminKey);
          await page.click("#api-key-form button[type=submit]");
          await page.click(".graphiql-execute-button");
          await page.waitForFunction(() => ((globalThis as any).document.querySelector(".graphiql-response")?.textContent ?? "").includes("Mwanga Solar"), undefined, { timeout: 30000 });
          expect(graphql.length).toBeGreaterThanOrEqual(1);
          expect(graphql.filter((r) => /__schema/.test(r.body))).toEqual([]);
        }, cspProblem);
      } finally {
        await stop(prod);
      }
    },
    120000,
  );
});
