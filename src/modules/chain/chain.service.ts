import { EntityManager } from "typeorm";
import { ROLES } from "../../common/access";
import { NotFoundError } from "../../common/errors";
import { effectiveMaximum, PERTURBATION_NOTE } from "../../common/perturbation";
import { effectiveThreshold } from "../../common/suppression";
import { assertId, assertPeriod } from "../../common/validation";
import { deliveryStatus, fundedVsDeliveredRows } from "../delivery/delivery.funded";
import type { ServiceContext } from "../../context";
import { buildChain, ExperienceRow, KeyedPeople, PeopleView } from "./chain.steps";
import { CHAIN_ANSWERED_SQL, CHAIN_EXPERIENCE_SQL, CHAIN_PEOPLE_SQL, OUTCOME_METRICS_SQL, CHAIN_REVENUE_SQL, TRACE_ALLOCATIONS_MAX, TRACE_ALLOCATIONS_SQL, TRACE_PEOPLE_SQL } from "./chain.sql";
import { ImpactChain, SaleTrace } from "./chain.types";
import { distanceRows } from "../outcome/outcome.service";
import { DistanceRow } from "../outcome/outcome.sql";
import { fromFixed } from "../../common/decimal";
import { hydrate, hydrateAll } from "../../database/rows";
import { Sale } from "../sales/sales.entity";
import { Programme } from "../programme/programme.entity";
import { Delivery } from "../delivery/delivery.entity";

const NOBODY: KeyedPeople = { people: 0, keys: "0" };

/**
 * The impact chain: from the money of the sales that fund a programme to the outcome of the people
 * it reached, per programme (src/modules/chain/chain.steps.ts says how each step is taken). Admins,
 * staff and funders (suppressed and adjusted); not field partners.
 */
export class ChainService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  async impactChain(organizationId: string, programmeId: string | null | undefined, from: Date, to: Date): Promise<ImpactChain> {
    // Check.
    const org = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(org, ROLES.aggregates);
    assertPeriod(from, to);
    const programme = programmeId === null || programmeId === undefined ? null : assertId(programmeId, "programmeId");

    // Load: the organization's settings, then every figure in six statements whatever the number of programmes, and one per programme with people who gave feedback for the outcomes.
    const [orgRow] = await this.em.query(`SELECT currency, suppression_threshold, perturbation_maximum FROM organizations WHERE id = $1`, [org]);
    if (!orgRow) throw new NotFoundError("Organization", "organizationId");
    const params = [org, programme, from, to];
    const [rows, revenueRows, peopleRows, experienceRows, answeredRows, outcomeMetricRows] = await Promise.all([
      fundedVsDeliveredRows(this.em, org, programme, from, to),
      this.em.query(CHAIN_REVENUE_SQL, params) as Promise<{ pid: string; revenue: string }[]>,
      this.em.query(CHAIN_PEOPLE_SQL, params) as Promise<{ pid: string; step: string; people: number; keys: string }[]>,
      this.em.query(CHAIN_EXPERIENCE_SQL, params) as Promise<(ExperienceRow & { pid: string })[]>,
      this.em.query(CHAIN_ANSWERED_SQL, params) as Promise<{ pid: string; sid: string }[]>,
      this.em.query(OUTCOME_METRICS_SQL, [org]) as Promise<{ id: string; name: string }[]>,
    ]);
    if (programme && rows.length === 0) throw new NotFoundError("Programme", "programmeId");
    // Distance travelled of each programme's people with feedback, on every outcome metric, from all their answers before `to`.
    const answeredBy = new Map<string, string[]>();
    for (const r of answeredRows) answeredBy.set(r.pid, [...(answeredBy.get(r.pid) ?? []), r.sid]);
    const outcomeIds = outcomeMetricRows.map((m) => m.id);
    const distances = new Map<string, Map<string, DistanceRow>>();
    for (const [pid, sids] of answeredBy) {
      if (outcomeIds.length) distances.set(pid, await distanceRows(this.em, org, outcomeIds, null, to, { sql: "r.stakeholder_id = ANY($5::uuid[])", params: [sids] }));
    }

    // Compute.
    const currency = String(orgRow.currency).trim();
    const view: PeopleView = { applied: role === "FUNDER", k: effectiveThreshold(orgRow.suppression_threshold), maximum: effectiveMaximum(orgRow.perturbation_maximum) };
    const revenue = new Map(revenueRows.map((r) => [r.pid, BigInt(r.revenue)]));
    const people = new Map(peopleRows.map((r) => [`${r.pid}:${r.step}`, { people: r.people, keys: r.keys }]));
    const experience = new Map(experienceRows.map((r) => [r.pid, r]));
    const chains = rows.map(({ programme: p, row }) =>
      buildChain(
        {
          programme: p,
          currency,
          revenueMinor: revenue.get(p.id) ?? 0n,
          delivery: deliveryStatus(p, row, currency, view.applied, view.k, view.maximum),
          inUse: people.get(`${p.id}:in_use`) ?? NOBODY,
          answered: people.get(`${p.id}:answered`) ?? NOBODY,
          experience: experience.get(p.id) ?? null,
          outcomes: outcomeMetricRows.map((m) => {
            const d = distances.get(p.id)?.get(m.id);
            return { metricId: m.id, name: m.name, measured: { people: d?.measured ?? 0, keys: d?.measured_keys ?? "0" }, improved: { people: d?.improved ?? 0, keys: d?.improved_keys ?? "0" } };
          }),
        },
        view,
      ),
    );
    return {
      organizationId: org,
      from,
      to,
      chains,
      suppression: view.applied ? { applied: true, threshold: view.k, perturbationMaximum: view.maximum, note: PERTURBATION_NOTE } : { applied: false, threshold: view.k },
    };
  }

  /**
   * One sale traced to what its contribution became (admins and staff: a sale is one transaction,
   * not an aggregate). Check: the id. Load: the sale and its offering's programme, then its
   * allocations, then its deliveries and what became of their people. Compute: units and people.
   */
  async traceSale(saleId: string): Promise<SaleTrace> {
    const org = this.sc.ids.organizationOf(saleId, "Sale", "saleId");
    const [row] = await this.em.query(
      `SELECT x.*, o.programme_id AS __programme FROM sales x JOIN offerings o ON o.organization_id = x.organization_id AND o.id = x.offering_id
        WHERE x.organization_id = $1 AND x.id = $2`,
      [org, saleId],
    );
    if (!row) throw new NotFoundError("Sale", "saleId");
    this.sc.access.require(org, ROLES.staff, "saleId");
    const sale = hydrate(this.em, Sale, row);
    const programmeId: string | null = row.__programme;
    const unitsFunded = fromFixed(BigInt(Math.round(Number(sale.unitsGiven) * 10000)));
    const nobody = { reachedByName: 0, atSites: "0", inUseNow: 0, gaveFeedback: 0, nps: null, outcomes: [] };
    if (programmeId === null) return { sale, programme: null, unitsFunded, unitsDelivered: "0", unitsWaiting: unitsFunded, allocations: [], allocationsTruncated: false, people: nobody };

    const [programmeRows, allocated] = await Promise.all([
      this.em.query(`SELECT * FROM programmes WHERE organization_id = $1 AND id = $2`, [org, programmeId]),
      this.em.query(TRACE_ALLOCATIONS_SQL, [org, programmeId, saleId]) as Promise<{ me_u: string; me_delivered: string; delivery_id: string | null; units: string; days: number; people: string }[]>,
    ]);
    const programme = hydrate(this.em, Programme, programmeRows[0]);
    const listed = allocated.filter((a) => a.delivery_id !== null).slice(0, TRACE_ALLOCATIONS_MAX);
    const ids = listed.map((a) => a.delivery_id as string);
    const [deliveryRows, [p], outcomeMetrics] = await Promise.all([
      ids.length ? this.em.query(`SELECT * FROM deliveries WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, ids]) : Promise.resolve([]),
      ids.length ? this.em.query(TRACE_PEOPLE_SQL, [org, ids]) : Promise.resolve([null]),
      this.em.query(OUTCOME_METRICS_SQL, [org]) as Promise<{ id: string; name: string }[]>,
    ]);
    const deliveries = new Map(hydrateAll(this.em, Delivery, deliveryRows).map((d) => [d.id, d]));
    // The outcomes of the people reached by name: their baseline and latest answers, whenever given.
    const reachedIds = [...new Set([...deliveries.values()].map((d) => d.beneficiaryId).filter((x): x is string => !!x))];
    const distance = reachedIds.length ? await distanceRows(this.em, org, outcomeMetrics.map((m) => m.id), null, null, { sql: "r.stakeholder_id = ANY($5::uuid[])", params: [reachedIds] }) : new Map<string, DistanceRow>();
    const outcomes = outcomeMetrics.map((m) => ({ metricId: m.id, name: m.name, measured: distance.get(m.id)?.measured ?? 0, improved: distance.get(m.id)?.improved ?? 0 }));

    const meUnits = BigInt(allocated[0]?.me_u ?? "0");
    const meDelivered = BigInt(allocated[0]?.me_delivered ?? "0");
    const allocations = listed.map((a) => ({ delivery: deliveries.get(a.delivery_id as string)!, units: fromFixed(BigInt(a.units)), days: a.days, people: trimZeros(a.people) }));
    const atSites = listed.filter((a) => deliveries.get(a.delivery_id as string)!.peopleReached !== null).reduce((sum, a) => sum + Math.round(Number(a.people) * 100), 0);
    const classified = p ? p.promoters + p.passives + p.detractors : 0;
    return {
      sale,
      programme,
      unitsFunded,
      unitsDelivered: fromFixed(meDelivered),
      unitsWaiting: fromFixed(meUnits - meDelivered),
      allocations,
      allocationsTruncated: allocated.filter((a) => a.delivery_id !== null).length > TRACE_ALLOCATIONS_MAX,
      people: p
        ? {
            reachedByName: p.reached,
            atSites: trimZeros((atSites / 100).toFixed(2)),
            inUseNow: p.in_use,
            gaveFeedback: p.answered,
            nps: classified === 0 ? null : Math.round(((p.promoters - p.detractors) / classified) * 10000) / 100,
            outcomes,
          }
        : { ...nobody, outcomes },
    };
  }
}

/** A decimal's text without trailing zeros ("10.00" → "10", "2.50" → "2.5"). */
function trimZeros(v: string): string {
  return v.includes(".") ? v.replace(/0+$/, "").replace(/\.$/, "") : v;
}
