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

  it("in a batch, rejects only the items whose text is bad, naming the field, and stores the rest", async () => {
    const questions = [
      { key: "nps", type: "NPS", text: "Would you recommend us?", required: true },
      { key: "why", type: "TEXT", text: "Why?" },
    ];
    const survey = (await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, { i: { organizationId: org.id, name: "Hygiene", audience: "BENEFICIARY", questions } }))
      .createSurvey.id;
    const item = (n: number, extra: Record<string, unknown> = {}) => ({
      clientSubmissionId: `hyg-${n}`,
      surveyId: survey,
      newBeneficiary: { externalRef: `HYG-${n}` },
      collectedAt: "2026-03-02T08:00:00Z",
      answers: [
        { key: "nps", value: 9 },
        { key: "why", value: `fine ${n}` },
      ],
      ...extra,
    });
    const responsesBefore = await count(app, "feedback_responses");
    const feedback = await post({
      query: `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created rejected items { index clientKey status errors { field message } } } }`,
      variables: {
        i: {
          organizationId: org.id,
          items: [
            item(1),
            item(2, { comment: "bad\u0000comment" }),
            item(3, { clientSubmissionId: "hyg-\u0000-3" }),
            item(4, { newBeneficiary: { externalRef: "HYG-\ud800" } }),
            item(5, { answers: [{ key: "nps", value: 9 }, { key: "why", value: "x\u0000" }] }),
            item(6),
          ],
        },
      },
    });
    expect(feedback.status).toBe(200);
    expect(feedback.json.errors).toBeUndefined();
    const NUL = "must not contain the NUL character (U+0000)";
    expect((feedback.json.data as any).submitFeedback).toEqual({
      created: 2,
      rejected: 4,
      items: [
        { index: 0, clientKey: "hyg-1", status: "CREATED", errors: [] },
        { index: 1, clientKey: "hyg-2", status: "REJECTED", errors: [{ field: "comment", message: `comment: ${NUL}` }] },
        // The key itself is not clean text: not echoed back.
        { index: 2, clientKey: null, status: "REJECTED", errors: [{ field: "clientSubmissionId", message: `clientSubmissionId: ${NUL}` }] },
        {
          index: 3,
          clientKey: "hyg-4",
          status: "REJECTED",
          errors: [{ field: "newBeneficiary.externalRef", message: "newBeneficiary.externalRef: must be valid Unicode text (it holds a lone surrogate U+D800)" }],
        },
        { index: 4, clientKey: "hyg-5", status: "REJECTED", errors: [{ field: "answers.1.value", message: `answers.1.value: ${NUL}` }] },
        { index: 5, clientKey: "hyg-6", status: "CREATED", errors: [] },
      ],
    });
    expect(await count(app, "feedback_responses")).toBe(responsesBefore + 2);

    const offering = (await app.ok<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: org.id, name: "Lamp", unitPriceMinor: 1000 } })).createOffering.id;
    const sale = (n: number, clientKey: string) => ({ clientKey, offeringId: offering, occurredAt: `2026-03-0${n}T08:00:00Z`, units: 1, amountMinor: 1000 });
    const sales = await post({
      query: `mutation($i: RecordSalesInput!) { recordSales(input: $i) { created rejected items { index clientKey status errors { field message } } } }`,
      variables: { i: { organizationId: org.id, items: [sale(1, "sale-1"), sale(2, "sale-\u0000"), sale(3, "sale-3")] } },
    });
    expect((sales.json.data as any).recordSales).toEqual({
      created: 2,
      rejected: 1,
      items: [
        { index: 0, clientKey: "sale-1", status: "CREATED", errors: [] },
        { index: 1, clientKey: null, status: "REJECTED", errors: [{ field: "clientKey", message: `clientKey: ${NUL}` }] },
        { index: 2, clientKey: "sale-3", status: "CREATED", errors: [] },
      ],
    });

    const metric = (
      await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
        i: { organizationId: org.id, name: "Lamps in use", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM", impactMode: "IN_USE" },
      })
    ).createMetric.id;
    const observation = (n: number, extra: Record<string, unknown> = {}) => ({ clientKey: `obs-${n}`, metricId: metric, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: String(n), ...extra });
    const observations = await post({
      query: `mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created rejected items { index clientKey status errors { field message } } } }`,
      variables: {
        i: {
          organizationId: org.id,
          items: [observation(1), observation(2, { source: "tablet\u0000" }), observation(3, { dimensions: { region: "North\udc00" } }), observation(4, { dimensions: { region: "North" } })],
        },
      },
    });
    expect((observations.json.data as any).recordObservations).toEqual({
      created: 2,
      rejected: 2,
      items: [
        { index: 0, clientKey: "obs-1", status: "CREATED", errors: [] },
        { index: 1, clientKey: "obs-2", status: "REJECTED", errors: [{ field: "source", message: `source: ${NUL}` }] },
        { index: 2, clientKey: "obs-3", status: "REJECTED", errors: [{ field: "dimensions.region", message: "dimensions.region: must be valid Unicode text (it holds a lone surrogate U+DC00)" }] },
        { index: 3, clientKey: "obs-4", status: "CREATED", errors: [] },
      ],
    });
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
