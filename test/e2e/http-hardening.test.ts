import { Running, startServer, stopServer } from "../helpers/server";
import { idOf, startTestApp, TestApp } from "../helpers/app";
import { createOrg } from "../helpers/fixtures";
import { MAX_BODY_BYTES, ServerOptions } from "../../src/server";
import { MAX_BATCH, MAX_BATCH_JSON_BYTES } from "../../src/common/batch";
import { DEFAULT_LIMITS, Limits } from "../../src/common/hardening";
import { keyPrefix, withOtherSecret } from "../helpers/keys";

/**
 * The real HTTP surface (node:http + Apollo): authentication, query limits, body size,
 * rate limit, introspection, CSRF prevention, and that no error leaks internals.
 */


interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** Every error response seen in this file: checked once more at the end for leaks. */
const errorBodies: { what: string; text: string }[] = [];

const STACK_FRAME = /\bat\s+(?:async\s+)?[\w$.<>\[\] ]*\s*\(?(?:\/|node:|file:)[^)"\s]*:\d+:\d+|\n\s+at\s/;

/** Internals a client must never see: stack traces, SQL, file paths. */
function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/stacktrace/i);
  expect(text).not.toMatch(/"stack"/i);
  expect(text).not.toMatch(/SELECT/);
  expect(text).not.toMatch(/node_modules/);
  expect(text).not.toMatch(STACK_FRAME);
  expect(text).not.toMatch(/\/work\/|\.ts:\d+|\.js:\d+/);
}

function start(db: TestApp["db"], options: ServerOptions): Promise<Running> {
  return startServer(db, options);
}

const stop = stopServer;

async function reply(response: Response, what: string): Promise<Reply> {
  const text = await response.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.status >= 400 || (json && Array.isArray(json.errors) && json.errors.length)) errorBodies.push({ what, text });
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs a GraphQL operation as JSON. */
async function post(
  server: Running,
  query: string,
  options: { key?: string | null; headers?: Record<string, string>; variables?: Record<string, unknown>; via?: "bearer" | "x-api-key" } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { "content-type": "application/json", ...(options.headers ?? {}) };
  if (options.key) {
    if (options.via === "x-api-key") headers["x-api-key"] = options.key;
    else headers.authorization = `Bearer ${options.key}`;
  }
  const response = await fetch(`${server.url}/graphql`, { method: "POST", headers, body: JSON.stringify({ query, variables: options.variables }) });
  return reply(response, query.slice(0, 80));
}

function firstError(r: Reply): { message: string; extensions?: Record<string, any> } {
  expect(r.json).toBeDefined();
  expect(Array.isArray(r.json.errors)).toBe(true);
  expect(r.json.errors.length).toBeGreaterThan(0);
  return r.json.errors[0];
}

/** A refused operation: the given code, no data at all, nothing internal in the body. */
function expectRefused(r: Reply, code: string): { message: string; extensions?: Record<string, any> } {
  const error = firstError(r);
  expect(error.extensions?.code).toBe(code);
  expect(r.json.data ?? null).toBeNull();
  expectNoLeak(r.text);
  return error;
}

/**
 * organizations -> edges -> node -> (lifecycles -> stages -> lifecycle -> organization) x rounds -> id.
 * Depth (fields): 3 + 4 * rounds + 1.
 */
function deepSelection(rounds: number): string {
  let inner = "id";
  for (let i = 0; i < rounds; i++) inner = `lifecycles { stages { lifecycle { organization { ${inner} } } } }`;
  return inner;
}

function deepQuery(rounds: number): string {
  return `query { organizations(first: 1) { edges { node { ${deepSelection(rounds)} } } } }`;
}

/** The same deep selection hidden in a fragment named like the introspection field. */
function deepQueryInSchemaFragment(rounds: number): string {
  return `query { organizations(first: 1) { ...__schema } } fragment __schema on OrganizationConnection { edges { node { ${deepSelection(rounds)} } } }`;
}

function stakeholdersQuery(organizationId: string, first: number | string): string {
  return `query${typeof first === "string" ? "($n: Int)" : ""} {
    stakeholders(organizationId: "${organizationId}", first: ${first}) { edges { node { id journey(first: ${first}) { edges { node { id } } } } } }
  }`;
}

/** The rate limiter counts per minute of its clock: a clock that stands still keeps a burst inside one window, however slow the machine. */
const STILL_CLOCK = () => Date.UTC(2026, 0, 1, 12, 0, 30);

describe("HTTP hardening", () => {
  let test: TestApp;
  let orgId: string;
  let adminKey: string;
  let otherAdminKey: string;
  let defaults: Running;

  beforeAll(async () => {
    test = await startTestApp();
    orgId = (await createOrg(test, "Hardening Org")).id;
    adminKey = await test.issue("MEMBER", [{ organizationId: orgId, role: "ADMIN" }], "hardening admin");
    otherAdminKey = await test.issue("MEMBER", [{ organizationId: orgId, role: "ADMIN" }], "second admin");
    defaults = await start(test.db, { production: false });
  });

  afterAll(async () => {
    await stop(defaults);
    await test?.close();
  });

  describe("authentication", () => {
    it("refuses a request without a key with HTTP 401 UNAUTHENTICATED", async () => {
      const r = await post(defaults, `{ me { keyId } }`, { key: null });
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe("Bearer");
      const error = expectRefused(r, "UNAUTHENTICATED");
      expect(error.message).toMatch(/API key is required/);
    });

    it("refuses a malformed key", async () => {
      for (const key of ["not-a-key", "dbl_short_secret", `dbl_ABCDEFGHIJ_${"a".repeat(43)}`]) {
        const r = await post(defaults, `{ me { keyId } }`, { key });
        expect(r.status).toBe(401);
        expect(expectRefused(r, "UNAUTHENTICATED").message).toBe("The API key is malformed");
      }
    });

    it("takes a key sent as `Authorization: <key>` without Bearer, and names a credential of another scheme", async () => {
      const bare = await post(defaults, `{ me { kind } }`, { key: null, headers: { authorization: adminKey } });
      expect(bare.status).toBe(200);
      expect(bare.json.data).toEqual({ me: { kind: "MEMBER" } });
      const basic = await post(defaults, `{ me { kind } }`, { key: null, headers: { authorization: "Basic dXNlcjpwYXNz" } });
      expect(basic.status).toBe(401);
      expect(expectRefused(basic, "UNAUTHENTICATED").message).toBe(
        "The Authorization header holds a Basic credential: send the API key as `Authorization: Bearer <key>` or `X-Api-Key: <key>`",
      );
      const junk = await post(defaults, `{ me { kind } }`, { key: null, headers: { authorization: "not-a-key" } });
      expect(expectRefused(junk, "UNAUTHENTICATED").message).toBe("The API key is malformed"); // a key was sent: not "required"
    });

    it("refuses a well-formed key that does not exist, and a known prefix with a wrong secret", async () => {
      const unknown = `dbl_zzzzzzzzzz_${"A".repeat(43)}`;
      const r = await post(defaults, `{ me { keyId } }`, { key: unknown });
      expect(r.status).toBe(401);
      expect(expectRefused(r, "UNAUTHENTICATED").message).toBe("The API key is not valid");

      const wrongSecret = withOtherSecret(adminKey);
      expect(wrongSecret).not.toBe(adminKey);
      const w = await post(defaults, `{ me { keyId } }`, { key: wrongSecret });
      expect(w.status).toBe(401);
      expect(expectRefused(w, "UNAUTHENTICATED").message).toBe("The API key is not valid");
    });

    it("accepts the key as `Authorization: Bearer` and as `X-Api-Key`, and records when it was used", async () => {
      const key = await test.issue("MEMBER", [{ organizationId: orgId, role: "STAFF" }], "fresh key");
      const prefix = keyPrefix(key);
      const before = await test.db.query(`SELECT id, last_used_at FROM api_keys WHERE prefix = $1`, [prefix]);
      expect(before).toHaveLength(1);
      expect(before[0].last_used_at).toBeNull();

      const bearer = await post(defaults, `{ me { keyId name kind grants { organizationId role } } }`, { key, via: "bearer" });
      expect(bearer.status).toBe(200);
      expect(bearer.json.errors).toBeUndefined();
      expect(bearer.json.data.me).toEqual({ keyId: idOf("ApiKey", before[0].id, before[0].id), name: "fresh key", kind: "MEMBER", grants: [{ organizationId: orgId, role: "STAFF" }] });

      const after = await test.db.query(`SELECT last_used_at FROM api_keys WHERE prefix = $1`, [prefix]);
      expect(after[0].last_used_at).toBeInstanceOf(Date);
      expect(Date.now() - (after[0].last_used_at as Date).getTime()).toBeLessThan(60000);

      const header = await post(defaults, `{ me { keyId } }`, { key, via: "x-api-key" });
      expect(header.status).toBe(200);
      expect(header.json).toEqual({ data: { me: { keyId: idOf("ApiKey", before[0].id, before[0].id) } } });

      // The scheme is case-insensitive; surrounding spaces are ignored.
      const lower = await fetch(`${defaults.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `bearer   ${key}` },
        body: JSON.stringify({ query: "{ me { keyId } }" }),
      });
      expect(lower.status).toBe(200);
      expect(await lower.json()).toEqual({ data: { me: { keyId: idOf("ApiKey", before[0].id, before[0].id) } } });
    });

    it("refuses a key revoked through revokeApiKey by an admin of the issuing organization", async () => {
      const created = await post(
        defaults,
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id revokedAt } } }`,
        { key: adminKey, variables: { input: { organizationId: orgId, role: "STAFF", name: "to be revoked" } } },
      );
      expect(created.status).toBe(200);
      expect(created.json.errors).toBeUndefined();
      const { key, apiKey } = created.json.data.createApiKey;
      expect(apiKey.revokedAt).toBeNull();

      const works = await post(defaults, `{ me { keyId } }`, { key });
      expect(works.status).toBe(200);
      expect(works.json.data.me.keyId).toBe(apiKey.id);

      const revoked = await post(defaults, `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { key: adminKey, variables: { id: apiKey.id } });
      expect(revoked.status).toBe(200);
      expect(revoked.json.errors).toBeUndefined();
      expect(revoked.json.data.revokeApiKey.id).toBe(apiKey.id);
      expect(typeof revoked.json.data.revokeApiKey.revokedAt).toBe("string");

      for (const via of ["bearer", "x-api-key"] as const) {
        const r = await post(defaults, `{ me { keyId } }`, { key, via });
        expect(r.status).toBe(401);
        expect(expectRefused(r, "UNAUTHENTICATED").message).toBe("The API key has been revoked");
      }
    });

    it("refuses a key revoked directly in the database", async () => {
      const key = await test.issue("MEMBER", [{ organizationId: orgId, role: "STAFF" }], "revoked in sql");
      expect((await post(defaults, `{ me { keyId } }`, { key })).status).toBe(200);
      await test.db.query(`UPDATE api_keys SET revoked_at = now() WHERE prefix = $1`, [keyPrefix(key)]);
      const r = await post(defaults, `{ me { keyId } }`, { key });
      expect(r.status).toBe(401);
      expectRefused(r, "UNAUTHENTICATED");
    });
  });

  describe("depth limit", () => {
    it("accepts a query at the default depth limit and refuses one past it", async () => {
      // 3 + 4*2 + 1 = 12 levels: exactly the default limit.
      expect(DEFAULT_LIMITS.maxDepth).toBe(12);
      const atLimit = await post(defaults, deepQuery(2), { key: adminKey });
      expect(atLimit.status).toBe(200);
      expect(atLimit.json.errors).toBeUndefined();
      expect(atLimit.json.data.organizations.edges).toHaveLength(1);

      // 3 + 4*3 + 1 = 16 levels.
      const r = await post(defaults, deepQuery(3), { key: adminKey });
      expect(r.status).toBe(400);
      const error = expectRefused(r, "GRAPHQL_VALIDATION_FAILED");
      expect(error.message).toMatch(/depth/i);
      expect(error.message).toContain("12");
      expect(r.json.data).toBeUndefined();
    });

    it("refuses a very deep query the same way", async () => {
      const r = await post(defaults, deepQuery(10), { key: adminKey });
      expect(r.status).toBe(400);
      expect(expectRefused(r, "GRAPHQL_VALIDATION_FAILED").message).toMatch(/depth limit of 12/i);
    });

    it("does not let a fragment named __schema bypass the depth limit (regression)", async () => {
      const r = await post(defaults, deepQueryInSchemaFragment(3), { key: adminKey });
      expect(r.status).toBe(400);
      const error = expectRefused(r, "GRAPHQL_VALIDATION_FAILED");
      expect(error.message).toMatch(/depth/i);
      expect(r.json.data).toBeUndefined();

      const deeper = await post(defaults, deepQueryInSchemaFragment(10), { key: adminKey });
      expect(deeper.status).toBe(400);
      expect(expectRefused(deeper, "GRAPHQL_VALIDATION_FAILED").message).toMatch(/depth/i);
    });

    it("applies an explicit depth limit", async () => {
      const strict = await start(test.db, { production: false, limits: { ...DEFAULT_LIMITS, maxDepth: 5 } });
      try {
        // organizations { edges { node { lifecycles { id } } } }: 5 levels.
        const ok = await post(strict, `{ organizations { edges { node { lifecycles { id } } } } }`, { key: adminKey });
        expect(ok.status).toBe(200);
        expect(ok.json.errors).toBeUndefined();
        const r = await post(strict, `{ organizations { edges { node { lifecycles { stages { id } } } } } }`, { key: adminKey });
        expect(r.status).toBe(400);
        expect(expectRefused(r, "GRAPHQL_VALIDATION_FAILED").message).toMatch(/depth limit of 5/i);
        const viaFragment = await post(
          strict,
          `{ organizations { ...__schema } } fragment __schema on OrganizationConnection { edges { node { lifecycles { stages { id } } } } }`,
          { key: adminKey },
        );
        expect(viaFragment.status).toBe(400);
        expect(expectRefused(viaFragment, "GRAPHQL_VALIDATION_FAILED").message).toMatch(/depth limit of 5/i);
      } finally {
        await stop(strict);
      }
    });
  });

  describe("cost limit", () => {
    it("refuses a query whose nested pages multiply past the default limit", async () => {
      expect(DEFAULT_LIMITS.maxCost).toBe(50000);
      const r = await post(defaults, stakeholdersQuery(orgId, 500), { key: adminKey });
      expect(r.status).toBe(400);
      const error = expectRefused(r, "QUERY_TOO_COSTLY");
      expect(error.message).toContain("50000");
      expect(error.message).toMatch(/limit/);
      expect(error.extensions?.maxCost).toBe(50000);
      expect(error.extensions?.cost).toBeGreaterThan(50000);
      expect(error.extensions?.http).toBeUndefined();
    });

    it("counts `first` given through variables", async () => {
      const r = await post(defaults, stakeholdersQuery(orgId, "$n"), { key: adminKey, variables: { n: 500 } });
      expect(r.status).toBe(400);
      const error = expectRefused(r, "QUERY_TOO_COSTLY");
      expect(error.message).toContain("50000");
    });

    it("lets a modest query through, with literal and variable `first`", async () => {
      const r = await post(defaults, stakeholdersQuery(orgId, 10), { key: adminKey });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ data: { stakeholders: { edges: [] } } });
      const v = await post(defaults, stakeholdersQuery(orgId, "$n"), { key: adminKey, variables: { n: 10 } });
      expect(v.status).toBe(200);
      expect(v.json).toEqual({ data: { stakeholders: { edges: [] } } });
    });

    it("applies an explicit cost limit", async () => {
      const strict = await start(test.db, { production: false, limits: { ...DEFAULT_LIMITS, maxCost: 300 } });
      try {
        // first: 10 costs 1 + 10 * (1 + 1 + 1 + (1 + 10 * 3)) = 341; first: 5 costs 96.
        const r = await post(strict, stakeholdersQuery(orgId, 10), { key: adminKey });
        expect(r.status).toBe(400);
        const error = expectRefused(r, "QUERY_TOO_COSTLY");
        expect(error.message).toContain("300");
        const ok = await post(strict, stakeholdersQuery(orgId, 5), { key: adminKey });
        expect(ok.status).toBe(200);
        expect(ok.json.errors).toBeUndefined();
      } finally {
        await stop(strict);
      }
    });
  });

  describe("aliases, directives and tokens", () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { keyId }`).join(" ")} }`;

    it("refuses an alias flood", async () => {
      const r = await post(defaults, aliases(50), { key: adminKey });
      expect(r.status).toBe(400);
      const error = expectRefused(r, "GRAPHQL_VALIDATION_FAILED");
      expect(error.message).toMatch(/aliases/i);
      expect(error.message).toContain(String(DEFAULT_LIMITS.maxAliases));
    });

    it("accepts aliases up to the limit", async () => {
      const r = await post(defaults, aliases(DEFAULT_LIMITS.maxAliases), { key: adminKey });
      expect(r.status).toBe(200);
      expect(r.json.errors).toBeUndefined();
      expect(Object.keys(r.json.data)).toHaveLength(DEFAULT_LIMITS.maxAliases);
    });

    it("refuses a directive flood on one field", async () => {
      const r = await post(defaults, `{ me { keyId ${"@include(if: true) ".repeat(50)}} }`, { key: adminKey });
      expect(r.status).toBe(400);
      const error = expectRefused(r, "GRAPHQL_VALIDATION_FAILED");
      expect(error.message).toMatch(/directive/i);
    });

    it("refuses a directive flood spread over fields", async () => {
      const fields = Array.from({ length: 50 }, () => `keyId @include(if: true)`).join(" ");
      const r = await post(defaults, `{ me { ${fields} } }`, { key: adminKey });
      expect(r.status).toBe(400);
      const error = expectRefused(r, "GRAPHQL_VALIDATION_FAILED");
      expect(error.message).toMatch(/directives limit of 20/i);
    });

    it("refuses a query of more tokens than the limit at parse time", async () => {
      const r = await post(defaults, `{ ${"__typename ".repeat(5000)}}`, { key: adminKey });
      expect(r.status).toBe(400);
      const error = expectRefused(r, "GRAPHQL_PARSE_FAILED");
      expect(error.message).toMatch(/tokens/i);
      expect(error.message).toContain(String(DEFAULT_LIMITS.maxTokens));
    });

    it("applies explicit alias, directive and token limits", async () => {
      const limits: Limits = { maxDepth: 12, maxAliases: 3, maxDirectives: 2, maxTokens: 100, maxCost: 50000 };
      const strict = await start(test.db, { production: false, limits });
      try {
        const a = await post(strict, aliases(4), { key: adminKey });
        expect(a.status).toBe(400);
        expect(expectRefused(a, "GRAPHQL_VALIDATION_FAILED").message).toMatch(/aliases limit of 3/i);
        const okAliases = await post(strict, aliases(3), { key: adminKey });
        expect(okAliases.status).toBe(200);

        const d = await post(strict, `{ me { keyId @include(if: true) name @include(if: true) kind @skip(if: false) } }`, { key: adminKey });
        expect(d.status).toBe(400);
        expect(expectRefused(d, "GRAPHQL_VALIDATION_FAILED").message).toMatch(/directives limit of 2/i);

        const t = await post(strict, `{ ${"__typename ".repeat(120)}}`, { key: adminKey });
        expect(t.status).toBe(400);
        expect(expectRefused(t, "GRAPHQL_PARSE_FAILED").message).toMatch(/more tha[nt] 100 tokens/i); // graphql-js writes "more that N tokens"
      } finally {
        await stop(strict);
      }
    });
  });

  describe("body size", () => {
    it("answers 413 PAYLOAD_TOO_LARGE to a body over the limit and keeps serving", async () => {
      expect(MAX_BODY_BYTES).toBe(7_000_000 + 1_048_576);
      const padding = "x".repeat(MAX_BODY_BYTES + 10);
      const response = await fetch(`${defaults.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ query: "{ me { keyId } }", variables: { padding } }),
      });
      const r = await reply(response, "body over the limit");
      expect(r.status).toBe(413);
      expectRefused(r, "PAYLOAD_TOO_LARGE");
      expect(firstError(r).message).toBe(
        "The request body is larger than 8048576 bytes (a batch's items take at most 7000000 bytes as JSON: send smaller batches)",
      );

      const next = await post(defaults, `{ me { keyId } }`, { key: adminKey });
      expect(next.status).toBe(200);
      expect(next.json.errors).toBeUndefined();
      expect(typeof next.json.data.me.keyId).toBe("string");
    });

    it("refuses an oversized body sent without Content-Length (chunked)", async () => {
      const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent * chunk.length > MAX_BODY_BYTES + chunk.length) controller.close();
          else {
            sent += 1;
            controller.enqueue(chunk);
          }
        },
      });
      let status: number | "failed";
      let text = "";
      try {
        const response = await fetch(`${defaults.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
          body,
          duplex: "half",
        } as RequestInit);
        status = response.status;
        text = await response.text();
      } catch {
        // The server may close the connection before the client finishes sending.
        status = "failed";
      }
      if (status !== "failed") {
        expect(status).toBe(413);
        expect(JSON.parse(text).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
        errorBodies.push({ what: "chunked body", text });
      }
      const next = await post(defaults, `{ me { keyId } }`, { key: adminKey });
      expect(next.status).toBe(200);
      expect(next.json.errors).toBeUndefined();
    });
  });

  describe("the largest legal batch", () => {
    let survey: string;
    const SUBMIT = `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { valid rejected } }`;
    /** 1000 items whose compact JSON takes exactly `bytes` bytes: comments of three-byte characters (語) and ASCII to make up the rest. */
    const itemsOf = (bytes: number) => {
      const item = (n: number, comment: string) => ({
        clientSubmissionId: `big-${String(n).padStart(4, "0")}`,
        surveyId: survey,
        newBeneficiary: { externalRef: `BIG-${String(n).padStart(4, "0")}` },
        collectedAt: "2026-03-02T08:00:00Z",
        answers: [{ key: "nps", value: 9 }],
        comment,
      });
      const bare = Buffer.byteLength(JSON.stringify(Array.from({ length: MAX_BATCH }, (_, n) => item(n, ""))));
      const each = Math.floor((bytes - bare) / MAX_BATCH);
      const extra = bytes - bare - each * MAX_BATCH; // the first `extra` items take one byte more
      return Array.from({ length: MAX_BATCH }, (_, n) => {
        const size = each + (n < extra ? 1 : 0);
        return item(n, "語".repeat(Math.floor(size / 3)) + "x".repeat(size % 3));
      });
    };
    const send = (body: string) =>
      fetch(`${defaults.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` }, body }).then((r) => reply(r, "big batch"));

    beforeAll(async () => {
      const admin = test.as(adminKey);
      survey = (
        await admin.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
          i: { organizationId: orgId, name: "Big", audience: "BENEFICIARY", questions: [{ key: "nps", type: "NPS", text: "Recommend?", required: true }] },
        })
      ).createSurvey.id;
    });

    it("fits through the door, even pretty-printed, and one byte more is refused whole with BAD_USER_INPUT", async () => {
      const largest = itemsOf(MAX_BATCH_JSON_BYTES);
      expect(Buffer.byteLength(JSON.stringify(largest))).toBe(7_000_000);
      // Each comment: (7,000,000 - the items without comments) / 1000 bytes, about 6,800: 2,2xx characters of 語, within the 4,000 allowed.
      expect(largest[999].comment!.length).toBeLessThan(4000);
      const pretty = JSON.stringify({ query: SUBMIT, variables: { i: { organizationId: orgId, dryRun: true, items: largest } } }, null, 2);
      expect(Buffer.byteLength(pretty)).toBeLessThan(MAX_BODY_BYTES);
      const fits = await send(pretty);
      expect(fits.status).toBe(200);
      expect(fits.json).toEqual({ data: { submitFeedback: { valid: 1000, rejected: 0 } } });

      const over = await send(JSON.stringify({ query: SUBMIT, variables: { i: { organizationId: orgId, dryRun: true, items: itemsOf(MAX_BATCH_JSON_BYTES + 1) } } }));
      expect(over.status).toBe(200);
      expect(over.json.data).toBeNull();
      expect(over.json.errors).toEqual([
        {
          message: "the batch's items take 7000001 bytes as JSON; at most 7000000: send them in smaller batches (nothing was stored)",
          locations: [{ line: 1, column: 38 }], // "mutation($i: SubmitFeedbackInput!) { " is 37 characters
          path: ["submitFeedback"],
          extensions: { code: "BAD_USER_INPUT", field: "input.items" },
        },
      ]);
    });

    it("takes the issue's example: 1000 items with 1,500-character comments (1.9 MB)", async () => {
      const items = itemsOf(MAX_BATCH_JSON_BYTES).map((item) => ({ ...item, comment: "a few words of feedback. ".repeat(60) }));
      expect(items[0].comment.length).toBe(1500);
      const r = await send(JSON.stringify({ query: SUBMIT, variables: { i: { organizationId: orgId, dryRun: true, items } } }));
      expect(r.json).toEqual({ data: { submitFeedback: { valid: 1000, rejected: 0 } } });
    });
  });

  describe("rate limit", () => {
    it("answers 429 RATE_LIMITED with Retry-After past the per-key limit, without affecting other keys", async () => {
      const limited = await start(test.db, { production: false, rateLimitPerMinute: 5, clock: STILL_CLOCK });
      try {
        for (let i = 1; i <= 5; i++) {
          const r = await post(limited, `{ me { keyId } }`, { key: adminKey });
          expect({ i, status: r.status }).toEqual({ i, status: 200 });
        }
        const sixth = await post(limited, `{ me { keyId } }`, { key: adminKey });
        expect(sixth.status).toBe(429);
        const error = expectRefused(sixth, "RATE_LIMITED");
        expect(error.message).toMatch(/limit 5 a minute/);
        const retryAfter = Number(sixth.headers.get("retry-after"));
        expect(retryAfter).toBe(30); // the still clock stands 30 s into its minute

        // Same key through the other header: still limited (the limit is per key, not per header).
        const viaHeader = await post(limited, `{ me { keyId } }`, { key: adminKey, via: "x-api-key" });
        expect(viaHeader.status).toBe(429);

        // Another key has its own budget.
        const other = await post(limited, `{ me { keyId } }`, { key: otherAdminKey });
        expect(other.status).toBe(200);
        expect(other.json.errors).toBeUndefined();

        // Unauthenticated requests are refused as such, not as rate limited.
        const anonymous = await post(limited, `{ me { keyId } }`, { key: null });
        expect(anonymous.status).toBe(401);
      } finally {
        await stop(limited);
      }
    });
  });

  describe("introspection and suggestions", () => {
    it("refuses introspection and hides field suggestions in production", async () => {
      const prod = await start(test.db, { production: true });
      try {
        const r = await post(prod, `{ __schema { types { name } } }`, { key: adminKey });
        expect(r.status).toBe(400);
        const error = expectRefused(r, "GRAPHQL_VALIDATION_FAILED");
        expect(error.message).toMatch(/introspection/i);
        expect(r.text).not.toMatch(/"types"/);

        const type = await post(prod, `{ __type(name: "Organization") { fields { name } } }`, { key: adminKey });
        expect(type.status).toBe(400);
        expectRefused(type, "GRAPHQL_VALIDATION_FAILED");

        const typo = await post(prod, `{ organizationz { totalCount } }`, { key: adminKey });
        expect(typo.status).toBe(400);
        const typoError = expectRefused(typo, "GRAPHQL_VALIDATION_FAILED");
        expect(typoError.message).toMatch(/organizationz/);
        expect(typo.text).not.toMatch(/Did you mean/i);
        expect(typo.text).not.toMatch(/"organizations"/);

        const argTypo = await post(prod, `{ organizations(frist: 1) { totalCount } }`, { key: adminKey });
        expect(argTypo.status).toBe(400);
        expectRefused(argTypo, "GRAPHQL_VALIDATION_FAILED");
        expect(argTypo.text).not.toMatch(/Did you mean/i);

        // Ordinary queries still work.
        const ok = await post(prod, `{ organizations { totalCount } }`, { key: adminKey });
        expect(ok.status).toBe(200);
        expect(ok.json).toEqual({ data: { organizations: { totalCount: 1 } } });
      } finally {
        await stop(prod);
      }
    });

    it("allows introspection outside production", async () => {
      const r = await post(defaults, `{ __schema { types { name } } }`, { key: adminKey });
      expect(r.status).toBe(200);
      expect(r.json.errors).toBeUndefined();
      const names = (r.json.data.__schema.types as { name: string }[]).map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(["Organization", "Stakeholder", "Query", "Mutation"]));
    });
  });

  describe("CSRF prevention", () => {
    it("refuses a simple GET request without a preflight header", async () => {
      const query = encodeURIComponent("{me{keyId}}");
      const response = await fetch(`${defaults.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${adminKey}` } });
      const r = await reply(response, "GET without preflight");
      expect(r.status).toBe(400);
      expect(r.text).not.toMatch(/keyId"\s*:/);
      expectNoLeak(r.text);
      expect(r.text).toMatch(/Cross-Site Request Forgery|CSRF|apollo-require-preflight/i);
    });

    it("refuses a POST with a simple content type (text/plain)", async () => {
      const response = await fetch(`${defaults.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "text/plain", authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ query: "{ me { keyId } }" }),
      });
      const r = await reply(response, "text/plain POST");
      expect(r.status).toBe(400);
      expectNoLeak(r.text);
    });

    it("accepts a GET with apollo-require-preflight and a POST with application/json", async () => {
      const query = encodeURIComponent("{me{keyId}}");
      const get = await fetch(`${defaults.url}/graphql?query=${query}`, { headers: { authorization: `Bearer ${adminKey}`, "apollo-require-preflight": "true" } });
      expect(get.status).toBe(200);
      const getBody: any = await get.json();
      expect(getBody.errors).toBeUndefined();
      expect(typeof getBody.data.me.keyId).toBe("string");

      const r = await post(defaults, `{ me { keyId } }`, { key: adminKey });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ data: { me: { keyId: getBody.data.me.keyId } } });
    });
  });

  describe("other paths", () => {
    it("answers /healthz without a key", async () => {
      const response = await fetch(`${defaults.url}/healthz`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      expect(await response.json()).toEqual({ status: "ok" });
    });

    it("answers an unknown path with a 404 JSON error", async () => {
      for (const path of ["/", "/nope", "/graphql/extra"]) {
        const response = await fetch(`${defaults.url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
        const r = await reply(response, `GET ${path}`);
        expect(r.status).toBe(404);
        expect(r.headers.get("content-type")).toMatch(/application\/json/);
        expect(r.json).toEqual({ errors: [{ message: expect.any(String), extensions: { code: "NOT_FOUND" } }] });
        expectNoLeak(r.text);
      }
    });

    it("answers invalid JSON with 400 BAD_REQUEST", async () => {
      const response = await fetch(`${defaults.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
        body: "{ not json",
      });
      const r = await reply(response, "invalid JSON");
      expect(r.status).toBe(400);
      expectRefused(r, "BAD_REQUEST");
    });
  });

  describe("no internals leak", () => {
    it("no error response seen above carries a stack trace, SQL or a file path", () => {
      // Every describe above adds at least one error body.
      expect(errorBodies.length).toBeGreaterThanOrEqual(30);
      for (const { what, text } of errorBodies) {
        try {
          expectNoLeak(text);
        } catch (e) {
          throw new Error(`${what}: ${text}\n${(e as Error).message}`);
        }
        const body = JSON.parse(text);
        for (const error of body.errors ?? []) {
          expect(error.extensions?.stacktrace).toBeUndefined();
          expect(error.extensions?.exception).toBeUndefined();
        }
      }
      // A refusal is the client's fault and says why: never a masked internal error.
      const internal = errorBodies.filter(({ text }) => /INTERNAL_SERVER_ERROR/.test(text)).map(({ what, text }) => `${what} -> ${text}`);
      expect(internal).toEqual([]);
    });

    it("logged no unexpected errors for these refusals", () => {
      expect(defaults.logged.filter((e) => e.level === "error")).toEqual([]);
    });
  });
});
