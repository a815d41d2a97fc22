import { EntityManager } from "typeorm";
import { Metric } from "../metric/metric.entity";
import { Offering } from "../sales/sales.entity";
import { Stage } from "../lifecycle/stage.entity";
import { attainment } from "./attainment";
import { Bucket, metricValues, MetricValue } from "./metric-values";
import { countsPeople, funderMetricValue } from "./metric-suppression";
import { linkedGroupsSql } from "../outcome/outcome.sql";
import {
  CountChange,
  DecimalChange,
  DoubleBottomLine,
  ImpactAtSale,
  ImpactInUse,
  InUseStage,
  MetricComparison,
  MetricResult,
  MetricSeries,
  MoneyChange,
  OfferingImpact,
  SaleTotals,
  SeriesGroup,
  SeriesPoint,
} from "./impact.types";
import { ROLES } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { Interval, MetricAggregation, MetricCategory, StakeholderKind } from "../../common/enums";
import { Money } from "../../common/scalars";
import { fromFixed, toFixed } from "../../common/decimal";
import { effectiveThreshold, suppressCount, suppressTable } from "../../common/suppression";
import { effectiveMaximum, perturb, PERTURBATION_NOTE } from "../../common/perturbation";
import { SuppressionInfo } from "../lifecycle/funnel.types";
import { assertId, assertPeriod } from "../../common/validation";
import { hydrate, hydrateAll } from "../../database/rows";
import type { ServiceContext } from "../../context";

const MAX_BUCKETS = 400;
const DIMENSION_KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/;

export interface InUseCounts {
  perStage: Map<string, { entered: number; active: number; left: number }>[];
  inUse: number[];
  /** For a funder: the sums of the record keys of the people behind each count (their cell keys, src/common/perturbation.ts). */
  keys?: { perStage: Map<string, { entered: string | null; active: string | null; left: string | null }>[]; inUse: (string | null)[] };
}

export interface OrgInfo {
  id: string;
  currency: string;
  k: number;
  /** The organization's largest adjustment of a funder's count (perturbation_maximum). */
  maximum: number;
  suppress: boolean;
}

const sub = (a: string | null, b: string | null): string | null => (a === null || b === null ? null : fromFixed(toFixed(a) - toFixed(b)));
const num = (v: string | null): number | null => (v === null ? null : Number(v));

/** Calendar-aligned buckets (UTC) covering [from, to), clipped to it. */
export function buckets(from: Date, to: Date, interval: Interval): Bucket[] {
  const start = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  if (interval === Interval.WEEK) start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() + 6) % 7));
  else {
    start.setUTCDate(1);
    if (interval === Interval.QUARTER) start.setUTCMonth(start.getUTCMonth() - (start.getUTCMonth() % 3));
  }
  const out: Bucket[] = [];
  for (let b = start; b < to; ) {
    const next = new Date(b);
    if (interval === Interval.WEEK) next.setUTCDate(next.getUTCDate() + 7);
    else next.setUTCMonth(next.getUTCMonth() + (interval === Interval.QUARTER ? 3 : 1));
    out.push({ from: b < from ? from : b, to: next > to ? to : next });
    if (out.length > MAX_BUCKETS) throw new BadInputError("interval", `at most ${MAX_BUCKETS} buckets: choose a longer interval or a shorter period`);
    b = next;
  }
  return out;
}

/** The stakeholder attributes a metric computed from answers splits by: dimension name → column. */
const LINKED_DIMENSIONS: Record<string, string> = { gender: "gender", age_band: "age_band", region: "region", segment: "segment" };

export class ImpactService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  async org(organizationId: string): Promise<OrgInfo> {
    const id = assertId(organizationId, "organizationId");
    this.sc.access.require(id, ROLES.aggregates);
    const [row] = await this.em.query(`SELECT currency, suppression_threshold, perturbation_maximum FROM organizations WHERE id = $1`, [id]);
    return this.orgInfo(id, row);
  }

  /** The caller's view of an organization from its row (NOT_FOUND when there is none). */
  orgInfo(id: string, row: { currency: string; suppression_threshold: number | null; perturbation_maximum?: number | null } | undefined): OrgInfo {
    const role = this.sc.access.require(id, ROLES.aggregates);
    if (!row) throw new NotFoundError("Organization", "organizationId");
    return {
      id,
      currency: row.currency.trim(),
      k: effectiveThreshold(row.suppression_threshold),
      maximum: effectiveMaximum(row.perturbation_maximum ?? null),
      suppress: role === "FUNDER",
    };
  }

  private async metrics(org: string, where: string, params: unknown[]): Promise<Metric[]> {
    const rows = await this.em.query(`SELECT * FROM metrics m WHERE m.organization_id = $1 AND ${where} ORDER BY m.created_at, m.id`, [org, ...params]);
    return hydrateAll(this.em, Metric, rows);
  }

  /** One metric result, with funders' suppression: counts of people below k, and values computed from fewer than k people. */
  result(metric: Metric, v: MetricValue, org: OrgInfo): MetricResult {
    // Funders: hidden below k, counts of people adjusted by their observations' cell key (metric-suppression.ts).
    const { suppressed, actual, sampleSize } = org.suppress ? funderMetricValue(metric, v, org.k, org.maximum) : { suppressed: false, actual: v.actual, sampleSize: v.sampleSize };
    return {
      metric,
      actual,
      target: v.target,
      baseline: metric.baselineValue === null ? null : fromFixed(toFixed(metric.baselineValue)),
      attainment: suppressed ? null : attainment(num(actual), num(v.target), num(metric.baselineValue), metric.direction),
      // Funders: nothing of a hidden value; for a metric computed from answers the answers are about one a person,
      // so they are shown as its adjusted people (the sample size), not as a true count beside them.
      observations: !org.suppress ? v.observations : suppressed ? 0 : v.fromAnswers ? (sampleSize ?? 0) : v.observations,
      sampleSize,
      derivedFromDimension: v.derivedFromDimension,
      suppressed,
    };
  }

  private compare(metric: Metric, values: MetricValue[], org: OrgInfo): MetricComparison {
    const current = this.result(metric, values[0], org);
    const previous = this.result(metric, values[1], org);
    return {
      metric,
      current,
      previous,
      change: sub(current.actual, previous.actual),
      attainmentChange: current.attainment === null || previous.attainment === null ? null : Math.round((current.attainment - previous.attainment) * 100) / 100,
    };
  }

  /**
   * Sales totals per offering and overall for several periods, in one statement. The whole UTC
   * days of a period [bf, bt) — [e0, e1) — are read from sales_daily (kept on write), its
   * partial first and last days, [bf, e0) and [e1, bt), from the sales themselves.
   */
  async saleTotals(org: OrgInfo, periods: Bucket[]): Promise<{ byOffering: Map<string, SaleTotals>[]; total: SaleTotals[] }> {
    const rows: Record<string, string | null>[] = await this.em.query(
      `WITH p AS (
         SELECT b.i, b.bf, b.bt,
                least(CASE WHEN date_trunc('day', b.bf, 'UTC') = b.bf THEN b.bf ELSE date_trunc('day', b.bf, 'UTC') + interval '1 day' END, b.bt) AS e0
           FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i)
       ), b AS (SELECT p.*, greatest(date_trunc('day', p.bt, 'UTC'), p.e0) AS e1 FROM p),
       parts AS (
         SELECT b.i, d.offering_id, d.sales, d.units, d.amount_minor, d.contribution_minor, d.units_given, d.beneficiaries_funded
           FROM sales_daily d JOIN b ON d.day >= b.e0 AND d.day < b.e1
          WHERE d.organization_id = $1
         UNION ALL
         SELECT b.i, s.offering_id, 1, s.units, s.amount_minor, s.contribution_minor, s.units_given, s.beneficiaries_funded
           FROM sales s JOIN b ON s.occurred_at >= b.bf AND s.occurred_at < b.e0
          WHERE s.organization_id = $1
         UNION ALL
         SELECT b.i, s.offering_id, 1, s.units, s.amount_minor, s.contribution_minor, s.units_given, s.beneficiaries_funded
           FROM sales s JOIN b ON s.occurred_at >= b.e1 AND s.occurred_at < b.bt
          WHERE s.organization_id = $1
       )
       SELECT x.i, x.offering_id, sum(x.sales) AS sales, sum(x.units) AS units, sum(x.amount_minor) AS revenue, sum(x.contribution_minor) AS contribution,
              sum(x.units_given)::text AS units_given, sum(x.beneficiaries_funded)::text AS beneficiaries
         FROM parts x
        GROUP BY GROUPING SETS ((x.i, x.offering_id), (x.i))`,
      [org.id, periods.map((p) => p.from), periods.map((p) => p.to)],
    );
    const make = (r: Record<string, string | null> | undefined): SaleTotals => {
      const exact = r?.beneficiaries ?? "0";
      return {
        sales: Number(r?.sales ?? 0),
        unitsSold: Number(r?.units ?? 0),
        revenue: Money.of(r?.revenue ?? 0, org.currency),
        contribution: Money.of(r?.contribution ?? 0, org.currency),
        unitsGiven: fromFixed(toFixed(r?.units_given ?? "0")),
        beneficiariesFunded: Number(toFixed(exact) / 10000n),
        beneficiariesFundedExact: fromFixed(toFixed(exact)),
      };
    };
    const byOffering = periods.map(() => new Map<string, SaleTotals>());
    const total = periods.map(() => make(undefined));
    for (const r of rows) {
      const i = Number(r.i) - 1;
      if (r.offering_id === null) total[i] = make(r);
      else byOffering[i].set(r.offering_id, make(r));
    }
    return { byOffering, total };
  }

  /** Offerings shown by impactAtSale for [from, to): the active ones and those sold in the period. */
  offeringRows(org: OrgInfo, from: Date, to: Date): Promise<Record<string, unknown>[]> {
    return this.em.query(
      `SELECT o.* FROM offerings o WHERE o.organization_id = $1
          AND (o.active OR EXISTS (SELECT 1 FROM sales s WHERE s.organization_id = $1 AND s.offering_id = o.id AND s.occurred_at >= $2 AND s.occurred_at < $3))
        ORDER BY o.created_at, o.id`,
      [org.id, from, to],
    );
  }

  async impactAtSale(organizationId: string, from: Date, to: Date): Promise<ImpactAtSale> {
    const org = await this.org(organizationId);
    assertPeriod(from, to);
    const [sales, offeringRows, metrics] = await Promise.all([
      this.saleTotals(org, [{ from, to }]),
      this.offeringRows(org, from, to),
      this.metrics(org.id, `m.category = 'SOCIAL' AND m.impact_mode = 'AT_SALE'`, []),
    ]);
    const values = await metricValues(this.em, org.id, metrics, [{ from, to }]);
    return this.atSaleView(org, from, to, sales.total[0], sales.byOffering[0], offeringRows, metrics, values);
  }

  /** impactAtSale from what it needs, loaded (the report loads it together with other periods and views). */
  atSaleView(
    org: OrgInfo,
    from: Date,
    to: Date,
    totals: SaleTotals,
    byOffering: Map<string, SaleTotals>,
    offeringRows: Record<string, unknown>[],
    metrics: Metric[],
    values: Map<string, MetricValue[]>,
    bucket = 0,
  ): ImpactAtSale {
    const offerings: OfferingImpact[] = hydrateAll(this.em, Offering, offeringRows).map((offering) => ({
      offering,
      ...(byOffering.get(offering.id) ?? emptyTotals(org.currency)),
    }));
    return {
      organizationId: org.id,
      from,
      to,
      totals,
      offerings,
      socialMetrics: metrics.map((m) => this.result(m, values.get(m.id)![bucket], org)),
    };
  }

  /**
   * Stakeholders in IN_USE stages per period: entered, in it at the end, left; and distinct
   * people in use. Reads the stays that overlap the periods (stage_stays, kept on write). Per
   * stage, people are counted without DISTINCT: a stakeholder is in at most one stay at a
   * period's end, and enters (leaves) a stage first in the period in the one stay whose
   * previous stay there started (ended) before the period.
   */
  async inUseCounts(org: OrgInfo, periods: Bucket[]): Promise<InUseCounts> {
    // For a funder, with each count's record-key sum (the people's keys, from the stakeholders).
    const keyed = org.suppress;
    const keySum = (name: string, filter: string) => (keyed ? `, sum(st.rk) FILTER (WHERE ${filter}) AS ${name}_keys` : "");
    const rows: Record<string, string | null>[] = await this.em.query(
      `WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i)),
            stays AS NOT MATERIALIZED (
              SELECT y.stakeholder_id, y.stage_id, y.started_at AS started, y.ended_at AS ended,
                     y.previous_started_at AS previous_started, y.previous_ended_at AS previous_ended${keyed ? ", k.record_key AS rk" : ""}
                FROM stage_stays y${keyed ? " JOIN stakeholders k ON k.organization_id = y.organization_id AND k.id = y.stakeholder_id" : ""}
               WHERE y.organization_id = $1 AND y.stage_id IN (SELECT id FROM stages WHERE organization_id = $1 AND impact_mode = 'IN_USE')
                 AND y.ended_at >= (SELECT min(bf) FROM b) AND y.started_at < (SELECT max(bt) FROM b)
            )
       SELECT b.i, st.stage_id,
              count(*) FILTER (WHERE st.started >= b.bf AND (st.previous_started IS NULL OR st.previous_started < b.bf)) AS entered,
              count(*) FILTER (WHERE st.ended >= b.bt) AS active,
              count(*) FILTER (WHERE st.ended < b.bt AND (st.previous_ended IS NULL OR st.previous_ended < b.bf)) AS left_stage,
              NULL AS in_use${keySum("entered", "st.started >= b.bf AND (st.previous_started IS NULL OR st.previous_started < b.bf)")}${keySum("active", "st.ended >= b.bt")}${keySum(
                "left_stage",
                "st.ended < b.bt AND (st.previous_ended IS NULL OR st.previous_ended < b.bf)",
              )}${keyed ? ", NULL AS in_use_keys" : ""}
         FROM stays st JOIN b ON st.started < b.bt AND st.ended >= b.bf
        GROUP BY b.i, st.stage_id
       UNION ALL
       SELECT p.i, NULL, NULL, NULL, NULL, count(*)${keyed ? ", NULL, NULL, NULL, sum(p.rk)" : ""}
         FROM (SELECT DISTINCT b.i, st.stakeholder_id${keyed ? ", st.rk" : ""} FROM stays st JOIN b ON st.started < b.bt AND st.ended > b.bf) p
        GROUP BY p.i`,
      [org.id, periods.map((p) => p.from), periods.map((p) => p.to)],
    );
    const perStage = periods.map(() => new Map<string, { entered: number; active: number; left: number }>());
    const inUse = periods.map(() => 0);
    const keys = keyed ? { perStage: periods.map(() => new Map<string, { entered: string | null; active: string | null; left: string | null }>()), inUse: periods.map((): string | null => null) } : undefined;
    for (const r of rows) {
      const i = Number(r.i) - 1;
      if (r.stage_id === null) inUse[i] = Number(r.in_use);
      else perStage[i].set(r.stage_id, { entered: Number(r.entered), active: Number(r.active), left: Number(r.left_stage) });
      if (keys && r.stage_id === null) keys.inUse[i] = r.in_use_keys;
      else if (keys && r.stage_id !== null) keys.perStage[i].set(r.stage_id, { entered: r.entered_keys, active: r.active_keys, left: r.left_stage_keys });
    }
    return { perStage, inUse, keys };
  }

  /** The IN_USE stages, in the order impactInUse lists them. */
  inUseStageRows(org: OrgInfo): Promise<Record<string, unknown>[]> {
    return this.em.query(`SELECT * FROM stages WHERE organization_id = $1 AND impact_mode = 'IN_USE' ORDER BY kind, position`, [org.id]);
  }

  async impactInUse(organizationId: string, from: Date, to: Date): Promise<ImpactInUse> {
    const org = await this.org(organizationId);
    assertPeriod(from, to);
    const [stageRows, counts, metrics] = await Promise.all([
      this.inUseStageRows(org),
      this.inUseCounts(org, [{ from, to }]),
      this.metrics(org.id, `m.category = 'SOCIAL' AND m.impact_mode = 'IN_USE'`, []),
    ]);
    const values = await metricValues(this.em, org.id, metrics, [{ from, to }]);
    return this.inUseView(org, from, to, stageRows, counts, metrics, values);
  }

  /** impactInUse from what it needs, loaded; `bucket` picks the period among those counted. */
  inUseView(
    org: OrgInfo,
    from: Date,
    to: Date,
    stageRows: Record<string, unknown>[],
    counts: InUseCounts,
    metrics: Metric[],
    values: Map<string, MetricValue[]>,
    bucket = 0,
  ): ImpactInUse {
    const results = new Map(metrics.map((m) => [m.id, this.result(m, values.get(m.id)![bucket], org)]));
    const stages: InUseStage[] = hydrateAll(this.em, Stage, stageRows).map((stage) => {
      const c = counts.perStage[bucket].get(stage.id) ?? { entered: 0, active: 0, left: 0 };
      const suppressed: string[] = [];
      const hide = (field: "entered" | "active" | "left") => {
        if (!org.suppress) return c[field];
        const v = suppressCount(c[field], org.k);
        if (v === null) suppressed.push(field);
        // Shown to a funder: adjusted by its people's keys (decided hidden or not on the true count).
        return v === null ? null : perturb(v, counts.keys?.perStage[bucket].get(stage.id)?.[field] ?? null, org.maximum);
      };
      return {
        stage,
        kind: stage.kind as StakeholderKind,
        entered: hide("entered"),
        active: hide("active"),
        left: hide("left"),
        outcomes: metrics.filter((m) => m.stageId === stage.id).map((m) => results.get(m.id)!),
        suppressed,
      };
    });
    return {
      organizationId: org.id,
      from,
      to,
      suppression: this.suppressionInfo(org),
      stakeholdersInUse: this.people(org, counts.inUse[bucket], counts.keys?.inUse[bucket] ?? null),
      stages,
      socialMetrics: metrics.map((m) => results.get(m.id)!),
    };
  }

  /** A count of people as the caller may see it: for a funder, hidden below k, else adjusted by the sum of its people's record keys. */
  people(org: OrgInfo, n: number, keySum: string | null): number | null {
    if (!org.suppress) return n;
    const v = suppressCount(n, org.k);
    return v === null ? null : perturb(v, keySum, org.maximum);
  }

  /** What an answer says about suppression (and, for a funder, the adjustment of its counts of people). */
  suppressionInfo(org: OrgInfo): SuppressionInfo {
    return org.suppress ? { applied: true, threshold: org.k, perturbationMaximum: org.maximum, note: PERTURBATION_NOTE } : { applied: false, threshold: org.k };
  }

  async doubleBottomLine(organizationId: string, from: Date, to: Date): Promise<DoubleBottomLine> {
    const org = await this.org(organizationId);
    assertPeriod(from, to);
    const previousFrom = new Date(from.getTime() - (to.getTime() - from.getTime()));
    const periods = [
      { from, to },
      { from: previousFrom, to: from },
    ];
    const [sales, inUse, metrics] = await Promise.all([
      this.saleTotals(org, periods),
      this.inUseCounts(org, periods),
      this.metrics(org.id, `true`, []),
    ]);
    const values = await metricValues(this.em, org.id, metrics, periods);
    const [now, before] = sales.total;
    const moneyChange = (a: Money, b: Money): MoneyChange => ({
      current: a,
      previous: b,
      change: Money.of(BigInt(a.amountMinor) - BigInt(b.amountMinor), org.currency),
      changePercent: b.amountMinor === 0 ? null : Math.round(((a.amountMinor - b.amountMinor) / b.amountMinor) * 10000) / 100,
    });
    const decimalChange = (a: string, b: string): DecimalChange => ({ current: a, previous: b, change: sub(a, b) });
    const count = (a: number | null, b: number | null): CountChange => ({ current: a, previous: b, change: a === null || b === null ? null : a - b });
    const people = (i: number) => this.people(org, inUse.inUse[i], inUse.keys?.inUse[i] ?? null);
    const comparisons = (category: MetricCategory) => metrics.filter((m) => m.category === category).map((m) => this.compare(m, values.get(m.id)!, org));
    return {
      organizationId: org.id,
      from,
      to,
      previousFrom,
      previousTo: from,
      suppression: this.suppressionInfo(org),
      business: {
        revenue: moneyChange(now.revenue, before.revenue),
        sales: count(now.sales, before.sales),
        kpis: comparisons(MetricCategory.KPI),
      },
      social: {
        contribution: moneyChange(now.contribution, before.contribution),
        unitsGiven: decimalChange(now.unitsGiven, before.unitsGiven),
        beneficiariesFunded: decimalChange(now.beneficiariesFundedExact, before.beneficiariesFundedExact),
        stakeholdersInUse: count(people(0), people(1)),
        socialMetrics: comparisons(MetricCategory.SOCIAL),
      },
    };
  }

  /** A metric (read by the caller, who checked the role) per calendar bucket, actual against target, optionally split by one dimension. */
  async metricSeries(metric: Metric, from: Date, to: Date, interval: Interval, dimension?: string | null): Promise<MetricSeries> {
    const org = await this.org(metric.organizationId);
    assertPeriod(from, to);
    if (dimension !== null && dimension !== undefined && !DIMENSION_KEY.test(dimension)) throw new BadInputError("dimension", "dimension must be a dimension name, e.g. gender");
    const bs = buckets(from, to, interval);
    // A metric computed from answers splits by its respondents' attributes, not by observations' dimensions.
    const linked = dimension ? (await this.em.query(`SELECT 1 FROM metric_question_links WHERE organization_id = $1 AND metric_id = $2`, [org.id, metric.id])).length > 0 : false;
    const attribute = linked ? LINKED_DIMENSIONS[dimension as string] : undefined;
    if (linked && !attribute) throw new BadInputError("dimension", `a metric computed from answers splits by its respondents' ${Object.keys(LINKED_DIMENSIONS).join(", ")}`);
    const [values, groupRows] = await Promise.all([
      metricValues(this.em, org.id, [metric], bs),
      attribute
        ? this.em.query(linkedGroupsSql(attribute), [org.id, bs.map((b) => b.from), bs.map((b) => b.to), metric.id])
        : dimension
        ? this.em.query(
            `WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i))
             SELECT b.i, o.dimensions ->> $5 AS value, count(*) AS n, sum(o.value)::text AS s, round(avg(o.value), 6)::text AS a,
                    (array_agg(o.value ORDER BY o.period_from DESC, o.created_at DESC, o.id DESC))[1]::text AS latest, sum(o.sample_size) AS sample,
                    sum(o.record_key) AS keys
               FROM observations o JOIN b ON o.period_from >= b.bf AND o.period_from < b.bt
              WHERE o.organization_id = $1 AND o.metric_id = $4 AND o.dimensions ? $5
                AND (SELECT count(*) FROM jsonb_object_keys(o.dimensions)) = 1
              GROUP BY 1, 2 ORDER BY 1, 2`,
            [org.id, bs.map((b) => b.from), bs.map((b) => b.to), metric.id, dimension],
          )
        : Promise.resolve([]),
    ]);
    const pick = (r: { s: string; a: string; latest: string }) =>
      trimDecimal(metric.aggregation === MetricAggregation.SUM ? r.s : metric.aggregation === MetricAggregation.AVERAGE ? r.a : r.latest);
    const points: SeriesPoint[] = bs.map((b, i) => {
      const v = values.get(metric.id)![i];
      const r = this.result(metric, v, org);
      let groups: SeriesGroup[] | null = null;
      if (dimension) {
        const mine = (groupRows as Record<string, string>[]).filter((g) => Number(g.i) === i + 1);
        groups = mine.map((g) => ({ value: g.value, actual: pick(g as never), observations: Number(g.n), suppressed: false }));
        if (org.suppress) this.suppressGroups(metric, groups, mine, v.actual, org, attribute !== undefined);
      }
      return {
        from: b.from,
        to: b.to,
        actual: r.actual,
        target: r.target,
        attainment: r.attainment,
        observations: r.observations,
        derivedFromDimension: r.derivedFromDimension,
        suppressed: r.suppressed,
        groups,
      };
    });
    return {
      metric,
      interval,
      dimension: dimension ?? null,
      groupsAddUp: metric.aggregation === MetricAggregation.SUM,
      suppression: { applied: org.suppress, threshold: org.k },
      points,
    };
  }

  /**
   * Funders: groups counting fewer than k people are hidden, with complementary cells
   * when they add up to the true total; groups averaged over fewer than k people too. The
   * groups shown that count people carry their own cell-key adjustment (the keys of their
   * observations), like the total.
   */
  private suppressGroups(metric: Metric, groups: SeriesGroup[], rows: Record<string, string>[], total: string | null, org: OrgInfo, fromAnswers: boolean): void {
    rows.forEach((row, i) => {
      if (row.sample !== null && row.sample !== undefined && Number(row.sample) < org.k) groups[i].suppressed = true;
    });
    const peopleCounts =
      metric.aggregation === MetricAggregation.SUM && groups.every((g) => countsPeople(metric, g.actual));
    if (peopleCounts) {
      const cells = groups.map((g, i) => ({ key: i, count: Number(g.actual) }));
      const sum = cells.reduce((s, c) => s + c.count, 0);
      const table = suppressTable(cells, total !== null && Number(total) === sum ? sum : null, org.k);
      table.cells.forEach((c, i) => {
        if (c.suppressed) groups[i].suppressed = true;
      });
    }
    groups.forEach((g, i) => {
      if (g.suppressed) {
        g.actual = null;
        g.observations = 0;
      } else {
        if (countsPeople(metric, g.actual)) g.actual = String(perturb(Number(g.actual), rows[i].keys, org.maximum));
        // A group of a metric computed from answers: its answers shown as its adjusted people.
        if (fromAnswers) g.observations = perturb(Number(rows[i].sample), rows[i].keys, org.maximum);
      }
    });
  }
}

function trimDecimal(v: string | null): string | null {
  if (v === null || v === undefined) return null;
  return v.includes(".") ? v.replace(/0+$/, "").replace(/\.$/, "") : v;
}

function emptyTotals(currency: string): SaleTotals {
  return {
    sales: 0,
    unitsSold: 0,
    revenue: Money.of(0, currency),
    contribution: Money.of(0, currency),
    unitsGiven: "0",
    beneficiariesFunded: 0,
    beneficiariesFundedExact: "0",
  };
}

