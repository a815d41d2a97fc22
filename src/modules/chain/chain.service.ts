import { EntityManager } from "typeorm";
import { ROLES } from "../../common/access";
import { NotFoundError } from "../../common/errors";
import { effectiveMaximum, PERTURBATION_NOTE } from "../../common/perturbation";
import { effectiveThreshold } from "../../common/suppression";
import { assertId, assertPeriod } from "../../common/validation";
import { deliveryStatus, fundedVsDeliveredRows } from "../delivery/delivery.funded";
import type { ServiceContext } from "../../context";
import { buildChain, ExperienceRow, KeyedPeople, PeopleView } from "./chain.steps";
import { CHAIN_EXPERIENCE_SQL, CHAIN_PEOPLE_SQL, CHAIN_REVENUE_SQL } from "./chain.sql";
import { ImpactChain } from "./chain.types";

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

    // Load: the organization's settings, then every figure in four statements whatever the number of programmes.
    const [orgRow] = await this.em.query(`SELECT currency, suppression_threshold, perturbation_maximum FROM organizations WHERE id = $1`, [org]);
    if (!orgRow) throw new NotFoundError("Organization", "organizationId");
    const params = [org, programme, from, to];
    const [rows, revenueRows, peopleRows, experienceRows] = await Promise.all([
      fundedVsDeliveredRows(this.em, org, programme, from, to),
      this.em.query(CHAIN_REVENUE_SQL, params) as Promise<{ pid: string; revenue: string }[]>,
      this.em.query(CHAIN_PEOPLE_SQL, params) as Promise<{ pid: string; step: string; people: number; keys: string }[]>,
      this.em.query(CHAIN_EXPERIENCE_SQL, params) as Promise<(ExperienceRow & { pid: string })[]>,
    ]);
    if (programme && rows.length === 0) throw new NotFoundError("Programme", "programmeId");

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
          outcomes: [],
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
}
