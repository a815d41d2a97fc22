import { perturb, PERTURBATION_NOTE } from "../../src/common/perturbation";

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { idOf, startTestApp, TestApp } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";
import { createApp, App } from "../../src/server";
import { exportRoutes, REPORT_CSV_COLUMNS, SERIES_CSV_COLUMNS, ANSWERS_CSV_COLUMNS } from "../../src/web/exports";
import { csvField } from "../../src/web/request";
import { parseCsv } from "../helpers/csv";

describe("exports over HTTP", () => {
  let app: TestApp;
  let server: App;
  let base: string;
  let org: OrgFixture;
  let other: OrgFixture;
  let funderKey: string;
  let staffKey: string;
  const Q = "from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z";

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, 'Exports "Org", Ltd', "CUSTOMER_FUNDS_BENEFICIARY");
    other = await createOrg(app, "Other");
    // 4 girls and 12 boys in Uses (IN_USE) from January 10.
    await app.db.query(
      `WITH made AS (
         INSERT INTO stakeholders (organization_id, kind, external_ref, gender, region, current_stage_id, current_stage_entered_at)
         SELECT $1, 'BENEFICIARY', 'X-' || g, CASE WHEN g <= 4 THEN 'FEMALE' ELSE 'MALE' END::gender, 'North', $2, timestamptz '2026-01-10'
           FROM generate_series(1, 16) g RETURNING id, external_ref)
       INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, to_stage_id, occurred_at)
       SELECT $1, id, 'BENEFICIARY', $2, timestamptz '2026-01-10' FROM made`,
      [org.id, org.beneficiaryStages.Uses],
    );
    const metric = (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
      i: { organizationId: org.id, name: "Attendance, %", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "PERCENT", aggregation: "AVERAGE", impactMode: "IN_USE", baselineValue: "20", baselineDate: "2025-12-31", catalogueCode: "PI2389" },
    })).createMetric.id;
    await app.ok(`mutation($i: SetMetricTargetsInput!) { setMetricTargets(input: $i) { id } }`, { i: { metricId: metric, targets: [{ from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "60" }] } });
    await app.ok(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created } }`, {
      i: { organizationId: org.id, items: [{ metricId: metric, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "50", sampleSize: 16 }] },
    });
    // A survey: 3 children walk to school, 13 take the bus.
    const survey = (await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
      i: { organizationId: org.id, name: "Travel", audience: "BENEFICIARY", questions: [{ key: "travel", type: "CHOICE", text: "How?", options: ["Walk", "Bus"] }] },
    })).createSurvey.id;
    const kids: { id: string }[] = await app.db.query(`SELECT id FROM stakeholders WHERE organization_id = $1 ORDER BY external_ref`, [org.id]);
    await app.ok(`mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created } }`, {
      i: {
        organizationId: org.id,
        items: kids.map((k, n) => ({ clientSubmissionId: `t${n}`, surveyId: survey, stakeholderId: idOf("Stakeholder", org.id, k.id), collectedAt: "2026-01-15T00:00:00Z", answers: [{ key: "travel", value: n < 3 ? "Walk" : "Bus" }] })),
      },
    });
    funderKey = await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]);
    staffKey = await app.issue("MEMBER", [{ organizationId: org.id, role: "STAFF" }]);
    server = await createApp(app.db, { production: false, routes: exportRoutes(), log: () => undefined });
    await new Promise<void>((r) => server.http.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.http.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await server.stop();
    if (server.http.listening) await new Promise((r) => server.http.close(r));
    await app.close();
  });

  const get = (path: string, key?: string) => fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  it("serves the report as CSV with its documented columns, small cells suppressed for a funder", async () => {
    const res = await get(`/exports/${org.id}/report.csv?${Q}`, funderKey);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="impact-report.csv"/);
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([...REPORT_CSV_COLUMNS]);
    const col = (name: string) => REPORT_CSV_COLUMNS.indexOf(name as never);
    const gender = rows.filter((r) => r[col("section")] === "disaggregation" && r[col("dimension")] === "GENDER");
    // Total 16 shown; the 4 girls hidden, and the 12 boys too, or 16 - 12 would give them back.
    // The funder's total is adjusted (the cell-key method) by the record keys of the 16, the organization's only stakeholders.
    const [{ keys }] = await app.db.query(`SELECT sum(record_key) AS keys FROM stakeholders WHERE organization_id = $1`, [org.id]);
    expect(gender.map((r) => [r[col("dimension_value")], r[col("actual")], r[col("suppressed")]])).toEqual([
      ["(total)", String(perturb(16, keys, 2)), "false"],
      ["FEMALE", "", "true"],
      ["MALE", "", "true"],
    ]);
    const metric = rows.find((r) => r[col("item")] === "Attendance, %")!;
    expect([metric[col("catalogue_code")], metric[col("baseline")], metric[col("target")], metric[col("actual")], metric[col("attainment")]]).toEqual(["PI2389", "20", "60", "50", "75"]);
    expect(rows.some((r) => r[col("section")] === "note" && /SUPPRESSED/.test(r[col("note")]))).toBe(true);
    // Staff get the real split.
    const staffRows = parseCsv(await (await get(`/exports/${org.id}/report.csv?${Q}`, staffKey)).text());
    expect(staffRows.filter((r) => r[col("dimension")] === "GENDER").map((r) => r[col("actual")])).toEqual(["16", "4", "12"]);
  });

  it("serves the same report as JSON", async () => {
    const res = await get(`/exports/${org.id}/report.json?${Q}`, funderKey);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.report.organization.name).toBe('Exports "Org", Ltd');
    expect(body.report.suppression).toEqual({ applied: true, threshold: 10, perturbationMaximum: 2, note: PERTURBATION_NOTE });
    expect(body.report.disaggregations.find((d: any) => d.dimension === "GENDER").cells).toEqual([
      { value: "FEMALE", count: null, suppressed: true },
      { value: "MALE", count: null, suppressed: true },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/X-\d/);
  });

  it("serves metric series: one row per metric x period x dimension value", async () => {
    const res = await get(`/exports/${org.id}/metric-series.csv?from=2025-12-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=MONTH`, staffKey);
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([...SERIES_CSV_COLUMNS]);
    // One metric x 3 months.
    expect(rows.slice(1).map((r) => [r[1], r[6].slice(0, 10), r[10], r[11]])).toEqual([
      ["Attendance, %", "2025-12-01", "", ""],
      ["Attendance, %", "2026-01-01", "50", "60"],
      ["Attendance, %", "2026-02-01", "", ""],
    ]);
    const json: any = await (await get(`/exports/${org.id}/metric-series.json?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&interval=MONTH`, staffKey)).json();
    expect(json).toEqual([expect.objectContaining({ metric: "Attendance, %", actual: "50", target: "60", attainment: 75, period_from: "2026-01-01T00:00:00.000Z" })]);
  });

  it("serves answer counts per option, collated as a chart shows them, suppressed for a funder", async () => {
    const staffRows = parseCsv(await (await get(`/exports/${org.id}/answers.csv?${Q}`, staffKey)).text());
    expect(staffRows[0]).toEqual([...ANSWERS_CSV_COLUMNS]);
    expect(staffRows.slice(1).map((r) => [r[4], r[5], r[6], r[7]])).toEqual([
      ["Bus", "13", "13", "false"],
      ["Walk", "3", "3", "false"],
    ]);
    // A survey of another organization (or none of any): NOT_FOUND on surveyId, not an empty file.
    const elsewhere = (await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
      i: { organizationId: other.id, name: "Elsewhere", audience: "CUSTOMER", questions: [{ key: "nps", type: "NPS", text: "Recommend?" }] },
    })).createSurvey.id;
    const notHers = await get(`/exports/${org.id}/answers.csv?${Q}&surveyId=${elsewhere}`, staffKey);
    expect(notHers.status).toBe(404);
    expect(((await notHers.json()) as any).errors[0].extensions).toMatchObject({ code: "NOT_FOUND", field: "surveyId" });
    const funderRows = parseCsv(await (await get(`/exports/${org.id}/answers.csv?${Q}`, funderKey)).text());
    // Walk (3) is below k; Bus is hidden too: the 16 respondents of the question are known from the report.
    expect(funderRows.slice(1).map((r) => [r[4], r[5], r[7]])).toEqual([
      ["Bus", "", "true"],
      ["Walk", "", "true"],
    ]);
  });

  it("serves IATI results XML: well-formed, with IATI's element names", async () => {
    const res = await get(`/exports/${org.id}/iati.xml?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=MONTH`, funderKey);
    expect(res.headers.get("content-type")).toMatch(/^application\/xml/);
    const text = await res.text();
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(text);
    const activity = doc["iati-activities"]["iati-activity"];
    expect(doc["iati-activities"]["@version"]).toBe("2.03");
    expect(activity["reporting-org"].narrative).toBe('Exports "Org", Ltd');
    // IATI 2.03 asks for at least one participating organization and one activity date, in this order.
    expect(activity["participating-org"]).toMatchObject({ "@role": "4", "@type": "21", narrative: 'Exports "Org", Ltd' });
    expect(activity["activity-date"]["@type"]).toBe("2");
    expect(activity["activity-date"]["@iso-date"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const order = [...text.matchAll(/^    <([a-z-]+)/gm)].map((m) => m[1]);
    expect(order.slice(0, 7)).toEqual(["iati-identifier", "reporting-org", "title", "description", "participating-org", "activity-status", "activity-date"]);
    const indicator = activity.result.indicator;
    expect(activity.result["@type"]).toBe("2");
    expect(indicator.title.narrative).toBe("Attendance, %");
    expect(indicator["@measure"]).toBe("2");
    expect(indicator.reference).toMatchObject({ "@vocabulary": "99", "@code": "PI2389" });
    expect(indicator.baseline).toMatchObject({ "@year": "2025", "@iso-date": "2025-12-31", "@value": "20" });
    // Two monthly periods; IATI's period-end is the last day, inclusive.
    expect(indicator.period.map((p: any) => [p["period-start"]["@iso-date"], p["period-end"]["@iso-date"], p.target?.["@value"] ?? null, p.actual?.["@value"] ?? null])).toEqual([
      ["2026-01-01", "2026-01-31", "60", "50"],
      ["2026-02-01", "2026-02-28", null, null],
    ]);
  });

  it("answers like GraphQL: no key 401, another organization 403, bad input 400, no internals", async () => {
    const none = await get(`/exports/${org.id}/report.csv?${Q}`);
    expect(none.status).toBe(401);
    const forbidden = await get(`/exports/${other.id}/report.json?${Q}`, funderKey);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as any).errors[0].extensions.code).toBe("FORBIDDEN");
    const bad = await get(`/exports/${org.id}/report.csv?from=soon&to=later`, staffKey);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "from" });
    const reversed = await get(`/exports/${org.id}/metric-series.csv?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, staffKey);
    expect(reversed.status).toBe(400);
    const partner = (await app.ok<any>(`mutation($o: ID!) { createPartner(input: { organizationId: $o, name: "P", kind: FIELD_PARTNER }) { id } }`, { o: org.id })).createPartner.id;
    const fieldKey = await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId: partner }]);
    expect((await get(`/exports/${org.id}/iati.xml?${Q}`, fieldKey)).status).toBe(403);
  });

  it("serves the downloads under the organization's path, like the report pages; the old ?organizationId= URLs redirect there", async () => {
    const old = await fetch(`${base}/exports/report.csv?organizationId=${org.id}&${Q}`, { redirect: "manual" });
    expect(old.status).toBe(308);
    expect(old.headers.get("location")).toBe(`/exports/${org.id}/report.csv?${Q}`);
    // Followed (fetch keeps the key on a same-origin redirect), the same file as the new URL gives.
    const followed = await get(`/exports/report.csv?organizationId=${org.id}&${Q}`, staffKey);
    expect(followed.status).toBe(200);
    expect(await followed.text()).toBe(await (await get(`/exports/${org.id}/report.csv?${Q}`, staffKey)).text());
    const missing = await fetch(`${base}/exports/report.csv?${Q}`, { redirect: "manual" });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).errors[0]).toEqual({ message: "organizationId is missing: the downloads are /exports/<organizationId>/report.csv", extensions: { code: "BAD_USER_INPUT" } });
    const unknown = await get(`/exports/${org.id}/report.pdf`, staffKey);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).errors[0].extensions.code).toBe("NOT_FOUND");
    // The path's organization is the one used, whatever a query parameter says.
    const forced = await get(`/exports/${other.id}/report.json?organizationId=${org.id}&${Q}`, funderKey);
    expect(forced.status).toBe(403);
  });

  it("takes a named period (period=LAST_MONTH) like GraphQL, and refuses an unknown one or one given two ways", async () => {
    const before = new Date();
    const res = await get(`/exports/${org.id}/report.json?period=LAST_MONTH`, staffKey);
    const after = new Date();
    expect(res.status).toBe(200);
    const { period } = ((await res.json()) as any).report;
    // The organization's zone is UTC: the previous calendar month (computed on both sides of the call, for a month turning in between).
    const lastMonth = (now: Date) => ({ from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString(), to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString() });
    expect([lastMonth(before), lastMonth(after)]).toContainEqual(period);
    const unknown = await get(`/exports/${org.id}/report.json?period=LAST_DECADE`, staffKey);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).errors[0]).toEqual({
      message: "period must be one of LAST_7_DAYS, LAST_30_DAYS, LAST_90_DAYS, LAST_MONTH, LAST_QUARTER, LAST_12_MONTHS, MONTH_TO_DATE, QUARTER_TO_DATE, YEAR_TO_DATE",
      extensions: { code: "BAD_USER_INPUT", field: "period" },
    });
    const both = await get(`/exports/${org.id}/report.csv?period=LAST_MONTH&${Q}`, staffKey);
    expect(both.status).toBe(400);
    expect(((await both.json()) as any).errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "period" });
  });

  it("takes only full ISO date-times with a zone on real days, and both ends of a comparison period", async () => {
    const cases: [string, string][] = [
      ["from=2026-1-1&to=2026-02-01T00:00:00Z", "from"], // neither a date-time nor a calendar date (YYYY-MM-DD)
      ["from=2026-01-01T00:00:00&to=2026-02-01T00:00:00Z", "from"], // no zone: the server's would be guessed
      ["from=2026-01-01T00:00:00Z&to=2026-02-30T00:00:00Z", "to"], // no such day
      ["from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&compareTo=2026-01-01T00:00:00Z", "compareFrom"],
      ["from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&compareFrom=2025-12-01T00:00:00Z", "compareTo"],
    ];
    for (const [q, field] of cases) {
      const res = await get(`/exports/${org.id}/report.json?${q}`, staffKey);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
      expect(((await res.json()) as any).errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", field });
    }
    // Calendar dates, as in GraphQL (issue 13): the start of the day in the organization's zone, here UTC.
    const days = await get(`/exports/${org.id}/report.json?from=2026-01-01&to=2026-02-01&compareFrom=2025-12-01&compareTo=2026-01-01`, staffKey);
    expect(days.status).toBe(200);
    const byDays: any = ((await days.json()) as any).report;
    expect([byDays.period, byDays.comparison]).toEqual([
      { from: "2026-01-01T00:00:00.000Z", to: "2026-02-01T00:00:00.000Z" },
      { from: "2025-12-01T00:00:00.000Z", to: "2026-01-01T00:00:00.000Z" },
    ]);
    const zoned = await get(`/exports/${org.id}/report.json?from=2026-01-01T03:00:00%2B03:00&to=2026-02-01T00:00:00Z&compareFrom=2025-12-01T00:00:00Z&compareTo=2026-01-01T00:00:00Z`, staffKey);
    expect(zoned.status).toBe(200);
    const { report }: any = await zoned.json();
    expect(report.period.from).toBe("2026-01-01T00:00:00.000Z");
    expect(report.comparison).toEqual({ from: "2025-12-01T00:00:00.000Z", to: "2026-01-01T00:00:00.000Z" });
  });

  it("keeps the IATI file well-formed when a narrative holds characters XML forbids", async () => {
    await app.ok(`mutation($i: SetReportNarrativeInput!) { setReportNarrative(input: $i) { version } }`, {
      i: { organizationId: org.id, from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z", text: "Bell\u0007 and form feed\u000c & <tags>" },
    });
    const text = await (await get(`/exports/${org.id}/iati.xml?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`, funderKey)).text();
    expect(XMLValidator.validate(text)).toBe(true);
    expect(text).toContain("<description><narrative>Bell and form feed &amp; &lt;tags&gt;</narrative></description>");
  });

  it("neutralises spreadsheet formulas in CSV text", async () => {
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("-12.5")).toBe("-12.5");
    expect(csvField('say "hi", ok')).toBe('"say ""hi"", ok"');
  });

  it("names the programme each offering funds in the JSON report, where the free-text cause was", async () => {
    const programme = (await app.ok<any>(`mutation($i: CreateProgrammeInput!) { createProgramme(input: $i) { id } }`, {
      i: { organizationId: other.id, name: "Classroom lights", unitOfDelivery: "light kit", activeFrom: "2026-01-01T00:00:00Z" },
    })).createProgramme.id;
    const offer = (input: Record<string, unknown>) => app.ok(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: other.id, ...input } });
    await offer({ name: "Lamp", revenueShareBps: 200, programmeId: programme });
    await offer({ name: "Plain lamp" });
    const res = await get(`/exports/${other.id}/report.json?${Q}`, app.key);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    const offerings = body.report.impactAtSale.offerings.map((o: any) => [o.offering.name, o.offering.programme, o.offering.programmeId, "cause" in o.offering]);
    expect(offerings.sort()).toEqual([
      ["Lamp", "Classroom lights", programme, false],
      ["Plain lamp", null, null, false],
    ]);
  });
});
