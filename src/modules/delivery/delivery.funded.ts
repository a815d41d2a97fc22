import { EntityManager } from "typeorm";
import { fromFixed, SCALE } from "../../common/decimal";
import { Money } from "../../common/scalars";
import { suppressDerived, suppressTable } from "../../common/suppression";
import { perturb } from "../../common/perturbation";
import { hydrate } from "../../database/rows";
import { Programme } from "../programme/programme.entity";
import { ProgrammeDeliveryStatus } from "./delivery.types";

/**
 * Funded versus delivered, per programme, in one statement ($1 organization, $2 programme or null
 * for all, $3 from, $4 to). Units are allocated first-in, first-out with cumulative sums, not a
 * loop: each sale of the programme (time order) covers the range [funded before it, funded with it)
 * of the programme's funded units, each delivery the range [delivered before it, delivered with it)
 * of its delivered units. The breakpoints of both sets of ranges, in order, cut the units into
 * segments that lie in one sale's range and one delivery's range; the sale covering a segment is the
 * last one that starts at or before it, and since sales start in time order that is the latest
 * occurred_at among them (a running max), likewise for deliveries. A segment below both totals is
 * that many units funded by that sale and delivered by that delivery. Two sorts, no join of every
 * sale with every delivery.
 */
export const FUNDED_VS_DELIVERED_SQL = `
WITH prog AS (
  SELECT p.* FROM programmes p WHERE p.organization_id = $1 AND ($2::uuid IS NULL OR p.id = $2)
), s AS (
  -- The sales that fund units, up to the period's end. Units in ten-thousandths (units given have
  -- 4 decimals): bigint sums, exact and faster than numeric.
  SELECT o.programme_id AS pid, x.occurred_at AS at, (x.units_given * 10000)::bigint AS u,
         sum((x.units_given * 10000)::bigint) OVER (PARTITION BY o.programme_id ORDER BY x.occurred_at, x.id) AS hi
    FROM offerings o JOIN sales x ON x.organization_id = o.organization_id AND x.offering_id = o.id
   WHERE o.organization_id = $1 AND o.programme_id IN (SELECT id FROM prog) AND x.occurred_at < $4 AND x.units_given > 0
), money AS (
  -- Money from every sale of the programme in the period, units given or not.
  SELECT o.programme_id AS pid, sum(x.contribution_minor) AS contribution
    FROM offerings o JOIN sales x ON x.organization_id = o.organization_id AND x.offering_id = o.id
   WHERE o.organization_id = $1 AND o.programme_id IN (SELECT id FROM prog) AND x.occurred_at >= $3 AND x.occurred_at < $4
   GROUP BY o.programme_id
), d AS (
  SELECT d.programme_id AS pid, d.delivered_at AS at, d.units::bigint * 10000 AS u, d.beneficiary_id, d.people_reached, d.record_key,
         sum(d.units::bigint * 10000) OVER (PARTITION BY d.programme_id ORDER BY d.delivered_at, d.id) AS hi
    FROM deliveries d
   WHERE d.organization_id = $1 AND d.programme_id IN (SELECT id FROM prog) AND d.delivered_at < $4
), funded AS (
  SELECT pid, sum(u) AS to_date, coalesce(sum(u) FILTER (WHERE at >= $3), 0) AS units
    FROM s GROUP BY pid
), delivered AS (
  SELECT pid, sum(u) AS to_date, coalesce(sum(u) FILTER (WHERE at >= $3), 0) AS units,
         count(DISTINCT beneficiary_id) FILTER (WHERE at >= $3) AS people,
         coalesce(sum(people_reached) FILTER (WHERE at >= $3), 0) AS at_sites,
         -- Cell keys for funders (src/common/perturbation.ts): the deliveries to sites are the records of the people reached there.
         coalesce(sum(record_key) FILTER (WHERE at >= $3 AND people_reached IS NOT NULL), 0) AS site_keys,
         -- ... and every delivery up to the period's end, the records of the units delivered to date.
         coalesce(sum(record_key), 0) AS to_date_keys
    FROM d GROUP BY pid
), people_keys AS (
  -- The record keys of the distinct people reached in the period.
  SELECT x.pid, sum(st.record_key) AS keys
    FROM (SELECT DISTINCT pid, beneficiary_id FROM d WHERE at >= $3 AND beneficiary_id IS NOT NULL) x
    JOIN stakeholders st ON st.organization_id = $1 AND st.id = x.beneficiary_id
   GROUP BY x.pid
), breakpoints AS (
  SELECT pid, hi - u AS pos, at AS sale_at, NULL::timestamptz AS delivery_at FROM s
  UNION ALL
  SELECT pid, hi - u, NULL, at FROM d
), segments AS (
  SELECT pid, pos,
         lead(pos) OVER w AS next,
         max(sale_at) OVER w AS sale_at,
         max(delivery_at) OVER w AS delivery_at
    FROM breakpoints
  WINDOW w AS (PARTITION BY pid ORDER BY pos)
), allocated AS (
  SELECT g.pid, least(coalesce(g.next, f.to_date), f.to_date, e.to_date) - g.pos AS units,
         date_part('epoch', g.delivery_at - g.sale_at) / 86400 AS days
    FROM segments g JOIN funded f ON f.pid = g.pid JOIN delivered e ON e.pid = g.pid
   WHERE g.pos < f.to_date AND g.pos < e.to_date AND g.delivery_at >= $3
), ranked AS (
  SELECT pid, days, units,
         sum(units) OVER (PARTITION BY pid ORDER BY days ROWS UNBOUNDED PRECEDING) AS below,
         sum(units) OVER (PARTITION BY pid) AS n
    FROM allocated WHERE units > 0
), days AS (
  -- The fewest days covering at least half (90 %) of the units: below ≥ n / 2 (below ≥ 0.9 n), in integers.
  SELECT pid, max(n) AS units, min(days) FILTER (WHERE 2 * below >= n) AS median, min(days) FILTER (WHERE 10 * below >= 9 * n) AS p90
    FROM ranked GROUP BY pid
)
SELECT p.*,
       coalesce(f.units, 0)::text AS f_units, coalesce(m.contribution, 0)::text AS f_contribution, coalesce(f.to_date, 0)::text AS f_to_date,
       coalesce(e.units, 0)::text AS d_units, coalesce(e.to_date, 0)::text AS d_to_date, coalesce(e.people, 0)::int AS d_people, coalesce(e.at_sites, 0)::int AS d_at_sites,
       coalesce(k.keys, 0)::text AS d_people_keys, coalesce(e.site_keys, 0)::text AS d_site_keys, coalesce(e.to_date_keys, 0)::text AS d_to_date_keys,
       coalesce(y.units, 0)::text AS y_units, y.median AS y_median, y.p90 AS y_p90
  FROM prog p
  LEFT JOIN funded f ON f.pid = p.id
  LEFT JOIN money m ON m.pid = p.id
  LEFT JOIN delivered e ON e.pid = p.id
  LEFT JOIN days y ON y.pid = p.id
  LEFT JOIN people_keys k ON k.pid = p.id
 ORDER BY p.created_at, p.id`;

/** Units are in ten-thousandths (bigint as text); days are float8. */
export interface FundedRow {
  f_units: string;
  f_contribution: string;
  f_to_date: string;
  d_units: string;
  d_to_date: string;
  d_people: number;
  d_at_sites: number;
  /** Sums of record keys (bigint as text): of the distinct people reached, of the deliveries to sites. */
  d_people_keys: string;
  d_site_keys: string;
  /** The sum of the record keys of every delivery up to the period's end. */
  d_to_date_keys: string;
  y_units: string;
  y_median: number | null;
  y_p90: number | null;
  [column: string]: unknown;
}

/** a ÷ b in whole minor units, rounded half up (a ≥ 0, b > 0). */
export function divideHalfUp(a: bigint, b: bigint): bigint {
  return (2n * a + b) / (2n * b);
}

/**
 * One programme's figures from its row, for the caller: funders (`suppress`) get the people counts
 * through small-cell suppression (the two counts and their total as one table, src/common/suppression.ts)
 * and the values derived from the people reached (days to delivery, cost per beneficiary) hidden
 * with them; the counts shown carry the cell-key adjustment (src/common/perturbation.ts, maximum D):
 * the distinct people by their record keys, the people at sites by the keys of the deliveries to
 * sites, the total as a cell of its own (both sets of records); the cost per beneficiary is the true
 * contribution divided by the adjusted total; the period's units delivered are hidden with the total
 * and otherwise adjusted by its keys; the units delivered to date by the keys of every delivery so far
 * (backlog and units beyond what was funded computed from them).
 */
export function deliveryStatus(programme: Programme, r: FundedRow, currency: string, suppress: boolean, k: number, maximum: number): ProgrammeDeliveryStatus {
  // Ten-thousandths of a unit, as the decimal helpers count them (src/common/decimal.ts, SCALE 4).
  const fundedToDate = BigInt(r.f_to_date);
  let deliveredToDate = BigInt(r.d_to_date);
  const total = r.d_people + r.d_at_sites;
  const contribution = BigInt(r.f_contribution);
  const cost = total > 0 ? Money.of(divideHalfUp(contribution, BigInt(total)), currency) : null;
  const twoDecimals = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  let reached = { people: r.d_people as number | null, atSites: r.d_at_sites as number | null, total: total as number | null, suppressed: false };
  let median = twoDecimals(r.y_median);
  let p90 = twoDecimals(r.y_p90);
  let costShown = cost;
  const units = Number(BigInt(r.d_units) / UNIT);
  let unitsShown: number | null = units;
  if (suppress) {
    const table = suppressTable(
      [
        { key: "people", count: r.d_people },
        { key: "atSites", count: r.d_at_sites },
      ],
      total,
      k,
    );
    const adjust = (c: number | null, keys: bigint) => (c === null ? null : perturb(c, keys, maximum));
    const peopleKeys = BigInt(r.d_people_keys);
    const siteKeys = BigInt(r.d_site_keys);
    const shownTotal = adjust(table.total, peopleKeys + siteKeys);
    reached = {
      people: adjust(table.cells[0].count, peopleKeys),
      atSites: adjust(table.cells[1].count, siteKeys),
      total: shownTotal,
      suppressed: table.totalSuppressed || table.cells.some((c) => c.suppressed),
    };
    median = suppressDerived(median, total, k);
    p90 = suppressDerived(p90, total, k);
    costShown = shownTotal !== null && shownTotal > 0 ? Money.of(divideHalfUp(contribution, BigInt(shownTotal)), currency) : null;
    // Units delivered are often people reached one for one (a pair of shoes a child): hidden with the people
    // reached, otherwise adjusted by the same records' keys as their total (the same deliveries, the same figure).
    unitsShown = shownTotal === null ? null : perturb(units, peopleKeys + siteKeys, maximum);
    // The units delivered to date (and the backlog and the units beyond what was funded, which follow from them)
    // are adjusted by the keys of every delivery so far: otherwise the difference of two periods' figures would
    // give a hidden period's units back exactly.
    deliveredToDate = BigInt(perturb(Number(deliveredToDate / UNIT), BigInt(r.d_to_date_keys), maximum)) * UNIT;
  }
  return {
    programme,
    unitsFunded: fromFixed(BigInt(r.f_units)),
    contribution: Money.of(contribution, currency),
    unitsDelivered: unitsShown,
    fundedToDate: fromFixed(fundedToDate),
    deliveredToDate: Number(deliveredToDate / UNIT),
    backlog: fromFixed(fundedToDate > deliveredToDate ? fundedToDate - deliveredToDate : 0n),
    deliveredBeyondFunded: fromFixed(deliveredToDate > fundedToDate ? deliveredToDate - fundedToDate : 0n),
    daysToDelivery: { units: fromFixed(BigInt(r.y_units)), median, p90 },
    beneficiariesReached: reached,
    costPerBeneficiaryReached: costShown,
  };
}

/** One unit in the statement's ten-thousandths. */
const UNIT = 10n ** BigInt(SCALE);

/** Every programme's row (or the one asked for), hydrated with its programme. */
export async function fundedVsDeliveredRows(em: EntityManager, org: string, programmeId: string | null, from: Date, to: Date): Promise<{ programme: Programme; row: FundedRow }[]> {
  const rows: FundedRow[] = await em.query(FUNDED_VS_DELIVERED_SQL, [org, programmeId, from, to]);
  return rows.map((row) => ({ programme: hydrate(em, Programme, row), row }));
}
