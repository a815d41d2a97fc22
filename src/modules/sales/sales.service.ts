import { randomUUID } from "node:crypto";
import { EntityManager } from "typeorm";
import { Offering, Sale } from "./sales.entity";
import { CreateOfferingInput, RecordSalesInput, SaleItemInput, UpdateOfferingInput } from "./sales.inputs";
import { ROLES } from "../../common/access";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { BatchItemResult, BatchItemStatus, BatchResult, checkBatchSize, contentHash, echoedKey, ItemProblems, itemTextProblems, decodeItemIds, itemIdProblem } from "../../common/batch";
import { divRoundHalfUp, fromFixed, SCALE, toFixed } from "../../common/decimal";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, assertNotFuture, assertPeriod, cleanName, isUuid } from "../../common/validation";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import { insertKeyed } from "../metric/metric.service";
import type { ServiceContext } from "../../context";

const MAX_UNITS = 1_000_000;

/** An offering's impact rule, as exact numbers. */
export interface ImpactRule {
  revenueShareBps: number;
  unitsGivenPerUnit: string;
  fixedAmountPerSaleMinor: string;
  beneficiariesPerUnitGiven: string | null;
  amountPerBeneficiaryMinor: string | null;
}

/**
 * What one sale creates at the point of sale, exactly:
 * - contribution (minor units) = round_half_up(amount × bps / 10000) + fixed amount per sale
 *   (rounded per sale, to the minor unit: 5% of 1234.56 is 61.728, given as 61.73);
 * - units given = units × units given per unit (4 decimals);
 * - beneficiaries funded = units given × beneficiaries per unit given
 *                        + contribution / amount per beneficiary (each part only when its rate is set),
 *   kept to 4 decimals (rounded half up) so fractions from small sales add up across sales.
 */
export function impactOfSale(rule: ImpactRule, units: number, amountMinor: bigint): { contributionMinor: bigint; unitsGiven: string; beneficiariesFunded: string } {
  const share = divRoundHalfUp(amountMinor * BigInt(rule.revenueShareBps), 10000n);
  const contributionMinor = share + BigInt(rule.fixedAmountPerSaleMinor);
  const unitsGiven = BigInt(units) * toFixed(rule.unitsGivenPerUnit); // scale 4
  let beneficiaries = 0n; // scale 4
  if (rule.beneficiariesPerUnitGiven) beneficiaries += divRoundHalfUp(unitsGiven * toFixed(rule.beneficiariesPerUnitGiven), 10n ** BigInt(SCALE));
  if (rule.amountPerBeneficiaryMinor) beneficiaries += divRoundHalfUp(contributionMinor * 10n ** BigInt(SCALE), BigInt(rule.amountPerBeneficiaryMinor));
  return { contributionMinor, unitsGiven: fromFixed(unitsGiven), beneficiariesFunded: fromFixed(beneficiaries) };
}

export class SalesService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  async getOffering(id: string, roles: readonly ("ADMIN" | "STAFF" | "FUNDER" | "FIELD_PARTNER")[], field = "id"): Promise<Offering> {
    const rows = await this.em.query(`SELECT * FROM offerings WHERE organization_id = $1 AND id = $2`, [this.sc.ids.organizationOf(id, "Offering", field), id]);
    if (rows.length === 0) throw new NotFoundError("Offering", field);
    this.sc.access.require(rows[0].organization_id, roles, field);
    return hydrate(this.em, Offering, rows[0]);
  }

  async listOfferings(organizationId: string, first?: number | null, after?: string | null): Promise<Page<Offering>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.aggregates);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT o.*, ${micros("o.created_at")} AS __micros FROM offerings o
        WHERE o.organization_id = $1 AND ($2::text IS NULL OR (o.created_at, o.id) > (${fromMicros("$2")}, $3::uuid))
        ORDER BY o.created_at, o.id LIMIT $4`,
      [org, cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Offering, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM offerings WHERE organization_id = $1`, [org]))[0].n),
    );
  }

  async createOffering(input: CreateOfferingInput): Promise<Offering> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const name = cleanName(input.name, "name", 200);
    if (input.beneficiariesPerUnitGiven !== undefined && input.beneficiariesPerUnitGiven !== null && toFixed(input.beneficiariesPerUnitGiven) <= 0n) {
      throw new BadInputError("beneficiariesPerUnitGiven", "beneficiariesPerUnitGiven must be more than 0");
    }
    return this.em.transaction(async (em) => {
      const programmeId = input.programmeId ? await this.programmeIn(em, org, input.programmeId) : null;
      try {
        const [row] = await em.query(
          `INSERT INTO offerings (organization_id, name, description, unit_price_minor, revenue_share_bps, units_given_per_unit, fixed_amount_per_sale_minor,
                                  programme_id, beneficiaries_per_unit_given, amount_per_beneficiary_minor)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
          [
            org,
            name,
            input.description?.trim() || null,
            input.unitPriceMinor ?? null,
            input.revenueShareBps ?? 0,
            input.unitsGivenPerUnit ?? "0",
            input.fixedAmountPerSaleMinor ?? 0,
            programmeId,
            input.beneficiariesPerUnitGiven ?? null,
            input.amountPerBeneficiaryMinor ?? null,
          ],
        );
        return hydrate(em, Offering, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_offerings_name")) throw new ConflictError("name", `an offering named "${name}" exists already`);
        throw error;
      }
    });
  }

  async updateOffering(input: UpdateOfferingInput): Promise<Offering> {
    const offering = await this.getOffering(input.id, ROLES.admin);
    const sets: string[] = ["updated_at = now()"];
    const params: unknown[] = [offering.organizationId, offering.id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (input.name !== undefined && input.name !== null) set("name", cleanName(input.name, "name", 200));
    if (input.description !== undefined) set("description", input.description?.trim() || null);
    if (input.unitPriceMinor !== undefined) set("unit_price_minor", input.unitPriceMinor);
    if (input.revenueShareBps !== undefined && input.revenueShareBps !== null) set("revenue_share_bps", input.revenueShareBps);
    if (input.unitsGivenPerUnit !== undefined && input.unitsGivenPerUnit !== null) set("units_given_per_unit", input.unitsGivenPerUnit);
    if (input.fixedAmountPerSaleMinor !== undefined && input.fixedAmountPerSaleMinor !== null) set("fixed_amount_per_sale_minor", input.fixedAmountPerSaleMinor);
    if (input.programmeId !== undefined) set("programme_id", input.programmeId === null ? null : await this.programmeIn(this.em, offering.organizationId, input.programmeId));
    if (input.beneficiariesPerUnitGiven !== undefined) {
      if (input.beneficiariesPerUnitGiven !== null && toFixed(input.beneficiariesPerUnitGiven) <= 0n) {
        throw new BadInputError("beneficiariesPerUnitGiven", "beneficiariesPerUnitGiven must be more than 0");
      }
      set("beneficiaries_per_unit_given", input.beneficiariesPerUnitGiven);
    }
    if (input.amountPerBeneficiaryMinor !== undefined) set("amount_per_beneficiary_minor", input.amountPerBeneficiaryMinor);
    if (input.active !== undefined && input.active !== null) set("active", input.active);
    return this.em.transaction(async (em) => {
      try {
        const rows = await queryRows(em, `UPDATE offerings SET ${sets.join(", ")} WHERE organization_id = $1 AND id = $2 RETURNING *`, params);
        return hydrate(em, Offering, rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, "uq_offerings_name")) throw new ConflictError("name", `an offering named "${input.name}" exists already`);
        throw error;
      }
    });
  }

  /** A programme of the organization, by id; another organization's reads as missing. */
  private async programmeIn(em: EntityManager, org: string, id: string): Promise<string> {
    const rows = await em.query(`SELECT id FROM programmes WHERE organization_id = $1 AND id = $2`, [org, assertId(id, "programmeId")]);
    if (rows.length === 0) throw new NotFoundError("Programme", "programmeId");
    return rows[0].id as string;
  }

  /** Sales in [from, to), oldest first (admins and staff: a sale may name a customer). */
  async listSales(organizationId: string, from: Date, to: Date, offeringId: string | null | undefined, first?: number | null, after?: string | null): Promise<Page<Sale>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    assertPeriod(from, to);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const params = [org, from, to, offeringId ? assertId(offeringId, "offeringId") : null];
    const where = `s.organization_id = $1 AND s.occurred_at >= $2 AND s.occurred_at < $3 AND ($4::uuid IS NULL OR s.offering_id = $4)`;
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT s.*, ${micros("s.occurred_at")} AS __micros FROM sales s
        WHERE ${where} AND ($5::text IS NULL OR (s.occurred_at, s.id) > (${fromMicros("$5")}, $6::uuid))
        ORDER BY s.occurred_at, s.id LIMIT $7`,
      [...params, cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Sale, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM sales s WHERE ${where}`, params))[0].n),
    );
  }

  /**
   * Records up to 1000 sales, each checked on its own; what each creates at the point
   * of sale is computed from its offering's rule now and kept with it.
   */
  async record(input: RecordSalesInput): Promise<BatchResult> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    checkBatchSize(input.items);
    await this.sc.requestDb.enterBatchWrite(); // the bulkhead: batches never take every connection
    const items = decodeItemIds(input.items, { offeringId: "Offering", customerId: "Stakeholder" }, org);
    return this.em.transaction(async (em) => {
      const ids = (f: (i: SaleItemInput) => string | null | undefined) => [...new Set(items.map(f).filter((v): v is string => isUuid(v)).map((v) => v.toLowerCase()))];
      const [offerings, customers] = await Promise.all([
        em.query(`SELECT * FROM offerings WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, ids((i) => i.offeringId)]),
        em.query(`SELECT id, kind FROM stakeholders WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, ids((i) => i.customerId)]),
      ]);
      const offeringById = new Map<string, Offering>(offerings.map((r: Record<string, unknown>) => [r.id as string, hydrate(em, Offering, r)]));
      const customerKind = new Map<string, string>(customers.map((r: { id: string; kind: string }) => [r.id, r.kind]));
      const results: BatchItemResult[] = [];
      const rows: { index: number; id: string; clientKey: string | null; hash: string; values: unknown[] }[] = [];
      items.forEach((item, index) => {
        const p = new ItemProblems();
        p.errors.push(...itemTextProblems(item));
        const clientKey = echoedKey(item.clientKey);
        if (clientKey && clientKey.length > 120) p.add("clientKey", "clientKey must be at most 120 characters");
        const offeringId = item.offeringId?.toLowerCase();
        const offering = isUuid(offeringId) ? offeringById.get(offeringId) : undefined;
        if (!isUuid(offeringId)) p.add("offeringId", itemIdProblem(item.offeringId, "offeringId", "Offering"));
        else if (!offering) p.add("offeringId", "no offering with this id in the organization");
        if (!Number.isInteger(item.units) || item.units < 1 || item.units > MAX_UNITS) p.add("units", `units must be a whole number from 1 to ${MAX_UNITS}`);
        if (!Number.isSafeInteger(item.amountMinor) || item.amountMinor < 0) p.add("amountMinor", "amountMinor must be a whole number of minor units, 0 or more");
        try {
          assertNotFuture(item.occurredAt, "occurredAt");
        } catch {
          p.add("occurredAt", "occurredAt is in the future");
        }
        const customerId = item.customerId?.toLowerCase() ?? null;
        if (customerId !== null) {
          if (!isUuid(customerId)) p.add("customerId", itemIdProblem(item.customerId, "customerId", "Stakeholder"));
          else if (!customerKind.has(customerId)) p.add("customerId", "no stakeholder with this id in the organization");
          else if (customerKind.get(customerId) !== "CUSTOMER") p.add("customerId", "the stakeholder is not a CUSTOMER");
        }
        if (!p.ok || !offering) {
          results.push({ index, clientKey, status: BatchItemStatus.REJECTED, id: null, errors: p.errors });
          return;
        }
        const impact = impactOfSale(offering, item.units, BigInt(item.amountMinor));
        const hash = contentHash({ offeringId, occurredAt: item.occurredAt, units: item.units, amountMinor: item.amountMinor, customerId });
        const id = randomUUID();
        rows.push({
          index,
          id,
          clientKey,
          hash,
          values: [id, offeringId, customerId, item.occurredAt, item.units, String(item.amountMinor), impact.contributionMinor.toString(), impact.unitsGiven, impact.beneficiariesFunded, clientKey, hash],
        });
      });
      results.push(...(await insertKeyed(em, org, "sales", rows)));
      return BatchResult.of(results, "Sale", org);
    });
  }
}
