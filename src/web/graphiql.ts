import http from "node:http";
import path from "node:path";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { gzip } from "node:zlib";
import { promisify } from "node:util";
import { Route, sendError } from "./routes";
import { escapeXml as html } from "./charts";
import { EXAMPLE_QUERIES, exampleVariables } from "./graphiql-examples";

/**
 * GET /graphiql: GraphiQL that works without internet. Its prebuilt browser bundle,
 * its CSS and the React/ReactDOM UMD builds are served from node_modules under
 * /graphiql/assets/ (a fixed allow-list: nothing else is ever read from disk).
 * The API key typed in the page's bar is kept in localStorage and sent as
 * `Authorization: Bearer ...` with every request; requests go to /graphql as
 * application/json (CSRF prevention stays on).
 */

export const GRAPHIQL_PATH = "/graphiql";
export const GRAPHIQL_ASSETS = "/graphiql/assets/";

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** Where a package's file is, without going through its "exports" (react's do not list the UMD builds). */
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

/** The page's own script: runs GraphiQL with a fetcher that adds the stored key. */
const INIT_JS = `(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var STORAGE_KEY = "dbl.graphiql.apiKey";
  var form = document.getElementById("api-key-form");
  var input = document.getElementById("api-key");
  var status = document.getElementById("api-key-status");

  function storedKey() {
    try { return window.localStorage.getItem(STORAGE_KEY) || ""; } catch (e) { return ""; }
  }
  function storeKey(key) {
    try {
      if (key) window.localStorage.setItem(STORAGE_KEY, key);
      else window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) { /* storage disabled: the key lasts until the page is closed */ }
    memoryKey = key;
  }
  var memoryKey = storedKey();

  function showStatus() {
    status.textContent = memoryKey
      ? "Key set (" + memoryKey.slice(0, 15) + "\\u2026), kept in this browser's localStorage."
      : "No key set: requests will be refused (401).";
  }

  function makeFetcher() {
    return function fetcher(params, options) {
      var headers = { "content-type": "application/json", accept: "application/graphql-response+json, application/json" };
      if (memoryKey) headers.authorization = "Bearer " + memoryKey;
      var extra = (options && options.headers) || {};
      Object.keys(extra).forEach(function (name) { headers[name.toLowerCase()] = String(extra[name]); });
      return fetch(config.endpoint, { method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit" }).then(function (response) {
        return response.text().then(function (text) {
          try { return JSON.parse(text); } catch (e) {
            return { errors: [{ message: "HTTP " + response.status + ": the server did not answer with JSON" }] };
          }
        });
      });
    };
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render() {
    var props = {
      fetcher: makeFetcher(),
      defaultTabs: config.tabs,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    };
    // Introspection is off in production: do not ask for the schema.
    if (config.production) props.schema = null;
    root.render(React.createElement(GraphiQL, props));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var key = input.value.trim();
    if (!key) return;
    storeKey(key);
    input.value = "";
    showStatus();
    render(); // a new fetcher: GraphiQL fetches the schema again with the key
  });
  document.getElementById("api-key-forget").addEventListener("click", function () {
    storeKey("");
    showStatus();
    render();
  });
  document.getElementById("reset-tabs").addEventListener("click", function () {
    try {
      Object.keys(window.localStorage).forEach(function (name) {
        if (name.indexOf("graphiql:") === 0) window.localStorage.removeItem(name);
      });
    } catch (e) { /* nothing stored */ }
    window.location.reload();
  });

  showStatus();
  render();
})();
`;

const PAGE_CSS = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
#bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1rem; padding: 0.5rem 1rem; background: #f3f4f6; border-bottom: 1px solid #d1d5db; font-size: 14px; color: #111827; }
#bar strong { font-weight: 600; }
#bar form { display: flex; align-items: center; gap: 0.4rem; margin: 0; }
#bar input { width: 26rem; max-width: 60vw; padding: 0.25rem 0.4rem; font-family: ui-monospace, monospace; font-size: 13px; border: 1px solid #9ca3af; border-radius: 4px; }
#bar button { padding: 0.25rem 0.6rem; font-size: 13px; border: 1px solid #9ca3af; border-radius: 4px; background: #fff; cursor: pointer; }
#bar .muted { color: #4b5563; }
#bar .notice { padding: 0.2rem 0.5rem; background: #fef3c7; border: 1px solid #f59e0b; border-radius: 4px; }
#graphiql { flex: 1; min-height: 0; }
`;

interface Asset {
  type: string;
  load(): Buffer;
}

const ASSET_SOURCES: Record<string, Asset> = {
  "react.production.min.js": { type: JS, load: () => readFileSync(packageFile("react", "umd/react.production.min.js")) },
  "react-dom.production.min.js": { type: JS, load: () => readFileSync(packageFile("react-dom", "umd/react-dom.production.min.js")) },
  "graphiql.min.js": { type: JS, load: () => readFileSync(packageFile("graphiql", "graphiql.min.js")) },
  "graphiql.min.css": { type: CSS, load: () => readFileSync(packageFile("graphiql", "graphiql.min.css")) },
  "graphiql-page.css": { type: CSS, load: () => Buffer.from(PAGE_CSS, "utf8") },
  "graphiql-init.js": { type: JS, load: () => Buffer.from(INIT_JS, "utf8") },
};

/** The files the page loads, in order. */
export const GRAPHIQL_ASSET_NAMES = Object.keys(ASSET_SOURCES);

interface LoadedAsset {
  type: string;
  body: Buffer;
  /** Content hash: the `v` of the asset's URL and its ETag. */
  version: string;
  gzipped?: Promise<Buffer>;
}

const gzipAsync = promisify(gzip);

class AssetStore {
  private readonly loaded = new Map<string, LoadedAsset>();

  get(name: string): LoadedAsset | undefined {
    if (!Object.prototype.hasOwnProperty.call(ASSET_SOURCES, name)) return undefined;
    let asset = this.loaded.get(name);
    if (!asset) {
      const source = ASSET_SOURCES[name];
      const body = source.load();
      asset = { type: source.type, body, version: createHash("sha256").update(body).digest("hex").slice(0, 16) };
      this.loaded.set(name, asset);
    }
    return asset;
  }

  url(name: string): string {
    return `${GRAPHIQL_ASSETS}${name}?v=${this.get(name)!.version}`;
  }

  /** Compressed once, off the event loop, then kept. */
  gzipped(asset: LoadedAsset): Promise<Buffer> {
    asset.gzipped ??= gzipAsync(asset.body, { level: 9 });
    return asset.gzipped;
  }
}

/** JSON inside a <script type="application/json">: nothing in it can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function renderGraphiqlPage(assets: AssetStore, options: { production: boolean }): string {
  const tabs = EXAMPLE_QUERIES.map((example) => ({ query: example.query, variables: JSON.stringify(exampleVariables(example), null, 2) }));
  const config = { endpoint: "/graphql", production: options.production, tabs };
  const notice = options.production
    ? `<span class="notice">Production: introspection is off, so the Docs and autocompletion are empty. Queries still run.</span>`
    : "";
  const css = ["graphiql.min.css", "graphiql-page.css"].map((n) => `<link rel="stylesheet" href="${html(assets.url(n))}">`).join("\n    ");
  const scripts = ["react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql-init.js"]
    .map((n) => `<script src="${html(assets.url(n))}"></script>`)
    .join("\n    ");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="no-referrer">
    <title>GraphiQL · Double Bottom Line API</title>
    ${css}
  </head>
  <body>
    <div id="bar">
      <strong>Double Bottom Line API</strong>
      <form id="api-key-form" autocomplete="off">
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" placeholder="dbl_..." spellcheck="false">
        <button type="submit">Use key</button>
        <button type="button" id="api-key-forget">Forget key</button>
      </form>
      <span id="api-key-status" class="muted"></span>
      <button type="button" id="reset-tabs" title="Close every tab and open the example queries again">Reset example tabs</button>
      ${notice}
    </div>
    <div id="graphiql">Loading GraphiQL…</div>
    <script type="application/json" id="graphiql-config">${scriptJson(config)}</script>
    ${scripts}
  </body>
</html>
`;
}

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

function acceptsGzip(req: http.IncomingMessage): boolean {
  const accept = req.headers["accept-encoding"];
  return typeof accept === "string" && /\bgzip\b/i.test(accept) && !/\bgzip\s*;\s*q=0(\.0*)?\b/i.test(accept);
}

export function graphiqlRoutes(): Route[] {
  const assets = new AssetStore();
  return [
    {
      method: "GET",
      path: GRAPHIQL_PATH,
      handle(_req, res, ctx) {
        const page = renderGraphiqlPage(assets, { production: ctx.production });
        res.writeHead(200, PAGE_HEADERS);
        res.end(page);
      },
    },
    {
      method: "GET",
      path: GRAPHIQL_ASSETS,
      async handle(req, res, ctx) {
        // Only names on the allow-list: no path is ever built from the request.
        const name = ctx.url.pathname.slice(GRAPHIQL_ASSETS.length);
        const asset = assets.get(name);
        if (!asset) return sendError(res, 404, "NOT_FOUND", "No such GraphiQL asset");
        const etag = `"${asset.version}"`;
        const headers: Record<string, string> = {
          "content-type": asset.type,
          // A URL with the current content hash never changes; anything else is checked again each time.
          "cache-control": ctx.url.searchParams.get("v") === asset.version ? "public, max-age=31536000, immutable" : "no-cache",
          etag,
          vary: "accept-encoding",
          "x-content-type-options": "nosniff",
          "cross-origin-resource-policy": "same-origin",
        };
        const ifNoneMatch = req.headers["if-none-match"];
        if (ifNoneMatch && ifNoneMatch.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
          res.writeHead(304, headers);
          res.end();
          return;
        }
        const body = acceptsGzip(req) ? await assets.gzipped(asset) : asset.body;
        if (body !== asset.body) headers["content-encoding"] = "gzip";
        headers["content-length"] = String(body.length);
        res.writeHead(200, headers);
        res.end(body);
      },
    },
  ];
}
