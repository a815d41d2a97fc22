import { globalId, organizationGlobalId, readGlobalId } from "../../src/common/global-ids";
import { PoolClient } from "pg";
import { perturb } from "../../src/common/perturbation";

/**
 * The views, each three ways of saying the same figures: the GraphQL query a client sends this API,
 * how to read the main figures from its answer, and the best hand-written SQL for the same figures
 * (run by the bare contender server inside the API's request transaction). Figures are flat
 * `name -> number` maps, compared one by one (bench/views.ts, test/e2e/bench-sql-views.test.ts).
 *
 * What each figure is comes from the services (src/modules/*): nps from feedback.service, the
 * quality of experience's feedback parts and people from qoe.service, the funnel from
 * lifecycle.service, the impact views and metric series from impact.service and metric-values,
 * the report from report.service. The hand-written SQL recomputes the expensive parts; where a
 * view also reads small tables (metric targets, loops of actions), those parts are not compared
 * and the hand-written side does not run them (see `covers`).
 */

export type Figures = Record<string, number | null>;

export interface ViewArgs {
  org: string;
  from: string;
  to: string;
  /** metricSeries: the metric. */
  metricId?: string;
}

/** The API's global id as the row's UUID the hand-written SQL keys its figures by (other keys as they are). */
function rowKey(key: string): string {
  return readGlobalId(key)?.id ?? key;
}

/** The arguments as the API takes them: the organization and the metric by their global ids. */
export function apiArgs(a: ViewArgs): ViewArgs {
  return { ...a, org: organizationGlobalId(a.org), metricId: a.metricId ? globalId("Metric", a.org, a.metricId) : a.metricId };
}

export interface ViewSpec {
  name: string;
  /** Which key: staff (ADMIN) or funder. */
  as: "staff" | "funder";
  query: string;
  variables(a: ViewArgs): Record<string, unknown>;
  /** The figures in the API's answer (`data`). */
  fromApi(data: any): Figures;
  /** The same figures by hand-written SQL, on a client inside the request transaction. */
  hand(c: PoolClient, a: ViewArgs): Promise<Figures>;
  /** What the comparison covers. */
  covers: string;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const ms = (iso: string) => new Date(iso).getTime();
const previous = (a: ViewArgs) => new Date(ms(a.from) - (ms(a.to) - ms(a.from))).toISOString();

// ------------------------------------------------------------------ NPS

async function npsCounts(c: PoolClient, a: ViewArgs, kind: string | null): Promise<{ p: number; pa: number; d: number; people: number }> {
  const { rows } = await c.query(
    `SELECT count(*) FILTER (WHERE r.nps >= 9) AS p, count(*) FILTER (WHERE r.nps BETWEEN 7 AND 8) AS pa, count(*) FILTER (WHERE r.nps <= 6) AS d
       FROM feedback_responses r
      WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3 AND r.nps IS NOT NULL AND ($4::stakeholder_kind IS NULL OR r.kind = $4)`,
    [a.org, a.from, a.to, kind],
  );
  return { p: Number(rows[0].p), pa: Number(rows[0].pa), d: Number(rows[0].d), people: 0 };
}

/**
 * A funder's NPS classes: each class's answers and the sum of the record keys of the people who
 * gave them, adjusted by the cell-key method's table (src/common/perturbation.ts) with the
 * organization's maximum adjustment D.
 */
async function funderNpsCounts(c: PoolClient, a: ViewArgs, kind: string, maximum: number): Promise<{ p: number; pa: number; d: number }> {
  const { rows } = await c.query(
    `SELECT count(*) FILTER (WHERE r.nps >= 9) AS p, count(*) FILTER (WHERE r.nps BETWEEN 7 AND 8) AS pa, count(*) FILTER (WHERE r.nps <= 6) AS d,
            sum(s.record_key) FILTER (WHERE r.nps >= 9) AS pk, sum(s.record_key) FILTER (WHERE r.nps BETWEEN 7 AND 8) AS pak, sum(s.record_key) FILTER (WHERE r.nps <= 6) AS dk
       FROM feedback_responses r JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id
      WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3 AND r.nps IS NOT NULL AND r.kind = $4`,
    [a.org, a.from, a.to, kind],
  );
  const x = rows[0];
  return { p: perturb(Number(x.p), x.pk, maximum), pa: perturb(Number(x.pa), x.pak, maximum), d: perturb(Number(x.d), x.dk, maximum) };
}

function npsFigures(x: { p: number; pa: number; d: number }, prefix = ""): Figures {
  const n = x.p + x.pa + x.d;
  return {
    [`${prefix}promoters`]: x.p,
    [`${prefix}passives`]: x.pa,
    [`${prefix}detractors`]: x.d,
    [`${prefix}sampleSize`]: n,
    [`${prefix}score`]: n === 0 ? null : round2(((x.p - x.d) / n) * 100),
  };
}

const nps: ViewSpec = {
  name: "nps",
  as: "staff",
  query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { nps(organizationId: $org, from: $from, to: $to) { promoters passives detractors sampleSize score marginOfError95 suppressed } }`,
  variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
  fromApi: (d) => ({ promoters: d.nps.promoters, passives: d.nps.passives, detractors: d.nps.detractors, sampleSize: d.nps.sampleSize, score: d.nps.score }),
  hand: async (c, a) => npsFigures(await npsCounts(c, a, null)),
  covers: "promoters, passives, detractors, sample size, score",
};

// ------------------------------------------------------------------ quality of experience

type QoeBy = "NONE" | "STAGE" | "TOUCHPOINT" | "PERIOD" | "DIMENSION";
const PERSPECTIVES = ["CUSTOMER", "USER", "BENEFICIARY"] as const;

/** Feedback parts (NPS, ratings, effort) per group and perspective, and people per group, in one statement. */
async function qoeFeedback(c: PoolClient, a: ViewArgs, by: QoeBy): Promise<Figures> {
  const g =
    by === "STAGE"
      ? "r.stage_id::text"
      : by === "TOUCHPOINT"
        ? "r.touchpoint_id::text"
        : by === "PERIOD"
          ? `to_char(r.collected_at AT TIME ZONE 'UTC', 'YYYY-MM')`
          : by === "DIMENSION"
            ? `coalesce((SELECT s.gender::text FROM stakeholders s WHERE s.organization_id = r.organization_id AND s.id = r.stakeholder_id), '(not recorded)')`
            : "NULL::text";
  const { rows } = await c.query(
    `WITH r AS MATERIALIZED (
       SELECT ${g} AS g, r.kind::text AS kind, r.stage_impact_mode IS NOT DISTINCT FROM 'IN_USE' AS in_use, r.nps, r.stakeholder_id, x.rs, x.rn, x.es, x.en
         FROM feedback_responses r
         LEFT JOIN LATERAL (
           SELECT sum((a.value_number - 1) / 4 * 100) FILTER (WHERE a.type = 'RATING') AS rs, count(*) FILTER (WHERE a.type = 'RATING') AS rn,
                  sum((a.value_number - 1) / 6 * 100) FILTER (WHERE a.type = 'EFFORT') AS es, count(*) FILTER (WHERE a.type = 'EFFORT') AS en
             FROM feedback_answers a WHERE a.organization_id = r.organization_id AND a.response_id = r.id AND a.type IN ('RATING', 'EFFORT')
         ) x ON true
        WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3
     )
     SELECT 'f' AS t, g, kind, in_use, false AS total, count(*) FILTER (WHERE nps >= 9)::int AS p, count(*) FILTER (WHERE nps BETWEEN 7 AND 8)::int AS pa,
            count(*) FILTER (WHERE nps <= 6)::int AS d, sum(rs)::float8 AS rs, sum(rn)::int AS rn, sum(es)::float8 AS es, sum(en)::int AS en, NULL::int AS people
       FROM r GROUP BY g, kind, in_use
     UNION ALL
     SELECT 'p', g, NULL, NULL, grouping(g) = 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, count(DISTINCT stakeholder_id)::int
       FROM r GROUP BY GROUPING SETS ((g), ())`,
    [a.org, a.from, a.to],
  );
  type Cell = Record<(typeof PERSPECTIVES)[number], { p: number; pa: number; d: number; rs: number; rn: number; es: number; en: number }>;
  const cells = new Map<string, Cell>();
  const cell = (k: string) => {
    let x = cells.get(k);
    if (!x) cells.set(k, (x = Object.fromEntries(PERSPECTIVES.map((p) => [p, { p: 0, pa: 0, d: 0, rs: 0, rn: 0, es: 0, en: 0 }])) as Cell));
    return x;
  };
  const out: Figures = {};
  for (const r of rows) {
    if (r.t === "p") {
      if (r.total) out["all.people"] = r.people;
      else if (r.g !== null && by !== "NONE") out[`${r.g}.people`] = r.people;
      continue;
    }
    const targets = by !== "NONE" && r.g !== null ? [cell("all"), cell(r.g)] : [cell("all")];
    for (const t of targets) {
      for (const p of [r.kind, ...(r.in_use ? ["USER"] : [])] as (keyof Cell)[]) {
        const x = t[p];
        x.p += r.p;
        x.pa += r.pa;
        x.d += r.d;
        x.rs += r.rs ?? 0;
        x.rn += r.rn;
        x.es += r.es ?? 0;
        x.en += r.en;
      }
    }
  }
  for (const [k, cellData] of cells) {
    for (const p of PERSPECTIVES) {
      const x = cellData[p];
      const n = x.p + x.pa + x.d;
      if (n > 0) {
        out[`${k}.${p}.NPS.n`] = n;
        out[`${k}.${p}.NPS.raw`] = round2(((x.p - x.d) / n) * 100);
      }
      if (x.rn > 0) {
        out[`${k}.${p}.RATING.n`] = x.rn;
        out[`${k}.${p}.RATING.value`] = round2(x.rs / x.rn);
      }
      if (x.en > 0) {
        out[`${k}.${p}.EFFORT.n`] = x.en;
        out[`${k}.${p}.EFFORT.value`] = round2(x.es / x.en);
      }
    }
  }
  return out;
}

const QOE_GROUP = `key label people perspectives { perspective components { kind parts { name raw value sampleSize } } }`;

function qoeFromApi(q: any, by: QoeBy): Figures {
  const out: Figures = {};
  const add = (k: string, g: any) => {
    if (g.people !== null) out[`${k}.people`] = g.people;
    for (const p of g.perspectives) {
      const f = p.components.find((c: any) => c.kind === "FEEDBACK");
      for (const part of f?.parts ?? []) {
        if (part.sampleSize === null) continue;
        out[`${k}.${p.perspective}.${part.name}.n`] = part.sampleSize;
        out[`${k}.${p.perspective}.${part.name}.${part.name === "NPS" ? "raw" : "value"}`] = part.name === "NPS" ? part.raw : part.value;
      }
    }
  };
  add("all", q.overall);
  // Periods are compared by label (YYYY-MM), the other groups by key (a stage or touchpoint id, a dimension value).
  for (const g of q.groups) add(by === "PERIOD" ? g.label : rowKey(g.key), g);
  return out;
}

function qoe(by: QoeBy): ViewSpec {
  const extra = by === "PERIOD" ? ", interval: MONTH" : by === "DIMENSION" ? ", dimension: GENDER" : "";
  return {
    name: `qualityOfExperience ${by}${by === "PERIOD" ? " (MONTH)" : by === "DIMENSION" ? " (GENDER)" : ""}`,
    as: "staff",
    query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { qualityOfExperience(organizationId: $org, from: $from, to: $to, groupBy: ${by}${extra}) { overall { score ${QOE_GROUP} } groups { score ${QOE_GROUP} } } }`,
    variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
    fromApi: (d) => qoeFromApi(d.qualityOfExperience, by),
    hand: (c, a) => qoeFeedback(c, a, by),
    covers: "per group and perspective: the NPS, rating and effort parts (sample size and value), and people per group; not the KPI/social attainments or loop closure (small tables), so not the final score",
  };
}

// ------------------------------------------------------------------ lifecycle funnel (customers, by gender)

const funnel: ViewSpec = {
  name: "lifecycleFunnel (CUSTOMER, by GENDER)",
  as: "staff",
  query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { lifecycleFunnel(organizationId: $org, kind: CUSTOMER, from: $from, to: $to, dimension: GENDER) {
      stages { stage { id } entered movedOn inStageAtEnd current completedStays medianDaysInStage groups { value entered movedOn inStageAtEnd current } } } }`,
  variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
  fromApi: (d) => {
    const out: Figures = {};
    for (const s of d.lifecycleFunnel.stages) {
      const k = rowKey(s.stage.id);
      for (const f of ["entered", "movedOn", "inStageAtEnd", "current", "completedStays", "medianDaysInStage"]) out[`${k}.${f}`] = s[f];
      for (const g of s.groups ?? []) for (const f of ["entered", "movedOn", "inStageAtEnd", "current"]) out[`${k}.${g.value}.${f}`] = g[f];
    }
    return out;
  },
  hand: async (c, a) => {
    // Only the stays that touch the period: those that started in it, or were still open at its start.
    const { rows } = await c.query(
      `WITH stays AS (
         SELECT t.stakeholder_id, t.to_stage_id AS stage_id, t.occurred_at AS started,
                lead(t.occurred_at) OVER (PARTITION BY t.stakeholder_id ORDER BY t.occurred_at, t.id) AS ended
           FROM stage_transitions t WHERE t.organization_id = $1 AND t.kind = 'CUSTOMER' AND t.occurred_at < $3
       ), x AS (
         SELECT st.*, s.gender::text AS dim FROM stays st JOIN stakeholders s ON s.organization_id = $1 AND s.id = st.stakeholder_id
          WHERE st.started >= $2 OR st.ended IS NULL OR st.ended >= $2
       )
       SELECT x.stage_id, x.dim, grouping(x.dim) = 1 AS total,
              count(DISTINCT x.stakeholder_id) FILTER (WHERE x.started >= $2) AS entered,
              count(DISTINCT x.stakeholder_id) FILTER (WHERE x.ended >= $2) AS moved_on,
              count(DISTINCT x.stakeholder_id) FILTER (WHERE x.ended IS NULL) AS at_end,
              count(*) FILTER (WHERE x.ended >= $2) AS completed,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM x.ended - x.started)) FILTER (WHERE x.ended >= $2) AS median,
              NULL::bigint AS now
         FROM x GROUP BY GROUPING SETS ((x.stage_id), (x.stage_id, x.dim))
       UNION ALL
       SELECT s.current_stage_id, s.gender::text, grouping(s.gender) = 1, NULL, NULL, NULL, NULL, NULL, count(*)
         FROM stakeholders s WHERE s.organization_id = $1 AND s.kind = 'CUSTOMER' AND s.current_stage_id IS NOT NULL
        GROUP BY GROUPING SETS ((s.current_stage_id), (s.current_stage_id, s.gender))`,
      [a.org, a.from, a.to],
    );
    const stages: { id: string }[] = (await c.query(`SELECT id FROM stages WHERE organization_id = $1 AND kind = 'CUSTOMER'`, [a.org])).rows;
    const out: Figures = {};
    for (const s of stages) for (const f of ["entered", "movedOn", "inStageAtEnd", "current", "completedStays"]) out[`${s.id}.${f}`] = 0;
    for (const r of rows) {
      const k = r.total ? r.stage_id : `${r.stage_id}.${r.dim}`;
      if (r.now !== null) out[`${k}.current`] = Number(r.now);
      else {
        out[`${k}.entered`] = Number(r.entered);
        out[`${k}.movedOn`] = Number(r.moved_on);
        out[`${k}.inStageAtEnd`] = Number(r.at_end);
        if (r.total) {
          out[`${k}.completedStays`] = Number(r.completed);
          out[`${k}.medianDaysInStage`] = r.median === null ? null : Math.round((Number(r.median) / 86400) * 1000) / 1000;
        }
      }
    }
    return out;
  },
  covers: "per stage and per stage and gender: entered, moved on, in stage at the end, current; per stage: completed stays, median days",
};

// ------------------------------------------------------------------ impact at sale, in use, double bottom line

async function saleTotals(c: PoolClient, org: string, periods: { from: string; to: string }[], byOffering: boolean): Promise<Figures> {
  const { rows } = await c.query(
    `SELECT b.i, ${byOffering ? "s.offering_id" : "NULL::uuid AS offering_id"}, count(*) AS sales, sum(s.units) AS units, sum(s.amount_minor) AS revenue,
            sum(s.contribution_minor) AS contribution, sum(s.units_given) AS units_given, sum(s.beneficiaries_funded) AS beneficiaries
       FROM sales s JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i) ON s.occurred_at >= b.bf AND s.occurred_at < b.bt
      WHERE s.organization_id = $1 AND s.occurred_at >= $4 AND s.occurred_at < $5
      GROUP BY ${byOffering ? "GROUPING SETS ((b.i, s.offering_id), (b.i))" : "b.i"}`,
    [org, periods.map((p) => p.from), periods.map((p) => p.to), periods.map((p) => p.from).sort()[0], periods.map((p) => p.to).sort().reverse()[0]],
  );
  const out: Figures = {};
  for (let i = 1; i <= periods.length; i++) for (const f of ["sales", "unitsSold", "revenue", "contribution", "unitsGiven", "beneficiariesFundedExact"]) out[`${i}.${f}`] = 0;
  for (const r of rows) {
    const k = r.offering_id === null ? `${r.i}` : `${r.i}.${r.offering_id}`;
    out[`${k}.sales`] = Number(r.sales);
    out[`${k}.revenue`] = Number(r.revenue);
    if (r.offering_id === null) {
      out[`${k}.unitsSold`] = Number(r.units);
      out[`${k}.contribution`] = Number(r.contribution);
      out[`${k}.unitsGiven`] = num(r.units_given) ?? 0;
      out[`${k}.beneficiariesFundedExact`] = num(r.beneficiaries) ?? 0;
    }
  }
  return out;
}

function totalsFromApi(t: any, k: string): Figures {
  return {
    [`${k}.sales`]: t.sales,
    [`${k}.unitsSold`]: t.unitsSold,
    [`${k}.revenue`]: t.revenue.amountMinor,
    [`${k}.contribution`]: t.contribution.amountMinor,
    [`${k}.unitsGiven`]: Number(t.unitsGiven),
    [`${k}.beneficiariesFundedExact`]: Number(t.beneficiariesFundedExact),
  };
}
const TOTALS = `sales unitsSold revenue { amountMinor } contribution { amountMinor } unitsGiven beneficiariesFundedExact`;

const atSale: ViewSpec = {
  name: "impactAtSale",
  as: "staff",
  query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactAtSale(organizationId: $org, from: $from, to: $to) { totals { ${TOTALS} } offerings { offering { id } sales revenue { amountMinor } } socialMetrics { actual target attainment } } }`,
  variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
  fromApi: (d) => {
    const out = totalsFromApi(d.impactAtSale.totals, "1");
    for (const o of d.impactAtSale.offerings) {
      out[`1.${rowKey(o.offering.id)}.sales`] = o.sales;
      out[`1.${rowKey(o.offering.id)}.revenue`] = o.revenue.amountMinor;
    }
    return out;
  },
  hand: (c, a) => saleTotals(c, a.org, [{ from: a.from, to: a.to }], true),
  covers: "totals (sales, units, revenue, contribution, units given, beneficiaries funded) and sales and revenue per offering; not the AT_SALE social metrics (observations)",
};

/** Stakeholders in IN_USE stages per period: per stage entered, active at the end, left; distinct people in use. */
async function inUse(c: PoolClient, org: string, periods: { from: string; to: string }[], perStage: boolean): Promise<Figures> {
  const from = periods.map((p) => p.from).sort()[0];
  const to = periods.map((p) => p.to).sort().reverse()[0];
  // Transitions after the last `to` cannot change any figure: a stay they end counts as still open at `to`.
  const { rows } = await c.query(
    `WITH stays AS (
       SELECT t.stakeholder_id, t.to_stage_id AS stage_id, t.occurred_at AS started,
              lead(t.occurred_at) OVER (PARTITION BY t.stakeholder_id ORDER BY t.occurred_at, t.id) AS ended
         FROM stage_transitions t WHERE t.organization_id = $1 AND t.occurred_at < $5
     ), x AS (
       SELECT st.* FROM stays st JOIN stages u ON u.organization_id = $1 AND u.id = st.stage_id AND u.impact_mode = 'IN_USE'
        WHERE st.ended IS NULL OR st.ended >= $4
     )
     SELECT b.i, ${perStage ? "x.stage_id" : "NULL::uuid AS stage_id"},
            count(DISTINCT x.stakeholder_id) FILTER (WHERE x.started >= b.bf AND x.started < b.bt) AS entered,
            count(DISTINCT x.stakeholder_id) FILTER (WHERE x.started < b.bt AND (x.ended IS NULL OR x.ended >= b.bt)) AS active,
            count(DISTINCT x.stakeholder_id) FILTER (WHERE x.ended >= b.bf AND x.ended < b.bt) AS left_stage,
            count(DISTINCT x.stakeholder_id) FILTER (WHERE x.started < b.bt AND (x.ended IS NULL OR x.ended > b.bf)) AS in_use
       FROM x CROSS JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i)
      GROUP BY ${perStage ? "GROUPING SETS ((b.i, x.stage_id), (b.i))" : "b.i"}`,
    [org, periods.map((p) => p.from), periods.map((p) => p.to), from, to],
  );
  const out: Figures = {};
  for (let i = 1; i <= periods.length; i++) out[`${i}.inUse`] = 0;
  for (const r of rows) {
    if (r.stage_id === null) out[`${r.i}.inUse`] = Number(r.in_use);
    else {
      out[`${r.i}.${r.stage_id}.entered`] = Number(r.entered);
      out[`${r.i}.${r.stage_id}.active`] = Number(r.active);
      out[`${r.i}.${r.stage_id}.left`] = Number(r.left_stage);
    }
  }
  return out;
}

const inUseView: ViewSpec = {
  name: "impactInUse",
  as: "staff",
  query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactInUse(organizationId: $org, from: $from, to: $to) { stakeholdersInUse stages { stage { id } entered active left } socialMetrics { actual target } } }`,
  variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
  fromApi: (d) => {
    const out: Figures = { "1.inUse": d.impactInUse.stakeholdersInUse };
    for (const s of d.impactInUse.stages) {
      if (s.entered === 0 && s.active === 0 && s.left === 0) continue;
      out[`1.${rowKey(s.stage.id)}.entered`] = s.entered;
      out[`1.${rowKey(s.stage.id)}.active`] = s.active;
      out[`1.${rowKey(s.stage.id)}.left`] = s.left;
    }
    return out;
  },
  hand: (c, a) => inUse(c, a.org, [{ from: a.from, to: a.to }], true),
  covers: "stakeholders in use; per IN_USE stage entered, active, left; not the IN_USE social metrics (observations)",
};

const dbl: ViewSpec = {
  name: "doubleBottomLine",
  as: "staff",
  query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { doubleBottomLine(organizationId: $org, from: $from, to: $to) {
      business { revenue { current { amountMinor } previous { amountMinor } } sales { current previous } kpis { change } }
      social { contribution { current { amountMinor } previous { amountMinor } } unitsGiven { current previous } stakeholdersInUse { current previous } socialMetrics { change } } } }`,
  variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
  fromApi: (d) => {
    const b = d.doubleBottomLine.business;
    const s = d.doubleBottomLine.social;
    return {
      "1.revenue": b.revenue.current.amountMinor,
      "2.revenue": b.revenue.previous.amountMinor,
      "1.sales": b.sales.current,
      "2.sales": b.sales.previous,
      "1.contribution": s.contribution.current.amountMinor,
      "2.contribution": s.contribution.previous.amountMinor,
      "1.unitsGiven": Number(s.unitsGiven.current),
      "2.unitsGiven": Number(s.unitsGiven.previous),
      "1.inUse": s.stakeholdersInUse.current,
      "2.inUse": s.stakeholdersInUse.previous,
    };
  },
  hand: async (c, a) => {
    const periods = [
      { from: a.from, to: a.to },
      { from: previous(a), to: a.from },
    ];
    const sales = await saleTotals(c, a.org, periods, false);
    const use = await inUse(c, a.org, periods, false);
    const out: Figures = { ...use };
    for (const i of [1, 2]) for (const f of ["revenue", "sales", "contribution", "unitsGiven"]) out[`${i}.${f}`] = sales[`${i}.${f}`];
    return out;
  },
  covers: "revenue, sales, contribution, units given and stakeholders in use, this period and the previous; not the KPI/social metric comparisons (observations)",
};

// ------------------------------------------------------------------ metric series

const series: ViewSpec = {
  name: "metricSeries (MONTH)",
  as: "staff",
  query: `query($metricId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { metricSeries(metricId: $metricId, from: $from, to: $to, interval: MONTH) { points { from actual observations derivedFromDimension target } } }`,
  variables: (a) => ({ metricId: a.metricId, from: a.from, to: a.to }),
  fromApi: (d) => {
    const out: Figures = {};
    for (const p of d.metricSeries.points) {
      if (p.derivedFromDimension !== null) continue;
      const k = String(p.from).slice(0, 7);
      out[`${k}.observations`] = p.observations;
      out[`${k}.actual`] = num(p.actual);
    }
    return out;
  },
  hand: async (c, a) => {
    const [m] = (await c.query(`SELECT aggregation FROM metrics WHERE organization_id = $1 AND id = $2`, [a.org, a.metricId])).rows;
    const { rows } = await c.query(
      `SELECT to_char(o.period_from AT TIME ZONE 'UTC', 'YYYY-MM') AS b, count(*) AS n, sum(o.value) AS s, round(avg(o.value), 6) AS a,
              (array_agg(o.value ORDER BY o.period_from DESC, o.created_at DESC, o.id DESC))[1] AS latest
         FROM observations o WHERE o.organization_id = $1 AND o.metric_id = $2 AND o.period_from >= $3 AND o.period_from < $4 AND o.dimensions = '{}'::jsonb
        GROUP BY 1`,
      [a.org, a.metricId, a.from, a.to],
    );
    const out: Figures = {};
    for (const r of rows) {
      out[`${r.b}.observations`] = Number(r.n);
      out[`${r.b}.actual`] = Number(m.aggregation === "SUM" ? r.s : m.aggregation === "AVERAGE" ? r.a : r.latest);
    }
    return out;
  },
  covers: "per month with observations of the whole (no dimension): observations and the actual (sum, average or latest); not targets",
};

// ------------------------------------------------------------------ impact report

function report(as: "staff" | "funder"): ViewSpec {
  return {
    name: `impactReport (${as})`,
    as,
    query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactReport(organizationId: $org, from: $from, to: $to) {
        qualityOfExperience impactAtSale { totals { ${TOTALS} } } previousImpactAtSale { ${TOTALS} }
        impactInUse { stakeholdersInUse } previousStakeholdersInUse
        customerExperience { nps { promoters passives detractors sampleSize score } } beneficiaryExperience { nps { promoters passives detractors sampleSize score } }
        metrics { actual attainment } disaggregations { dimension total cells { value count } } loops { __typename } notes { item } } }`,
    variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
    fromApi: (d) => {
      const r = d.impactReport;
      const out: Figures = {
        ...totalsFromApi(r.impactAtSale.totals, "1"),
        ...totalsFromApi(r.previousImpactAtSale, "2"),
        "1.inUse": r.impactInUse.stakeholdersInUse,
        "2.inUse": r.previousStakeholdersInUse,
      };
      for (const [k, x] of [["customer", r.customerExperience.nps], ["beneficiary", r.beneficiaryExperience.nps]] as const) {
        for (const f of ["promoters", "passives", "detractors", "sampleSize", "score"]) out[`${k}.${f}`] = x[f];
      }
      for (const g of r.disaggregations) {
        out[`${g.dimension}.total`] = g.total;
        for (const cell of g.cells) out[`${g.dimension}.${cell.value}`] = cell.count;
      }
      return out;
    },
    hand: async (c, a) => {
      const periods = [
        { from: a.from, to: a.to },
        { from: previous(a), to: a.from },
      ];
      const sales = await saleTotals(c, a.org, periods, false);
      const use = await inUse(c, a.org, periods, false);
      // A funder's counts of people are adjusted (the cell-key method): the same counts with their people's record keys.
      const funder = as === "funder";
      const maximum = funder ? Number((await c.query(`SELECT perturbation_maximum FROM organizations WHERE id = $1`, [a.org])).rows[0].perturbation_maximum) : 0;
      const customer = npsFigures(funder ? await funderNpsCounts(c, a, "CUSTOMER", maximum) : await npsCounts(c, a, "CUSTOMER"), "customer.");
      const beneficiary = npsFigures(funder ? await funderNpsCounts(c, a, "BENEFICIARY", maximum) : await npsCounts(c, a, "BENEFICIARY"), "beneficiary.");
      if (funder) {
        // People in use per period: the distinct people's key sums.
        const { rows: keys } = await c.query(
          `WITH stays AS (
             SELECT t.stakeholder_id, t.to_stage_id AS stage_id, t.occurred_at AS started,
                    lead(t.occurred_at) OVER (PARTITION BY t.stakeholder_id ORDER BY t.occurred_at, t.id) AS ended
               FROM stage_transitions t WHERE t.organization_id = $1 AND t.occurred_at < $4
           ), x AS (
             SELECT DISTINCT b.i, st.stakeholder_id
               FROM stays st JOIN stages u ON u.organization_id = $1 AND u.id = st.stage_id AND u.impact_mode = 'IN_USE'
               CROSS JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i)
              WHERE st.started < b.bt AND (st.ended IS NULL OR st.ended > b.bf)
           )
           SELECT x.i, count(*) AS n, sum(s.record_key) AS keys FROM x JOIN stakeholders s ON s.organization_id = $1 AND s.id = x.stakeholder_id GROUP BY x.i`,
          [a.org, periods.map((p) => p.from), periods.map((p) => p.to), a.to],
        );
        for (const k of keys) use[`${k.i}.inUse`] = perturb(Number(k.n), k.keys, maximum);
      }
      await qoeFeedback(c, a, "NONE"); // the experience section's feedback: not compared (the report shows only the overall score)
      const { rows } = await c.query(
        `WITH people AS (
           SELECT DISTINCT s.id, s.gender::text AS gender, s.age_band::text AS age_band, s.region, s.record_key AS rk
             FROM (SELECT t.stakeholder_id, t.to_stage_id, t.occurred_at AS started,
                          lead(t.occurred_at) OVER (PARTITION BY t.stakeholder_id ORDER BY t.occurred_at, t.id) AS ended
                     FROM stage_transitions t WHERE t.organization_id = $1 AND t.occurred_at < $3) x
             JOIN stages st ON st.organization_id = $1 AND st.id = x.to_stage_id AND st.impact_mode = 'IN_USE'
             JOIN stakeholders s ON s.organization_id = $1 AND s.id = x.stakeholder_id
            WHERE x.ended IS NULL OR x.ended > $2
         )
         SELECT 'GENDER' AS dim, coalesce(gender, '(not recorded)') AS value, count(*)::int AS n, sum(rk) AS keys FROM people GROUP BY 2
         UNION ALL SELECT 'AGE_BAND', coalesce(age_band, '(not recorded)'), count(*)::int, sum(rk) FROM people GROUP BY 2
         UNION ALL SELECT 'REGION', coalesce(region, '(not recorded)'), count(*)::int, sum(rk) FROM people GROUP BY 2`,
        [a.org, a.from, a.to],
      );
      const out: Figures = { ...customer, ...beneficiary, "1.inUse": use["1.inUse"], "2.inUse": use["2.inUse"] };
      for (const i of [1, 2]) for (const f of ["sales", "unitsSold", "revenue", "contribution", "unitsGiven", "beneficiariesFundedExact"]) out[`${i}.${f}`] = sales[`${i}.${f}`];
      const totals: Record<string, number> = {};
      const totalKeys: Record<string, bigint> = {};
      for (const r of rows) {
        // A funder's cells and totals are adjusted, each by its own people's keys.
        out[`${r.dim}.${r.value}`] = funder ? perturb(r.n, r.keys, maximum) : r.n;
        totals[r.dim] = (totals[r.dim] ?? 0) + r.n;
        totalKeys[r.dim] = (totalKeys[r.dim] ?? 0n) + BigInt(r.keys ?? 0);
      }
      for (const [dim, n] of Object.entries(totals)) out[`${dim}.total`] = funder ? perturb(n, totalKeys[dim], maximum) : n;
      return out;
    },
    covers:
      "sales totals this and the previous period, stakeholders in use both periods, customer and beneficiary NPS, in-use people by gender, age band and region (figures a funder sees suppressed are not compared); the hand-written side also runs the QoE feedback statement, not the metrics, loops or narrative (small tables)",
  };
}

// ------------------------------------------------------------------ what experience is worth (issue 16)
// The hand-written side finds each person's latest answer by sorting their responses (DISTINCT ON) or by
// a look-up per person, as one would without experience_stays (the API's table kept on write).

const CV_CLASSES = ["PROMOTER", "PASSIVE", "DETRACTOR", "NOT_ASKED"];
const CV_BANDS = ["HIGH", "MEDIUM", "LOW", "NOT_RATED"];

const customerValue: ViewSpec = {
  name: "customerValue",
  as: "staff",
  query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { customerValue(organizationId: $org, from: $from, to: $to) {
    byNpsClass { npsClass customers purchases revenue { amountMinor } repeatPurchase { count } retention { count } }
    byQoeBand { qoeBand customers repeatPurchase { count } retention { count } } } }`,
  variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
  fromApi: (d) => {
    const out: Figures = {};
    for (const g of d.customerValue.byNpsClass) {
      out[`${g.npsClass}.customers`] = g.customers;
      out[`${g.npsClass}.purchases`] = g.purchases;
      out[`${g.npsClass}.revenue`] = g.revenue ? Number(g.revenue.amountMinor) : null;
      out[`${g.npsClass}.repeat`] = g.repeatPurchase?.count ?? null;
      out[`${g.npsClass}.active`] = g.retention?.count ?? null;
    }
    for (const g of d.customerValue.byQoeBand) {
      out[`${g.qoeBand}.customers`] = g.customers;
      out[`${g.qoeBand}.repeat`] = g.repeatPurchase?.count ?? null;
      out[`${g.qoeBand}.active`] = g.retention?.count ?? null;
    }
    return out;
  },
  hand: async (c, a) => {
    const { rows } = await c.query(
      `WITH c AS (
         SELECT s.customer_id AS id, count(*) FILTER (WHERE s.occurred_at >= $2) AS purchases, coalesce(sum(s.amount_minor) FILTER (WHERE s.occurred_at >= $2), 0) AS revenue
           FROM sales s JOIN stakeholders k ON k.organization_id = s.organization_id AND k.id = s.customer_id AND k.kind = 'CUSTOMER'
          WHERE s.organization_id = $1 AND s.customer_id IS NOT NULL AND s.occurred_at < $3 GROUP BY 1
       ), n AS (
         SELECT DISTINCT ON (r.stakeholder_id) r.stakeholder_id, r.nps FROM feedback_responses r
          WHERE r.organization_id = $1 AND r.kind = 'CUSTOMER' AND r.nps IS NOT NULL AND r.collected_at < $3 ORDER BY r.stakeholder_id, r.collected_at DESC, r.id DESC
       ), g AS (
         SELECT DISTINCT ON (r.stakeholder_id) r.stakeholder_id, x.score FROM feedback_responses r
           JOIN LATERAL (SELECT avg((a.value_number - 1) / 4 * 100) AS score FROM feedback_answers a
                          WHERE a.organization_id = r.organization_id AND a.response_id = r.id AND a.type = 'RATING' AND a.value_number IS NOT NULL) x ON x.score IS NOT NULL
          WHERE r.organization_id = $1 AND r.kind = 'CUSTOMER' AND r.collected_at < $3 ORDER BY r.stakeholder_id, r.collected_at DESC, r.id DESC
       ), st AS (
         SELECT DISTINCT ON (t.stakeholder_id) t.stakeholder_id, t.to_stage_id FROM stage_transitions t
          WHERE t.organization_id = $1 AND t.kind = 'CUSTOMER' AND t.occurred_at < $3 ORDER BY t.stakeholder_id, t.occurred_at DESC, t.id DESC
       ), ex AS (SELECT id FROM stages WHERE organization_id = $1 AND kind = 'CUSTOMER' ORDER BY position DESC LIMIT 1),
       x AS (
         SELECT c.*, CASE WHEN n.nps IS NULL THEN 'NOT_ASKED' WHEN n.nps >= 9 THEN 'PROMOTER' WHEN n.nps >= 7 THEN 'PASSIVE' ELSE 'DETRACTOR' END AS cls,
                CASE WHEN g.score IS NULL THEN 'NOT_RATED' WHEN g.score >= 70 THEN 'HIGH' WHEN g.score >= 40 THEN 'MEDIUM' ELSE 'LOW' END AS band,
                st.to_stage_id IS DISTINCT FROM (SELECT id FROM ex) AS active
           FROM c LEFT JOIN n ON n.stakeholder_id = c.id LEFT JOIN g ON g.stakeholder_id = c.id LEFT JOIN st ON st.stakeholder_id = c.id
       )
       SELECT cls, band, grouping(cls) AS gc, count(*)::int AS n, sum(purchases)::int AS purchases, sum(revenue)::text AS revenue,
              count(*) FILTER (WHERE purchases >= 2)::int AS repeat, count(*) FILTER (WHERE active)::int AS active
         FROM x GROUP BY GROUPING SETS ((cls), (band))`,
      [a.org, a.from, a.to],
    );
    const out: Figures = {};
    for (const k of [...CV_CLASSES, ...CV_BANDS]) out[`${k}.customers`] = 0;
    for (const r of rows) {
      const k = r.gc === 0 ? r.cls : r.band;
      out[`${k}.customers`] = r.n;
      out[`${k}.repeat`] = r.repeat;
      out[`${k}.active`] = r.active;
      if (r.gc === 0) {
        out[`${k}.purchases`] = r.purchases;
        out[`${k}.revenue`] = Number(r.revenue);
      }
    }
    return out;
  },
  covers: "customers, purchases, revenue, repeat purchasers and active customers per NPS class; customers, repeat purchasers and active per QoE band (the lifetime value and rates follow from them)",
};

const loopValueView: ViewSpec = {
  name: "loopValue",
  as: "staff",
  query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { loopValue(organizationId: $org, from: $from, to: $to) {
    groups { loop detractors answeredAgain { count } nextPromoter { count } nextDetractor { count } repurchase { count } } } }`,
  variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
  fromApi: (d) => {
    const out: Figures = {};
    for (const g of d.loopValue.groups) {
      out[`${g.loop}.detractors`] = g.detractors;
      out[`${g.loop}.again`] = g.answeredAgain?.count ?? null;
      out[`${g.loop}.promoter`] = g.nextPromoter?.count ?? null;
      out[`${g.loop}.detractor`] = g.nextDetractor?.count ?? null;
      out[`${g.loop}.repurchase`] = g.repurchase?.count ?? null;
    }
    return out;
  },
  hand: async (c, a) => {
    const { rows } = await c.query(
      `WITH cases AS (
         SELECT r.id, r.stakeholder_id, r.collected_at, bool_or(x.loop_closed_at IS NOT NULL AND x.loop_closed_at <= x.due_at) AS on_time
           FROM feedback_responses r JOIN actions x ON x.organization_id = r.organization_id AND x.response_id = r.id AND x.due_at < $3
          WHERE r.organization_id = $1 AND r.kind = 'CUSTOMER' AND r.nps <= 6 AND r.collected_at >= $2 AND r.collected_at < $3
          GROUP BY 1, 2, 3
       ), c AS (SELECT DISTINCT ON (stakeholder_id) * FROM cases ORDER BY stakeholder_id, collected_at, id),
       y AS (
         SELECT c.on_time,
                (SELECT n.nps FROM feedback_responses n WHERE n.organization_id = $1 AND n.stakeholder_id = c.stakeholder_id AND n.nps IS NOT NULL
                    AND (n.collected_at, n.id) > (c.collected_at, c.id) AND n.collected_at < $3 ORDER BY n.collected_at, n.id LIMIT 1) AS next,
                EXISTS (SELECT 1 FROM sales s WHERE s.organization_id = $1 AND s.customer_id = c.stakeholder_id AND s.occurred_at > c.collected_at AND s.occurred_at < $3) AS bought
           FROM c
       )
       SELECT CASE WHEN on_time THEN 'ON_TIME' ELSE 'NOT_ON_TIME' END AS loop, count(*)::int AS n, count(next)::int AS again,
              count(*) FILTER (WHERE next >= 9)::int AS p, count(*) FILTER (WHERE next <= 6)::int AS d, count(*) FILTER (WHERE bought)::int AS bought
         FROM y GROUP BY 1`,
      [a.org, a.from, a.to],
    );
    const out: Figures = {};
    for (const r of rows) {
      out[`${r.loop}.detractors`] = r.n;
      out[`${r.loop}.again`] = r.again;
      out[`${r.loop}.promoter`] = r.p;
      out[`${r.loop}.detractor`] = r.d;
      out[`${r.loop}.repurchase`] = r.bought;
    }
    return out;
  },
  covers: "per loop group: detractors (people), answered again, next answer promoter and detractor, repurchase",
};

const driversView: ViewSpec = {
  name: "experienceDrivers (touchpoints)",
  as: "staff",
  query: `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { experienceDrivers(organizationId: $org, from: $from, to: $to, interval: MONTH) {
    touchpoints { drivers { touchpointId raters averageScore withNps correlation } } } }`,
  variables: (a) => ({ org: a.org, from: a.from, to: a.to }),
  fromApi: (d) => {
    const out: Figures = {};
    for (const t of d.experienceDrivers.touchpoints.drivers) {
      const k = rowKey(t.touchpointId);
      out[`${k}.raters`] = t.raters;
      out[`${k}.averageScore`] = t.averageScore;
      out[`${k}.withNps`] = t.withNps;
      out[`${k}.correlation`] = t.correlation === null ? null : round2(t.correlation * 100);
    }
    return out;
  },
  hand: async (c, a) => {
    const { rows } = await c.query(
      `WITH per_response AS (
         SELECT r.stakeholder_id, r.touchpoint_id, avg(CASE a.type WHEN 'RATING' THEN (a.value_number - 1) / 4 * 100 ELSE (a.value_number - 1) / 6 * 100 END) AS v
           FROM feedback_responses r
           JOIN feedback_answers a ON a.organization_id = r.organization_id AND a.response_id = r.id AND a.type IN ('RATING', 'EFFORT') AND a.value_number IS NOT NULL
          WHERE r.organization_id = $1 AND r.kind = 'CUSTOMER' AND r.touchpoint_id IS NOT NULL AND r.collected_at >= $2 AND r.collected_at < $3
          GROUP BY r.id, r.stakeholder_id, r.touchpoint_id, a.type
       ), x AS (SELECT stakeholder_id, touchpoint_id, avg(v)::float8 AS x FROM per_response GROUP BY 1, 2),
       y AS (
         SELECT DISTINCT ON (r.stakeholder_id) r.stakeholder_id, r.nps::float8 AS y FROM feedback_responses r
          WHERE r.organization_id = $1 AND r.kind = 'CUSTOMER' AND r.nps IS NOT NULL AND r.collected_at >= $2 AND r.collected_at < $3
          ORDER BY r.stakeholder_id, r.collected_at DESC, r.id DESC
       )
       SELECT x.touchpoint_id, t.name, count(*)::int AS raters, avg(x.x)::float8 AS score, count(y.y)::int AS with_nps, corr(y.y, x.x)::float8 AS r
         FROM x JOIN touchpoints t ON t.organization_id = $1 AND t.id = x.touchpoint_id LEFT JOIN y ON y.stakeholder_id = x.stakeholder_id
        GROUP BY x.touchpoint_id, t.name ORDER BY raters DESC, t.name, x.touchpoint_id LIMIT 6`,
      [a.org, a.from, a.to],
    );
    const out: Figures = {};
    for (const r of rows) {
      out[`${r.touchpoint_id}.raters`] = r.raters;
      out[`${r.touchpoint_id}.averageScore`] = round2(r.score);
      out[`${r.touchpoint_id}.withNps`] = r.with_nps;
      out[`${r.touchpoint_id}.correlation`] = r.r === null ? null : round2(r.r * 100);
    }
    return out;
  },
  covers: "customers' touchpoints: raters, average score, raters with an NPS answer, and each one's correlation with NPS (× 100; compared where the API computes it); not the Shapley shares (from the same correlations, in the API only)",
};

export const VIEWS: ViewSpec[] = [
  nps, qoe("NONE"), qoe("STAGE"), qoe("TOUCHPOINT"), qoe("PERIOD"), qoe("DIMENSION"), funnel, atSale, inUseView, dbl, series, report("staff"), report("funder"),
  customerValue, loopValueView, driversView,
];

/** The views also timed over one month (cost should follow the period asked, not the history). */
export const MONTH_VIEWS = ["nps", "qualityOfExperience NONE", "lifecycleFunnel (CUSTOMER, by GENDER)", "impactAtSale", "doubleBottomLine", "customerValue", "loopValue", "experienceDrivers (touchpoints)"];

/** Figures that differ (numbers within 0.011 are equal: both sides round to 2 decimals). Null on the API's side (suppressed) is not compared. */
export function compareFigures(api: Figures, hand: Figures): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(api), ...Object.keys(hand)]);
  for (const k of [...keys].sort()) {
    const a = api[k];
    const h = hand[k];
    if (a === null && k in api) continue; // suppressed for a funder, or not computed
    const av = a ?? 0;
    const hv = h ?? 0;
    if ((a === undefined || a === 0) && (h === undefined || h === null || h === 0)) continue;
    if (Math.abs(av - hv) > 0.011) out.push(`${k}: API ${a === undefined ? "(absent)" : a}, SQL ${h === undefined ? "(absent)" : h}`);
  }
  return out;
}
