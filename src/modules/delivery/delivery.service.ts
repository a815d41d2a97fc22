import { EntityManager } from "typeorm";
import { Delivery } from "./delivery.entity";
import { DeliveryFilter, RecordDeliveriesInput } from "./delivery.inputs";
import { recordDeliveriesBatch } from "./delivery.record";
import { deliveryStatus, fundedVsDeliveredRows } from "./delivery.funded";
import { FundedVsDelivered } from "./delivery.types";
import { ROLES } from "../../common/access";
import { BatchResult, checkBatchSize } from "../../common/batch";
import { NotFoundError } from "../../common/errors";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertReferences } from "../../common/references";
import { effectiveThreshold } from "../../common/suppression";
import { effectiveMaximum } from "../../common/perturbation";
import { assertId, assertPeriod } from "../../common/validation";
import { hydrate } from "../../database/rows";
import type { ServiceContext } from "../../context";

/**
 * Deliveries (what funded units became) and funded versus delivered. Field partners and staff
 * record deliveries in batches (submitFeedback's contract); a field partner reads back only the
 * deliveries it submitted; funders see only the aggregate view, with small-cell suppression.
 */
export class DeliveryService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  /**
   * Stores up to 1000 deliveries, each checked on its own. The client key, unique per organization
   * in the database, makes retries and concurrent repeats harmless: an item is stored once; the same
   * key again is a DUPLICATE (same content) or a CONFLICT (other content). `dryRun` checks
   * everything and stores nothing.
   */
  async record(input: RecordDeliveriesInput): Promise<BatchResult> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.submit);
    const partner = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
    checkBatchSize(input.items);
    await this.sc.requestDb.enterBatchWrite(); // the bulkhead: batches never take every connection
    return this.em.transaction((em) => recordDeliveriesBatch(em, org, input, { keyId: this.sc.access.keyId, partner }));
  }

  /** Deliveries as a connection, latest first; field partners see only what they submitted; funders never. */
  async list(organizationId: string, filter: DeliveryFilter | undefined, first?: number | null, after?: string | null): Promise<Page<Delivery>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.requirePersonLevel("organizationId");
    this.sc.access.require(org, ROLES.people);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    await assertReferences(this.em, org, [
      { what: "programme", id: filter?.programmeId, field: "filter.programmeId" },
      { what: "partner", id: filter?.partnerId, field: "filter.partnerId" },
    ]);
    const params: unknown[] = [org];
    const where = ["d.organization_id = $1"];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace(/\?/g, `$${params.length}`));
    };
    if (filter?.programmeId) add("d.programme_id = ?", assertId(filter.programmeId, "filter.programmeId"));
    if (filter?.partnerId) add("d.partner_id = ?", assertId(filter.partnerId, "filter.partnerId"));
    if (filter?.from) add("d.delivered_at >= ?", filter.from);
    if (filter?.to) add("d.delivered_at < ?", filter.to);
    const partner = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
    if (partner) add("d.submitted_by_partner_id = ?", partner);
    const countSql = where.join(" AND ");
    const countParams = [...params];
    if (cursor) {
      params.push(cursor.micros, cursor.id);
      where.push(`(d.delivered_at, d.id) < (${fromMicros(`$${params.length - 1}`)}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT d.*, ${micros("d.delivered_at")} AS __micros FROM deliveries d WHERE ${where.join(" AND ")} ORDER BY d.delivered_at DESC, d.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Delivery, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM deliveries d WHERE ${countSql}`, countParams))[0].n),
    );
  }

  /**
   * Funded versus delivered over [from, to), per programme (src/modules/delivery/delivery.funded.ts):
   * admins, staff and funders (suppressed); field partners may not read it (FORBIDDEN): they read
   * their own deliveries with `deliveries`.
   */
  async fundedVsDelivered(organizationId: string, programmeId: string | null | undefined, from: Date, to: Date): Promise<FundedVsDelivered> {
    const org = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(org, ROLES.aggregates);
    assertPeriod(from, to);
    const programme = programmeId === null || programmeId === undefined ? null : assertId(programmeId, "programmeId");
    const [orgRow] = await this.em.query(`SELECT currency, suppression_threshold, perturbation_maximum FROM organizations WHERE id = $1`, [org]);
    if (!orgRow) throw new NotFoundError("Organization", "organizationId");
    const rows = await fundedVsDeliveredRows(this.em, org, programme, from, to);
    if (programme && rows.length === 0) throw new NotFoundError("Programme", "programmeId");
    const currency = String(orgRow.currency).trim();
    const k = effectiveThreshold(orgRow.suppression_threshold);
    return {
      organizationId: org,
      from,
      to,
      programmes: rows.map(({ programme: p, row }) => deliveryStatus(p, row, currency, role === "FUNDER", k, effectiveMaximum(orgRow.perturbation_maximum))),
    };
  }
}
