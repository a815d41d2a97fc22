import { createHash } from "node:crypto";
import { startTestApp, TestApp } from "../helpers/app";
import { createOrg, count, OrgFixture } from "../helpers/fixtures";
import { Running, startServer, stopServer } from "../helpers/server";
import { textProblem, textProblems } from "../../src/common/text";

/**
 * Issue 11: a NUL character or a lone surrogate anywhere in a text a client sends is BAD_USER_INPUT
 * naming the field, before any statement runs (PostgreSQL can't store U+0000; a lone surrogate
 * would be stored as U+FFFD); and the few request mistakes graphql-js and Apollo raise without a code
 * are answered with one. Never INTERNAL_SERVER_ERROR.
 */
describe("text hygiene and requests the libraries refuse", () => {
  let app: TestApp;
  let org: OrgFixture;
  let server: Running;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Hygiene");
    server = await startServer(app.db, { production: false });
  });
  afterAll(async () => {
    await stopServer(server);
    await app.close();
  });

  const post = async (body: unknown) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${app.key}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] } };
  };

  it("names what is wrong with one string", () => {
    expect(textProblem("plain text, é, 😀, \ud83d\ude00")).toBeNull();
    expect(textProblem("a\u0000b")).toBe("must not contain the NUL character (U+0000)");
    expect(textProblem("x\ud800")).toBe("must be valid Unicode text (it holds a lone surrogate U+D800)");
    expect(textProblem("\udfffx")).toBe("must be valid Unicode text (it holds a lone surrogate U+DFFF)");
    expect(textProblems({ a: ["ok", "b\u0000"], c: { "k\u0000": 1 } }, "dimensions")).toEqual([
      { field: "dimensions.a.1", message: "dimensions.a.1: must not contain the NUL character (U+0000)" },
      { field: "dimensions.c", message: "dimensions.c: a key must not contain the NUL character (U+0000)" },
    ]);
  });

  it("refuses a NUL in a mutation's input, inline or as a variable, and writes nothing", async () => {
    const before = await count(app, "stakeholders");
    const asVariable = await post({
      query: `mutation($input: CreateStakeholderInput!) { createStakeholder(input: $input) { id } }`,
      variables: { input: { organizationId: org.id, kind: "CUSTOMER", externalRef: "C-\u0000-1" } },
    });
    expect(asVariable.status).toBe(400);
    expect(asVariable.json.errors).toEqual([
      { message: "input.externalRef: must not contain the NUL character (U+0000)", extensions: { code: "BAD_USER_INPUT", field: "input.externalRef" } },
    ]);
    const inline = await post({
      query: `mutation { createStakeholder(input: { organizationId: "${org.id}", kind: CUSTOMER, externalRef: "C-\\u0000-2" }) { id } }`,
    });
    expect(inline.status).toBe(400);
    expect(inline.json.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.externalRef" });
    expect(await count(app, "stakeholders")).toBe(before);
  });

  it("refuses a lone surrogate in a filter, and a NUL inside a fragment's arguments", async () => {
    const filter = await post({
      query: `query($f: StakeholderFilter) { stakeholders(organizationId: "${org.id}", first: 1, filter: $f) { totalCount } }`,
      variables: { f: { region: "North\ud800" } },
    });
    expect(filter.status).toBe(400);
    expect(filter.json.errors?.[0]).toEqual({
      message: "filter.region: must be valid Unicode text (it holds a lone surrogate U+D800)",
      extensions: { code: "BAD_USER_INPUT", field: "filter.region" },
    });
    const fragment = await post({
      query: `query { ...F } fragment F on Query { feedbackResponses(organizationId: "${org.id}", first: 1, filter: { text: "broken\\u0000" }) { totalCount } }`,
    });
    expect(fragment.status).toBe(400);
    expect(fragment.json.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "filter.text" });
  });

  it("refuses a NUL in a long text (a report narrative) and leaves clean requests alone", async () => {
    const period = { from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z" };
    const bad = await post({
      query: `mutation($i: SetReportNarrativeInput!) { setReportNarrative(input: $i) { text } }`,
      variables: { i: { organizationId: org.id, ...period, text: "First quarter.\n\nAll well\u0000" } },
    });
    expect(bad.json.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.text" });
    const good = await post({
      query: `mutation($i: SetReportNarrativeInput!) { setReportNarrative(input: $i) { text } }`,
      variables: { i: { organizationId: org.id, ...period, text: "First quarter: all well 😀" } },
    });
    expect(good.json.errors).toBeUndefined();
    expect(good.json.data).toEqual({ setReportNarrative: { text: "First quarter: all well 😀" } });
  });

  it("answers more than 50 bad variable values with BAD_USER_INPUT only (HTTP 400)", async () => {
    const r = await post({
      query: `query($s: [ActionStatus!]) { actions(organizationId: "${org.id}", first: 1, filter: { status: $s }) { totalCount } }`,
      variables: { s: Array.from({ length: 60 }, (_, i) => `BAD${i}`) },
    });
    expect(r.status).toBe(400);
    // graphql-js reports the first 50, then stops with one more error: 51 in all, every one BAD_USER_INPUT.
    expect(r.json.errors).toHaveLength(51);
    expect(new Set(r.json.errors!.map((e) => e.extensions.code))).toEqual(new Set(["BAD_USER_INPUT"]));
    expect(r.json.errors![50].message).toBe("Too many invalid variable values: the first 50 are reported above; nothing was run");
  });

  it("answers a persisted query whose hash is not the query's with BAD_REQUEST (HTTP 400), and one that matches normally", async () => {
    const query = "{ me { kind } }";
    const wrong = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.errors).toEqual([{ message: "The persisted query's sha256Hash is not the SHA-256 of the query sent with it", extensions: { code: "BAD_REQUEST" } }]);
    const version = await post({ query, extensions: { persistedQuery: { version: 2, sha256Hash: "0".repeat(64) } } });
    expect(version.status).toBe(400);
    expect(version.json.errors?.[0].extensions.code).toBe("BAD_REQUEST");
    const right = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: createHash("sha256").update(query).digest("hex") } } });
    expect(right.status).toBe(200);
    expect(right.json.data).toEqual({ me: { kind: "MEMBER" } });
  });

  it("answers a subscription with GRAPHQL_VALIDATION_FAILED (HTTP 400): there are none", async () => {
    const r = await post({ query: "subscription { me { kind } }" });
    expect(r.status).toBe(400);
    expect(r.json.errors).toEqual([
      { message: "Subscriptions are not supported by this API: use a query, or poll", locations: [{ line: 1, column: 1 }], extensions: { code: "GRAPHQL_VALIDATION_FAILED" } },
    ]);
  });

  it("never logs any of the above as an unexpected error", () => {
    expect(server.logged.filter((e) => e.msg === "unexpected error")).toEqual([]);
  });
});
