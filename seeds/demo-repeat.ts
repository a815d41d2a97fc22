import { EntityManager } from "typeorm";
import { Random } from "./random";
import { impactOfSale } from "../src/modules/sales/sales.service";
import { contentHash } from "../src/common/batch";

const DAY = 24 * 3600 * 1000;

/** Customers buy again, more often the happier their latest answer. */
export interface RepeatPurchaseSpec {
  /** The offering bought again (one unit). */
  offering: string;
  /** Chance of buying again by the class of the customer's latest NPS answer. */
  chance: { promoter: number; passive: number; detractor: number };
  /** Days after that answer: [min, max]; a purchase that would fall on or after the anchor is not made. */
  afterDays: [number, number];
}

/**
 * Repeat purchases: each customer with an NPS answer buys the offering once more, with the chance
 * of its latest answer's class, some days after that answer. Drawn from a generator of its own
 * (rows added after the demo was first written), so no other figure of the demo moves but the
 * sales these add.
 */
export async function seedRepeatPurchases(em: EntityManager, org: string, anchor: Date, rng: Random, spec: RepeatPurchaseSpec): Promise<{ sales: number }> {
  const [offering]: { id: string; unit_price_minor: string; revenue_share_bps: number; units_given_per_unit: string; fixed_amount_per_sale_minor: string; beneficiaries_per_unit_given: string | null; amount_per_beneficiary_minor: string | null }[] =
    await em.query(`SELECT * FROM offerings WHERE organization_id = $1 AND name = $2`, [org, spec.offering]);
  if (!offering) throw new Error(`demo data: no offering "${spec.offering}"`);
  const latest: { stakeholder_id: string; nps: number; collected_at: Date }[] = await em.query(
    `SELECT DISTINCT ON (r.stakeholder_id) r.stakeholder_id, r.nps, r.collected_at FROM feedback_responses r
      WHERE r.organization_id = $1 AND r.kind = 'CUSTOMER' AND r.nps IS NOT NULL
      ORDER BY r.stakeholder_id, r.collected_at DESC, r.id DESC`,
    [org],
  );
  const rows: unknown[][] = [];
  for (const l of latest) {
    const chance = l.nps >= 9 ? spec.chance.promoter : l.nps >= 7 ? spec.chance.passive : spec.chance.detractor;
    const buys = rng.chance(chance);
    const at = new Date(new Date(l.collected_at).getTime() + (spec.afterDays[0] + rng.next() * (spec.afterDays[1] - spec.afterDays[0])) * DAY);
    const id = rng.uuid();
    if (!buys || at >= anchor) continue;
    const amount = BigInt(offering.unit_price_minor);
    const impact = impactOfSale(
      {
        revenueShareBps: offering.revenue_share_bps,
        unitsGivenPerUnit: String(offering.units_given_per_unit),
        fixedAmountPerSaleMinor: String(offering.fixed_amount_per_sale_minor),
        beneficiariesPerUnitGiven: offering.beneficiaries_per_unit_given === null ? null : String(offering.beneficiaries_per_unit_given),
        amountPerBeneficiaryMinor: offering.amount_per_beneficiary_minor === null ? null : String(offering.amount_per_beneficiary_minor),
      },
      1,
      amount,
    );
    const hash = contentHash({ offeringId: offering.id, occurredAt: at, units: 1, amountMinor: Number(amount), customerId: l.stakeholder_id });
    rows.push([id, offering.id, l.stakeholder_id, at, 1, amount.toString(), impact.contributionMinor.toString(), impact.unitsGiven, impact.beneficiariesFunded, hash]);
  }
  if (rows.length) {
    const col = (i: number) => rows.map((r) => r[i]);
    await em.query(
      `INSERT INTO sales (organization_id, id, offering_id, customer_id, occurred_at, units, amount_minor, contribution_minor, units_given, beneficiaries_funded, content_hash, created_at)
       SELECT $1, u.*, u.at FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::int[], $7::bigint[], $8::bigint[], $9::numeric[], $10::numeric[], $11::text[])
         AS u(id, offering, customer, at, units, amount, contribution, given, funded, hash)`,
      [org, ...Array.from({ length: 10 }, (_, i) => col(i))],
    );
  }
  return { sales: rows.length };
}
