import { EntityManager } from "typeorm";
import { StakeholderKind } from "../../common/enums";
import { correlationsFromPairs, fisherInterval, MIN_CORRELATION_N, PairSums, pearson, round, shapleyR2, spearman } from "../../common/statistics";
import { Bucket, metricValues } from "../impact/metric-values";
import { Metric } from "../metric/metric.entity";
import { hydrateAll } from "../../database/rows";
import { Correlation, DriverOutput, KpiCorrelation, TouchpointDriver, TouchpointDrivers } from "./value.types";

/**
 * The drivers of experience (issue 16, item 3): loads and computes for `ValueService.experienceDrivers`.
 * - On the period grid: every INPUT KPI's value in period t against the output (NPS, QoE) of period
 *   t + lag; Pearson and Spearman with Fisher's z 95 % interval; no number below MIN_CORRELATION_N pairs.
 * - Across respondents: the Shapley decomposition of R² (LMG) of each respondent's latest NPS answer in
 *   the period on their score (rating and effort, 0..100) at each of the (at most 6) most scored
 *   touchpoints, on pairwise correlations (see touchpointDrivers).
 */

export const MAX_DRIVER_TOUCHPOINTS = 6;
export const LMG_METHOD =
  "Shapley decomposition of R² (Lindeman–Merenda–Gold): each touchpoint's share is the R² its score adds to the regression of the respondent's latest NPS answer (0–10) in [from, to), averaged over every order of entry; the shares add up to R². A respondent's score at a touchpoint is the mean of their rating and effort scores there (0..100). Pairwise deletion: each correlation is computed from the people with both figures; a touchpoint is compared when at least minimumPairs people have both its score and an NPS answer, and both its score and that of every touchpoint compared before it (in order of raters).";

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

/**
 * Load and compute: touchpoints' relative importance for the NPS answer. `minimumFloor`: at least this
 * many respondents, and people behind every correlation (a funder's k).
 *
 * Variables per respondent (experience_stays, the period's rows): y = their latest NPS answer in the
 * period (the one still in force at `to`, if given in it); x_i = their score at touchpoint i, the mean
 * over their rating and effort scores there (each 0..100). People rate few touchpoints each, so the
 * correlations are pairwise (each from the people with both figures) and a touchpoint is compared only
 * when enough people have both it and y, and both it and every touchpoint already compared.
 */
export async function touchpointDrivers(
  em: EntityManager,
  org: string,
  kind: StakeholderKind,
  from: Date,
  to: Date,
  options: { funder: boolean; minimumFloor: number; perturb: (count: number, keySum: string | null) => number },
): Promise<TouchpointDrivers> {
  const minimumPair = Math.max(10, options.minimumFloor);
  // The most scored touchpoints: people with a rating or effort score at each, and the mean of their scores.
  const tps: { id: string; name: string; raters: number; score: number | null }[] = await em.query(
    `SELECT x.touchpoint_id AS id, t.name, count(*)::int AS raters, avg(x.score)::float8 AS score
       FROM (SELECT e.touchpoint_id, e.stakeholder_id, avg(e.value) AS score FROM experience_stays e
              WHERE e.organization_id = $1 AND e.kind = $4 AND e.measure IN ('RATING', 'EFFORT') AND e.collected_at >= $2 AND e.collected_at < $3
                AND e.touchpoint_id IS NOT NULL
              GROUP BY e.touchpoint_id, e.stakeholder_id) x
       JOIN touchpoints t ON t.organization_id = $1 AND t.id = x.touchpoint_id
      GROUP BY x.touchpoint_id, t.name ORDER BY raters DESC, t.name, x.touchpoint_id LIMIT ${MAX_DRIVER_TOUCHPOINTS}`,
    [org, from, to, kind],
  );
  const out = new TouchpointDrivers();
  out.method = LMG_METHOD;
  out.minimumPairs = minimumPair;
  out.respondents = 0;
  out.enoughData = false;
  out.rSquared = null;
  out.drivers = tps.map((t) => {
    const d = new TouchpointDriver();
    d.organizationId = org;
    d.touchpointId = t.id;
    d.touchpointName = t.name;
    d.raters = options.funder ? null : t.raters;
    // A mean, not a count; for funders only over at least k people.
    d.averageScore = t.score === null || (options.funder && t.raters < minimumPair) ? null : round(t.score, 2);
    d.compared = false;
    d.withNps = null;
    d.rSquaredShare = d.importance = d.correlation = null;
    return d;
  });
  out.minimumRespondents = Math.max(10, options.minimumFloor);
  if (tps.length === 0) return out;

  // Load: over the respondents with y and at least one score, per pair of variables the sums over the
  // people with both (pairwise deletion).
  const vars = ["y", ...tps.map((_, i) => `x${i + 1}`)];
  const pairs: string[] = [];
  vars.forEach((a, i) =>
    vars.forEach((b, j) => {
      if (j <= i) return;
      const both = `${a} IS NOT NULL AND ${b} IS NOT NULL`;
      pairs.push(
        `count(*) FILTER (WHERE ${both})::int AS n_${a}_${b}, sum(${a}) FILTER (WHERE ${both})::float8 AS sa_${a}_${b}, sum(${b}) FILTER (WHERE ${both})::float8 AS sb_${a}_${b}, ` +
          `sum(${a} * ${a}) FILTER (WHERE ${both})::float8 AS qa_${a}_${b}, sum(${b} * ${b}) FILTER (WHERE ${both})::float8 AS qb_${a}_${b}, sum(${a} * ${b})::float8 AS p_${a}_${b}`,
      );
    }),
  );
  const [agg] = await em.query(
    `WITH y AS (
       SELECT e.stakeholder_id, e.value::float8 AS y FROM experience_stays e
        WHERE e.organization_id = $1 AND e.measure = 'NPS' AND e.until >= $3 AND e.collected_at >= $2 AND e.collected_at < $3 AND e.kind = $4
     ), x AS (
       SELECT e.stakeholder_id,
              ${tps.map((_, i) => `avg(e.value) FILTER (WHERE e.touchpoint_id = ($5::uuid[])[${i + 1}])::float8 AS x${i + 1}`).join(",\n              ")}
         FROM experience_stays e
        WHERE e.organization_id = $1 AND e.kind = $4 AND e.measure IN ('RATING', 'EFFORT') AND e.collected_at >= $2 AND e.collected_at < $3 AND e.touchpoint_id = ANY($5::uuid[])
        GROUP BY e.stakeholder_id
     ), p AS (
       SELECT y.stakeholder_id, y.y, ${tps.map((_, i) => `x.x${i + 1}`).join(", ")} FROM y JOIN x ON x.stakeholder_id = y.stakeholder_id
     )
     SELECT count(*)::int AS n, ${options.funder ? "sum(k.record_key)::text" : "NULL"} AS n_key, ${pairs.join(",\n            ")}
       FROM p${options.funder ? " JOIN stakeholders k ON k.organization_id = $1 AND k.id = p.stakeholder_id" : ""}`,
    [org, from, to, kind, tps.map((t) => t.id)],
  );
  const sumsOf = (i: number, j: number): PairSums => {
    const [a, b] = i < j ? [vars[i], vars[j]] : [vars[j], vars[i]];
    const get = (m: string) => Number(agg[`${m}_${a}_${b}`] ?? 0);
    const raw = { n: get("n"), sa: get("sa"), sb: get("sb"), qa: get("qa"), qb: get("qb"), p: get("p") };
    return i < j ? raw : { n: raw.n, sa: raw.sb, sb: raw.sa, qa: raw.qb, qb: raw.qa, p: raw.p };
  };
  const n = Number(agg.n);
  // Funders: a count of people below the threshold is hidden, like everywhere; shown ones adjusted.
  out.respondents = options.funder && n > 0 && n < options.minimumFloor ? null : options.perturb(n, agg.n_key);

  // Compute: touchpoints enter in order of raters when enough people have both them and y, and both them
  // and every touchpoint already in.
  const entered: number[] = [];
  out.drivers.forEach((d, i) => {
    const withNps = sumsOf(0, i + 1).n;
    d.withNps = options.funder ? null : withNps;
    if (withNps < minimumPair) return;
    if (entered.some((j) => sumsOf(j + 1, i + 1).n < minimumPair)) return;
    entered.push(i);
    d.compared = true;
  });
  if (entered.length === 0 || n < out.minimumRespondents) return out;
  const idx = [0, ...entered.map((i) => i + 1)];
  const corr = correlationsFromPairs(idx.length, (a, b) => sumsOf(idx[a], idx[b]));
  if (!corr) return out;
  out.enoughData = true;
  const { rSquared, shares } = shapleyR2(corr);
  out.rSquared = round(rSquared);
  entered.forEach((i, k) => {
    const d = out.drivers[i];
    d.rSquaredShare = round(shares[k]);
    d.importance = rSquared > 0 ? round(shares[k] / rSquared) : null;
    d.correlation = round(corr[0][k + 1]);
  });
  out.drivers.sort((a, b) => (b.rSquaredShare ?? -1) - (a.rSquaredShare ?? -1));
  return out;
}
