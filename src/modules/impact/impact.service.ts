import { EntityManager } from "typeorm";
import { Metric } from "../metric/metric.entity";
import { Offering } from "../sales/sales.entity";
import { Stage } from "../lifecycle/stage.entity";
import { attainment } from "./attainment";
import { Bucket, metricValues, MetricValue } from "./metric-values";
import { metricValueSuppressed } from "./metric-suppression";
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
import { Interval, MetricAggregation, MetricCategory, MetricPerspective, MetricUnit, StakeholderKind } from "../../common/enums";
import { Money } from "../../common/scalars";
import { fromFixed, toFixed } from "../../common/decimal";
import { effectiveThreshold, suppressCount, suppressTable } from "../../common/suppression";
import { assertId, assertPeriod } from "../../common/validation";
import { hydrate, hydrateAll } from "../../database/rows";
import type { ServiceContext } from "../../context";

const MAX_BUCKETS = 400;
const DIMENSION_KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/;

export interface OrgInfo {
  id: string;
  currency: string;
  k: number;
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

export class ImpactService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  async org(organizationId: string): Promise<OrgInfo> {
    const id = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(id, ROLES.aggregates);
    const [row] = await this.em.query(`SELECT currency, suppression_threshold FROM organizations WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError("Organization", "organizationId");
    return { id, currency: row.currency.trim(), k: effectiveThreshold(row.suppression_threshold), suppress: role === "FUNDER" };
  }

  private async metrics(org: string, where: string, params: unknown[]): Promise<Metric[]> {
    const rows = await this.em.query(`SELECT * FROM metrics m WHERE m.organization_id = $1 AND ${where} ORDER BY m.created_at, m.id`, [org, ...params]);
    return hydrateAll(this.em, Metric, rows);
  }

  /** One metric result, with funders' suppression: counts of people below k, and values computed from fewer than k people. */
  result(metric: Metric, v: MetricValue, org: OrgInfo): MetricResult {
    const suppressed = org.suppress && metricValueSuppressed(metric, v, org.k);
    const actual = suppressed ? null : v.actual;
    return {
      metric,
      actual,
      target: v.target,
      baseline: metric.baselineValue === null ? null : fromFixed(toFixed(metric.baselineValue)),
      attainment: suppressed ? null : attainment(num(actual), num(v.target), num(metric.baselineValue), metric.direction),
      observations: v.observations,
      sampleSize: v.sampleSize,
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

  /** Sales totals per offering and overall for several periods, in one statement. */
  private async saleTotals(org: OrgInfo, periods: Bucket[]): Promise<{ byOffering: Map<string, SaleTotals>[]; total: SaleTotals[] }> {
    const rows: Record<string, string | null>[] = await this.em.query(
      `WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i))
       SELECT b.i, s.offering_id, count(*) AS sales, sum(s.units) AS units, sum(s.amount_minor) AS revenue, sum(s.contribution_minor) AS contribution,
              sum(s.units_given)::text AS units_given, sum(s.beneficiaries_funded)::text AS beneficiaries
         FROM sales s JOIN b ON s.occurred_at >= b.bf AND s.occurred_at < b.bt
        WHERE s.organization_id = $1
        GROUP BY GROUPING SETS ((b.i, s.offering_id), (b.i))`,
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

  async impactAtSale(organizationId: string, from: Date, to: Date): Promise<ImpactAtSale> {
    const org = await this.org(organizationId);
    assertPeriod(from, to);
    const [sales, offeringRows, metrics] = await Promise.all([
      this.saleTotals(org, [{ from, to }]),
      this.em.query(
        `SELECT o.* FROM offerings o WHERE o.organization_id = $1
            AND (o.active OR EXISTS (SELECT 1 FROM sales s WHERE s.organization_id = o.organization_id AND s.offering_id = o.id AND s.occurred_at >= $2 AND s.occurred_at < $3))
          ORDER BY o.created_at, o.id`,
        [org.id, from, to],
      ),
      this.metrics(org.id, `m.category = 'SOCIAL' AND m.impact_mode = 'AT_SALE'`, []),
    ]);
    const values = await metricValues(this.em, org.id, metrics, [{ from, to }]);
    const offerings: OfferingImpact[] = hydrateAll(this.em, Offering, offeringRows).map((offering) => ({
      offering,
      ...(sales.byOffering[0].get(offering.id) ?? emptyTotals(org.currency)),
    }));
    return {
      organizationId: org.id,
      from,
      to,
      totals: sales.total[0],
      offerings,
      socialMetrics: metrics.map((m) => this.result(m, values.get(m.id)![0], org)),
    };
  }

  /** Stakeholders in IN_USE stages per period: entered, in it at the end, left; and distinct people in use. */
  private async inUseCounts(org: OrgInfo, periods: Bucket[]) {
    const rows: Record<string, string | null>[] = await this.em.query(
      `WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i)),
            use_stages AS (SELECT id FROM stages WHERE organization_id = $1 AND impact_mode = 'IN_USE'),
            stays AS (
              SELECT t.stakeholder_id, t.to_stage_id AS stage_id, t.occurred_at AS started,
                     lead(t.occurred_at) OVER (PARTITION BY t.stakeholder_id ORDER BY t.occurred_at, t.id) AS ended
                FROM stage_transitions t WHERE t.organization_id = $1
            )
       SELECT b.i, st.stage_id,
              count(DISTINCT st.stakeholder_id) FILTER (WHERE st.started >= b.bf AND st.started < b.bt) AS entered,
              count(DISTINCT st.stakeholder_id) FILTER (WHERE st.started < b.bt AND (st.ended IS NULL OR st.ended >= b.bt)) AS active,
              count(DISTINCT st.stakeholder_id) FILTER (WHERE st.ended >= b.bf AND st.ended < b.bt) AS left_stage,
              count(DISTINCT st.stakeholder_id) FILTER (WHERE st.started < b.bt AND (st.ended IS NULL OR st.ended > b.bf)) AS in_use
         FROM stays st JOIN use_stages u ON u.id = st.stage_id CROSS JOIN b
        GROUP BY GROUPING SETS ((b.i, st.stage_id), (b.i))`,
      [org.id, periods.map((p) => p.from), periods.map((p) => p.to)],
    );
    const perStage = periods.map(() => new Map<string, { entered: number; active: number; left: number }>());
    const inUse = periods.map(() => 0);
    for (const r of rows) {
      const i = Number(r.i) - 1;
      if (r.stage_id === null) inUse[i] = Number(r.in_use);
      else perStage[i].set(r.stage_id, { entered: Number(r.entered), active: Number(r.active), left: Number(r.left_stage) });
    }
    return { perStage, inUse };
  }

  async impactInUse(organizationId: string, from: Date, to: Date): Promise<ImpactInUse> {
    const org = await this.org(organizationId);
    assertPeriod(from, to);
    const [stageRows, counts, metrics] = await Promise.all([
      this.em.query(`SELECT * FROM stages WHERE organization_id = $1 AND impact_mode = 'IN_USE' ORDER BY kind, position`, [org.id]),
      this.inUseCounts(org, [{ from, to }]),
      this.metrics(org.id, `m.category = 'SOCIAL' AND m.impact_mode = 'IN_USE'`, []),
    ]);
    const values = await metricValues(this.em, org.id, metrics, [{ from, to }]);
    const results = new Map(metrics.map((m) => [m.id, this.result(m, values.get(m.id)![0], org)]));
    const stages: InUseStage[] = hydrateAll(this.em, Stage, stageRows).map((stage) => {
      const c = counts.perStage[0].get(stage.id) ?? { entered: 0, active: 0, left: 0 };
      const suppressed: string[] = [];
      const hide = (field: "entered" | "active" | "left") => {
        if (!org.suppress) return c[field];
        const v = suppressCount(c[field], org.k);
        if (v === null) suppressed.push(field);
        return v;
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
      suppression: { applied: org.suppress, threshold: org.k },
      stakeholdersInUse: org.suppress ? suppressCount(counts.inUse[0], org.k) : counts.inUse[0],
      stages,
      socialMetrics: metrics.map((m) => results.get(m.id)!),
    };
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
    const people = (n: number) => (org.suppress ? suppressCount(n, org.k) : n);
    const comparisons = (category: MetricCategory) => metrics.filter((m) => m.category === category).map((m) => this.compare(m, values.get(m.id)!, org));
    return {
      organizationId: org.id,
      from,
      to,
      previousFrom,
      previousTo: from,
      suppression: { applied: org.suppress, threshold: org.k },
      business: {
        revenue: moneyChange(now.revenue, before.revenue),
        sales: count(now.sales, before.sales),
        kpis: comparisons(MetricCategory.KPI),
      },
      social: {
        contribution: moneyChange(now.contribution, before.contribution),
        unitsGiven: decimalChange(now.unitsGiven, before.unitsGiven),
        beneficiariesFunded: decimalChange(now.beneficiariesFundedExact, before.beneficiariesFundedExact),
        stakeholdersInUse: count(people(inUse.inUse[0]), people(inUse.inUse[1])),
        socialMetrics: comparisons(MetricCategory.SOCIAL),
      },
    };
  }

  /** A metric per calendar bucket, actual against target, optionally split by one dimension. */
  async metricSeries(metricId: string, from: Date, to: Date, interval: Interval, dimension?: string | null): Promise<MetricSeries> {
    const rows = await this.em.query(`SELECT * FROM metrics WHERE id = $1 AND organization_id = ANY($2::uuid[])`, [assertId(metricId, "metricId"), this.sc.access.organizationIds]);
    if (rows.length === 0) throw new NotFoundError("Metric", "metricId");
    const metric = hydrate(this.em, Metric, rows[0]);
    const org = await this.org(metric.organizationId);
    assertPeriod(from, to);
    if (dimension !== null && dimension !== undefined && !DIMENSION_KEY.test(dimension)) throw new BadInputError("dimension", "dimension must be a dimension name, e.g. gender");
    const bs = buckets(from, to, interval);
    const [values, groupRows] = await Promise.all([
      metricValues(this.em, org.id, [metric], bs),
      dimension
        ? this.em.query(
            `WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i))
             SELECT b.i, o.dimensions ->> $5 AS value, count(*) AS n, sum(o.value)::text AS s, round(avg(o.value), 6)::text AS a,
                    (array_agg(o.value ORDER BY o.period_from DESC, o.created_at DESC, o.id DESC))[1]::text AS latest, sum(o.sample_size) AS sample
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
        if (org.suppress) this.suppressGroups(metric, groups, mine, r.actual, org);
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
   * when they add up to the shown total; groups averaged over fewer than k people too.
   */
  private suppressGroups(metric: Metric, groups: SeriesGroup[], rows: Record<string, string>[], total: string | null, org: OrgInfo): void {
    rows.forEach((row, i) => {
      if (row.sample !== null && row.sample !== undefined && Number(row.sample) < org.k) groups[i].suppressed = true;
    });
    const peopleCounts =
      metric.unit === MetricUnit.COUNT && metric.perspective !== MetricPerspective.ORGANIZATION && metric.aggregation === MetricAggregation.SUM && groups.every((g) => g.actual !== null && /^\d+$/.test(g.actual));
    if (peopleCounts) {
      const cells = groups.map((g, i) => ({ key: i, count: Number(g.actual) }));
      const sum = cells.reduce((s, c) => s + c.count, 0);
      const table = suppressTable(cells, total !== null && Number(total) === sum ? sum : null, org.k);
      table.cells.forEach((c, i) => {
        if (c.suppressed) groups[i].suppressed = true;
      });
    }
    for (const g of groups) if (g.suppressed) g.actual = null;
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

