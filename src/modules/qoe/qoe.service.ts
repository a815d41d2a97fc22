import { EntityManager } from "typeorm";
import { QoeGroup, QoeGroupBy, QoePerspective, QoeWeights, QoeWeightsInput, QualityOfExperience } from "./qoe.types";
import { DEFAULT_WEIGHTS, FeedbackStats, PerspectiveInputs, scoreOverall, scorePerspective } from "./score";
import { Dimension, DIMENSION_COLUMN } from "../lifecycle/funnel.types";
import { Metric } from "../metric/metric.entity";
import { attainment } from "../impact/attainment";
import { buckets } from "../impact/impact.service";
import { Bucket, metricValues } from "../impact/metric-values";
import { ROLES } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { Interval, MetricCategory, MetricPerspective } from "../../common/enums";
import { effectiveThreshold } from "../../common/suppression";
import { assertId, assertPeriod } from "../../common/validation";
import { hydrateAll, queryRows } from "../../database/rows";
import type { ServiceContext } from "../../context";

const PERSPECTIVES: QoePerspective[] = [QoePerspective.CUSTOMER, QoePerspective.USER, QoePerspective.BENEFICIARY];
const ALL = "all";

export function weightsOf(stored: Record<string, unknown> | null | undefined): QoeWeights {
  const w = { ...DEFAULT_WEIGHTS };
  for (const key of Object.keys(w) as (keyof QoeWeights)[]) {
    const v = stored?.[key];
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) w[key] = v;
  }
  return w;
}

function periodLabel(b: Bucket, interval: Interval): string {
  const d = b.from;
  const y = d.getUTCFullYear();
  if (interval === Interval.MONTH) return `${y}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
  if (interval === Interval.QUARTER) return `${y}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
  return `week of ${d.toISOString().slice(0, 10)}`;
}

export class QoeService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  async setWeights(organizationId: string, input: QoeWeightsInput): Promise<QoeWeights> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const [row] = await this.em.query(`SELECT qoe_weights FROM organizations WHERE id = $1`, [org]);
    const next = { ...weightsOf(row?.qoe_weights) };
    for (const [k, v] of Object.entries(input)) if (typeof v === "number") (next as Record<string, number>)[k] = v;
    if (next.customer + next.user + next.beneficiary === 0) throw new BadInputError("customer", "at least one perspective needs a weight above 0");
    if (next.feedback + next.kpiAttainment + next.socialAttainment + next.loopClosure === 0) throw new BadInputError("feedback", "at least one component needs a weight above 0");
    await this.em.transaction((em) => queryRows(em, `UPDATE organizations SET qoe_weights = $2, updated_at = now() WHERE id = $1 RETURNING id`, [org, JSON.stringify(next)]));
    return next;
  }

  /**
   * Quality of experience over [from, to), computed in SQL over every response,
   * action and observation of the period (no sampling): a fixed number of
   * statements whatever the number of groups.
   */
  async compute(organizationId: string, from: Date, to: Date, groupBy: QoeGroupBy, interval?: Interval | null, dimension?: Dimension | null): Promise<QualityOfExperience> {
    const org = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(org, ROLES.aggregates);
    assertPeriod(from, to);
    if (groupBy === QoeGroupBy.PERIOD && !interval) throw new BadInputError("interval", "grouping by PERIOD needs an interval");
    if (groupBy === QoeGroupBy.DIMENSION && !dimension) throw new BadInputError("dimension", "grouping by DIMENSION needs a dimension");
    const [orgRow] = await this.em.query(`SELECT qoe_weights, suppression_threshold FROM organizations WHERE id = $1`, [org]);
    if (!orgRow) throw new NotFoundError("Organization", "organizationId");
    const weights = weightsOf(orgRow.qoe_weights);
    const k = effectiveThreshold(orgRow.suppression_threshold);
    const suppress = role === "FUNDER";
    const bs = groupBy === QoeGroupBy.PERIOD ? buckets(from, to, interval!) : [];

    // Group keys, in SQL, for responses (alias r) and actions (alias a).
    const dimColumn = dimension ? DIMENSION_COLUMN[dimension] : null;
    const key = (alias: "r" | "a", time: string) =>
      groupBy === QoeGroupBy.STAGE
        ? `${alias}.stage_id::text`
        : groupBy === QoeGroupBy.TOUCHPOINT
          ? `${alias}.touchpoint_id::text`
          : groupBy === QoeGroupBy.PERIOD
            ? `(SELECT b.i::text FROM unnest($4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i) WHERE ${alias}.${time} >= b.bf AND ${alias}.${time} < b.bt)`
            : groupBy === QoeGroupBy.DIMENSION
              ? `coalesce((SELECT s.${dimColumn}::text FROM stakeholders s WHERE s.organization_id = ${alias}.organization_id AND s.id = ${alias}.stakeholder_id), '(not recorded)')`
              : `'${ALL}'`;
    // The bucket arrays ($4, $5) are only referenced when grouping by period.
    const params: unknown[] = groupBy === QoeGroupBy.PERIOD ? [org, from, to, bs.map((b) => b.from), bs.map((b) => b.to)] : [org, from, to];

    const metricsPromise = this.em.query(
      `SELECT * FROM metrics WHERE organization_id = $1 AND ((category = 'KPI' AND perspective = 'CUSTOMER') OR category = 'SOCIAL') ORDER BY created_at, id`,
      [org],
    );
    const [feedbackRows, peopleRows, loopRows, metricRows] = await Promise.all([
      this.em.query(
        `WITH r AS (
           SELECT r.organization_id, r.id, r.kind, r.stage_impact_mode, r.nps, r.stakeholder_id, ${key("r", "collected_at")} AS g
             FROM feedback_responses r WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3
         ), rp AS (
           SELECT r.*, p.persp FROM r CROSS JOIN LATERAL (VALUES (r.kind::text), (CASE WHEN r.stage_impact_mode = 'IN_USE' THEN 'USER' END)) AS p(persp)
            WHERE p.persp IS NOT NULL
         )
         SELECT rp.g, rp.persp, grouping(rp.g) = 1 AS total,
                count(DISTINCT rp.id) FILTER (WHERE rp.nps >= 9) AS promoters,
                count(DISTINCT rp.id) FILTER (WHERE rp.nps BETWEEN 7 AND 8) AS passives,
                count(DISTINCT rp.id) FILTER (WHERE rp.nps <= 6) AS detractors,
                avg((a.value_number - 1) / 4 * 100) FILTER (WHERE a.type = 'RATING') AS rating, count(a.response_id) FILTER (WHERE a.type = 'RATING') AS rating_n,
                avg((a.value_number - 1) / 6 * 100) FILTER (WHERE a.type = 'EFFORT') AS effort, count(a.response_id) FILTER (WHERE a.type = 'EFFORT') AS effort_n
           FROM rp LEFT JOIN feedback_answers a ON a.organization_id = rp.organization_id AND a.response_id = rp.id AND a.type IN ('RATING', 'EFFORT')
          GROUP BY GROUPING SETS ((rp.g, rp.persp), (rp.persp))`,
        params,
      ),
      this.em.query(
        `SELECT x.g AS g0, count(DISTINCT x.stakeholder_id) AS people
           FROM (SELECT ${key("r", "collected_at")} AS g, r.stakeholder_id FROM feedback_responses r
                  WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3) x
          GROUP BY x.g`,
        params,
      ),
      this.em.query(
        `SELECT x.g, x.persp, grouping(x.g) = 1 AS total, count(*) AS due, count(*) FILTER (WHERE x.loop_closed_at <= x.due_at) AS on_time
           FROM (SELECT ${key("a", "due_at")} AS g, a.kind::text AS persp, a.loop_closed_at, a.due_at
                   FROM actions a WHERE a.organization_id = $1 AND a.kind IS NOT NULL AND a.due_at >= $2 AND a.due_at < least($3::timestamptz, now())) x
          GROUP BY GROUPING SETS ((x.g, x.persp), (x.persp))`,
        params,
      ),
      metricsPromise,
    ]);
    // People overall: a stakeholder counts once even when its responses fall in several groups.
    const peopleTotal = await this.em.query(
      `SELECT count(DISTINCT stakeholder_id) AS people FROM feedback_responses WHERE organization_id = $1 AND collected_at >= $2 AND collected_at < $3`,
      [org, from, to],
    );

    // Metric attainments: overall over the period; per bucket for PERIOD; per linked stage or touchpoint.
    const metrics = hydrateAll(this.em, Metric, metricRows);
    const periods = [{ from, to }, ...bs];
    const values = await metricValues(this.em, org, metrics, periods);
    const attainmentsFor = (i: number, filter: (m: Metric) => boolean) => {
      const kpi: { name: string; attainment: number }[] = [];
      const social: { name: string; attainment: number }[] = [];
      for (const m of metrics.filter(filter)) {
        const v = values.get(m.id)![i];
        const a = attainment(v.actual === null ? null : Number(v.actual), v.target === null ? null : Number(v.target), m.baselineValue === null ? null : Number(m.baselineValue), m.direction);
        if (a === null) continue;
        if (m.category === MetricCategory.KPI && m.perspective === MetricPerspective.CUSTOMER) kpi.push({ name: m.name, attainment: a });
        if (m.category === MetricCategory.SOCIAL) social.push({ name: m.name, attainment: a });
      }
      return { kpi, social };
    };

    const fb = new Map<string, FeedbackStats>();
    for (const r of feedbackRows) {
      fb.set(`${r.total ? ALL : r.g}|${r.persp}`, {
        promoters: Number(r.promoters),
        passives: Number(r.passives),
        detractors: Number(r.detractors),
        ratingMean: r.rating === null ? null : Number(r.rating),
        ratingN: Number(r.rating_n),
        effortMean: r.effort === null ? null : Number(r.effort),
        effortN: Number(r.effort_n),
      });
    }
    const loops = new Map<string, { onTime: number; due: number }>();
    for (const r of loopRows) loops.set(`${r.total ? ALL : r.g}|${r.persp}`, { onTime: Number(r.on_time), due: Number(r.due) });
    const people = new Map<string, number>();
    for (const r of peopleRows) if (r.g0 !== null) people.set(String(r.g0), Number(r.people));
    people.set(ALL, Number(peopleTotal[0].people));

    const build = (g: string, label: string, metricIndex: number | null, metricFilter: (m: Metric) => boolean, extra: Partial<QoeGroup>): QoeGroup => {
      const att = metricIndex === null ? { kpi: [], social: [] } : attainmentsFor(metricIndex, metricFilter);
      const inputs: Record<QoePerspective, PerspectiveInputs> = {
        CUSTOMER: { feedback: fb.get(`${g}|CUSTOMER`), attainments: att.kpi, loops: loops.get(`${g}|CUSTOMER`) },
        USER: { feedback: fb.get(`${g}|USER`) },
        BENEFICIARY: { feedback: fb.get(`${g}|BENEFICIARY`), attainments: att.social, loops: loops.get(`${g}|BENEFICIARY`) },
      };
      const perspectives = PERSPECTIVES.map((p) => scorePerspective(p, inputs[p], weights));
      const overall = scoreOverall(perspectives);
      const n = people.get(g) ?? 0;
      const hidden = suppress && n > 0 && n < k;
      return {
        organizationId: org,
        key: g,
        label,
        stageId: null,
        touchpointId: null,
        from: null,
        to: null,
        ...extra,
        people: hidden ? 0 : n,
        score: hidden ? null : overall.score,
        perspectives: hidden
          ? perspectives.map((p) => ({ ...p, score: null, components: p.components.map((c) => ({ ...c, value: null, sampleSize: 0, parts: [], missing: true })), missing: p.components.map((c) => c.kind) }))
          : perspectives,
        missingPerspectives: hidden ? PERSPECTIVES : overall.missing,
        suppressed: hidden,
      };
    };

    const overall = build(ALL, "All", 0, () => true, { from, to });
    const keys = new Set<string>();
    for (const m of [fb, loops]) for (const k2 of m.keys()) if (!k2.startsWith(`${ALL}|`)) keys.add(k2.split("|")[0]);
    let groups: QoeGroup[] = [];
    if (groupBy === QoeGroupBy.STAGE || groupBy === QoeGroupBy.TOUCHPOINT) {
      const column = groupBy === QoeGroupBy.STAGE ? "stageId" : "touchpointId";
      for (const m of metrics) if (m[column]) keys.add(m[column]!);
      keys.delete("null");
      const table = groupBy === QoeGroupBy.STAGE ? "stages" : "touchpoints";
      const names = new Map<string, string>(
        (await this.em.query(`SELECT id, name FROM ${table} WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, [...keys]])).map((r: { id: string; name: string }) => [r.id, r.name]),
      );
      groups = [...keys].map((g) => build(g, names.get(g) ?? g, 0, (m) => m[column] === g, { [column]: g }));
    } else if (groupBy === QoeGroupBy.PERIOD) {
      groups = bs.map((b, i) => build(String(i + 1), periodLabel(b, interval!), i + 1, () => true, { from: b.from, to: b.to }));
    } else if (groupBy === QoeGroupBy.DIMENSION) {
      groups = [...keys].map((g) => build(g, g, null, () => false, {}));
    }
    if (groupBy !== QoeGroupBy.PERIOD) groups.sort((a, b) => (a.score ?? Infinity) - (b.score ?? Infinity) || a.label.localeCompare(b.label));
    return {
      organizationId: org,
      from,
      to,
      groupBy,
      interval: interval ?? null,
      dimension: dimension ?? null,
      weights,
      suppression: { applied: suppress, threshold: k },
      overall,
      groups,
    };
  }
}

