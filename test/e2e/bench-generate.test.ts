import { idOf, rowId, startTestApp, TestApp } from "../helpers/app";
import { generate, GeneratorOptions, GeneratorResult, countRows } from "../../bench/generate";
import { DEFAULT_LIFECYCLES, DEFAULT_FUNCTIONAL_AREAS } from "../../src/modules/organization/defaults";
import { impactOfSale } from "../../src/modules/sales/sales.service";
import { contentHash } from "../../src/common/batch";
import { rollupDifferencesSql } from "../helpers/rollup-check";

const UNTIL = new Date("2026-11-01T00:00:00Z");
const OPTIONS: GeneratorOptions = {
  seed: 42,
  years: 2,
  until: UNTIL,
  organizations: [
    { template: "hybrid", stakeholders: 300, responses: 2000 },
    { template: "solar", stakeholders: 120, responses: 600 },
    { template: "shoes", stakeholders: 150, responses: 900 },
  ],
};
const YEAR = { from: "2025-11-01T00:00:00Z", to: "2026-11-01T00:00:00Z" };

/** One checksum per tenant table of an organization: md5 over its rows as text, sorted. Keys (random ids) and the audit log (API reads write to it) aside. */
async function checksums(app: TestApp, org: string): Promise<Record<string, string>> {
  const tables: { t: string }[] = await app.db.query(
    `SELECT table_name AS t FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'organization_id'
        AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
        AND table_name NOT IN ('api_keys', 'api_key_grants', 'audit_log') ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [row] = await app.db.query(`SELECT count(*)::int AS n, coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS h FROM ${t} x WHERE organization_id = $1`, [org]);
    out[t] = `${row.n}:${row.h}`;
  }
  return out;
}

/**
 * The benchmark's data generator (bench/generate.ts) on a small data set: the rows keep every
 * invariant the app relies on, the same seed gives the same rows, and every view answers on them
 * with figures that agree with direct SQL.
 */
describe("bench data generator", () => {
  let app: TestApp;
  let made: GeneratorResult;
  let hybrid: string;

  let constraintsBefore: unknown[];
  const constraints = async () => [
    ...(await app.db.query(`SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def, convalidated FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`)),
    ...(await app.db.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`)),
    ...(await app.db.query(`SELECT i.indexrelid::regclass::text AS name, i.indisvalid, i.indisready FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1`)),
  ];

  beforeAll(async () => {
    app = await startTestApp();
    constraintsBefore = await constraints();
    made = await generate(app.db, OPTIONS);
    hybrid = made.organizations[0].id;
  }, 180000);
  afterAll(() => app.close());

  it("makes the organizations asked for, with exactly the stakeholders and responses asked for", async () => {
    expect(made.organizations.map((o) => o.template)).toEqual(["hybrid", "solar", "shoes"]);
    const counts = await countRows(app.db, made.organizations.map((o) => o.id));
    OPTIONS.organizations.forEach((o, i) => {
      const id = made.organizations[i].id;
      expect(counts.stakeholders[id]).toBe(o.stakeholders);
      expect(counts.feedback_responses[id]).toBe(o.responses);
      for (const t of ["stage_transitions", "interactions", "feedback_answers", "actions", "sales", "observations", "metric_targets", "stakeholder_contacts"]) {
        expect(counts[t][id]).toBeGreaterThan(0);
      }
      expect(counts.audit_log[id]).toBe(0); // generated rows are not API writes
    });
    const models: { impact_model: string }[] = await app.db.query(`SELECT impact_model FROM organizations WHERE id = ANY($1::uuid[]) ORDER BY created_at, id`, [made.organizations.map((o) => o.id)]);
    expect(models.map((m) => m.impact_model).sort()).toEqual(["CUSTOMER_FUNDS_BENEFICIARY", "CUSTOMER_IS_BENEFICIARY", "HYBRID"]);
  });

  it("gives each organization the app's default lifecycles, stages and functional areas", async () => {
    for (const { id } of made.organizations) {
      const stages: { kind: string; name: string; position: number; impact_mode: string | null }[] = await app.db.query(
        `SELECT s.kind, s.name, s.position, s.impact_mode FROM stages s JOIN lifecycles l ON l.organization_id = s.organization_id AND l.id = s.lifecycle_id AND l.kind = s.kind
          WHERE s.organization_id = $1 ORDER BY s.kind, s.position`,
        [id],
      );
      const expected = DEFAULT_LIFECYCLES.flatMap((lc) => lc.stages.map((s, i) => ({ kind: lc.kind, name: s.name, position: i, impact_mode: s.impactMode })));
      expect(stages).toEqual(expect.arrayContaining(expected));
      expect(stages).toHaveLength(expected.length);
      const areas: { name: string }[] = await app.db.query(`SELECT name FROM functional_areas WHERE organization_id = $1`, [id]);
      expect(areas.map((a) => a.name)).toEqual(expect.arrayContaining(DEFAULT_FUNCTIONAL_AREAS));
    }
  });

  it("keeps journeys consistent: ordered transitions, each from the previous stage, current stage = last one", async () => {
    const [r] = await app.db.query(
      `WITH t AS (
         SELECT t.*, lag(t.to_stage_id) OVER w AS prev, lag(t.occurred_at) OVER w AS prev_at, row_number() OVER w AS k,
                last_value(t.to_stage_id) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_stage,
                max(t.occurred_at) OVER (PARTITION BY t.organization_id, t.stakeholder_id) AS last_at
           FROM stage_transitions t WINDOW w AS (PARTITION BY t.organization_id, t.stakeholder_id ORDER BY t.occurred_at, t.id))
       SELECT count(*) FILTER (WHERE t.from_stage_id IS DISTINCT FROM t.prev) AS bad_chain,
              count(*) FILTER (WHERE k = 1 AND t.occurred_at <> s.created_at) AS bad_first,
              count(*) FILTER (WHERE t.occurred_at >= $1 OR t.occurred_at = t.prev_at) AS bad_time,
              count(*) FILTER (WHERE s.current_stage_id <> t.last_stage OR s.current_stage_entered_at <> t.last_at) AS bad_current,
              (SELECT count(*) FROM stakeholders x WHERE NOT EXISTS (SELECT 1 FROM stage_transitions y WHERE y.organization_id = x.organization_id AND y.stakeholder_id = x.id)) AS without_journey
         FROM t JOIN stakeholders s ON s.organization_id = t.organization_id AND s.id = t.stakeholder_id`,
      [UNTIL],
    );
    expect(r).toEqual({ bad_chain: "0", bad_first: "0", bad_time: "0", bad_current: "0", without_journey: "0" });
    // Both kinds, with every disaggregation attribute filled.
    const kinds: { kind: string; n: number; missing: number }[] = await app.db.query(
      `SELECT kind, count(*)::int AS n, count(*) FILTER (WHERE gender IS NULL OR age_band IS NULL OR region IS NULL OR segment IS NULL)::int AS missing FROM stakeholders WHERE organization_id = $1 GROUP BY 1 ORDER BY 1`,
      [hybrid],
    );
    expect(kinds.map((k) => [k.kind, k.missing])).toEqual([
      ["CUSTOMER", 0],
      ["BENEFICIARY", 0],
    ]);
  });

  it("writes responses as submitFeedback does: nps = the NPS answer, stage from the touchpoint, times in order, answers of every type in range", async () => {
    const [r] = await app.db.query(
      `SELECT count(*) FILTER (WHERE a.value_number IS DISTINCT FROM r.nps) AS bad_nps,
              count(*) FILTER (WHERE r.stage_id IS DISTINCT FROM tp.stage_id OR r.stage_impact_mode IS DISTINCT FROM st.impact_mode) AS bad_stage,
              count(*) FILTER (WHERE r.received_at < r.collected_at OR r.received_at >= $1 OR r.collected_at < s.created_at) AS bad_time,
              count(*) FILTER (WHERE r.submitted_by_partner_id IS NOT NULL AND (r.submitted_by_partner_id IS DISTINCT FROM s.registered_by_partner_id OR r.submitted_by_partner_id IS DISTINCT FROM tp.partner_id)) AS bad_partner,
              count(*) FILTER (WHERE r.survey_version_id <> v.id) AS bad_version,
              count(*) FILTER (WHERE r.comment IS NOT NULL) AS comments
         FROM feedback_responses r
         JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id
         JOIN touchpoints tp ON tp.organization_id = r.organization_id AND tp.id = r.touchpoint_id
         JOIN stages st ON st.organization_id = r.organization_id AND st.id = tp.stage_id
         JOIN survey_versions v ON v.organization_id = r.organization_id AND v.survey_id = r.survey_id AND v.version = 1
         LEFT JOIN feedback_answers a ON a.organization_id = r.organization_id AND a.response_id = r.id AND a.type = 'NPS'`,
      [UNTIL],
    );
    expect(r).toMatchObject({ bad_nps: "0", bad_stage: "0", bad_time: "0", bad_partner: "0", bad_version: "0" });
    expect(Number(r.comments)).toBeGreaterThan(0);
    const types: { type: string; n: number; bad: number }[] = await app.db.query(
      `SELECT a.type, count(*)::int AS n,
              count(*) FILTER (WHERE a.type <> q.type
                 OR (a.type = 'NPS' AND (a.value_number NOT BETWEEN 0 AND 10 OR a.value_number <> trunc(a.value_number)))
                 OR (a.type = 'RATING' AND (a.value_number NOT BETWEEN 1 AND 5 OR a.value_number <> trunc(a.value_number)))
                 OR (a.type = 'EFFORT' AND (a.value_number NOT BETWEEN 1 AND 7 OR a.value_number <> trunc(a.value_number)))
                 OR (a.type = 'YES_NO' AND (a.value_bool IS NULL OR a.value_number IS NOT NULL OR a.value_text IS NOT NULL))
                 OR (a.type = 'CHOICE' AND NOT (a.value_text = ANY(q.options)))
                 OR (a.type = 'TEXT' AND (a.value_text IS NULL OR a.value_text = ''))
                 OR q.survey_version_id <> r.survey_version_id)::int AS bad
         FROM feedback_answers a
         JOIN survey_questions q ON q.organization_id = a.organization_id AND q.id = a.question_id
         JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id
        GROUP BY 1 ORDER BY 1`,
    );
    expect(types.map((t) => t.type).sort()).toEqual(["CHOICE", "EFFORT", "NPS", "RATING", "TEXT", "YES_NO"]);
    expect(types.every((t) => t.bad === 0 && t.n > 0)).toBe(true);
  });

  it("opens an action for every detractor and no one else, due after the follow-up time; loops closed on time, late, open and overdue", async () => {
    const [r] = await app.db.query(
      `SELECT (SELECT count(*) FROM feedback_responses WHERE nps <= 6) AS detractors,
              count(*) FILTER (WHERE a.response_id IS NOT NULL) AS from_responses,
              count(*) FILTER (WHERE a.response_id IS NOT NULL AND (r.nps > 6 OR a.due_at <> r.received_at + interval '48 hours' OR a.created_at <> r.received_at
                                 OR a.stakeholder_id <> r.stakeholder_id OR a.kind <> r.kind OR a.touchpoint_id <> r.touchpoint_id OR a.owner_area_id <> tp.functional_area_id)) AS bad,
              count(*) FILTER (WHERE (a.status IN ('DONE', 'WONT_DO')) <> (a.closed_at IS NOT NULL) OR a.closed_at >= $1 OR a.loop_closed_at >= $1 OR a.loop_closed_at < a.created_at) AS bad_status,
              count(*) FILTER (WHERE a.loop_closed_at <= a.due_at) AS on_time,
              count(*) FILTER (WHERE a.loop_closed_at > a.due_at) AS late,
              count(*) FILTER (WHERE a.loop_closed_at IS NULL AND a.due_at < $1 AND a.status IN ('OPEN', 'IN_PROGRESS')) AS overdue,
              count(*) FILTER (WHERE a.response_id IS NULL) AS by_hand
         FROM actions a
         LEFT JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id
         LEFT JOIN touchpoints tp ON tp.organization_id = r.organization_id AND tp.id = r.touchpoint_id`,
      [UNTIL],
    );
    expect(r.from_responses).toBe(r.detractors);
    expect(r).toMatchObject({ bad: "0", bad_status: "0" });
    for (const k of ["on_time", "late", "overdue", "by_hand"]) expect(Number(r[k])).toBeGreaterThan(0);
  });

  it("records sales as recordSales does: impact from the offering's rule, the same content hash", async () => {
    const sales: Record<string, any>[] = await app.db.query(
      `SELECT s.*, o.revenue_share_bps, o.units_given_per_unit::text AS ugpu, o.fixed_amount_per_sale_minor::text AS fixed, o.beneficiaries_per_unit_given::text AS bpug,
              o.amount_per_beneficiary_minor::text AS apb, o.unit_price_minor::text AS price, s.units_given::text AS given, s.beneficiaries_funded::text AS funded,
              c.created_at AS customer_created
         FROM sales s JOIN offerings o ON o.organization_id = s.organization_id AND o.id = s.offering_id
         LEFT JOIN stakeholders c ON c.organization_id = s.organization_id AND c.id = s.customer_id`,
    );
    expect(sales.length).toBeGreaterThan(100);
    expect(sales.some((s) => s.customer_id === null)).toBe(true);
    let withRule = 0;
    for (const s of sales) {
      expect(BigInt(s.amount_minor)).toBe(BigInt(s.price) * BigInt(s.units));
      const impact = impactOfSale(
        { revenueShareBps: s.revenue_share_bps, unitsGivenPerUnit: s.ugpu, fixedAmountPerSaleMinor: s.fixed, beneficiariesPerUnitGiven: s.bpug, amountPerBeneficiaryMinor: s.apb },
        s.units,
        BigInt(s.amount_minor),
      );
      expect([s.contribution_minor, Number(s.given), Number(s.funded)]).toEqual([impact.contributionMinor.toString(), Number(impact.unitsGiven), Number(impact.beneficiariesFunded)]);
      if (BigInt(s.contribution_minor) > 0n || Number(s.given) > 0) withRule += 1;
      expect(s.content_hash).toBe(contentHash({ offeringId: s.offering_id, occurredAt: s.occurred_at, units: s.units, amountMinor: Number(s.amount_minor), customerId: s.customer_id }));
      expect(s.occurred_at < UNTIL).toBe(true);
      if (s.customer_id) expect(s.occurred_at >= s.customer_created).toBe(true);
    }
    expect(withRule).toBeGreaterThan(0);
  });

  it("has metrics of both categories and kinds, with targets and observations (some by gender) in half-open periods", async () => {
    const m: { category: string; kind: string; n: number }[] = await app.db.query(`SELECT category, kind, count(*)::int AS n FROM metrics WHERE organization_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`, [hybrid]);
    expect(m.map((x) => `${x.category}/${x.kind}`)).toEqual(["KPI/INPUT", "KPI/OUTPUT", "SOCIAL/INPUT", "SOCIAL/OUTPUT"]);
    const [o] = await app.db.query(
      `SELECT count(*) FILTER (WHERE dimensions <> '{}'::jsonb) AS by_dimension, count(*) FILTER (WHERE period_to > $2 OR period_from >= period_to) AS bad,
              (SELECT count(*) FROM metrics x WHERE x.organization_id = $1 AND NOT EXISTS (SELECT 1 FROM metric_targets t WHERE t.organization_id = x.organization_id AND t.metric_id = x.id)) AS without_target,
              (SELECT count(*) FROM (SELECT 1 FROM observations GROUP BY organization_id, metric_id, dimensions, period_from HAVING count(*) > 1) d) AS duplicated
         FROM observations WHERE organization_id = $1`,
      [hybrid, UNTIL],
    );
    expect(Number(o.by_dimension)).toBeGreaterThan(0);
    expect(o).toMatchObject({ bad: "0", without_target: "0", duplicated: "0" });
  });

  it("re-enables the audit triggers it disabled, and leaves every other trigger on", async () => {
    const off: { tgname: string }[] = await app.db.query(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'`);
    expect(off).toEqual([]);
    // The feedback rollups' triggers, turned off for the load, fire in every session again (ENABLE ALWAYS).
    const rollup: { tgenabled: string }[] = await app.db.query(`SELECT tgenabled FROM pg_trigger WHERE NOT tgisinternal AND tgfoid::regproc::text LIKE 'feedback\\_rollup\\_%'`);
    // 9 of the feedback rollups, 4 of the keys rollup (feedback_daily_keys).
    expect(rollup.length).toBe(13);
    expect(rollup.every((t) => t.tgenabled === "A")).toBe(true);
  });

  it("leaves feedback rollups equal to the direct computation from the responses and answers", async () => {
    expect(await app.db.query(rollupDifferencesSql())).toEqual([]);
    const [{ n }] = await app.db.query(`SELECT count(DISTINCT organization_id)::int AS n FROM feedback_daily`);
    expect(n).toBe(3);
  });

  it("leaves every constraint and index as it found it, foreign keys validated, indexes valid", async () => {
    expect(await constraints()).toEqual(constraintsBefore);
  });

  it("answers every view on the generated data, with figures that agree with direct SQL", async () => {
    const admin = app.as(made.keys.find((k) => k.organization === hybrid && k.role === "ADMIN")!.key);
    const funder = app.as(made.keys.find((k) => k.organization === hybrid && k.role === "FUNDER")!.key);
    const v = { o: idOf("Organization", hybrid, hybrid), ...YEAR };
    const nps = (await admin.ok<any>(`query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { nps(organizationId: $o, from: $from, to: $to) { score sampleSize promoters passives detractors } }`, v)).nps;
    const [sql] = await app.db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE nps >= 9)::int AS p, count(*) FILTER (WHERE nps BETWEEN 7 AND 8)::int AS a, count(*) FILTER (WHERE nps <= 6)::int AS d
         FROM feedback_responses WHERE organization_id = $1 AND collected_at >= $2 AND collected_at < $3 AND nps IS NOT NULL`,
      [hybrid, YEAR.from, YEAR.to],
    );
    expect([nps.sampleSize, nps.promoters, nps.passives, nps.detractors]).toEqual([sql.n, sql.p, sql.a, sql.d]);
    expect(sql.n).toBeGreaterThan(500);
    expect(nps.score).toBeCloseTo(((sql.p - sql.d) / sql.n) * 100, 1);

    for (const groupBy of ["NONE", "STAGE", "TOUCHPOINT", "PERIOD", "DIMENSION"]) {
      const extra = groupBy === "PERIOD" ? ", interval: MONTH" : groupBy === "DIMENSION" ? ", dimension: GENDER" : "";
      const qoe = await admin.ok<any>(
        `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { qualityOfExperience(organizationId: $o, from: $from, to: $to, groupBy: ${groupBy}${extra}) {
           overall { score perspectives { perspective score components { kind value missing } } } groups { label score } } }`,
        v,
      );
      expect(qoe.qualityOfExperience.overall.score).not.toBeNull();
      if (groupBy !== "NONE") expect(qoe.qualityOfExperience.groups.length).toBeGreaterThan(1);
    }

    for (const kind of ["CUSTOMER", "BENEFICIARY"]) {
      const funnel = (
        await admin.ok<any>(`query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { lifecycleFunnel(organizationId: $o, kind: ${kind}, from: $from, to: $to, dimension: GENDER) { stages { stage { id } entered } } }`, v)
      ).lifecycleFunnel;
      const entered: { stage: string; n: number }[] = await app.db.query(
        `SELECT to_stage_id AS stage, count(DISTINCT stakeholder_id)::int AS n FROM stage_transitions WHERE organization_id = $1 AND kind = $2 AND occurred_at >= $3 AND occurred_at < $4 GROUP BY 1`,
        [hybrid, kind, YEAR.from, YEAR.to],
      );
      expect(funnel.stages).toHaveLength(6);
      for (const s of funnel.stages) expect(s.entered).toBe(entered.find((e) => e.stage === rowId(s.stage.id))?.n ?? 0);
    }

    const atSale = (
      await admin.ok<any>(`query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactAtSale(organizationId: $o, from: $from, to: $to) { totals { sales revenue { amountMinor } unitsGiven } offerings { sales } } }`, v)
    ).impactAtSale;
    const [s] = await app.db.query(`SELECT count(*)::int AS n, sum(amount_minor)::text AS revenue, sum(units_given)::numeric AS given FROM sales WHERE organization_id = $1 AND occurred_at >= $2 AND occurred_at < $3`, [
      hybrid,
      YEAR.from,
      YEAR.to,
    ]);
    expect([atSale.totals.sales, String(atSale.totals.revenue.amountMinor), Number(atSale.totals.unitsGiven)]).toEqual([s.n, s.revenue, Number(s.given)]);

    await admin.ok(`query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactInUse(organizationId: $o, from: $from, to: $to) { stakeholdersInUse stages { entered active } socialMetrics { actual } } }`, v);
    await admin.ok(`query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { doubleBottomLine(organizationId: $o, from: $from, to: $to) { business { revenue { current { amountMinor } } } social { unitsGiven { current } } } }`, v);
    const [metric] = await app.db.query(`SELECT id FROM metrics WHERE organization_id = $1 AND name = 'School attendance'`, [hybrid]);
    const series = (await admin.ok<any>(`query($m: ID!) { metricSeries(metricId: $m, from: "2026-01-01T00:00:00Z", to: "2026-07-01T00:00:00Z", interval: MONTH, dimension: "gender") { points { actual target groups { value actual } } } }`, { m: idOf("Metric", hybrid, metric.id) }))
      .metricSeries;
    expect(series.points).toHaveLength(6);
    expect(series.points.every((p: any) => p.actual !== null && p.groups.length === 2)).toBe(true);
    await funder.ok(`query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactReport(organizationId: $o, from: $from, to: $to) { impactAtSale { totals { sales } } notes { kind } } }`, v);

    const people = (await admin.ok<any>(`query($o: ID!) { stakeholders(organizationId: $o, first: 100) { totalCount edges { node { id currentStage { name } journey(first: 5) { edges { node { occurredAt } } } } } } }`, { o: v.o }))
      .stakeholders;
    expect(people.totalCount).toBe(300);
    expect(people.edges).toHaveLength(100);
    const responses = (await admin.ok<any>(`query($o: ID!) { feedbackResponses(organizationId: $o, first: 100) { totalCount edges { node { nps answers { question { key } value } } } } }`, { o: v.o })).feedbackResponses;
    expect(responses.totalCount).toBe(2000);
    expect(responses.edges[0].node.answers.find((a: any) => a.question.key === "nps").value).toBe(responses.edges[0].node.nps);
  });

  it("gives the same rows for the same seed, and other rows for another seed", async () => {
    const again = await startTestApp();
    try {
      const second = await generate(again.db, OPTIONS);
      expect(second.organizations).toEqual(made.organizations);
      expect(second.keys).toEqual(made.keys);
      for (const { id } of made.organizations) expect(await checksums(again, id)).toEqual(await checksums(app, id));
      const other = await generate(again.db, { ...OPTIONS, seed: 43, organizations: [OPTIONS.organizations[0]] });
      expect(other.organizations[0].id).not.toBe(hybrid);
      const a = await checksums(app, hybrid);
      const b = await checksums(again, other.organizations[0].id);
      expect(b.stakeholders).not.toBe(a.stakeholders);
      expect(b.stakeholders.split(":")[0]).toBe(a.stakeholders.split(":")[0]);
    } finally {
      await again.close();
    }
  }, 180000);
});
