import { EntityManager } from "typeorm";
import { StakeholderKind } from "../../common/enums";
import { correlationsFromSums, fisherInterval, MIN_CORRELATION_N, pearson, round, shapleyR2, spearman } from "../../common/statistics";
import { Bucket, metricValues } from "../impact/metric-values";
import { Metric } from "../metric/metric.entity";
import { hydrateAll } from "../../database/rows";
import { Correlation, DriverOutput, KpiCorrelation, TouchpointDriver, TouchpointDrivers } from "./value.types";

/**
 * The drivers of experience (issue 16, item 3): loads and computes for `ValueService.experienceDrivers`.
 * - On the period grid: every INPUT KPI's value in period t against the output (NPS, QoE) of period
 *   t + lag; Pearson and Spearman with Fisher's z 95 % interval; no number below MIN_CORRELATION_N pairs.
 * - Across respondents: the Shapley decomposition of R² (LMG) of each respondent's latest NPS answer in
 *   the period on their mean rating (mapped to 0..100) at each of the (at most 6) most rated touchpoints,
 *   over the respondents with an NPS answer and a rating at every one of them (complete cases).
 */

export const MAX_DRIVER_TOUCHPOINTS = 6;
export const LMG_METHOD =
  "Shapley decomposition of R² (Lindeman–Merenda–Gold): each touchpoint's share is the R² its rating adds to the regression of the NPS answer (0–10), averaged over every order of entry; the shares add up to R². Complete cases: respondents with an NPS answer and a rating at every touchpoint compared, in [from, to).";

/** A correlation of paired series, or "not enough data" (below MIN_CORRELATION_N pairs). */
export function correlate(xs: (number | null)[], ys: (number | null)[], lag: number): { n: number; enough: boolean; pearson: Correlation; spearman: Correlation } {
  const px: number[] = [];
  const py: number[] = [];
  for (let t = 0; t + lag < ys.length && t < xs.length; t++) {
    const x = xs[t];
    const y = ys[t + lag];
    if (x === null || y === null) continue;
    px.push(x);
    py.push(y);
  }
  const n = px.length;
  const enough = n >= MIN_CORRELATION_N;
  const make = (r: number | null): Correlation => {
    const c = new Correlation();
    c.value = enough && r !== null ? round(r) : null;
    const i = enough && r !== null ? fisherInterval(r, n) : null;
    c.low = i ? round(i.low) : null;
    c.high = i ? round(i.high) : null;
    return c;
  };
  return { n, enough, pearson: make(enough ? pearson(px, py) : null), spearman: make(enough ? spearman(px, py) : null) };
}

/**
 * Load: NPS per bucket of the audience's answers in [from, to), and (with `people`) how many distinct
 * people gave them. From experience_stays' time index (the answers' NPS values, index only).
 */
export async function npsSeries(em: EntityManager, org: string, kind: StakeholderKind, bs: Bucket[], people = false): Promise<{ nps: number | null; n: number; people: number }[]> {
  const rows: { b: number; n: number; p: number; d: number; people: number }[] = await em.query(
    `SELECT width_bucket(e.collected_at, $4::timestamptz[]) AS b, count(*)::int AS n,
            count(*) FILTER (WHERE e.value >= 9)::int AS p, count(*) FILTER (WHERE e.value <= 6)::int AS d,
            ${people ? "count(DISTINCT e.stakeholder_id)::int" : "0"} AS people
       FROM experience_stays e
      WHERE e.organization_id = $1 AND e.kind = $5 AND e.measure = 'NPS' AND e.collected_at >= $2 AND e.collected_at < $3
      GROUP BY 1`,
    [org, bs[0].from, bs[bs.length - 1].to, bs.map((b) => b.from), kind],
  );
  return bs.map((_, i) => {
    const r = rows.find((x) => Number(x.b) === i + 1);
    return r && r.n > 0 ? { nps: round(((r.p - r.d) / r.n) * 100, 1), n: r.n, people: r.people } : { nps: null, n: 0, people: 0 };
  });
}

/** Load and compute: every INPUT KPI against the outputs. */
export async function kpiCorrelations(
  em: EntityManager,
  org: string,
  bs: Bucket[],
  outputs: Record<DriverOutput, (number | null)[]>,
  lag: number,
): Promise<KpiCorrelation[]> {
  const rows = await em.query(`SELECT * FROM metrics m WHERE m.organization_id = $1 AND m.category = 'KPI' AND m.kind = 'INPUT' ORDER BY m.created_at, m.id LIMIT 50`, [org]);
  const metrics = hydrateAll(em, Metric, rows);
  const values = await metricValues(em, org, metrics, bs);
  const out: KpiCorrelation[] = [];
  for (const m of metrics) {
    const xs = (values.get(m.id) ?? []).map((v) => (v.actual === null ? null : Number(v.actual)));
    for (const output of [DriverOutput.NPS, DriverOutput.QOE]) {
      const c = correlate(xs, outputs[output], lag);
      const k = new KpiCorrelation();
      k.organizationId = org;
      k.metricId = m.id;
      k.metricName = m.name;
      k.output = output;
      k.lag = lag;
      k.n = c.n;
      k.enoughData = c.enough;
      k.pearson = c.pearson;
      k.spearman = c.spearman;
      out.push(k);
    }
  }
  return out;
}

/** Load and compute: touchpoints' relative importance for the NPS answer. `minimumFloor`: at least this many respondents (a funder's k). */
export async function touchpointDrivers(
  em: EntityManager,
  org: string,
  kind: StakeholderKind,
  from: Date,
  to: Date,
  options: { funder: boolean; minimumFloor: number; perturb: (count: number, keySum: string | null) => number },
): Promise<TouchpointDrivers> {
  // Ratings and NPS answers given in the period, from experience_stays (kept on write; its time index):
  // a response's rating there is the mean of its RATING answers mapped to 0..100.
  const tps: { id: string; name: string; raters: number }[] = await em.query(
    `SELECT x.touchpoint_id AS id, t.name, count(*)::int AS raters
       FROM (SELECT DISTINCT e.touchpoint_id, e.stakeholder_id FROM experience_stays e
              WHERE e.organization_id = $1 AND e.kind = $4 AND e.measure = 'RATING' AND e.collected_at >= $2 AND e.collected_at < $3) x
       JOIN touchpoints t ON t.organization_id = $1 AND t.id = x.touchpoint_id
      GROUP BY x.touchpoint_id, t.name ORDER BY raters DESC, t.name, x.touchpoint_id LIMIT ${MAX_DRIVER_TOUCHPOINTS}`,
    [org, from, to, kind],
  );
  const p = tps.length;
  const out = new TouchpointDrivers();
  out.method = LMG_METHOD;
  out.minimumRespondents = Math.max(10, 5 * p, options.minimumFloor);
  out.respondents = 0;
  out.enoughData = false;
  out.rSquared = null;
  const driver = (t: (typeof tps)[number]) => {
    const d = new TouchpointDriver();
    d.organizationId = org;
    d.touchpointId = t.id;
    d.touchpointName = t.name;
    d.raters = options.funder ? null : t.raters;
    d.rSquaredShare = d.importance = d.correlation = null;
    return d;
  };
  out.drivers = tps.map(driver);
  if (p === 0) return out;

  // Variables: v0 = the latest NPS answer, v1..vp = the mean rating at each touchpoint; sums over complete cases.
  const vars = ["y", ...tps.map((_, i) => `x${i + 1}`)];
  const sums = vars.map((v) => `sum(${v})::float8 AS s_${v}`);
  const products: string[] = [];
  vars.forEach((a, i) => vars.forEach((b, j) => j >= i && products.push(`sum(${a} * ${b})::float8 AS p_${a}_${b}`)));
  // y: the person's latest NPS answer in the period, i.e. the one still in force at `to` (until ≥ to) if given
  // in it (read from the until index); x_i: their mean rating at touchpoint i in the period.
  const [agg] = await em.query(
    `WITH y AS (
       SELECT e.stakeholder_id, e.value::float8 AS y FROM experience_stays e
        WHERE e.organization_id = $1 AND e.measure = 'NPS' AND e.until >= $3 AND e.collected_at >= $2 AND e.collected_at < $3 AND e.kind = $4
     ), x AS (
       SELECT e.stakeholder_id,
              ${tps.map((_, i) => `avg(e.value) FILTER (WHERE e.touchpoint_id = ($5::uuid[])[${i + 1}])::float8 AS x${i + 1}`).join(",\n              ")}
         FROM experience_stays e
        WHERE e.organization_id = $1 AND e.kind = $4 AND e.measure = 'RATING' AND e.collected_at >= $2 AND e.collected_at < $3 AND e.touchpoint_id = ANY($5::uuid[])
        GROUP BY e.stakeholder_id
     ), p AS (
       SELECT y.stakeholder_id, y.y, ${tps.map((_, i) => `x.x${i + 1}`).join(", ")} FROM y JOIN x ON x.stakeholder_id = y.stakeholder_id
     )
     SELECT count(*)::int AS n, ${options.funder ? "sum(k.record_key)::text" : "NULL"} AS n_key, ${[...sums, ...products].join(", ")}
       FROM p${options.funder ? " JOIN stakeholders k ON k.organization_id = $1 AND k.id = p.stakeholder_id" : ""}
      WHERE ${vars.map((v) => `${v} IS NOT NULL`).join(" AND ")}`,
    [org, from, to, kind, tps.map((t) => t.id)],
  );
  const n = Number(agg.n);
  // Funders: a count of people below the threshold is hidden, like everywhere; shown ones adjusted.
  out.respondents = options.funder && n > 0 && n < options.minimumFloor ? null : options.perturb(n, agg.n_key);
  out.enoughData = n >= out.minimumRespondents;
  if (!out.enoughData) return out;
  const s = vars.map((v) => Number(agg[`s_${v}`]));
  const prod = vars.map((a, i) => vars.map((b, j) => Number(agg[i <= j ? `p_${a}_${b}` : `p_${b}_${a}`])));
  const corr = correlationsFromSums(n, s, prod);
  if (!corr) {
    out.enoughData = false;
    return out;
  }
  const { rSquared, shares } = shapleyR2(corr);
  out.rSquared = round(rSquared);
  out.drivers.forEach((d, i) => {
    d.rSquaredShare = round(shares[i]);
    d.importance = rSquared > 0 ? round(shares[i] / rSquared) : null;
    d.correlation = round(corr[0][i + 1]);
  });
  out.drivers.sort((a, b) => (b.rSquaredShare ?? 0) - (a.rSquaredShare ?? 0));
  return out;
}
