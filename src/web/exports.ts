import http from "node:http";
import { Route, RouteContext, sendError } from "./routes";
import { csvRow, dateParam, param, periodFromUrl, stream, withCaller, xml } from "./request";
import { Context } from "../context";
import { ROLES } from "../common/access";
import { BadInputError, NotFoundError } from "../common/errors";
import { Interval } from "../common/enums";
import { assertId } from "../common/validation";
import { batchItemId, decodeGlobalId, globalId, NodeType, organizationGlobalId } from "../common/global-ids";
import { encodeIdsAs } from "../common/global-id-schema";
import { getSchema } from "../schema";
import { hydrate } from "../database/rows";
import { Metric } from "../modules/metric/metric.entity";
import { organizationThreshold, suppressTable } from "../common/suppression";
import { organizationMaximum, perturb } from "../common/perturbation";
import { ImpactReport } from "../modules/report/report.types";
import { buckets } from "../modules/impact/impact.service";
import type { ReportSessions } from "./session-token";

/** Column names of the exports: stable, documented in docs/funders.md. */
export const REPORT_CSV_COLUMNS = [
  "section",
  "item",
  "metric_id",
  "catalogue_code",
  "unit",
  "period_from",
  "period_to",
  "dimension",
  "dimension_value",
  "baseline",
  "target",
  "actual",
  "previous_actual",
  "attainment",
  "sample_size",
  "suppressed",
  "note",
] as const;

export const SERIES_CSV_COLUMNS = [
  "metric_id",
  "metric",
  "category",
  "catalogue_code",
  "unit",
  "aggregation",
  "period_from",
  "period_to",
  "dimension",
  "dimension_value",
  "actual",
  "target",
  "attainment",
  "observations",
  "suppressed",
] as const;

export const ANSWERS_CSV_COLUMNS = ["survey_id", "survey", "question", "question_type", "answer", "responses", "people", "suppressed"] as const;

function interval(url: URL): Interval {
  const v = (url.searchParams.get("interval") ?? "MONTH").toUpperCase();
  if (!(v in Interval)) throw new BadInputError("interval", "interval must be WEEK, MONTH or QUARTER");
  return v as Interval;
}

async function report(ctx: Context, url: URL): Promise<ImpactReport> {
  const org = param(url, "organizationId");
  const { from, to } = await periodFromUrl(ctx, org, url);
  const given = url.searchParams.has("compareFrom") || url.searchParams.has("compareTo");
  // Through the same resolution as the period: calendar dates begin at midnight in the organization's zone.
  const compared = given ? await ctx.services.periods.resolve(org, { from: dateParam(url, "compareFrom"), to: dateParam(url, "compareTo") }) : null;
  const compareTo = compared ? { from: compared.from, to: compared.to } : null;
  return ctx.services.reports.report(org, from, to, compareTo, true);
}

function attachment(res: http.ServerResponse, type: string, name: string): void {
  res.writeHead(200, { "content-type": type, "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" });
}

/** The report as rows: one figure per row, in the columns of REPORT_CSV_COLUMNS. */
export function reportRows(r: ImpactReport): unknown[][] {
  const p = r.period;
  const rows: unknown[][] = [];
  const row = (v: Partial<Record<(typeof REPORT_CSV_COLUMNS)[number], unknown>>) => rows.push(REPORT_CSV_COLUMNS.map((c) => v[c] ?? null));
  const base = { period_from: p.from, period_to: p.to };
  const sale = r.impactAtSale.totals;
  const prev = r.previousImpactAtSale;
  row({ ...base, section: "impact_at_sale", item: "sales", unit: "COUNT", actual: sale.sales, previous_actual: prev.sales });
  row({ ...base, section: "impact_at_sale", item: "units_sold", unit: "COUNT", actual: sale.unitsSold, previous_actual: prev.unitsSold });
  row({ ...base, section: "impact_at_sale", item: "revenue", unit: sale.revenue.currency, actual: sale.revenue.amount, previous_actual: prev.revenue.amount });
  row({ ...base, section: "impact_at_sale", item: "contribution", unit: sale.contribution.currency, actual: sale.contribution.amount, previous_actual: prev.contribution.amount });
  row({ ...base, section: "impact_at_sale", item: "units_given", unit: "COUNT", actual: sale.unitsGiven, previous_actual: prev.unitsGiven });
  row({ ...base, section: "impact_at_sale", item: "beneficiaries_funded", unit: "COUNT", actual: sale.beneficiariesFundedExact, previous_actual: prev.beneficiariesFundedExact });
  for (const o of r.impactAtSale.offerings) {
    row({ ...base, section: "impact_at_sale", item: `offering: ${o.offering.name}: units_given`, unit: "COUNT", actual: o.unitsGiven });
  }
  row({
    ...base,
    section: "impact_in_use",
    item: "stakeholders_in_use",
    unit: "COUNT",
    actual: r.impactInUse.stakeholdersInUse,
    previous_actual: r.previousStakeholdersInUse,
    suppressed: r.impactInUse.stakeholdersInUse === null,
  });
  for (const s of r.impactInUse.stages) {
    for (const f of ["entered", "active", "left"] as const) {
      row({ ...base, section: "impact_in_use", item: `${s.stage.name}: ${f}`, unit: "COUNT", actual: s[f], suppressed: s.suppressed.includes(f) });
    }
  }
  for (const m of r.metrics) {
    row({
      ...base,
      section: m.metric.category === "KPI" ? "kpi" : "social_metric",
      item: m.metric.name,
      metric_id: globalId("Metric", m.metric.organizationId, m.metric.id),
      catalogue_code: m.metric.catalogueCode,
      unit: m.metric.unit,
      baseline: m.baseline,
      target: m.target,
      actual: m.actual,
      previous_actual: m.previousActual,
      attainment: m.attainment,
      sample_size: m.sampleSize,
      suppressed: m.suppressed,
      note: m.metric.estimationNote,
    });
  }
  for (const [who, e] of [
    ["customer", r.customerExperience],
    ["beneficiary", r.beneficiaryExperience],
  ] as const) {
    row({ ...base, section: "experience", item: `${who}_quality_of_experience`, unit: "SCORE", actual: e.qoe?.score ?? null });
    row({
      ...base,
      section: "experience",
      item: `${who}_nps`,
      unit: "NPS",
      actual: e.nps.score,
      sample_size: e.nps.sampleSize,
      suppressed: e.nps.suppressed,
      note: e.nps.marginOfError95 === null ? null : `margin of error 95%: ${e.nps.marginOfError95}`,
    });
  }
  row({ ...base, section: "experience", item: "quality_of_experience", unit: "SCORE", actual: r.qualityOfExperience });
  // The rate is null either because nothing was due (not hidden) or because a part of it is hidden from a funder.
  row({ ...base, section: "experience", item: "loops_closed_on_time", unit: "PERCENT", actual: r.loops.onTimeRate, sample_size: r.loops.due, suppressed: r.loops.onTimeRate === null && r.loops.due !== 0 });
  for (const d of r.disaggregations) {
    row({ ...base, section: "disaggregation", item: d.subject, unit: "COUNT", dimension: d.dimension, dimension_value: "(total)", actual: d.total, suppressed: d.total === null });
    for (const c of d.cells) row({ ...base, section: "disaggregation", item: d.subject, unit: "COUNT", dimension: d.dimension, dimension_value: c.value, actual: c.count, suppressed: c.suppressed });
  }
  for (const c of r.impactChain) {
    for (const st of c.steps) {
      row({ ...base, section: "impact_chain", item: `${c.programme.name}: ${st.label}`, metric_id: st.metricId && globalId("Metric", r.organization.id, st.metricId), unit: st.unit, actual: st.value, suppressed: st.suppressed, note: st.conversionText });
    }
    row({ ...base, section: "impact_chain", item: `${c.programme.name}: backlog at the period's end`, unit: c.programme.unitOfDelivery ?? "unit", actual: c.backlog });
    row({ ...base, section: "impact_chain", item: `${c.programme.name}: experience of those who gave feedback`, unit: "SCORE", actual: c.experience.score, sample_size: c.experience.answers, suppressed: c.experience.suppressed });
  }
  const value = r.experienceValue;
  for (const g of value?.byNpsClass ?? []) {
    const item = `${String(g.npsClass).toLowerCase()}`;
    row({ ...base, section: "experience_value", item: `${item}: customers`, unit: "COUNT", actual: g.customers, suppressed: g.suppressed });
    row({ ...base, section: "experience_value", item: `${item}: repeat_purchase_rate`, unit: "RATIO", actual: g.repeatPurchase?.value ?? null, sample_size: g.customers, suppressed: g.suppressed });
    row({ ...base, section: "experience_value", item: `${item}: retention`, unit: "RATIO", actual: g.retention?.value ?? null, sample_size: g.customers, suppressed: g.suppressed });
    row({ ...base, section: "experience_value", item: `${item}: lifetime_value`, unit: r.organization.currency.trim(), actual: g.lifetimeValue?.amount ?? null, suppressed: g.suppressed, note: value!.formula });
  }
  if (value) row({ ...base, section: "experience_value", item: "revenue_at_risk", unit: r.organization.currency.trim(), actual: value.revenueAtRisk?.amount ?? null });
  for (const n of r.notes) row({ ...base, section: "note", item: `${n.section}: ${n.item}`, suppressed: n.kind === "SUPPRESSED", note: `${n.kind}: ${n.reason}` });
  return rows;
}

async function* seriesRows(ctx: Context, url: URL) {
  const org = assertId(param(url, "organizationId"), "organizationId");
  ctx.access.require(org, ROLES.aggregates);
  const { from, to } = await periodFromUrl(ctx, org, url);
  const every = interval(url);
  const dimension = url.searchParams.get("dimension");
  const em = ctx.requestDb.em;
  const metrics: Record<string, unknown>[] = await em.query(`SELECT * FROM metrics WHERE organization_id = $1 ORDER BY category, created_at, id`, [org]);
  for (const row of metrics) {
    const s = await ctx.services.impact.metricSeries(hydrate(em, Metric, row), from, to, every, dimension);
    for (const p of s.points) {
      const common = [globalId("Metric", org, s.metric.id), s.metric.name, s.metric.category, s.metric.catalogueCode, s.metric.unit, s.metric.aggregation, p.from, p.to];
      yield [...common, dimension ?? null, dimension ? "(total)" : null, p.actual, p.target, p.attainment, p.observations, p.suppressed];
      for (const g of p.groups ?? []) yield [...common, dimension, g.value, g.actual, null, null, g.observations, g.suppressed];
    }
  }
}

async function answerRows(ctx: Context, url: URL): Promise<unknown[][]> {
  const org = assertId(param(url, "organizationId"), "organizationId");
  const role = ctx.access.require(org, ROLES.aggregates);
  const { from, to } = await periodFromUrl(ctx, org, url);
  const survey = url.searchParams.get("surveyId");
  const surveyId = survey ? assertId(survey, "surveyId") : null;
  // A survey that is not the organization's (or an id of another organization's, decoded to no row) is not found, as in GraphQL.
  if (surveyId && (await ctx.requestDb.em.query(`SELECT 1 FROM surveys WHERE organization_id = $1 AND id = $2`, [org, surveyId])).length === 0) {
    throw new NotFoundError("Survey", "surveyId");
  }
  const funder = role === "FUNDER";
  const answered = `FROM feedback_answers a
       JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id
       JOIN survey_questions q ON q.organization_id = a.organization_id AND q.id = a.question_id
       JOIN surveys s ON s.organization_id = r.organization_id AND s.id = r.survey_id
      WHERE a.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3 AND a.type NOT IN ('TEXT', 'NUMBER') AND ($4::uuid IS NULL OR r.survey_id = $4)`;
  const option = `s.id AS survey_id, s.name AS survey, q.key, q.type, q.position,
            coalesce(a.value_text, trim(trailing '.' from trim(trailing '0' from a.value_number::text)), a.value_bool::text) AS answer`;
  const rows: { survey_id: string; survey: string; key: string; type: string; position: number; answer: string; responses: string; people: string; response_keys?: string; people_keys?: string }[] =
    await ctx.requestDb.em.query(
      funder
        ? // For a funder, per option and person first, with the person's record key: the cell keys of the
          // answers (one key per answer) and of the people (one per person) (src/common/perturbation.ts).
          `SELECT x.survey_id, x.survey, x.key, x.type, x.position, x.answer, sum(x.n) AS responses, count(*) AS people,
                  sum(x.n * k.record_key) AS response_keys, sum(k.record_key) AS people_keys
             FROM (SELECT ${option}, r.stakeholder_id, count(*) AS n ${answered} GROUP BY 1, 2, 3, 4, 5, 6, 7) x
             JOIN stakeholders k ON k.organization_id = $1 AND k.id = x.stakeholder_id
            GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2, 5, 6`
        : `SELECT ${option},
            count(*) AS responses, count(DISTINCT r.stakeholder_id) AS people
       ${answered}
      GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2, 5, 6`,
      [org, from, to, surveyId],
    );
  const [k, maximum] = await Promise.all([organizationThreshold(ctx.requestDb.em, org), funder ? organizationMaximum(ctx.requestDb.em, org) : Promise.resolve(null)]);
  // A funder's shown counts are adjusted (decided hidden or not on the true counts).
  const shown = (n: string, keys: string | undefined) => (funder ? perturb(Number(n), keys ?? null, maximum!) : Number(n));
  const out: unknown[][] = [];
  // Per question, the answer options are cells of one table; for funders small ones are hidden with their complement.
  const byQuestion = new Map<string, typeof rows>();
  for (const r of rows) byQuestion.set(`${r.survey_id}:${r.key}`, [...(byQuestion.get(`${r.survey_id}:${r.key}`) ?? []), r]);
  for (const group of byQuestion.values()) {
    const people = group.map((g) => Number(g.people));
    const hidden = role === "FUNDER" ? suppressTable(people.map((n, i) => ({ key: i, count: n })), null, k).cells.map((c) => c.suppressed) : people.map(() => false);
    // Without a shown total, answer counts that sum to the question's respondents could reveal a hidden one: hide the second smallest too.
    if (role === "FUNDER" && hidden.filter(Boolean).length === 1) {
      const others = people.map((n, i) => ({ n, i })).filter((x) => !hidden[x.i] && x.n > 0).sort((a, b) => a.n - b.n);
      if (others[0]) hidden[others[0].i] = true;
    }
    group.forEach((g, i) =>
      out.push([globalId("Survey", org, g.survey_id), g.survey, g.key, g.type, g.answer, hidden[i] ? null : shown(g.responses, g.response_keys), hidden[i] ? null : shown(g.people, g.people_keys), hidden[i]]),
    );
  }
  return out;
}

/** IATI 2.03 results: result > indicator > baseline > period (target, actual), one per reportable metric. */
async function* iati(ctx: Context, url: URL) {
  const r = await report(ctx, url);
  const every = interval(url);
  const org = r.organization;
  const orgId = organizationGlobalId(org.id);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03" generated-datetime="${xml(r.generatedAt.toISOString())}">\n`;
  yield `  <iati-activity default-currency="${xml(org.currency.trim())}" last-updated-datetime="${xml(r.generatedAt.toISOString())}">\n`;
  yield `    <iati-identifier>${xml(`XM-DBL-${orgId}`)}</iati-identifier>\n`;
  yield `    <reporting-org ref="${xml(`XM-DBL-${orgId}`)}" type="21"><narrative>${xml(org.name)}</narrative></reporting-org>\n`;
  yield `    <title><narrative>${xml(`${org.name}: results ${day(r.period.from)} to ${day(new Date(r.period.to.getTime() - 1))}`)}</narrative></title>\n`;
  yield `    <description><narrative>${xml(r.narrative?.text ?? `Impact model: ${org.impactModel}`)}</narrative></description>\n`;
  yield `    <participating-org ref="${xml(`XM-DBL-${orgId}`)}" role="4" type="21"><narrative>${xml(org.name)}</narrative></participating-org>\n`;
  yield `    <activity-status code="2"/>\n`;
  yield `    <activity-date iso-date="${day(org.createdAt)}" type="2"/>\n`;
  // Outcome metrics measured from answers (src/modules/outcome) are outcomes (result type 2), like social OUTPUT metrics.
  const linked = new Set<string>(
    (await ctx.requestDb.em.query(`SELECT metric_id FROM metric_question_links WHERE organization_id = $1`, [org.id])).map((x: { metric_id: string }) => x.metric_id),
  );
  for (const m of r.metrics) {
    const series = await ctx.services.impact.metricSeries(m.metric, r.period.from, r.period.to, every, null);
    const type = (m.metric.kind === "OUTPUT" && m.metric.category === "SOCIAL") || linked.has(m.metric.id) ? 2 : 1;
    yield `    <result type="${type}" aggregation-status="${m.metric.aggregation === "SUM" ? 1 : 0}">\n`;
    yield `      <title><narrative>${xml(m.metric.name)}</narrative></title>\n`;
    if (m.metric.description) yield `      <description><narrative>${xml(m.metric.description)}</narrative></description>\n`;
    yield `      <indicator measure="${m.metric.unit === "PERCENT" ? 2 : 1}" ascending="${m.metric.direction === "HIGHER_IS_BETTER" ? 1 : 0}">\n`;
    yield `        <title><narrative>${xml(m.metric.name)}</narrative></title>\n`;
    if (m.metric.estimationNote) yield `        <description><narrative>${xml(m.metric.estimationNote)}</narrative></description>\n`;
    if (m.metric.catalogueCode) yield `        <reference vocabulary="99" code="${xml(m.metric.catalogueCode)}"/>\n`;
    if (m.baseline !== null) {
      const year = m.metric.baselineDate ? m.metric.baselineDate.slice(0, 4) : day(r.period.from).slice(0, 4);
      yield `        <baseline year="${xml(year)}"${m.metric.baselineDate ? ` iso-date="${xml(m.metric.baselineDate)}"` : ""} value="${xml(m.baseline)}"/>\n`;
    }
    for (const p of series.points) {
      yield `        <period>\n          <period-start iso-date="${day(p.from)}"/>\n          <period-end iso-date="${day(new Date(p.to.getTime() - 1))}"/>\n`;
      if (p.target !== null) yield `          <target value="${xml(p.target)}"/>\n`;
      if (p.actual !== null) yield `          <actual value="${xml(p.actual)}"/>\n`;
      yield `        </period>\n`;
    }
    yield `      </indicator>\n    </result>\n`;
  }
  // Deliveries are the programmes' outputs (result type 1): units delivered and people reached per
  // period, as fundedVsDelivered gives them to the caller (funders: suppressed and adjusted).
  if (r.impactChain.length) {
    const periods = buckets(r.period.from, r.period.to, every);
    const status = await Promise.all(periods.map((b) => ctx.services.deliveries.fundedVsDelivered(org.id, null, b.from, b.to)));
    for (const c of r.impactChain) {
      const unit = c.programme.unitOfDelivery ?? "unit";
      yield `    <result type="1" aggregation-status="1">\n`;
      yield `      <title><narrative>${xml(`${c.programme.name}: deliveries`)}</narrative></title>\n`;
      if (c.programme.description) yield `      <description><narrative>${xml(c.programme.description)}</narrative></description>\n`;
      const indicator = function* (title: string, value: (p: (typeof status)[number]["programmes"][number]) => string | number | null) {
        yield `      <indicator measure="1" ascending="1">\n        <title><narrative>${xml(title)}</narrative></title>\n`;
        for (let i = 0; i < periods.length; i++) {
          const row = status[i].programmes.find((x) => x.programme.id === c.programme.id);
          const v = row ? value(row) : null;
          yield `        <period>\n          <period-start iso-date="${day(periods[i].from)}"/>\n          <period-end iso-date="${day(new Date(periods[i].to.getTime() - 1))}"/>\n`;
          if (v !== null) yield `          <actual value="${xml(String(v))}"/>\n`;
          yield `        </period>\n`;
        }
        yield `      </indicator>\n`;
      };
      // Units delivered are often people one for one: for funders hidden with the people reached, else adjusted (deliveryStatus).
      yield* indicator(`${unit} delivered`, (x) => x.unitsDelivered);
      yield* indicator("Beneficiaries reached (by name and at sites)", (x) => x.beneficiariesReached.total);
      yield `    </result>\n`;
    }
  }
  yield `  </iati-activity>\n</iati-activities>\n`;
}


/**
 * The report with each offering's `programme`: the name of the programme its contribution
 * funds (where the free-text `cause` was), beside its `programmeId`. One statement.
 */
async function withProgrammeNames(ctx: Context, r: ImpactReport): Promise<unknown> {
  const keys = r.impactAtSale.offerings.flatMap((o) => (o.offering.programmeId ? [{ organizationId: o.offering.organizationId, id: o.offering.programmeId }] : []));
  const found = await ctx.loaders.programmeById.loadMany(keys);
  const names = new Map(found.flatMap((p) => (p && !(p instanceof Error) ? [[p.id, p.name] as const] : [])));
  const offerings = r.impactAtSale.offerings.map((o) => ({ ...o, offering: { ...o.offering, programme: o.offering.programmeId ? (names.get(o.offering.programmeId) ?? null) : null } }));
  return { ...r, impactAtSale: { ...r.impactAtSale, offerings } };
}

/**
 * Exports over HTTP, authenticated and scoped like GraphQL (funders get
 * suppressed aggregates). Large ones stream; nothing is capped. With `sessions`
 * (the ReportSessions reportRoutes() got), a browser signed in on the report pages
 * downloads with its cookie; without, only key headers are taken.
 */
export function exportRoutes(options: { sessions?: ReportSessions } = {}): Route[] {
  type Download = (ctx: Context, url: URL, res: http.ServerResponse) => Promise<void>;
  const files = new Map<string, Download>();
  const route = (name: string, body: Download) => files.set(name, body);
  [
    route("report.json", async (ctx, url, res) => {
      const r = await report(ctx, url);
      attachment(res, "application/json; charset=utf-8", "impact-report.json");
      res.end(JSON.stringify({ report: encodeIdsAs(await getSchema(), "ImpactReport", await withProgrammeNames(ctx, r)) }, null, 2));
    }),
    route("report.csv", async (ctx, url, res) => {
      const rows = reportRows(await report(ctx, url));
      attachment(res, "text/csv; charset=utf-8", "impact-report.csv");
      await stream(
        res,
        (async function* () {
          yield csvRow([...REPORT_CSV_COLUMNS]);
          for (const r of rows) yield csvRow(r);
        })(),
      );
    }),
    route("metric-series.csv", async (ctx, url, res) => {
      const rows = seriesRows(ctx, url);
      const first = await rows.next(); // validate before the headers go out
      attachment(res, "text/csv; charset=utf-8", "metric-series.csv");
      await stream(
        res,
        (async function* () {
          yield csvRow([...SERIES_CSV_COLUMNS]);
          if (!first.done) yield csvRow(first.value);
          for await (const r of rows) yield csvRow(r);
        })(),
      );
    }),
    route("metric-series.json", async (ctx, url, res) => {
      const rows = seriesRows(ctx, url);
      const first = await rows.next();
      attachment(res, "application/json; charset=utf-8", "metric-series.json");
      const obj = (r: unknown[]) => JSON.stringify(Object.fromEntries(SERIES_CSV_COLUMNS.map((c, i) => [c, r[i] instanceof Date ? (r[i] as Date).toISOString() : r[i]])));
      await stream(
        res,
        (async function* () {
          yield "[\n";
          if (!first.done) yield obj(first.value);
          for await (const r of rows) yield `,\n${obj(r)}`;
          yield "\n]\n";
        })(),
      );
    }),
    route("answers.csv", async (ctx, url, res) => {
      const rows = await answerRows(ctx, url);
      attachment(res, "text/csv; charset=utf-8", "answers.csv");
      await stream(
        res,
        (async function* () {
          yield csvRow([...ANSWERS_CSV_COLUMNS]);
          for (const r of rows) yield csvRow(r);
        })(),
      );
    }),
    route("iati.xml", async (ctx, url, res) => {
      const chunks = iati(ctx, url);
      const first = await chunks.next();
      attachment(res, "application/xml; charset=utf-8", "iati-results.xml");
      await stream(
        res,
        (async function* () {
          if (!first.done) yield first.value;
          for await (const c of chunks) yield c;
        })(),
      );
    }),
  ];
  return [
    {
      method: "GET",
      path: "/exports/",
      handle(req, res, rc: RouteContext) {
        const parts = rc.url.pathname.slice("/exports/".length).split("/");
        // Before: /exports/<file>?organizationId=<id>&...  Now, like the report pages: /exports/<id>/<file>?...
        if (parts.length === 1 && files.has(parts[0])) return redirectToPath(res, rc.url, parts[0]);
        const download = parts.length === 2 ? files.get(parts[1]) : undefined;
        if (!download) return sendError(res, 404, "NOT_FOUND", `Not found: the downloads are /exports/<organizationId>/<file>, with <file> one of ${[...files.keys()].join(", ")}`);
        const org = organizationInPath(parts[0]);
        if (org instanceof BadInputError) return sendError(res, 400, "BAD_USER_INPUT", org.message);
        // The organization comes from the path (the handlers read it as the organizationId parameter).
        const url = new URL(rc.url);
        url.searchParams.set("organizationId", org);
        return withCaller(
          rc,
          req,
          res,
          (ctx) => {
            // The other ids of the query string are the organization's (a survey's of another one names none).
            for (const [name, type] of QUERY_IDS) {
              const given = url.searchParams.get(name);
              if (given) url.searchParams.set(name, batchItemId(given, name, type, org));
            }
            return download(ctx, url, res);
          },
          options.sessions,
        );
      },
    },
  ];
}

/** Ids a download takes in its query string, by parameter. */
const QUERY_IDS: [string, NodeType][] = [["surveyId", "Survey"]];

/** The organization of a download's path (its global id, percent-decoded), or the error to answer. */
function organizationInPath(raw: string): string | BadInputError {
  try {
    return decodeGlobalId(decodeURIComponent(raw), "organizationId", ["Organization"]).organizationId;
  } catch (error) {
    return error instanceof BadInputError ? error : new BadInputError("organizationId", "organizationId is not an ID of an Organization");
  }
}

/** A download asked for the old way (?organizationId=): 308 to its path under the organization, the other parameters kept. */
function redirectToPath(res: http.ServerResponse, url: URL, file: string): void {
  const org = url.searchParams.get("organizationId");
  if (!org) return sendError(res, 400, "BAD_USER_INPUT", `organizationId is missing: the downloads are /exports/<organizationId>/${file}`);
  // The other parameters as they were written (not re-encoded).
  const query = url.search
    .slice(1)
    .split("&")
    .filter((pair) => pair !== "" && new URLSearchParams(pair).keys().next().value !== "organizationId")
    .join("&");
  res.writeHead(308, { location: `/exports/${encodeURIComponent(org)}/${file}${query ? `?${query}` : ""}`, "cache-control": "no-store" });
  res.end();
}
