import { EntityManager } from "typeorm";
import { ROLES } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { Money } from "../../common/scalars";
import { effectiveThreshold, suppressRate, suppressTable } from "../../common/suppression";
import { KeyedCount, PERTURBATION_NOTE, perturber, Perturber } from "../../common/perturbation";
import { MIN_CORRELATION_N, round, wilson } from "../../common/statistics";
import { Interval, StakeholderKind } from "../../common/enums";
import { buckets } from "../impact/impact.service";
import { QoeService } from "../qoe/qoe.service";
import { QoeGroupBy } from "../qoe/qoe.types";
import { kpiCorrelations, npsSeries, touchpointDrivers } from "./value.drivers";
import { assertId, assertPeriod } from "../../common/validation";
import type { ServiceContext } from "../../context";
import {
  BeneficiaryRetention,
  BeneficiaryRetentionGroup,
  CustomerValue,
  CustomerValueGroup,
  DriverOutput,
  DriverPeriod,
  ExperienceDrivers,
  LoopTiming,
  LoopValue,
  LoopValueGroup,
  NpsGroup,
  QoeBand,
  Share,
} from "./value.types";

/**
 * What experience is worth (issue 16): customers' value, beneficiaries' retention to the outcome and
 * the payoff of closing the loop, each by experience. Every view reads as check (arguments, the
 * caller's role), load (one SQL aggregate per view, over the existing indexes) and compute (pure:
 * rates, intervals, lifetime value, funders' suppression and perturbation). The definitions are in
 * docs/dashboards.md ("What experience is worth").
 */

export const DEFAULT_MARGIN_RATE = 0.3;
export const DEFAULT_DISCOUNT_RATE = 0.1;
export const MAX_LAG = 12;

export const CLV_FORMULA =
  "lifetime value per customer = historic revenue per customer (all their sales before `to`) + marginRate × revenue per customer in [from, to) × r / (1 + discountRate − r), r = the group's retention (share not in an exit stage at `to`); the period is the length of [from, to) and the discount rate is per such period";

export const NPS_CLASSES = [NpsGroup.PROMOTER, NpsGroup.PASSIVE, NpsGroup.DETRACTOR, NpsGroup.NOT_ASKED];
export const BANDS = [QoeBand.HIGH, QoeBand.MEDIUM, QoeBand.LOW, QoeBand.NOT_RATED];

/** SQL: the NPS class of an `nps` expression (NULL: never asked). */
const npsClassSql = (nps: string) =>
  `CASE WHEN ${nps} IS NULL THEN 'NOT_ASKED' WHEN ${nps} >= 9 THEN 'PROMOTER' WHEN ${nps} >= 7 THEN 'PASSIVE' ELSE 'DETRACTOR' END`;
/** SQL: the band of a 0..100 `score` expression (NULL: never rated). */
const bandSql = (score: string) => `CASE WHEN ${score} IS NULL THEN 'NOT_RATED' WHEN ${score} >= 70 THEN 'HIGH' WHEN ${score} >= 40 THEN 'MEDIUM' ELSE 'LOW' END`;
/**
 * SQL: the answer of a measure ('NPS': 0–10; 'RATING': the response's mean rating on 0..100) in force for
 * stakeholder `who` just before `before`: their latest one collected before it, read from experience_stays
 * (kept on write, one index-only probe). Null: none.
 */
const latestSql = (measure: "NPS" | "RATING", who: string, before: string) =>
  `(SELECT e.value FROM experience_stays e WHERE e.organization_id = $1 AND e.stakeholder_id = ${who} AND e.measure = '${measure}' AND e.collected_at < ${before}
     ORDER BY e.collected_at DESC, e.response_id DESC LIMIT 1)`;
/** SQL: everybody's answer of a measure in force just before `at`, one row per stakeholder (stakeholder_id, value). */
const inForceSql = (measure: "NPS" | "RATING", at: string) =>
  `SELECT e.stakeholder_id, e.value FROM experience_stays e WHERE e.organization_id = $1 AND e.measure = '${measure}' AND e.until >= ${at} AND e.collected_at < ${at}`;

/** One group's raw figures, as the customer-value aggregate returns them. */
export interface CustomerRow {
  npsClass: string | null;
  band: string | null;
  customers: KeyedCount;
  repeaters: KeyedCount;
  active: KeyedCount;
  purchases: number;
  revenue: bigint;
  historic: bigint;
}

export interface ValueOptions {
  suppress: boolean;
  k: number;
  perturb: Perturber;
  currency: string;
}

/** a / b rounded half up to an integer (b > 0), for money. */
function divRound(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new Error("divide by a positive count");
  const neg = a < 0n;
  const q = ((neg ? -a : a) * 2n + b) / (2n * b);
  return neg ? -q : q;
}

/** A share with its Wilson interval, from counts as shown. */
export function share(count: number, of: number): Share {
  const s = new Share();
  const c = Math.max(0, Math.min(count, of));
  s.count = count;
  s.of = of;
  const w = wilson(c, of);
  s.value = of > 0 ? round(c / of) : null;
  s.low = w ? round(w.low) : null;
  s.high = w ? round(w.high) : null;
  return s;
}

/** The share a funder may see: hidden when the rate on true counts is (suppressRate), else from perturbed counts. */
function shareFor(num: KeyedCount, den: KeyedCount, o: ValueOptions, denShown: number): Share | null {
  if (o.suppress && suppressRate(num.count, den.count, o.k) === null) return null;
  return share(o.perturb.count(num), denShown);
}

/** Computes one customer group's figures (null figures when hidden). */
export function customerGroup(row: CustomerRow, hidden: boolean, margin: number, discount: number, o: ValueOptions): CustomerValueGroup {
  const g = new CustomerValueGroup();
  g.npsClass = (row.npsClass as NpsGroup | null) ?? null;
  g.qoeBand = (row.band as QoeBand | null) ?? null;
  g.suppressed = hidden;
  const nulls = () => {
    g.customers = g.purchases = g.purchasesPerCustomer = null;
    g.revenue = g.averageOrderValue = g.revenuePerCustomer = g.historicRevenuePerCustomer = g.projectedValuePerCustomer = g.lifetimeValue = null;
    g.repeatPurchase = g.retention = null;
  };
  nulls();
  if (hidden) return g;
  const n = o.perturb.count(row.customers);
  g.customers = n;
  g.revenue = Money.of(row.revenue, o.currency);
  g.purchases = row.purchases;
  if (n === 0) return g;
  const N = BigInt(n);
  g.purchasesPerCustomer = round(row.purchases / n);
  g.repeatPurchase = shareFor(row.repeaters, row.customers, o, n);
  g.retention = shareFor(row.active, row.customers, o, n);
  g.averageOrderValue = row.purchases > 0 ? Money.of(divRound(row.revenue, BigInt(row.purchases)), o.currency) : null;
  g.revenuePerCustomer = Money.of(divRound(row.revenue, N), o.currency);
  g.historicRevenuePerCustomer = Money.of(divRound(row.historic, N), o.currency);
  if (g.retention && g.retention.value !== null) {
    const r = Math.min(1, o.perturb.count(row.active) / n);
    // In exact arithmetic on the unrounded figures, rounded half up to the minor unit once.
    const perCustomer = Number(row.revenue) / n;
    const projected = (margin * perCustomer * r) / (1 + discount - r);
    const historic = Number(row.historic) / n;
    g.projectedValuePerCustomer = Money.of(Math.round(projected), o.currency);
    g.lifetimeValue = Money.of(Math.round(historic + projected), o.currency);
  }
  return g;
}

/** Suppression of one partition of the population (cells add up to the total), by key. */
function hiddenKeys(rows: { key: string; count: number }[], total: number, o: ValueOptions): Set<string> {
  if (!o.suppress) return new Set();
  const t = suppressTable(
    rows.map((r) => ({ key: r.key, count: r.count })),
    total,
    o.k,
  );
  return new Set(t.cells.filter((c) => c.suppressed).map((c) => c.key));
}

const keyed = (count: unknown, keySum: unknown): KeyedCount => ({ count: Number(count ?? 0), keySum: (keySum as string | null) ?? null });

export class ValueService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  /** Check: the caller's role (FIELD_PARTNER: FORBIDDEN), the period, the organization's settings. */
  private async check(organizationId: string, from: Date, to: Date): Promise<{ org: string; o: ValueOptions }> {
    const org = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(org, ROLES.aggregates);
    assertPeriod(from, to);
    const [row] = await this.em.query(`SELECT currency, suppression_threshold, perturbation_maximum FROM organizations WHERE id = $1`, [org]);
    if (!row) throw new NotFoundError("Organization", "organizationId");
    const suppress = role === "FUNDER";
    return { org, o: { suppress, k: effectiveThreshold(row.suppression_threshold), perturb: perturber(suppress, row.perturbation_maximum), currency: String(row.currency).trim() } };
  }

  /** Stage ids of a lifecycle kind, checked to be the organization's: NOT_FOUND on `field` otherwise. */
  private async stagesOf(org: string, kind: "CUSTOMER" | "BENEFICIARY", ids: string[], field: string): Promise<{ id: string; name: string }[]> {
    const clean = ids.map((id) => assertId(id, field));
    const rows: { id: string; name: string }[] = await this.em.query(
      `SELECT id, name FROM stages WHERE organization_id = $1 AND kind = $2 AND id = ANY($3::uuid[])`,
      [org, kind, clean],
    );
    if (rows.length !== new Set(clean).size) throw new NotFoundError(`${kind === "CUSTOMER" ? "Customer" : "Beneficiary"} lifecycle stage`, field);
    return clean.map((id) => rows.find((r) => r.id === id)!);
  }

  /** The stages of a lifecycle kind, in order. */
  private async lifecycle(org: string, kind: "CUSTOMER" | "BENEFICIARY"): Promise<{ id: string; name: string }[]> {
    return this.em.query(`SELECT id, name FROM stages WHERE organization_id = $1 AND kind = $2 ORDER BY position`, [org, kind]);
  }

  async customerValue(
    organizationId: string,
    from: Date,
    to: Date,
    marginRate = DEFAULT_MARGIN_RATE,
    discountRate = DEFAULT_DISCOUNT_RATE,
    exitStageIds?: string[] | null,
  ): Promise<CustomerValue> {
    const { org, o } = await this.check(organizationId, from, to);
    if (!Number.isFinite(marginRate) || marginRate < 0 || marginRate > 1) throw new BadInputError("marginRate", "marginRate must be between 0 and 1");
    // At least 0.0001: with a retention of 1, the projection divides by the discount rate (1 + d − 1 = d), and a rate
    // too small for floating point (1e-17) made that 0.
    if (!Number.isFinite(discountRate) || discountRate < 0.0001 || discountRate > 1) throw new BadInputError("discountRate", "discountRate must be at least 0.0001 and at most 1");
    let exits: string[];
    if (exitStageIds && exitStageIds.length > 0) {
      if (exitStageIds.length > 20) throw new BadInputError("exitStageIds", "at most 20 exit stages");
      exits = (await this.stagesOf(org, "CUSTOMER", exitStageIds, "exitStageIds")).map((s) => s.id);
    } else {
      const stages = await this.lifecycle(org, "CUSTOMER");
      exits = stages.length ? [stages[stages.length - 1].id] : [];
    }

    // Load: one aggregate. Per customer with a purchase before `to`: purchases and revenue in the
    // period, revenue before `to`, NPS class and QoE band before `to` (experience_stays: the answers
    // in force at `to`), in an exit stage at `to` (stage_stays); then per group.
    const rows: any[] = await this.em.query(
      `WITH c AS (
         SELECT s.customer_id AS id,
                count(*) FILTER (WHERE s.occurred_at >= $2)::int AS purchases,
                coalesce(sum(s.amount_minor) FILTER (WHERE s.occurred_at >= $2), 0)::bigint AS revenue,
                sum(s.amount_minor)::bigint AS historic
           FROM sales s
          WHERE s.organization_id = $1 AND s.customer_id IS NOT NULL AND s.occurred_at < $3
          GROUP BY s.customer_id
       ), nps AS (${inForceSql("NPS", "$3")}
       ), rating AS (${inForceSql("RATING", "$3")}
       ), exited AS (
         -- In an exit stage at the end: the stay that started before it and had not ended.
         SELECT y.stakeholder_id FROM stage_stays y WHERE y.organization_id = $1 AND y.stage_id = ANY($4::uuid[]) AND y.ended_at >= $3 AND y.started_at < $3
       ), x AS (
         SELECT c.*, k.record_key, ${npsClassSql("n.value")} AS nps_class, ${bandSql("g.value")} AS band, e.stakeholder_id IS NULL AS active
           FROM c JOIN stakeholders k ON k.organization_id = $1 AND k.id = c.id AND k.kind = 'CUSTOMER'
           LEFT JOIN nps n ON n.stakeholder_id = c.id
           LEFT JOIN rating g ON g.stakeholder_id = c.id
           LEFT JOIN exited e ON e.stakeholder_id = c.id
       )
       SELECT nps_class, band, grouping(nps_class) AS g_nps, grouping(band) AS g_band,
              count(*)::int AS n, sum(record_key)::text AS n_key,
              count(*) FILTER (WHERE purchases >= 2)::int AS repeaters, sum(record_key) FILTER (WHERE purchases >= 2)::text AS repeaters_key,
              count(*) FILTER (WHERE active)::int AS active, sum(record_key) FILTER (WHERE active)::text AS active_key,
              sum(purchases)::int AS purchases, sum(revenue)::text AS revenue, sum(historic)::text AS historic
         FROM x
        GROUP BY GROUPING SETS ((nps_class), (band), ())`,
      [org, from, to, exits],
    );

    // Compute.
    const toRow = (r: any, npsClass: string | null, band: string | null): CustomerRow => ({
      npsClass,
      band,
      customers: keyed(r?.n, r?.n_key),
      repeaters: keyed(r?.repeaters, r?.repeaters_key),
      active: keyed(r?.active, r?.active_key),
      purchases: Number(r?.purchases ?? 0),
      revenue: BigInt(r?.revenue ?? 0),
      historic: BigInt(r?.historic ?? 0),
    });
    const totalRaw = rows.find((r) => r.g_nps === 1 && r.g_band === 1);
    const total = toRow(totalRaw, null, null);
    const byNps = NPS_CLASSES.map((c) => toRow(rows.find((r) => r.g_nps === 0 && r.nps_class === c), c, null));
    const byBand = BANDS.map((b) => toRow(rows.find((r) => r.g_band === 0 && r.band === b), null, b));
    const totalHidden = o.suppress && total.customers.count > 0 && total.customers.count < o.k;
    const hiddenNps = hiddenKeys(byNps.map((r) => ({ key: r.npsClass!, count: r.customers.count })), total.customers.count, o);
    const hiddenBand = hiddenKeys(byBand.map((r) => ({ key: r.band!, count: r.customers.count })), total.customers.count, o);

    const out = new CustomerValue();
    out.from = from;
    out.to = to;
    out.marginRate = marginRate;
    out.discountRate = discountRate;
    out.formula = CLV_FORMULA;
    out.total = customerGroup(total, totalHidden, marginRate, discountRate, o);
    out.byNpsClass = byNps.map((r) => customerGroup(r, hiddenNps.has(r.npsClass!), marginRate, discountRate, o));
    out.byQoeBand = byBand.map((r) => customerGroup(r, hiddenBand.has(r.band!), marginRate, discountRate, o));
    const prom = out.byNpsClass[0];
    const det = out.byNpsClass[2];
    out.revenueAtRisk = null;
    if (prom.retention?.value != null && det.retention?.value != null && det.revenue) {
      // With the unrounded retentions (counts as shown), rounded half up to the minor unit once.
      const rp = prom.retention.count! / prom.retention.of!;
      const rd = det.retention.count! / det.retention.of!;
      out.revenueAtRisk = Money.of(Math.round(Number(byNps[2].revenue) * (rp - rd)), o.currency);
    }
    out.notes = [
      `Exit stages: ${exitStageIds?.length ? "as given" : "the customer lifecycle's last stage"}; a customer who never moved stage counts as active.`,
      ...(o.suppress ? [PERTURBATION_NOTE, "Money per customer divides the true sum by the adjusted count."] : []),
    ];
    return out;
  }

  async beneficiaryRetention(organizationId: string, from: Date, to: Date, outcomeStageId?: string | null, exitStageId?: string | null): Promise<BeneficiaryRetention> {
    const { org, o } = await this.check(organizationId, from, to);
    const stages = await this.lifecycle(org, "BENEFICIARY");
    const outcome = outcomeStageId ? (await this.stagesOf(org, "BENEFICIARY", [outcomeStageId], "outcomeStageId"))[0] : stages[stages.length - 2];
    const exit = exitStageId ? (await this.stagesOf(org, "BENEFICIARY", [exitStageId], "exitStageId"))[0] : stages[stages.length - 1];
    if (!outcome || !exit) throw new BadInputError("outcomeStageId", "the beneficiary lifecycle needs an outcome stage and an exit stage");
    // Blamed on the stage the caller gave (the other is the lifecycle's default).
    if (outcome.id === exit.id) throw new BadInputError(exitStageId ? "exitStageId" : "outcomeStageId", "the exit stage must differ from the outcome stage");

    // Load: per beneficiary, the first move into the outcome stage and the first into the exit stage
    // before `to`; decided = reached the outcome (first, or with no exit before it) or exited before it;
    // kept when that decision came in [from, to); experience at the latest answer before it.
    const rows: any[] = await this.em.query(
      `WITH t AS (
         SELECT t.stakeholder_id AS id,
                min(t.occurred_at) FILTER (WHERE t.to_stage_id = $4) AS outcome_at,
                min(t.occurred_at) FILTER (WHERE t.to_stage_id = $5) AS exit_at
           FROM stage_transitions t
          WHERE t.organization_id = $1 AND t.kind = 'BENEFICIARY' AND t.to_stage_id IN ($4, $5) AND t.occurred_at < $3
          GROUP BY t.stakeholder_id
       ), d AS (
         SELECT id, (outcome_at IS NOT NULL AND (exit_at IS NULL OR outcome_at <= exit_at)) AS reached,
                CASE WHEN outcome_at IS NOT NULL AND (exit_at IS NULL OR outcome_at <= exit_at) THEN outcome_at ELSE exit_at END AS decided_at
           FROM t
       ), y AS MATERIALIZED (
         SELECT d.reached, k.record_key, ${latestSql("NPS", "d.id", "d.decided_at")} AS nps, ${latestSql("RATING", "d.id", "d.decided_at")} AS score
           FROM d JOIN stakeholders k ON k.organization_id = $1 AND k.id = d.id
          WHERE d.decided_at >= $2
       ), x AS (
         SELECT y.*, ${npsClassSql("y.nps")} AS nps_class, ${bandSql("y.score")} AS band FROM y
       )
       SELECT nps_class, band, grouping(nps_class) AS g_nps, grouping(band) AS g_band,
              count(*)::int AS n, sum(record_key)::text AS n_key,
              count(*) FILTER (WHERE reached)::int AS reached, sum(record_key) FILTER (WHERE reached)::text AS reached_key,
              count(*) FILTER (WHERE NOT reached)::int AS exited, sum(record_key) FILTER (WHERE NOT reached)::text AS exited_key
         FROM x
        GROUP BY GROUPING SETS ((nps_class), (band), ())`,
      [org, from, to, outcome.id, exit.id],
    );

    const group = (r: any, npsClass: NpsGroup | null, band: QoeBand | null, hidden: boolean): BeneficiaryRetentionGroup => {
      const g = new BeneficiaryRetentionGroup();
      g.npsClass = npsClass;
      g.ratingBand = band;
      g.suppressed = hidden;
      g.beneficiaries = null;
      g.reachedOutcome = g.exitedBeforeOutcome = null;
      if (hidden) return g;
      const n = keyed(r?.n, r?.n_key);
      const shown = o.perturb.count(n);
      g.beneficiaries = shown;
      if (shown > 0) {
        g.reachedOutcome = shareFor(keyed(r?.reached, r?.reached_key), n, o, shown);
        g.exitedBeforeOutcome = shareFor(keyed(r?.exited, r?.exited_key), n, o, shown);
      }
      return g;
    };
    const totalRaw = rows.find((r) => r.g_nps === 1 && r.g_band === 1);
    const totalN = Number(totalRaw?.n ?? 0);
    const npsRaw = NPS_CLASSES.map((c) => rows.find((r) => r.g_nps === 0 && r.nps_class === c));
    const bandRaw = BANDS.map((b) => rows.find((r) => r.g_band === 0 && r.band === b));
    const hiddenNps = hiddenKeys(npsRaw.map((r, i) => ({ key: NPS_CLASSES[i], count: Number(r?.n ?? 0) })), totalN, o);
    const hiddenBand = hiddenKeys(bandRaw.map((r, i) => ({ key: BANDS[i], count: Number(r?.n ?? 0) })), totalN, o);

    const out = new BeneficiaryRetention();
    out.from = from;
    out.to = to;
    out.outcomeStageName = outcome.name;
    out.exitStageName = exit.name;
    out.total = group(totalRaw, null, null, o.suppress && totalN > 0 && totalN < o.k);
    out.byNpsClass = npsRaw.map((r, i) => group(r, NPS_CLASSES[i], null, hiddenNps.has(NPS_CLASSES[i])));
    out.byRatingBand = bandRaw.map((r, i) => group(r, null, BANDS[i], hiddenBand.has(BANDS[i])));
    out.notes = [
      `Outcome stage: ${outcome.name}; exit stage: ${exit.name}. Experience at the latest answer before reaching the outcome or exiting.`,
      ...(o.suppress ? [PERTURBATION_NOTE] : []),
    ];
    return out;
  }

  async experienceDrivers(organizationId: string, from: Date, to: Date, interval: Interval, lag = 0, audience: StakeholderKind = StakeholderKind.CUSTOMER): Promise<ExperienceDrivers> {
    const { org, o } = await this.check(organizationId, from, to);
    if (!Number.isInteger(lag) || lag < 0 || lag > MAX_LAG) throw new BadInputError("lag", `lag must be a whole number of periods from 0 to ${MAX_LAG}`);
    const bs = buckets(from, to, interval);
    if (lag >= bs.length) throw new BadInputError("lag", `lag must be below the number of periods (${bs.length})`);
    // Funders see no per-period figure, only correlations: those are computed from the true NPS and QoE of the
    // periods in which at least k people answered (the others left out), not from figures adjusted per period.
    const nps = await npsSeries(this.em, org, audience, bs, o.suppress);
    const qoe = await new QoeService(this.sc).compute(org, from, to, QoeGroupBy.PERIOD, interval, null, "rollup", "true, for a derived figure");
    const qoeGroups = bs.map((b) => qoe.groups.find((g) => g.from && g.from.getTime() === b.from.getTime()));
    const qoeSeries = qoeGroups.map((g) => (g && (!o.suppress || (g.people ?? 0) >= o.k) ? g.score ?? null : null));
    const npsValues = nps.map((x) => (!o.suppress || x.people >= o.k ? x.nps : null));
    const outputs = { [DriverOutput.NPS]: npsValues, [DriverOutput.QOE]: qoeSeries };
    const out = new ExperienceDrivers();
    out.from = from;
    out.to = to;
    out.interval = interval;
    out.lag = lag;
    out.minimumPeriods = MIN_CORRELATION_N;
    out.periods = o.suppress
      ? []
      : bs.map((b, i) => Object.assign(new DriverPeriod(), { from: b.from, to: b.to, nps: nps[i].nps, npsAnswers: nps[i].n, qoe: qoeSeries[i] }));
    out.correlations = await kpiCorrelations(this.em, org, bs, outputs, lag);
    out.touchpoints = await touchpointDrivers(this.em, org, audience, from, to, {
      funder: o.suppress,
      minimumFloor: o.suppress ? o.k : 0,
      perturb: (count, keySum) => o.perturb.count({ count, keySum }),
    });
    out.notes = [
      `A correlation needs ${MIN_CORRELATION_N} pairs of periods; below that it is "not enough data" (enoughData false, no number). Lag k: the KPI of period t against the output of period t + k.`,
      "Intervals: Fisher's z, 95 %; for Spearman the same standard error (an approximation).",
      ...(o.suppress
        ? [
            "Funders see no per-period series; a correlation takes the periods in which at least the organization's threshold of people answered; touchpoint importance needs at least the threshold of respondents.",
            PERTURBATION_NOTE,
          ]
        : []),
    ];
    return out;
  }

  async loopValue(organizationId: string, from: Date, to: Date): Promise<LoopValue> {
    const { org, o } = await this.check(organizationId, from, to);
    // Load: per customer, their first detractor answer in [from, to) with an action due before `to`
    // (a case; a person counts once); on time when any of its actions had its loop closed by its due
    // date. Follow-ups: the same customer's next NPS answer after it (the one that ends the answer's
    // time in force in experience_stays, the first by id among answers at that instant) and any
    // purchase after it, both before `to`. Set-based: the period's NPS answers are read once.
    const rows: any[] = await this.em.query(
      `WITH e AS MATERIALIZED (
         -- The period's NPS answers of customers (index only): the cases and their next answers come from them.
         SELECT e.response_id, e.stakeholder_id, e.collected_at, e.until, e.value
           FROM experience_stays e
          WHERE e.organization_id = $1 AND e.kind = 'CUSTOMER' AND e.measure = 'NPS' AND e.collected_at >= $2 AND e.collected_at < $3
       ), cases AS (
         SELECT d.response_id, d.stakeholder_id, d.collected_at, d.until, bool_or(a.loop_closed_at IS NOT NULL AND a.loop_closed_at <= a.due_at) AS on_time
           FROM e d JOIN actions a ON a.organization_id = $1 AND a.response_id = d.response_id AND a.due_at < $3
          WHERE d.value <= 6
          GROUP BY d.response_id, d.stakeholder_id, d.collected_at, d.until
       ), c AS (
         SELECT DISTINCT ON (stakeholder_id) * FROM cases ORDER BY stakeholder_id, collected_at, response_id
       ), nxt AS (
         -- The answer after a case is the one at the instant its time in force ends (its until), the first by id.
         SELECT DISTINCT ON (c.response_id) c.response_id, n.value AS next_nps
           FROM c JOIN e n ON n.stakeholder_id = c.stakeholder_id AND n.collected_at = c.until
          WHERE n.collected_at > c.collected_at OR n.response_id > c.response_id
          ORDER BY c.response_id, n.response_id
       ), bought AS (
         SELECT s.customer_id, max(s.occurred_at) AS last_at FROM sales s
          WHERE s.organization_id = $1 AND s.customer_id IS NOT NULL AND s.occurred_at >= $2 AND s.occurred_at < $3 GROUP BY s.customer_id
       ), x AS (
         SELECT c.on_time, k.record_key, nxt.next_nps, coalesce(b.last_at > c.collected_at, false) AS bought
           FROM c JOIN stakeholders k ON k.organization_id = $1 AND k.id = c.stakeholder_id
           LEFT JOIN nxt ON nxt.response_id = c.response_id
           LEFT JOIN bought b ON b.customer_id = c.stakeholder_id
       )
       SELECT on_time, count(*)::int AS n, sum(record_key)::text AS n_key,
              count(next_nps)::int AS again, sum(record_key) FILTER (WHERE next_nps IS NOT NULL)::text AS again_key,
              count(*) FILTER (WHERE next_nps >= 9)::int AS p, sum(record_key) FILTER (WHERE next_nps >= 9)::text AS p_key,
              count(*) FILTER (WHERE next_nps BETWEEN 7 AND 8)::int AS m, sum(record_key) FILTER (WHERE next_nps BETWEEN 7 AND 8)::text AS m_key,
              count(*) FILTER (WHERE next_nps <= 6)::int AS d, sum(record_key) FILTER (WHERE next_nps <= 6)::text AS d_key,
              count(*) FILTER (WHERE bought)::int AS bought, sum(record_key) FILTER (WHERE bought)::text AS bought_key
         FROM x GROUP BY on_time`,
      [org, from, to],
    );
    const raw = [LoopTiming.ON_TIME, LoopTiming.NOT_ON_TIME].map((t) => ({ t, r: rows.find((r) => r.on_time === (t === LoopTiming.ON_TIME)) }));
    const total = raw.reduce((s, x) => s + Number(x.r?.n ?? 0), 0);
    const hidden = hiddenKeys(raw.map((x) => ({ key: x.t, count: Number(x.r?.n ?? 0) })), total, o);
    const out = new LoopValue();
    out.from = from;
    out.to = to;
    out.groups = raw.map(({ t, r }) => {
      const g = new LoopValueGroup();
      g.loop = t;
      g.suppressed = hidden.has(t);
      g.detractors = null;
      g.answeredAgain = g.nextPromoter = g.nextPassive = g.nextDetractor = g.repurchase = null;
      g.nextNps = null;
      if (g.suppressed) return g;
      const n = keyed(r?.n, r?.n_key);
      const shown = o.perturb.count(n);
      g.detractors = shown;
      if (shown === 0) return g;
      const again = keyed(r?.again, r?.again_key);
      g.answeredAgain = shareFor(again, n, o, shown);
      g.repurchase = shareFor(keyed(r?.bought, r?.bought_key), n, o, shown);
      const againShown = g.answeredAgain ? o.perturb.count(again) : 0;
      if (againShown > 0 && (!o.suppress || againShown >= o.k)) {
        g.nextPromoter = shareFor(keyed(r?.p, r?.p_key), again, o, againShown);
        g.nextPassive = shareFor(keyed(r?.m, r?.m_key), again, o, againShown);
        g.nextDetractor = shareFor(keyed(r?.d, r?.d_key), again, o, againShown);
        if (g.nextPromoter && g.nextDetractor) g.nextNps = round(((g.nextPromoter.count! - g.nextDetractor.count!) / againShown) * 100, 1);
      }
      return g;
    });
    out.notes = [
      "A case is a customer's first detractor answer (0–6) in [from, to) with a follow-up action due before `to` (each customer counts once); ON_TIME when an action's loop was closed by its due date.",
      ...(o.suppress ? [PERTURBATION_NOTE] : []),
    ];
    return out;
  }
}
