import { globalId } from "../src/common/global-ids";
import { EntityManager } from "typeorm";
import { Random } from "./random";
import { recordDeliveriesBatch } from "../src/modules/delivery/delivery.record";
import { DeliveryItemInput } from "../src/modules/delivery/delivery.inputs";
import { BatchItemStatus } from "../src/common/batch";

export interface DeliverySpec {
  /** The programme delivered (a name of ImpactSpec.programmes) and the field partner that delivers it. */
  programme: string;
  partner: string;
  /** The schools delivered to on distribution days, in turn. */
  sites: string[];
  /** The day of the month of each distribution, and its hour (UTC). */
  day: number;
  hour: number;
  /** Share of the backlog (pairs funded and not yet delivered) each distribution hands out. */
  share: number;
  /** The slow month: this many months before the anchor's month, only `slowShare` of the backlog goes out. */
  slowMonthsAgo: number;
  slowShare: number;
  /** Pairs handed to children by name at each distribution (the rest go to a school), [min, max]. */
  named: [number, number];
}

const DAY = 24 * 3600 * 1000;

/**
 * A year of monthly deliveries by the programme's field partner, recorded through the same path as
 * the API's recordDeliveries (the batch's checks and writes, as the partner), one batch per month:
 * each distribution hands out a share of the backlog at that day (so some stays funded and not yet
 * delivered: the backlog is always visible), one month much less (the slow month), a few pairs to
 * children the partner registered, by name, the rest to a school in turn, one child per pair.
 * Deterministic: the sales are, the children are taken in reference order, the ids come from `rng`.
 */
export async function seedDeliveries(em: EntityManager, org: string, anchor: Date, rng: Random, spec: DeliverySpec, partnerId: string): Promise<{ deliveries: number }> {
  const [programme] = await em.query(`SELECT id, active_from FROM programmes WHERE organization_id = $1 AND name = $2`, [org, spec.programme]);
  if (!programme) throw new Error(`demo seed: no programme "${spec.programme}"`);
  const children: { id: string }[] = await em.query(
    `SELECT id FROM stakeholders WHERE organization_id = $1 AND kind = 'BENEFICIARY' AND registered_by_partner_id = $2 ORDER BY external_ref`,
    [org, partnerId],
  );
  let delivered = 0;
  let next = 0;
  let stored = 0;
  for (let monthsAgo = 12; monthsAgo >= 0; monthsAgo--) {
    const at = new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - monthsAgo, spec.day, spec.hour));
    if (at.getTime() >= anchor.getTime() || at.getTime() < new Date(programme.active_from).getTime()) continue;
    const [{ funded }] = await em.query(
      `SELECT coalesce(sum(s.units_given), 0)::float8 AS funded FROM sales s JOIN offerings o ON o.organization_id = s.organization_id AND o.id = s.offering_id
        WHERE s.organization_id = $1 AND o.programme_id = $2 AND s.occurred_at < $3`,
      [org, programme.id, at],
    );
    const backlog = Math.floor(funded) - delivered;
    const pairs = Math.floor(backlog * (monthsAgo === spec.slowMonthsAgo ? spec.slowShare : spec.share));
    if (pairs <= 0) continue;
    const month = at.toISOString().slice(0, 7);
    const named = Math.min(rng.int(spec.named[0], spec.named[1]), children.length, pairs);
    const items: DeliveryItemInput[] = [];
    for (let n = 0; n < named; n++) {
      items.push({
        clientKey: `${month}-child-${n + 1}`,
        // The batch takes ids as the API does: global ids.
        programmeId: globalId("Programme", org, programme.id),
        // Through the morning, a few minutes apart.
        deliveredAt: new Date(at.getTime() + n * 7 * 60 * 1000).toISOString(),
        units: 1,
        beneficiaryId: globalId("Stakeholder", org, children[next++ % children.length].id),
      });
    }
    if (pairs > named) {
      const site = spec.sites[(12 - monthsAgo) % spec.sites.length];
      items.push({
        clientKey: `${month}-school`,
        programmeId: globalId("Programme", org, programme.id),
        deliveredAt: new Date(at.getTime() + 3 * 3600 * 1000).toISOString(),
        units: pairs - named,
        site: { name: site, peopleReached: pairs - named },
        evidenceNote: `Distribution day at ${site}: class registers signed by the head teacher`,
      });
    }
    // The deliveries' record keys (the cell-key method's, src/common/perturbation.ts) are drawn by the
    // column's default from the session's random(): seeded per month, so the demo's funder figures,
    // shown in the docs and checked by their tests, are the same on every load.
    await em.query(`SELECT setseed($1)`, [(12 - monthsAgo) / 100]);
    const result = await recordDeliveriesBatch(em, org, { organizationId: org, items }, { keyId: null, partner: partnerId }, () => rng.uuid(), anchor.getTime() + DAY);
    if (result.created !== items.length) throw new Error(`demo seed: deliveries of ${month} not stored: ${JSON.stringify(result.items.filter((i) => i.status !== BatchItemStatus.CREATED))}`);
    delivered += pairs;
    stored += items.length;
  }
  return { deliveries: stored };
}
