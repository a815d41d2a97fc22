import { globalId } from "../../common/global-ids";
import { EntityManager } from "typeorm";
import { QoeGroup, QoeGroupBy, QoePerspective, QoeWeights, QoeWeightsInput, QualityOfExperience } from "./qoe.types";
import { COMPONENTS, componentWeight, DEFAULT_WEIGHTS, FeedbackPartName, FeedbackStats, PerspectiveInputs, perspectiveWeight, scoreOverall, scorePerspective } from "./score";
import { Dimension, DIMENSION_COLUMN } from "../lifecycle/funnel.types";
import { Metric } from "../metric/metric.entity";
import { attainment } from "../impact/attainment";
import { funderMetricValue } from "../impact/metric-suppression";
import { buckets } from "../impact/impact.service";
import { LOOP_COUNTS_SQL, LoopCounts } from "../action/action.service";
import { Bucket, metricValues } from "../impact/metric-values";
import { ROLES } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { Interval, MetricCategory, MetricPerspective } from "../../common/enums";
import { effectiveThreshold, inSpan, suppressRate, suppressTable } from "../../common/suppression";
import { effectiveMaximum, KeyedCount, PERTURBATION_NOTE, perturber } from "../../common/perturbation";
import { assertId, assertPeriod } from "../../common/validation";
import { hydrateAll, queryRows } from "../../database/rows";
import { FeedbackSource, IN_USE, inDays, inEdges, MEASURES, splitPeriod, tableFacts } from "../feedback/rollup";
import type { ServiceContext } from "../../context";

const PERSPECTIVES: QoePerspective[] = [QoePerspective.CUSTOMER, QoePerspective.USER, QoePerspective.BENEFICIARY];
const FEEDBACK_PARTS: FeedbackPartName[] = ["NPS", "RATING", "EFFORT"];
/** The overall's `key` in the answer (a group's key is its own value, whatever it is: the overall is a field of its own). */
const OVERALL_KEY = "all";
/** The label (and key) of the group of stakeholders with no value for the dimension. */
const NOT_RECORDED = "(not recorded)";
/** The stakeholder kinds: the perspectives an answer or an action belongs to by whom it is about. */
type Kind = QoePerspective.CUSTOMER | QoePerspective.BENEFICIARY;
const KINDS: Kind[] = [QoePerspective.CUSTOMER, QoePerspective.BENEFICIARY];

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

/** The people behind one feedback part (NPS, ratings or effort) in one cell: a group, the residual or the overall. */
export interface PartPeople {
  /** Distinct people who gave it, per perspective. */
  CUSTOMER: number;
  USER: number;
  BENEFICIARY: number;
  /** Per kind, distinct people who gave it at an IN_USE stage: those answers are in the USER perspective too. */
  inUse: Record<Kind, number>;
  /** Per kind, distinct people who gave it at a stage that is not IN_USE (or none). */
  elsewhere: Record<Kind, number>;
}

/** Loop counts of one perspective in one cell (as LOOP_COUNTS_SQL counts them), and the people the counted actions are about. */
export interface QoeLoopCounts extends LoopCounts {
  people: number;
}

/** What a funder's suppression needs to know about one cell. */
export interface QoeCellCounts {
  /** Distinct people who gave feedback. */
  people: number;
  feedback: Partial<Record<FeedbackPartName, PartPeople>>;
  loops: Partial<Record<Kind, QoeLoopCounts>>;
}

/** What a funder must not see of one cell. */
export interface QoeCellHidden {
  /** Hidden whole: people, score and every component and part. */
  whole: boolean;
  /** Feedback parts hidden, per perspective. */
  feedback: Record<QoePerspective, Set<FeedbackPartName>>;
  /** Perspectives whose loop closure is hidden (only where actions are due). */
  loops: Set<Kind>;
}

/** What a funder must not see in one quality-of-experience answer: the cells in the order given, and the overall. */
export interface QoeHidden {
  cells: QoeCellHidden[];
  overall: QoeCellHidden;
}

export function emptyPartPeople(): PartPeople {
  return { CUSTOMER: 0, USER: 0, BENEFICIARY: 0, inUse: { CUSTOMER: 0, BENEFICIARY: 0 }, elsewhere: { CUSTOMER: 0, BENEFICIARY: 0 } };
}
const NO_LOOPS: QoeLoopCounts = { onTime: 0, late: 0, notClosed: 0, people: 0 };
const dueOf = (l: LoopCounts) => l.onTime + l.late + l.notClosed;


/**
 * The links between the perspectives of one feedback part within one cell (rule 2 of
 * `qoeSuppression`): which perspectives must be hidden too, given those hidden. The cell's answers
 * fall into up to four atoms: customers' and beneficiaries' answers, each given at an IN_USE stage
 * or elsewhere. CUSTOMER is the customers' two atoms, BENEFICIARY the beneficiaries', USER the two
 * IN_USE atoms; from the perspectives shown, any sum of atoms that is a linear combination of them
 * can be worked out (atoms that are empty count as known to be empty).
 */
function linkedInCell(x: PartPeople, hidden: (p: QoePerspective) => boolean, small: (n: number) => boolean): QoePerspective[] {
  const atoms = KINDS.flatMap((kind) => [
    { kind, inUse: true, people: x.inUse[kind] },
    { kind, inUse: false, people: x.elsewhere[kind] },
  ]).filter((a) => a.people > 0);
  const vector = (p: QoePerspective) => atoms.map((a) => (p === QoePerspective.USER ? a.inUse : a.kind === p) ? 1 : 0);
  const nonEmpty = (v: number[]) => v.some((e) => e !== 0);
  const shown = PERSPECTIVES.filter((p) => !hidden(p)).map(vector).filter(nonEmpty);
  const user = vector(QoePerspective.USER);
  if (!nonEmpty(user)) return [];
  const more: QoePerspective[] = [];
  if (!hidden(QoePerspective.USER)) {
    // a. A kind hidden that shares answers with the user part: the user part is hidden too.
    if (KINDS.some((kind) => hidden(kind) && x.inUse[kind] > 0)) return [QoePerspective.USER];
    // c. Any group of atoms that can be worked out from what is shown must not be 1..k-1 people:
    //    e.g. customers + beneficiaries - users = the answers given elsewhere.
    for (let mask = 1; mask < 1 << atoms.length; mask++) {
      const v = atoms.map((_, j) => (mask >> j) & 1);
      if (!inSpan(v, shown)) continue;
      // People behind those atoms: customers and beneficiaries are different people; within a kind,
      // both atoms together are the kind's people (someone may have answered at both).
      const people = KINDS.reduce((sum, kind) => {
        const has = (inUse: boolean) => atoms.some((a, j) => v[j] === 1 && a.kind === kind && a.inUse === inUse);
        return sum + (has(true) && has(false) ? x[kind] : has(true) ? x.inUse[kind] : has(false) ? x.elsewhere[kind] : 0);
      }, 0);
      if (small(people)) return [QoePerspective.USER];
    }
  } else if (inSpan(user, shown)) {
    // b. The user part hidden, but the kinds shown add up to it: hide the kinds that gave user answers.
    for (const kind of KINDS) if (x.inUse[kind] > 0 && !hidden(kind)) more.push(kind);
  }
  return more;
}

/**
 * Funders' small-cell suppression of quality of experience (src/common/suppression.ts). The cells
 * are the groups, plus the residual when some responses or actions are in no group (never shown,
 * but counted in the overall); the overall figure of each measure is the total of a table whose
 * cells are the cells' figures, so every such table gets complementary suppression
 * (`suppressTable`), and from a shown overall and the shown cells no hidden cell can be worked
 * out by subtraction. Cells may overlap in people (someone who answered in two months counts in
 * both); the tables then use the lower bound of rule 7.
 *
 * 1. People who gave feedback per cell, total the overall: a cell hidden here is hidden whole.
 *    The overall is hidden exactly when 0 < people < k.
 * 2. Per feedback part (NPS, ratings, effort), the people behind it, per perspective across the
 *    cells, the cells hidden in step 1 hidden already. The perspectives share answers: an answer
 *    given at an IN_USE stage is in its kind's perspective (CUSTOMER or BENEFICIARY) and in USER.
 *    So the three tables are linked, in each cell and in the overall, and everything is repeated
 *    until nothing more is hidden (a fixed point):
 *    a. a kind's part hidden where some of its answers were given at IN_USE: the USER part is
 *       hidden too (where the user answers are that kind's, it would give the hidden one back);
 *    b. the USER part hidden, but equal to a sum of the kinds shown (every kind that gave user
 *       answers gave all its answers at IN_USE): those kinds' parts are hidden too;
 *    c. the USER part shown next to the kinds shown: whatever they give back together (e.g.
 *       customers + beneficiaries - users = the answers given elsewhere; users - customers = the
 *       beneficiaries' user answers when every customer answered at IN_USE) must not be 1 to k-1
 *       people, or the USER part is hidden (`linkedInCell`).
 *    A part hidden by a link then gets its complements in its perspective's table, and so on.
 * 3. Per kind, loop closure: a rate over actions, hidden when the actions counted concern 1 to
 *    k-1 people or when the rate would show a count 1..k-1 (`suppressRate`); then the counted
 *    (due), closed-on-time and not-closed-on-time actions each get complementary suppression
 *    across the cells and, in the overall, across the two kinds, whose sum is the organization's
 *    loop count that `impactReport.loops` shows next to them (every action is in exactly one
 *    kind). All to a fixed point. Actions about no one (0 people) are judged by their counts.
 * Steps 2 and 3 start again whenever the overall ends up hidden somewhere (`fixedPoint`), so that
 * no cell stays hidden only as the complement of a total that is hidden after all.
 * Metric attainments are hidden where the impact views hide the metric's value
 * (`metricValueSuppressed`), in the caller.
 */
export function qoeSuppression(k: number, cells: QoeCellCounts[], overall: QoeCellCounts): QoeHidden {
  const t = effectiveThreshold(k);
  const small = (n: number) => n > 0 && n < t;
  const n = cells.length;
  /** Index n is the overall. */
  const all: QoeCellCounts[] = [...cells, overall];
  const OVERALL = n;
  const state: QoeCellHidden[] = all.map(() => ({
    whole: false,
    feedback: { CUSTOMER: new Set<FeedbackPartName>(), USER: new Set<FeedbackPartName>(), BENEFICIARY: new Set<FeedbackPartName>() },
    loops: new Set<Kind>(),
  }));
  const indexes = [...Array(n).keys()];

  /** A table across the cells, total the overall (null: not shown). Returns the cells hidden and whether the total is. */
  const table = (count: (i: number) => number, total: number | null, already: (i: number) => boolean) => {
    if (n === 0) return { hidden: [] as number[], totalSuppressed: total !== null && small(total) };
    const rows = indexes.map((i) => ({ key: i, count: count(i), hidden: already(i) }));
    let sum = rows.reduce((s, c) => s + c.count, 0);
    // Every response or action is in a cell, so the cells cover the total; should they not (rows
    // written between two statements), the rest is one more cell, never shown.
    if (total !== null && sum < total) {
      rows.push({ key: -1, count: total - sum, hidden: false });
      sum = total;
    }
    const result = suppressTable(rows, total, t, { overlapping: total !== null && sum > total });
    return { hidden: result.cells.filter((c) => c.suppressed && c.key >= 0).map((c) => c.key), totalSuppressed: result.totalSuppressed };
  };

  // 1. People.
  const byPeople = table((i) => cells[i].people, overall.people, () => false);
  for (const i of byPeople.hidden) state[i].whole = true;
  if (byPeople.totalSuppressed) state[OVERALL].whole = true;

  /**
   * Hides to a fixed point, starting from the cells hidden whole and the overall's `known` hidden
   * members. Hiding in the overall only ever makes complements elsewhere unneeded, so when the
   * overall gains a hidden member, everything starts again with it hidden from the start (at most
   * once per member): no cell stays hidden as the complement of a total that ends up hidden.
   */
  const fixedPoint = <P>(step: (hidden: (i: number, p: P) => boolean, hide: (i: number, p: P) => void) => void): Set<P>[] => {
    let known = new Set<P>();
    for (;;) {
      const sets = all.map((_, i) => (i === OVERALL ? new Set(known) : new Set<P>()));
      const hidden = (i: number, p: P) => state[i].whole || sets[i].has(p);
      let changed = true;
      const hide = (i: number, p: P) => {
        if (hidden(i, p)) return;
        sets[i].add(p);
        changed = true;
      };
      while (changed) {
        changed = false;
        step(hidden, hide);
      }
      if (sets[OVERALL].size === known.size) return sets;
      known = sets[OVERALL];
    }
  };

  // 2. Feedback parts: three linked tables per part.
  for (const part of FEEDBACK_PARTS) {
    const c = (i: number) => all[i].feedback[part] ?? emptyPartPeople();
    const sets = fixedPoint<QoePerspective>((hidden, hide) => {
      for (const p of PERSPECTIVES) {
        const result = table((i) => c(i)[p], hidden(OVERALL, p) ? null : c(OVERALL)[p], (i) => hidden(i, p));
        for (const i of result.hidden) hide(i, p);
        if (result.totalSuppressed) hide(OVERALL, p);
      }
      for (let i = 0; i <= n; i++) for (const p of linkedInCell(c(i), (q) => hidden(i, q), small)) hide(i, p);
    });
    sets.forEach((set, i) => set.forEach((p) => state[i].feedback[p].add(part)));
  }

  // 3. Loop closure.
  const l = (i: number, kind: Kind) => all[i].loops[kind] ?? NO_LOOPS;
  const tooSmall = (x: QoeLoopCounts) => dueOf(x) > 0 && (small(x.people) || suppressRate(x.onTime, dueOf(x), t) === null);
  const measures = [(x: LoopCounts) => dueOf(x), (x: LoopCounts) => x.onTime, (x: LoopCounts) => x.late + x.notClosed];
  const loopSets = fixedPoint<Kind>((hidden, hide) => {
    for (let i = 0; i <= n; i++) for (const kind of KINDS) if (tooSmall(l(i, kind))) hide(i, kind);
    for (const measure of measures) {
      for (const kind of KINDS) {
        const result = table((i) => measure(l(i, kind)), hidden(OVERALL, kind) ? null : measure(l(OVERALL, kind)), (i) => hidden(i, kind));
        for (const i of result.hidden) hide(i, kind);
        if (result.totalSuppressed) hide(OVERALL, kind);
      }
      // The two kinds in the overall: the cells of the organization's loops (impactReport.loops), shown next to them.
      if (!state[OVERALL].whole) {
        const orgTable = suppressTable(
          KINDS.map((kind) => ({ key: kind, count: measure(l(OVERALL, kind)), hidden: hidden(OVERALL, kind) })),
          KINDS.reduce((s, kind) => s + measure(l(OVERALL, kind)), 0),
          t,
        );
        for (const cell of orgTable.cells) if (cell.suppressed) hide(OVERALL, cell.key);
      }
    }
  });
  loopSets.forEach((set, i) => set.forEach((kind) => state[i].loops.add(kind)));
  // Loop closure is only listed where actions are due.
  for (let i = 0; i <= n; i++) for (const kind of KINDS) if (dueOf(l(i, kind)) === 0) state[i].loops.delete(kind);
  return { cells: state.slice(0, n), overall: state[OVERALL] };
}

/**
 * People per feedback part computed directly from the responses and their answers, with
 * count(DISTINCT) over grouping sets (the statement the people rollup replaced; `source` "tables",
 * which the rollup is tested against). `g` is the group key of a response r.
 */
function directPartPeopleSql(g: string): string {
  const people = (filter: string) => `count(DISTINCT rp.stakeholder_id) FILTER (WHERE ${filter})`;
  const atKind = (filter: string, inUse: boolean) =>
    people(`${filter} AND rp.persp <> 'USER' AND rp.stage_impact_mode ${inUse ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM"} 'IN_USE'`);
  const ids = (name: string, filter: string) => `array_agg(DISTINCT rp.stakeholder_id) FILTER (WHERE ${filter}) AS ${name}_ids`;
  const columns = (name: string, filter: string) =>
    `${people(filter)} AS ${name}_people, ${atKind(filter, true)} AS ${name}_in_use, ${atKind(filter, false)} AS ${name}_elsewhere, ${ids(name, filter)}`;
  // The record keys of the distinct people behind each part (the cell keys of funders' answer counts), added up over their ids.
  const keys = ["nps", "rating", "effort"]
    .map((part) => `(SELECT sum(s.record_key) FROM stakeholders s WHERE s.organization_id = $1 AND s.id = ANY (x.${part}_ids)) AS ${part}_keys`)
    .join(", ");
  return `SELECT x.*, ${keys} FROM (WITH r AS (
            SELECT r.organization_id, r.id, r.kind, r.stage_impact_mode, r.nps, r.stakeholder_id, ${g} AS g
              FROM feedback_responses r WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3
          ), rp AS (
            SELECT r.*, p.persp FROM r CROSS JOIN LATERAL (VALUES (r.kind::text), (CASE WHEN r.stage_impact_mode = 'IN_USE' THEN 'USER' END)) AS p(persp)
             WHERE p.persp IS NOT NULL
          )
          SELECT rp.g, rp.persp, grouping(rp.g) = 1 AS total,
                 ${columns("nps", "rp.nps IS NOT NULL")}, ${columns("rating", "a.type = 'RATING'")}, ${columns("effort", "a.type = 'EFFORT'")}
            FROM rp LEFT JOIN feedback_answers a ON a.organization_id = rp.organization_id AND a.response_id = rp.id AND a.type IN ('RATING', 'EFFORT')
           GROUP BY GROUPING SETS ((rp.g, rp.persp), (rp.persp))) x`;
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
   * The feedback measures per group and perspective (the kind's, and USER for answers given at an
   * IN_USE stage), and per perspective overall: responses per NPS class, the rating and effort
   * means (mapped to 0..100) and their answer counts. The whole UTC days of the period are read
   * from the rollups (`feedback_daily`, or `feedback_daily_dimension` for a dimension), the rest
   * from the tables (src/modules/feedback/rollup.ts); a group or perspective with no response
   * has no row.
   */
  private feedbackSql(
    org: string,
    groupBy: QoeGroupBy,
    dimension: Dimension | null,
    from: Date,
    to: Date,
    bs: Bucket[],
    key: (alias: "r" | "d", time: string, bucketParams: string[]) => string,
    source: FeedbackSource,
  ): [string, unknown[]] {
    const params: unknown[] = [org];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const bucketParams = groupBy === QoeGroupBy.PERIOD ? [p(bs.map((b) => b.from))] : [];
    const split = source === "tables" ? { days: null, edges: [{ from, to }] } : splitPeriod(from, to);
    const byDimension = groupBy === QoeGroupBy.DIMENSION;
    const facts: string[] = [];
    if (split.days) {
      const g = byDimension ? `jsonb_build_array(d.value)` : key("d", `(d.day::timestamp AT TIME ZONE 'UTC')`, bucketParams);
      facts.push(
        `SELECT ${g} AS g, d.kind, d.in_use, ${MEASURES.map((m) => `d.${m}`).join(", ")}
           FROM ${byDimension ? "feedback_daily_dimension" : "feedback_daily"} d
          WHERE d.organization_id = $1 AND ${inDays("d", split.days, p)}${byDimension ? ` AND d.dimension = ${p(dimension)}` : ""}`,
      );
    }
    if (split.edges.length) {
      const g = byDimension ? `jsonb_build_array(s.${DIMENSION_COLUMN[dimension!]}::text)` : key("r", "r.collected_at", bucketParams);
      facts.push(`SELECT * FROM (${tableFacts(`${g} AS g, r.kind, ${IN_USE} AS in_use`, `r.organization_id = $1 AND ${inEdges("r.collected_at", split.edges, p)}`, byDimension)}) e`);
    }
    const sum = (values: number[]) => `sum(${values.map((v) => `f.nps_${v}`).join(" + ")})`;
    return [
      `WITH f AS (${facts.join(" UNION ALL ")})
       SELECT f.g, p.persp, grouping(f.g) = 1 AS total,
              ${sum([9, 10])} AS promoters, ${sum([7, 8])} AS passives, ${sum([0, 1, 2, 3, 4, 5, 6])} AS detractors,
              sum(f.rating_sum) / nullif(sum(f.rating_sum_n), 0) AS rating, sum(f.rating_n) AS rating_n,
              sum(f.effort_sum) / nullif(sum(f.effort_sum_n), 0) AS effort, sum(f.effort_n) AS effort_n
         FROM f CROSS JOIN LATERAL (VALUES (f.kind::text), (CASE WHEN f.in_use THEN 'USER' END)) AS p(persp)
        WHERE p.persp IS NOT NULL
        GROUP BY GROUPING SETS ((f.g, p.persp), (p.persp))
       HAVING sum(f.responses) > 0`,
      params,
    ];
  }

  /**
   * Funders' NPS cells: per group and perspective (as feedbackSql groups them) and per perspective
   * overall, the answers of each NPS class and the sum of the record keys of the people who gave
   * them (one key per answer). Whole UTC days from `feedback_daily_keys` (the same cells as the nps
   * view's), the rest of the period from the responses; by dimension, from the responses (the keys
   * rollup has no dimension).
   */
  private npsKeysSql(
    org: string,
    groupBy: QoeGroupBy,
    dimension: Dimension | null,
    from: Date,
    to: Date,
    bs: Bucket[],
    key: (alias: "r" | "d", time: string, bucketParams: string[]) => string,
    source: FeedbackSource,
  ): [string, unknown[]] {
    const params: unknown[] = [org];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const bucketParams = groupBy === QoeGroupBy.PERIOD ? [p(bs.map((b) => b.from))] : [];
    const byDimension = groupBy === QoeGroupBy.DIMENSION;
    const split = source === "tables" || byDimension ? { days: null, edges: [{ from, to }] } : splitPeriod(from, to);
    const classes = [
      ["promoters", "promoter_keys", "r.nps >= 9"],
      ["passives", "passive_keys", "r.nps BETWEEN 7 AND 8"],
      ["detractors", "detractor_keys", "r.nps <= 6"],
    ] as const;
    const facts: string[] = [];
    if (split.days) {
      facts.push(
        `SELECT ${key("d", `(d.day::timestamp AT TIME ZONE 'UTC')`, bucketParams)} AS g, d.kind, d.in_use, ${classes.map(([n, k]) => `d.${n}, d.${k}`).join(", ")}
           FROM feedback_daily_keys d WHERE d.organization_id = $1 AND ${inDays("d", split.days, p)}`,
      );
    }
    if (split.edges.length) {
      const g = byDimension ? `jsonb_build_array(s.${DIMENSION_COLUMN[dimension!]}::text)` : key("r", "r.collected_at", bucketParams);
      facts.push(
        `SELECT ${g} AS g, r.kind, ${IN_USE} AS in_use,
                ${classes.map(([n, k, when]) => `CASE WHEN ${when} THEN 1 ELSE 0 END AS ${n}, CASE WHEN ${when} THEN s.record_key ELSE 0 END AS ${k}`).join(", ")}
           FROM feedback_responses r JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id
          WHERE r.organization_id = $1 AND ${inEdges("r.collected_at", split.edges, p)} AND r.nps IS NOT NULL`,
      );
    }
    return [
      `WITH f AS (${facts.join(" UNION ALL ")})
       SELECT f.g, p.persp, grouping(f.g) = 1 AS total, ${classes.map(([n, k]) => `sum(f.${n}) AS ${n}, sum(f.${k}) AS ${k}`).join(", ")}
         FROM f CROSS JOIN LATERAL (VALUES (f.kind::text), (CASE WHEN f.in_use THEN 'USER' END)) AS p(persp)
        WHERE p.persp IS NOT NULL
        GROUP BY GROUPING SETS ((f.g, p.persp), (p.persp))
       HAVING sum(f.promoters + f.passives + f.detractors) > 0`,
      params,
    ];
  }

  /**
   * People per feedback part (NPS, ratings, effort), per group and perspective and per perspective
   * overall (`total`), and for a kind, those who gave it at an IN_USE stage (`_in_use`) or
   * elsewhere (`_elsewhere`): funders' suppression only. Whole UTC days from the people rollup
   * (`feedback_daily_people`: who gave which part where, per day), the rest of the period from the
   * responses and their answers (the same figures as directPartPeopleSql). Per group and stakeholder first, by
   * hashing (a stakeholder is of one kind), then counted; the USER perspective has a row where
   * some response was given at an IN_USE stage. `raw` is the group's raw key (a uuid, a bucket
   * number or NULL) of a row (alias r or d) at a time; `group` makes it the jsonb key.
   */
  private partPeopleSql(
    org: string,
    groupBy: QoeGroupBy,
    dimension: Dimension | null,
    from: Date,
    to: Date,
    bs: Bucket[],
    raw: (alias: "r" | "d", time: string, bucketParam: string) => string,
    group: (raw: string) => string,
  ): [string, unknown[]] {
    const params: unknown[] = [org];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const bucketParam = groupBy === QoeGroupBy.PERIOD ? p(bs.map((b) => b.from)) : "";
    const byDimension = groupBy === QoeGroupBy.DIMENSION;
    // By dimension the group is the stakeholder's value: counted per stakeholder first, then looked up.
    const rawOf = (alias: "r" | "d", time: string) => (byDimension ? "NULL::text" : raw(alias, time, bucketParam));
    const split = splitPeriod(from, to);
    const facts: string[] = [];
    if (split.days) {
      facts.push(`SELECT ${rawOf("d", `(d.day::timestamp AT TIME ZONE 'UTC')`)} AS g, d.stakeholder_id, d.kind, d.in_use, d.nps_n > 0 AS nps, d.rating_n > 0 AS rating, d.effort_n > 0 AS effort
                    FROM feedback_daily_people d WHERE d.organization_id = $1 AND ${inDays("d", split.days, p)} AND d.responses > 0`);
    }
    if (split.edges.length) {
      const has = (type: string) => `EXISTS (SELECT 1 FROM feedback_answers a WHERE a.organization_id = r.organization_id AND a.response_id = r.id AND a.type = '${type}')`;
      facts.push(`SELECT ${rawOf("r", "r.collected_at")} AS g, r.stakeholder_id, r.kind, ${IN_USE} AS in_use, r.nps IS NOT NULL AS nps, ${has("RATING")} AS rating, ${has("EFFORT")} AS effort
                    FROM feedback_responses r WHERE r.organization_id = $1 AND ${inEdges("r.collected_at", split.edges, p)}`);
    }
    const flags = (x: string) =>
      ["nps", "rating", "effort"].map((part) => `bool_or(${x}${part}) AS ${part}, bool_or(${x}${part}_u) AS ${part}_u, bool_or(${x}${part}_e) AS ${part}_e`).join(", ");
    const firstFlags = ["nps", "rating", "effort"]
      .map((part) => `bool_or(f.${part}) AS ${part}, bool_or(f.${part} AND f.in_use) AS ${part}_u, bool_or(f.${part} AND NOT f.in_use) AS ${part}_e`)
      .join(", ");
    // With each stakeholder's record key (rk): the people behind a part are the records of its cell key.
    const per = byDimension
      ? `SELECT ${group(`s.${DIMENSION_COLUMN[dimension!]}::text`)} AS g, x.*, s.record_key AS rk FROM (SELECT f.stakeholder_id, f.kind, bool_or(f.in_use) AS any_u, ${firstFlags} FROM f GROUP BY 1, 2) x
           JOIN stakeholders s ON s.organization_id = $1 AND s.id = x.stakeholder_id`
      : `SELECT ${group("x.g")} AS g, x.stakeholder_id, x.kind, x.any_u, ${["nps", "rating", "effort"].map((part) => `x.${part}, x.${part}_u, x.${part}_e`).join(", ")}, s.record_key AS rk
           FROM (SELECT f.g, f.stakeholder_id, f.kind, bool_or(f.in_use) AS any_u, ${firstFlags} FROM f GROUP BY 1, 2, 3) x
           JOIN stakeholders s ON s.organization_id = $1 AND s.id = x.stakeholder_id`;
    const counts = ["nps", "rating", "effort"]
      .map(
        (part) => `count(*) FILTER (WHERE CASE WHEN p.persp = 'USER' THEN c.${part}_u ELSE c.${part} END) AS ${part}_people,
                   count(*) FILTER (WHERE p.persp <> 'USER' AND c.${part}_u) AS ${part}_in_use, count(*) FILTER (WHERE p.persp <> 'USER' AND c.${part}_e) AS ${part}_elsewhere,
                   sum(c.rk) FILTER (WHERE CASE WHEN p.persp = 'USER' THEN c.${part}_u ELSE c.${part} END) AS ${part}_keys`,
      )
      .join(", ");
    const columns = `per.stakeholder_id, per.kind, per.rk, per.any_u, ${["nps", "rating", "effort"].map((part) => `per.${part}, per.${part}_u, per.${part}_e`).join(", ")}`;
    // Without groups, every stakeholder's row is already the overall's (what is in no group is never shown on its own).
    const cells =
      groupBy === QoeGroupBy.NONE
        ? `SELECT NULL::jsonb AS g, true AS total, ${columns} FROM per`
        : `SELECT g, false AS total, ${columns} FROM per
           UNION ALL
           SELECT NULL, true, per.stakeholder_id, per.kind, min(per.rk), bool_or(per.any_u), ${flags("per.")} FROM per GROUP BY per.stakeholder_id, per.kind`;
    return [
      `WITH f AS (${facts.join(" UNION ALL ")}),
            per AS MATERIALIZED (${per}),
            c AS (${cells})
       SELECT c.g, c.total, p.persp, ${counts}
         FROM c CROSS JOIN LATERAL (VALUES (c.kind::text), (CASE WHEN c.any_u THEN 'USER' END)) AS p(persp)
        WHERE p.persp IS NOT NULL
        GROUP BY c.g, c.total, p.persp`,
      params,
    ];
  }

  /**
   * Quality of experience over [from, to), computed in SQL over every response,
   * action and observation of the period (no sampling): a fixed number of
   * statements whatever the number of groups. The feedback figures come from the rollups for
   * the whole days of the period (`source` "tables": from the tables only, the direct computation
   * the rollups are tested against).
   */
  async compute(
    organizationId: string,
    from: Date,
    to: Date,
    groupBy: QoeGroupBy,
    interval?: Interval | null,
    dimension?: Dimension | null,
    source: FeedbackSource = "rollup",
    figures: "as the caller may see them" | "true, for a derived figure" = "as the caller may see them",
  ): Promise<QualityOfExperience> {
    const org = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(org, ROLES.aggregates);
    assertPeriod(from, to);
    if (groupBy === QoeGroupBy.PERIOD && !interval) throw new BadInputError("interval", "grouping by PERIOD needs an interval");
    if (groupBy === QoeGroupBy.DIMENSION && !dimension) throw new BadInputError("dimension", "grouping by DIMENSION needs a dimension");
    const [orgRow] = await this.em.query(`SELECT qoe_weights, suppression_threshold FROM organizations WHERE id = $1`, [org]);
    if (!orgRow) throw new NotFoundError("Organization", "organizationId");
    const weights = weightsOf(orgRow.qoe_weights);
    const k = effectiveThreshold(orgRow.suppression_threshold);
    // "true, for a derived figure": never returned as it is; experienceDrivers correlates the true scores of
    // periods with at least k people and shows funders the correlation only.
    const suppress = role === "FUNDER" && figures === "as the caller may see them";
    const bs = groupBy === QoeGroupBy.PERIOD ? buckets(from, to, interval!) : [];

    // Group keys, in SQL, for responses (alias r), rollup rows (alias d) and actions (alias a): a
    // one-element JSON array holding the group's value (a stage or touchpoint id, a bucket number,
    // a dimension value or null when not recorded), or SQL NULL for what is in no group (the
    // residual: no stage or touchpoint, an action about no stakeholder when grouping by a
    // dimension). Compared as values, never split or matched against a reserved word. `time` is
    // the row's time, a timestamptz expression.
    const dimColumn = dimension ? DIMENSION_COLUMN[dimension] : null;
    // The same keys raw (a uuid, a bucket number, NULL), for grouping many rows before the jsonb is made (not by dimension).
    const raw = (alias: "r" | "a" | "d", time: string, bucketParam = "$4") =>
      groupBy === QoeGroupBy.STAGE
        ? `${alias}.stage_id`
        : groupBy === QoeGroupBy.TOUCHPOINT
          ? `${alias}.touchpoint_id`
          : groupBy === QoeGroupBy.PERIOD
            ? `width_bucket(${time}, ${bucketParam}::timestamptz[])`
            : `NULL::text`;
    const group = (x: string) =>
      groupBy === QoeGroupBy.PERIOD || groupBy === QoeGroupBy.DIMENSION
        ? `jsonb_build_array(${x})`
        : groupBy === QoeGroupBy.NONE
          ? `NULL::jsonb`
          : `CASE WHEN ${x} IS NOT NULL THEN jsonb_build_array(${x}::text) END`;
    const key = (alias: "r" | "a" | "d", time: string, bucketParams = ["$4"]) =>
      groupBy === QoeGroupBy.STAGE
        ? `CASE WHEN ${alias}.stage_id IS NOT NULL THEN jsonb_build_array(${alias}.stage_id::text) END`
        : groupBy === QoeGroupBy.TOUCHPOINT
          ? `CASE WHEN ${alias}.touchpoint_id IS NOT NULL THEN jsonb_build_array(${alias}.touchpoint_id::text) END`
          : groupBy === QoeGroupBy.PERIOD
            ? // The buckets are contiguous and cover [from, to): the number of the last one starting at or before the time.
              `jsonb_build_array(width_bucket(${time}, ${bucketParams[0]}::timestamptz[]))`
            : groupBy === QoeGroupBy.DIMENSION
              ? `CASE WHEN ${alias}.stakeholder_id IS NOT NULL THEN jsonb_build_array((SELECT s.${dimColumn}::text FROM stakeholders s WHERE s.organization_id = ${alias}.organization_id AND s.id = ${alias}.stakeholder_id)) END`
              : `NULL::jsonb`;
    // The buckets' starts ($4 unless given) are only referenced when grouping by period.
    const params: unknown[] = groupBy === QoeGroupBy.PERIOD ? [org, from, to, bs.map((b) => b.from)] : [org, from, to];

    const metricsPromise = this.em.query(
      `SELECT * FROM metrics WHERE organization_id = $1 AND ((category = 'KPI' AND perspective = 'CUSTOMER') OR category = 'SOCIAL') ORDER BY created_at, id`,
      [org],
    );
    const [feedbackRows, npsKeyRows, partRows, peopleRows, loopRows, metricRows, maximumRows] = await Promise.all([
      this.em.query(...this.feedbackSql(org, groupBy, dimension ?? null, from, to, bs, key, source)),
      // Funders' NPS cells: per group and perspective, each class's answers and their people's record keys.
      !suppress ? [] : this.em.query(...this.npsKeysSql(org, groupBy, dimension ?? null, from, to, bs, key, source)),
      // People per feedback part: only needed (and only counted) for funders' suppression.
      !suppress
        ? []
        : source === "tables"
          ? this.em.query(directPartPeopleSql(key("r", "r.collected_at")), params)
          : this.em.query(...this.partPeopleSql(org, groupBy, dimension ?? null, from, to, bs, raw, group)),
      // People per group and overall, in one statement: a stakeholder counts once overall even when
      // its responses fall in several groups. Distinct (group, stakeholder) pairs first, by hashing;
      // by dimension, the stakeholders first, then their values.
      // Without groups, the overall only (what is in no group is never shown on its own).
      // For funders, with the sum of those people's record keys (the cell key of `people`).
      this.em.query(
        groupBy === QoeGroupBy.NONE
          ? `SELECT NULL::jsonb AS g, true AS total, count(*) AS people${suppress ? ", sum(s.record_key) AS people_keys" : ""}
               FROM (SELECT r.stakeholder_id FROM feedback_responses r WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3 GROUP BY 1) o${
                 suppress ? " JOIN stakeholders s ON s.organization_id = $1 AND s.id = o.stakeholder_id" : ""
               }`
          : `WITH x AS MATERIALIZED (
               ${
                 groupBy === QoeGroupBy.DIMENSION
                   ? `SELECT s.${dimColumn}::text AS g, s.id AS stakeholder_id${suppress ? ", s.record_key AS rk" : ""}
                        FROM (SELECT r.stakeholder_id FROM feedback_responses r WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3 GROUP BY 1) p
                        JOIN stakeholders s ON s.organization_id = $1 AND s.id = p.stakeholder_id`
                   : suppress
                     ? `SELECT x0.g, x0.stakeholder_id, s.record_key AS rk
                          FROM (SELECT ${raw("r", "r.collected_at")} AS g, r.stakeholder_id FROM feedback_responses r
                                 WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3 GROUP BY 1, 2) x0
                          JOIN stakeholders s ON s.organization_id = $1 AND s.id = x0.stakeholder_id`
                     : `SELECT ${raw("r", "r.collected_at")} AS g, r.stakeholder_id FROM feedback_responses r
                       WHERE r.organization_id = $1 AND r.collected_at >= $2 AND r.collected_at < $3 GROUP BY 1, 2`
               }
             )
             ${
               suppress
                 ? `SELECT ${group("x.g")} AS g, false AS total, count(*) AS people, sum(x.rk) AS people_keys FROM x GROUP BY x.g
             UNION ALL
             SELECT NULL, true, count(*), sum(o.rk) FROM (SELECT x.stakeholder_id, min(x.rk) AS rk FROM x GROUP BY 1) o`
                 : `SELECT ${group("x.g")} AS g, false AS total, count(*) AS people FROM x GROUP BY x.g
             UNION ALL
             SELECT NULL, true, count(*) FROM (SELECT x.stakeholder_id FROM x GROUP BY 1) o`
             }`,
        params,
      ),
      // Loops exactly as actionSummary and impactReport.loops count them (LOOP_COUNTS_SQL), every
      // action due in the period in exactly one perspective: the kind of the stakeholder it is
      // about; without one, the kind of its stage's lifecycle (from its touchpoint or response);
      // with neither, CUSTOMER. People: the stakeholders of the actions counted (for funders' suppression only).
      // Grouped on the raw key (by dimension: the stakeholder's value, joined once, not looked up per action).
      this.em.query(
        `SELECT ${groupBy === QoeGroupBy.DIMENSION ? "a.g" : group("a.g")} AS g, a.persp, grouping(a.g) = 1 AS total, ${LOOP_COUNTS_SQL},
                ${suppress ? "count(DISTINCT a.stakeholder_id) FILTER (WHERE a.loop_closed_at IS NOT NULL OR a.due_at < now())" : "0"} AS due_people
           FROM (SELECT a.*,
                        ${groupBy === QoeGroupBy.DIMENSION ? `CASE WHEN a.stakeholder_id IS NOT NULL THEN jsonb_build_array(s.${dimColumn}::text) END` : raw("a", "a.due_at")} AS g,
                        coalesce(a.kind::text, (SELECT st.kind::text FROM stages st WHERE st.organization_id = a.organization_id AND st.id = a.stage_id), 'CUSTOMER') AS persp
                   FROM actions a
                   ${groupBy === QoeGroupBy.DIMENSION ? "LEFT JOIN stakeholders s ON s.organization_id = a.organization_id AND s.id = a.stakeholder_id" : ""}
                  WHERE a.organization_id = $1 AND a.due_at >= $2 AND a.due_at < $3) a
          GROUP BY GROUPING SETS ((a.g, a.persp), (a.persp))`,
        params,
      ),
      metricsPromise,
      !suppress ? [] : this.em.query(`SELECT perturbation_maximum FROM organizations WHERE id = $1`, [org]),
    ]);

    // Metric attainments: overall over the period; per bucket for PERIOD; per linked stage or touchpoint.
    // For funders, a metric's attainment is hidden exactly when the impact views hide its value.
    const metrics = hydrateAll(this.em, Metric, metricRows);
    const periods = [{ from, to }, ...bs];
    const values = await metricValues(this.em, org, metrics, periods);
    const maximum = effectiveMaximum(maximumRows[0]?.perturbation_maximum ?? null);
    const attainmentsFor = (i: number, filter: (m: Metric) => boolean) => {
      const kpi: { name: string; attainment: number; hidden: boolean }[] = [];
      const social: { name: string; attainment: number; hidden: boolean }[] = [];
      for (const m of metrics.filter(filter)) {
        const v = values.get(m.id)![i];
        // Funders: the value as the impact views show it to them (hidden, or adjusted when it counts people).
        const shown = suppress ? funderMetricValue(m, v, k, maximum) : { suppressed: false, actual: v.actual };
        const a = attainment(v.actual === null ? null : Number(shown.actual ?? v.actual), v.target === null ? null : Number(v.target), m.baselineValue === null ? null : Number(m.baselineValue), m.direction);
        if (a === null) continue;
        const hidden = shown.suppressed;
        if (m.category === MetricCategory.KPI && m.perspective === MetricPerspective.CUSTOMER) kpi.push({ name: m.name, attainment: a, hidden });
        if (m.category === MetricCategory.SOCIAL) social.push({ name: m.name, attainment: a, hidden });
      }
      return { kpi, social };
    };

    // Everything per cell: the groups by value, the residual, the overall.
    type GroupValue = string | number | null;
    type CellData = { fb: Partial<Record<QoePerspective, FeedbackStats>>; counts: QoeCellCounts };
    const emptyCell = (): CellData => ({ fb: {}, counts: { people: 0, feedback: {}, loops: {} } });
    const overallData = emptyCell();
    const groupData = new Map<GroupValue, CellData>();
    const residualData: { cell: CellData | null } = { cell: null };
    const cellOf = (r: { g: GroupValue[] | null; total: boolean }): CellData => {
      if (r.total) return overallData;
      if (r.g === null) return (residualData.cell ??= emptyCell());
      const value = r.g[0];
      let d = groupData.get(value);
      if (!d) groupData.set(value, (d = emptyCell()));
      return d;
    };
    for (const r of feedbackRows) {
      cellOf(r).fb[r.persp as QoePerspective] = {
        promoters: Number(r.promoters),
        passives: Number(r.passives),
        detractors: Number(r.detractors),
        ratingMean: r.rating === null ? null : Number(r.rating),
        ratingN: Number(r.rating_n),
        effortMean: r.effort === null ? null : Number(r.effort),
        effortN: Number(r.effort_n),
      };
    }
    for (const r of partRows) {
      const d = cellOf(r);
      const persp = r.persp as QoePerspective;
      for (const [part, column] of [
        ["NPS", "nps"],
        ["RATING", "rating"],
        ["EFFORT", "effort"],
      ] as const) {
        const pp = (d.counts.feedback[part] ??= emptyPartPeople());
        pp[persp] = Number(r[`${column}_people`]);
        if (persp !== QoePerspective.USER) {
          pp.inUse[persp] = Number(r[`${column}_in_use`]);
          pp.elsewhere[persp] = Number(r[`${column}_elsewhere`]);
        }
      }
    }
    for (const r of loopRows) {
      cellOf(r).counts.loops[r.persp as Kind] = { onTime: Number(r.on_time), late: Number(r.late), notClosed: Number(r.not_closed), people: Number(r.due_people) };
    }
    for (const r of peopleRows) cellOf(r).counts.people = Number(r.people);

    // For a funder, the counts shown are adjusted (src/common/perturbation.ts), after suppression
    // has decided on the true counts what is hidden: `people` by its people's record keys; each
    // NPS class by the keys of its answers' people (the same cells as the nps view's); the rating
    // and effort answer counts by the keys of the distinct people who gave them. The feedback
    // components are then computed from the adjusted counts (their sample sizes, the NPS); the
    // rating and effort means are the true means (a mean of answers, not a count).
    const perturb = perturber(suppress, maximumRows[0]?.perturbation_maximum ?? null);
    const shownPeople = new Map<CellData, number>();
    const shownFeedback = new Map<CellData, Partial<Record<QoePerspective, FeedbackStats>>>();
    if (suppress) {
      for (const r of peopleRows) shownPeople.set(cellOf(r), perturb.count({ count: Number(r.people), keySum: r.people_keys }));
      const partKeys = new Map<string, Record<"rating" | "effort", KeyedCount>>();
      const cellId = new Map<CellData, number>();
      const idOf = (d: CellData) => {
        let id = cellId.get(d);
        if (id === undefined) cellId.set(d, (id = cellId.size));
        return id;
      };
      for (const r of partRows) {
        const d = cellOf(r);
        partKeys.set(`${idOf(d)}|${r.persp}`, {
          rating: { count: 0, keySum: r.rating_keys },
          effort: { count: 0, keySum: r.effort_keys },
        });
      }
      const classes = new Map<string, Record<"promoters" | "passives" | "detractors", KeyedCount>>();
      for (const r of npsKeyRows) {
        classes.set(`${idOf(cellOf(r))}|${r.persp}`, {
          promoters: { count: Number(r.promoters), keySum: r.promoter_keys },
          passives: { count: Number(r.passives), keySum: r.passive_keys },
          detractors: { count: Number(r.detractors), keySum: r.detractor_keys },
        });
      }
      const adjust = (d: CellData) => {
        const out: Partial<Record<QoePerspective, FeedbackStats>> = {};
        for (const [persp, f] of Object.entries(d.fb) as [QoePerspective, FeedbackStats][]) {
          const id = `${idOf(d)}|${persp}`;
          const c = classes.get(id);
          const k = partKeys.get(id);
          out[persp] = {
            ...f,
            promoters: perturb.count(c?.promoters ?? { count: f.promoters, keySum: null }),
            passives: perturb.count(c?.passives ?? { count: f.passives, keySum: null }),
            detractors: perturb.count(c?.detractors ?? { count: f.detractors, keySum: null }),
            ratingN: perturb.count({ count: f.ratingN, keySum: k?.rating.keySum ?? null }),
            effortN: perturb.count({ count: f.effortN, keySum: k?.effort.keySum ?? null }),
          };
        }
        return out;
      };
      shownFeedback.set(overallData, adjust(overallData));
      for (const d of groupData.values()) shownFeedback.set(d, adjust(d));
    }

    // The groups, before anything is computed for them. What is in no group counts in the overall
    // figures only: the residual, a cell of the funder's tables that is never shown.
    type GroupDef = { key: string; value: GroupValue; label: string; metricIndex: number | null; metricFilter: (m: Metric) => boolean; extra: Partial<QoeGroup> };
    let defs: GroupDef[] = [];
    if (groupBy === QoeGroupBy.STAGE || groupBy === QoeGroupBy.TOUCHPOINT) {
      const column = groupBy === QoeGroupBy.STAGE ? "stageId" : "touchpointId";
      const ids = new Set<string>([...groupData.keys()].map(String));
      for (const m of metrics) if (m[column]) ids.add(m[column]!);
      const table = groupBy === QoeGroupBy.STAGE ? "stages" : "touchpoints";
      const names = new Map<string, string>(
        (await this.em.query(`SELECT id, name FROM ${table} WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, [...ids]])).map((r: { id: string; name: string }) => [r.id, r.name]),
      );
      const type = groupBy === QoeGroupBy.STAGE ? "Stage" : "Touchpoint";
      defs = [...ids].map((id) => ({ key: globalId(type, org, id), value: id, label: names.get(id) ?? globalId(type, org, id), metricIndex: 0, metricFilter: (m: Metric) => m[column] === id, extra: { [column]: id } }));
    } else if (groupBy === QoeGroupBy.PERIOD) {
      defs = bs.map((b, i) => ({ key: String(i + 1), value: i + 1, label: periodLabel(b, interval!), metricIndex: i + 1, metricFilter: () => true, extra: { from: b.from, to: b.to } }));
    } else if (groupBy === QoeGroupBy.DIMENSION) {
      defs = [...groupData.keys()].map((v) => {
        const label = v === null ? NOT_RECORDED : String(v);
        return { key: label, value: v, label, metricIndex: null, metricFilter: () => false, extra: {} };
      });
    }
    // The cells in a fixed order (by key; periods in time order), not in the order the statements
    // happened to return them: funders' complementary suppression breaks ties between equal counts
    // by position, and the same figures must always hide the same cells.
    if (groupBy !== QoeGroupBy.PERIOD) defs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const dataOf = (d: GroupDef) => groupData.get(d.value) ?? emptyCell();
    const residual = defs.length > 0 ? residualData.cell : null;
    const hidden = suppress ? qoeSuppression(k, [...defs.map((d) => dataOf(d).counts), ...(residual ? [residual.counts] : [])], overallData.counts) : null;

    const build = (data: CellData, h: QoeCellHidden | null, key: string, label: string, metricIndex: number | null, metricFilter: (m: Metric) => boolean, extra: Partial<QoeGroup>): QoeGroup => {
      const base = { organizationId: org, key, label, stageId: null, touchpointId: null, from: null, to: null, ...extra };
      if (h?.whole) {
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
      const loopsOf = (kind: Kind) => {
        const l = data.counts.loops[kind];
        return l && { onTime: l.onTime, due: dueOf(l), hidden: h?.loops.has(kind) ?? false };
      };
      const fb = shownFeedback.get(data) ?? data.fb;
      const inputs: Record<QoePerspective, PerspectiveInputs> = {
        CUSTOMER: { feedback: fb.CUSTOMER, hiddenFeedback: h?.feedback.CUSTOMER, attainments: att.kpi, loops: loopsOf(QoePerspective.CUSTOMER) },
        USER: { feedback: fb.USER, hiddenFeedback: h?.feedback.USER },
        BENEFICIARY: { feedback: fb.BENEFICIARY, hiddenFeedback: h?.feedback.BENEFICIARY, attainments: att.social, loops: loopsOf(QoePerspective.BENEFICIARY) },
      };
      const perspectives = PERSPECTIVES.map((p) => scorePerspective(p, inputs[p], weights));
      const overall = scoreOverall(perspectives);
      return {
        ...base,
        people: shownPeople.get(data) ?? data.counts.people,
        score: overall.score,
        perspectives,
        missingPerspectives: overall.missing,
        suppressed: false,
      };
    };

    const overall = build(overallData, hidden?.overall ?? null, OVERALL_KEY, "All", 0, () => true, { from, to });
    const groups = defs.map((d, i) => build(dataOf(d), hidden?.cells[i] ?? null, d.key, d.label, d.metricIndex, d.metricFilter, d.extra));
    if (groupBy !== QoeGroupBy.PERIOD) groups.sort((a, b) => (a.score ?? Infinity) - (b.score ?? Infinity) || a.label.localeCompare(b.label));
    return {
      organizationId: org,
      from,
      to,
      groupBy,
      interval: interval ?? null,
      dimension: dimension ?? null,
      weights,
      suppression: suppress ? { applied: true, threshold: k, perturbationMaximum: perturb.maximum, note: PERTURBATION_NOTE } : { applied: false, threshold: k },
      overall,
      groups,
    };
  }
}

