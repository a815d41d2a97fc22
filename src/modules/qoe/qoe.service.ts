import { EntityManager } from "typeorm";
import { QoeGroup, QoeGroupBy, QoePerspective, QoeWeights, QoeWeightsInput, QualityOfExperience } from "./qoe.types";
import { COMPONENTS, componentWeight, DEFAULT_WEIGHTS, FeedbackPartName, FeedbackStats, PerspectiveInputs, perspectiveWeight, scoreOverall, scorePerspective } from "./score";
import { Dimension, DIMENSION_COLUMN } from "../lifecycle/funnel.types";
import { Metric } from "../metric/metric.entity";
import { attainment } from "../impact/attainment";
import { metricValueSuppressed } from "../impact/metric-suppression";
import { buckets } from "../impact/impact.service";
import { Bucket, metricValues } from "../impact/metric-values";
import { ROLES } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { Interval, MetricCategory, MetricPerspective } from "../../common/enums";
import { effectiveThreshold, suppressCount, suppressRate, suppressTable } from "../../common/suppression";
import { assertId, assertPeriod } from "../../common/validation";
import { hydrateAll, queryRows } from "../../database/rows";
import type { ServiceContext } from "../../context";

const PERSPECTIVES: QoePerspective[] = [QoePerspective.CUSTOMER, QoePerspective.USER, QoePerspective.BENEFICIARY];
const ALL = "all";
/** The key SQL gives responses and actions with no stage (or touchpoint) when grouping by it. */
const RESIDUAL = "null";
const FEEDBACK_PARTS: FeedbackPartName[] = ["NPS", "RATING", "EFFORT"];
const LOOP_PERSPECTIVES: QoePerspective[] = [QoePerspective.CUSTOMER, QoePerspective.BENEFICIARY];

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

/** What a funder must not see in one quality-of-experience answer. */
export interface QoeHidden {
  /** Groups hidden whole: people, score and every component and part ("all" for the overall). */
  groups: Set<string>;
  /** Feedback parts hidden in a group otherwise shown, by `${group}|${perspective}`. */
  feedback: Map<string, Set<FeedbackPartName>>;
  /** `${group}|${perspective}` whose loop closure is hidden. */
  loops: Set<string>;
}

type LoopCounts = { onTime: number; due: number; people: number };

/**
 * Funders' small-cell suppression of quality of experience (src/common/suppression.ts). The
 * groups (plus the residual, when some responses or actions are in no group) are the cells of
 * tables whose total is the overall figure: from a shown overall and the shown groups, the
 * hidden groups' figures could be worked out by subtraction, so every table gets complementary
 * suppression (`suppressTable`). Cells may overlap (someone who answered in two months counts
 * in both); the tables then use the lower bound of rule 7.
 *
 * 1. People who gave feedback per group, total the overall: a group hidden here is hidden whole.
 *    The overall is hidden exactly when 0 < people < k.
 * 2. Per perspective and feedback part (NPS, ratings, effort): the people behind that part per
 *    group, the groups of step 1 hidden already. A part from fewer than k people is hidden, and
 *    so are the parts that would give it back.
 *    Within a group, the user perspective is the part of the customers' and beneficiaries'
 *    answers given at IN_USE stages: customer + beneficiary - user gives back the answers given
 *    elsewhere. When fewer than k people gave those, the group's user part is hidden (and the user
 *    table across groups then gets its complements).
 * 3. Per perspective, loop closure: a rate over actions, hidden when the actions due concern
 *    fewer than k people or when due, closed on time or not closed on time is a count 1..k-1
 *    (`suppressRate`); then due, closed on time and not closed on time each get complementary
 *    suppression, to a fixed point across the three.
 * Metric attainments are hidden where the impact views hide the metric's value
 * (`metricValueSuppressed`), in the caller.
 */
export function qoeSuppression(
  k: number,
  cellKeys: string[],
  people: Map<string, number>,
  fbPeople: Map<string, Record<FeedbackPartName, number>>,
  loops: Map<string, LoopCounts>,
  /** People per `${group}|${kind}` and part who gave it at a stage that is not IN_USE. */
  fbNotInUse: Map<string, Record<FeedbackPartName, number>> = new Map(),
): QoeHidden {
  const t = effectiveThreshold(k);
  const table = (count: (g: string) => number, total: number | null, already: (g: string) => boolean) => {
    if (cellKeys.length === 0) return { hidden: [] as string[], totalSuppressed: total !== null && suppressCount(total, t) === null };
    const cells = cellKeys.map((g) => ({ key: g, count: count(g), hidden: already(g) }));
    let sum = cells.reduce((s, c) => s + c.count, 0);
    // Every response or action is in a group or the residual, so the cells cover the total; should
    // they not (rows written between two statements), the rest is one more cell, never shown.
    if (total !== null && sum < total) {
      cells.push({ key: "(rest)", count: total - sum, hidden: false });
      sum = total;
    }
    const result = suppressTable(cells, total, t, { overlapping: total !== null && sum > total });
    return { hidden: result.cells.filter((c) => c.suppressed).map((c) => c.key), totalSuppressed: result.totalSuppressed };
  };

  // 1. People.
  const groups = new Set<string>();
  const byPeople = table((g) => people.get(g) ?? 0, people.get(ALL) ?? 0, () => false);
  for (const g of byPeople.hidden) groups.add(g);
  if (byPeople.totalSuppressed) groups.add(ALL);
  const overallHidden = groups.has(ALL);

  // 2. Feedback parts.
  const feedback = new Map<string, Set<FeedbackPartName>>();
  const hidePart = (g: string, p: QoePerspective, part: FeedbackPartName) => {
    if (groups.has(g)) return;
    const id = `${g}|${p}`;
    feedback.set(id, (feedback.get(id) ?? new Set<FeedbackPartName>()).add(part));
  };
  const partHidden = (g: string, p: QoePerspective, part: FeedbackPartName) => groups.has(g) || (feedback.get(`${g}|${p}`)?.has(part) ?? false);
  const kinds = [QoePerspective.CUSTOMER, QoePerspective.BENEFICIARY];
  for (const part of FEEDBACK_PARTS) {
    const n = (g: string, p: QoePerspective) => fbPeople.get(`${g}|${p}`)?.[part] ?? 0;
    const across = (p: QoePerspective) => {
      const result = table((g) => n(g, p), overallHidden || partHidden(ALL, p, part) ? null : n(ALL, p), (g) => partHidden(g, p, part));
      for (const g of result.hidden) hidePart(g, p, part);
      if (result.totalSuppressed) hidePart(ALL, p, part);
    };
    for (const p of kinds) across(p);
    // The user part against the rest of the same answers, in each group and the overall.
    for (const g of [...cellKeys, ALL]) {
      if (partHidden(g, QoePerspective.USER, part) || kinds.every((p) => partHidden(g, p, part))) continue;
      const inUse = n(g, QoePerspective.USER);
      const elsewhere = kinds.reduce((s, p) => s + (fbNotInUse.get(`${g}|${p}`)?.[part] ?? 0), 0);
      const total = kinds.reduce((s, p) => s + n(g, p), 0);
      if (inUse === 0 || total === 0) continue;
      const result = suppressTable(
        [
          { key: "user", count: inUse },
          { key: "elsewhere", count: Math.min(elsewhere, total) },
        ],
        total,
        t,
        { overlapping: true },
      );
      if (result.cells[0].suppressed || result.totalSuppressed) hidePart(g, QoePerspective.USER, part);
    }
    across(QoePerspective.USER);
  }

  // 3. Loop closure.
  const loopsHidden = new Set<string>();
  const none: LoopCounts = { onTime: 0, due: 0, people: 0 };
  const small = (x: LoopCounts) => x.due > 0 && (x.people < t || suppressRate(x.onTime, x.due, t) === null);
  const measures = [(x: LoopCounts) => x.due, (x: LoopCounts) => x.onTime, (x: LoopCounts) => x.due - x.onTime];
  for (const p of LOOP_PERSPECTIVES) {
    const l = (g: string) => loops.get(`${g}|${p}`) ?? none;
    const hide = new Set(cellKeys.filter((g) => groups.has(g) || small(l(g))));
    let totalHidden = overallHidden || small(l(ALL));
    for (let changed = true; changed; ) {
      changed = false;
      for (const measure of measures) {
        const result = table((g) => measure(l(g)), totalHidden ? null : measure(l(ALL)), (g) => hide.has(g));
        for (const g of result.hidden) {
          if (!hide.has(g)) {
            hide.add(g);
            changed = true;
          }
        }
        if (result.totalSuppressed && !totalHidden) {
          totalHidden = true;
          changed = true;
        }
      }
    }
    for (const g of hide) if (l(g).due > 0) loopsHidden.add(`${g}|${p}`);
    if (totalHidden && l(ALL).due > 0) loopsHidden.add(`${ALL}|${p}`);
  }
  return { groups, feedback, loops: loopsHidden };
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
    // People per feedback part: only needed (and only counted) for funders' suppression.
    const partPeople = (filter: string) => (suppress ? `count(DISTINCT rp.stakeholder_id) FILTER (WHERE ${filter})` : "0");
    const notInUse = (filter: string) => partPeople(`${filter} AND rp.persp <> 'USER' AND rp.stage_impact_mode IS DISTINCT FROM 'IN_USE'`);
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
                avg((a.value_number - 1) / 6 * 100) FILTER (WHERE a.type = 'EFFORT') AS effort, count(a.response_id) FILTER (WHERE a.type = 'EFFORT') AS effort_n,
                ${partPeople("rp.nps IS NOT NULL")} AS nps_people, ${partPeople("a.type = 'RATING'")} AS rating_people, ${partPeople("a.type = 'EFFORT'")} AS effort_people,
                ${notInUse("rp.nps IS NOT NULL")} AS nps_elsewhere, ${notInUse("a.type = 'RATING'")} AS rating_elsewhere, ${notInUse("a.type = 'EFFORT'")} AS effort_elsewhere
           FROM rp LEFT JOIN feedback_answers a ON a.organization_id = rp.organization_id AND a.response_id = rp.id AND a.type IN ('RATING', 'EFFORT')
          GROUP BY GROUPING SETS ((rp.g, rp.persp), (rp.persp))`,
        params,
      ),
      // People per group and overall, in one statement: a stakeholder counts once overall even when its responses fall in several groups.
      this.em.query(
        `SELECT x.g AS g0, grouping(x.g) = 1 AS total, count(DISTINCT x.stakeholder_id) AS people
           FROM (SELECT ${key("r", "collected_at")} AS g, r.stakeholder_id FROM feedback_responses r
                  WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3) x
          GROUP BY GROUPING SETS ((x.g), ())`,
        params,
      ),
      this.em.query(
        `SELECT x.g, x.persp, grouping(x.g) = 1 AS total, count(*) AS due, count(*) FILTER (WHERE x.loop_closed_at <= x.due_at) AS on_time,
                count(DISTINCT x.stakeholder_id) AS due_people
           FROM (SELECT ${key("a", "due_at")} AS g, a.kind::text AS persp, a.loop_closed_at, a.due_at, a.stakeholder_id
                   FROM actions a WHERE a.organization_id = $1 AND a.kind IS NOT NULL AND a.due_at >= $2 AND a.due_at < least($3::timestamptz, now())) x
          GROUP BY GROUPING SETS ((x.g, x.persp), (x.persp))`,
        params,
      ),
      metricsPromise,
    ]);

    // Metric attainments: overall over the period; per bucket for PERIOD; per linked stage or touchpoint.
    // For funders, a metric's attainment is hidden exactly when the impact views hide its value.
    const metrics = hydrateAll(this.em, Metric, metricRows);
    const periods = [{ from, to }, ...bs];
    const values = await metricValues(this.em, org, metrics, periods);
    const attainmentsFor = (i: number, filter: (m: Metric) => boolean) => {
      const kpi: { name: string; attainment: number; hidden: boolean }[] = [];
      const social: { name: string; attainment: number; hidden: boolean }[] = [];
      for (const m of metrics.filter(filter)) {
        const v = values.get(m.id)![i];
        const a = attainment(v.actual === null ? null : Number(v.actual), v.target === null ? null : Number(v.target), m.baselineValue === null ? null : Number(m.baselineValue), m.direction);
        if (a === null) continue;
        const hidden = suppress && metricValueSuppressed(m, v, k);
        if (m.category === MetricCategory.KPI && m.perspective === MetricPerspective.CUSTOMER) kpi.push({ name: m.name, attainment: a, hidden });
        if (m.category === MetricCategory.SOCIAL) social.push({ name: m.name, attainment: a, hidden });
      }
      return { kpi, social };
    };

    const fb = new Map<string, FeedbackStats>();
    const fbPeople = new Map<string, Record<FeedbackPartName, number>>();
    const fbNotInUse = new Map<string, Record<FeedbackPartName, number>>();
    for (const r of feedbackRows) {
      const id = `${r.total ? ALL : r.g}|${r.persp}`;
      fb.set(id, {
        promoters: Number(r.promoters),
        passives: Number(r.passives),
        detractors: Number(r.detractors),
        ratingMean: r.rating === null ? null : Number(r.rating),
        ratingN: Number(r.rating_n),
        effortMean: r.effort === null ? null : Number(r.effort),
        effortN: Number(r.effort_n),
      });
      fbPeople.set(id, { NPS: Number(r.nps_people), RATING: Number(r.rating_people), EFFORT: Number(r.effort_people) });
      fbNotInUse.set(id, { NPS: Number(r.nps_elsewhere), RATING: Number(r.rating_elsewhere), EFFORT: Number(r.effort_elsewhere) });
    }
    const loops = new Map<string, { onTime: number; due: number; people: number }>();
    for (const r of loopRows) loops.set(`${r.total ? ALL : r.g}|${r.persp}`, { onTime: Number(r.on_time), due: Number(r.due), people: Number(r.due_people) });
    const people = new Map<string, number>();
    for (const r of peopleRows) if (!r.total) people.set(String(r.g0), Number(r.people));
    people.set(ALL, Number(peopleRows.find((r: { total: boolean }) => r.total)?.people ?? 0));

    // The groups, before anything is computed for them. Responses and actions with no stage or
    // touchpoint (key "null") count in the overall figures but are in no group: the residual.
    const keys = new Set<string>();
    for (const m of [fb, loops]) for (const k2 of m.keys()) if (!k2.startsWith(`${ALL}|`)) keys.add(k2.split("|")[0]);
    const residual = (groupBy === QoeGroupBy.STAGE || groupBy === QoeGroupBy.TOUCHPOINT) && keys.has(RESIDUAL);
    if (residual) keys.delete(RESIDUAL);
    type GroupDef = { g: string; label: string; metricIndex: number | null; metricFilter: (m: Metric) => boolean; extra: Partial<QoeGroup> };
    let defs: GroupDef[] = [];
    if (groupBy === QoeGroupBy.STAGE || groupBy === QoeGroupBy.TOUCHPOINT) {
      const column = groupBy === QoeGroupBy.STAGE ? "stageId" : "touchpointId";
      for (const m of metrics) if (m[column]) keys.add(m[column]!);
      const table = groupBy === QoeGroupBy.STAGE ? "stages" : "touchpoints";
      const names = new Map<string, string>(
        (await this.em.query(`SELECT id, name FROM ${table} WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, [...keys]])).map((r: { id: string; name: string }) => [r.id, r.name]),
      );
      defs = [...keys].map((g) => ({ g, label: names.get(g) ?? g, metricIndex: 0, metricFilter: (m: Metric) => m[column] === g, extra: { [column]: g } }));
    } else if (groupBy === QoeGroupBy.PERIOD) {
      defs = bs.map((b, i) => ({ g: String(i + 1), label: periodLabel(b, interval!), metricIndex: i + 1, metricFilter: () => true, extra: { from: b.from, to: b.to } }));
    } else if (groupBy === QoeGroupBy.DIMENSION) {
      defs = [...keys].map((g) => ({ g, label: g, metricIndex: null, metricFilter: () => false, extra: {} }));
    }

    const hidden = suppress ? qoeSuppression(k, [...defs.map((d) => d.g), ...(residual ? [RESIDUAL] : [])], people, fbPeople, loops, fbNotInUse) : null;

    const build = (g: string, label: string, metricIndex: number | null, metricFilter: (m: Metric) => boolean, extra: Partial<QoeGroup>): QoeGroup => {
      const base = { organizationId: org, key: g, label, stageId: null, touchpointId: null, from: null, to: null, ...extra };
      if (hidden?.groups.has(g)) {
        // Hidden for a funder: nothing derived from the group is shown.
        return {
          ...base,
          people: null,
          score: null,
          perspectives: PERSPECTIVES.map((p) => ({
            perspective: p,
            weight: perspectiveWeight(p, weights),
            score: null,
            components: COMPONENTS[p].map((kind) => ({ kind, weight: componentWeight(kind, weights), value: null, sampleSize: null, missing: true, suppressed: true, parts: [] })),
            missing: COMPONENTS[p],
          })),
          missingPerspectives: PERSPECTIVES,
          suppressed: true,
        };
      }
      const att = metricIndex === null ? { kpi: [], social: [] } : attainmentsFor(metricIndex, metricFilter);
      const loopsOf = (p: QoePerspective) => {
        const l = loops.get(`${g}|${p}`);
        return l && { onTime: l.onTime, due: l.due, hidden: hidden?.loops.has(`${g}|${p}`) ?? false };
      };
      const hf = (p: QoePerspective) => hidden?.feedback.get(`${g}|${p}`);
      const inputs: Record<QoePerspective, PerspectiveInputs> = {
        CUSTOMER: { feedback: fb.get(`${g}|CUSTOMER`), hiddenFeedback: hf(QoePerspective.CUSTOMER), attainments: att.kpi, loops: loopsOf(QoePerspective.CUSTOMER) },
        USER: { feedback: fb.get(`${g}|USER`), hiddenFeedback: hf(QoePerspective.USER) },
        BENEFICIARY: { feedback: fb.get(`${g}|BENEFICIARY`), hiddenFeedback: hf(QoePerspective.BENEFICIARY), attainments: att.social, loops: loopsOf(QoePerspective.BENEFICIARY) },
      };
      const perspectives = PERSPECTIVES.map((p) => scorePerspective(p, inputs[p], weights));
      const overall = scoreOverall(perspectives);
      return {
        ...base,
        people: people.get(g) ?? 0,
        score: overall.score,
        perspectives,
        missingPerspectives: overall.missing,
        suppressed: false,
      };
    };

    const overall = build(ALL, "All", 0, () => true, { from, to });
    const groups = defs.map((d) => build(d.g, d.label, d.metricIndex, d.metricFilter, d.extra));
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

