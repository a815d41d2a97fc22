import { EntityManager } from "typeorm";
import { Programme, ProgrammeEnrolment } from "./programme.entity";
import { CreateProgrammeInput, EnrolBeneficiaryInput, UnenrolBeneficiaryInput, UpdateProgrammeInput } from "./programme.inputs";
import { ForbiddenError, ROLES } from "../../common/access";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { toFixed } from "../../common/decimal";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, assertNotFuture, cleanName, optionalText } from "../../common/validation";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import type { ServiceContext } from "../../context";

function checkBeneficiariesPerUnit(value: string | null | undefined): void {
  if (value !== undefined && value !== null && toFixed(value) <= 0n) throw new BadInputError("beneficiariesPerUnit", "beneficiariesPerUnit must be more than 0");
}

function checkActivePeriod(from: Date, to: Date | null): void {
  if (Number.isNaN(from.getTime())) throw new BadInputError("activeFrom", "activeFrom is not a valid date-time");
  if (to !== null && Number.isNaN(to.getTime())) throw new BadInputError("activeTo", "activeTo is not a valid date-time");
  if (to !== null && to.getTime() <= from.getTime()) throw new BadInputError("activeTo", "activeTo must be after activeFrom (the active period is [activeFrom, activeTo))");
}

/** Distinct, lower-cased partner ids; a malformed one is bad input on `partnerIds`. */
function partnerIdList(ids: string[]): string[] {
  return [...new Set(ids.map((id) => assertId(id, "partnerIds")))];
}

/**
 * Programmes, their partners and their enrolments. Programmes are organization structure
 * (no personal data): every role reads them, like partners and touchpoints; admins write
 * them. Enrolments name a beneficiary: person-level, like journeys.
 */
export class ProgrammeService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  /** A programme in the caller's organizations, or NOT_FOUND (another organization's id reads as missing). */
  private async find(em: EntityManager, id: string, field: string, lock = false): Promise<Programme> {
    const rows = await em.query(`SELECT * FROM programmes WHERE organization_id = $1 AND id = $2${lock ? " FOR UPDATE" : ""}`, [
      this.sc.ids.organizationOf(id, "Programme", field),
      id,
    ]);
    if (rows.length === 0) throw new NotFoundError("Programme", field);
    return hydrate(em, Programme, rows[0]);
  }

  async get(id: string): Promise<Programme> {
    const programme = await this.find(this.em, id, "id");
    this.sc.access.require(programme.organizationId, ROLES.structure, "id");
    return programme;
  }

  /** One organization's programmes, oldest first, keyset-paginated on (created_at, id). */
  async list(organizationId: string, first?: number | null, after?: string | null): Promise<Page<Programme>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.structure);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT p.*, ${micros("p.created_at")} AS __micros FROM programmes p
        WHERE p.organization_id = $1 AND ($2::text IS NULL OR (p.created_at, p.id) > (${fromMicros("$2")}, $3::uuid))
        ORDER BY p.created_at, p.id LIMIT $4`,
      [org, cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Programme, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM programmes WHERE organization_id = $1`, [org]))[0].n),
    );
  }

  async create(input: CreateProgrammeInput): Promise<Programme> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const name = cleanName(input.name, "name", 200);
    checkBeneficiariesPerUnit(input.beneficiariesPerUnit);
    checkActivePeriod(input.activeFrom, input.activeTo ?? null);
    const partnerIds = partnerIdList(input.partnerIds ?? []);
    return this.em.transaction(async (em) => {
      await this.assertPartners(em, org, partnerIds);
      try {
        const [row] = await em.query(
          `INSERT INTO programmes (organization_id, name, description, region, unit_of_delivery, beneficiaries_per_unit, active_from, active_to)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [org, name, optionalText(input.description), optionalText(input.region), optionalText(input.unitOfDelivery), input.beneficiariesPerUnit ?? null, input.activeFrom, input.activeTo ?? null],
        );
        await this.setPartners(em, org, row.id, partnerIds);
        return hydrate(em, Programme, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_programmes_name")) throw new ConflictError("name", `a programme named "${name}" exists already`);
        throw error;
      }
    });
  }

  async update(input: UpdateProgrammeInput): Promise<Programme> {
    const name = input.name === undefined || input.name === null ? null : cleanName(input.name, "name", 200);
    checkBeneficiariesPerUnit(input.beneficiariesPerUnit);
    const partnerIds = input.partnerIds === undefined || input.partnerIds === null ? null : partnerIdList(input.partnerIds);
    return this.em.transaction(async (em) => {
      const programme = await this.find(em, input.id, "id", true);
      const org = programme.organizationId;
      this.sc.access.require(org, ROLES.admin, "id");
      const activeFrom = input.activeFrom ?? programme.activeFrom;
      const activeTo = input.activeTo === undefined ? programme.activeTo : input.activeTo;
      checkActivePeriod(new Date(activeFrom), activeTo === null ? null : new Date(activeTo));
      if (partnerIds) await this.assertPartners(em, org, partnerIds);
      const sets: string[] = ["updated_at = now()"];
      const params: unknown[] = [org, programme.id];
      const set = (column: string, value: unknown) => {
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      };
      if (name !== null) set("name", name);
      if (input.description !== undefined) set("description", optionalText(input.description));
      if (input.region !== undefined) set("region", optionalText(input.region));
      if (input.unitOfDelivery !== undefined) set("unit_of_delivery", optionalText(input.unitOfDelivery));
      if (input.beneficiariesPerUnit !== undefined) set("beneficiaries_per_unit", input.beneficiariesPerUnit);
      if (input.activeFrom !== undefined && input.activeFrom !== null) set("active_from", input.activeFrom);
      if (input.activeTo !== undefined) set("active_to", input.activeTo);
      try {
        const [row] = await queryRows(em, `UPDATE programmes SET ${sets.join(", ")} WHERE organization_id = $1 AND id = $2 RETURNING *`, params);
        if (partnerIds) {
          await em.query(`DELETE FROM programme_partners WHERE organization_id = $1 AND programme_id = $2 AND NOT (partner_id = ANY($3::uuid[]))`, [org, programme.id, partnerIds]);
          await this.setPartners(em, org, programme.id, partnerIds);
        }
        this.sc.loaders.programmeById.clear({ organizationId: org, id: programme.id });
        this.sc.loaders.partnersByProgramme.clear({ organizationId: org, id: programme.id });
        return hydrate(em, Programme, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_programmes_name")) throw new ConflictError("name", `a programme named "${name}" exists already`);
        throw error;
      }
    });
  }

  /** Every partner id must be a partner of the organization: another organization's reads as missing. */
  private async assertPartners(em: EntityManager, org: string, partnerIds: string[]): Promise<void> {
    if (partnerIds.length === 0) return;
    const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM partners WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, partnerIds]);
    if (n !== partnerIds.length) throw new NotFoundError("Partner", "partnerIds");
  }

  private async setPartners(em: EntityManager, org: string, programmeId: string, partnerIds: string[]): Promise<void> {
    if (partnerIds.length === 0) return;
    await em.query(
      `INSERT INTO programme_partners (organization_id, programme_id, partner_id) SELECT $1, $2, p FROM unnest($3::uuid[]) AS p
       ON CONFLICT (organization_id, programme_id, partner_id) DO NOTHING`,
      [org, programmeId, partnerIds],
    );
  }

  /**
   * Enrols a beneficiary. The partner, when named, must deliver the programme; a field
   * partner enrols as its own partner, only beneficiaries its partner registered, and only
   * in programmes its partner delivers.
   */
  async enrol(input: EnrolBeneficiaryInput): Promise<ProgrammeEnrolment> {
    this.sc.access.requirePersonLevel("beneficiaryId");
    const enrolledAt = input.enrolledAt ?? new Date();
    if (Number.isNaN(enrolledAt.getTime())) throw new BadInputError("enrolledAt", "enrolledAt is not a valid date-time");
    assertNotFuture(enrolledAt, "enrolledAt");
    return this.em.transaction(async (em) => {
      const programme = await this.find(em, input.programmeId, "programmeId");
      const org = programme.organizationId;
      this.sc.access.require(org, ROLES.submit, "programmeId");
      // Within the programme's active period [activeFrom, activeTo).
      if (enrolledAt.getTime() < programme.activeFrom.getTime()) {
        throw new BadInputError("enrolledAt", `enrolledAt is before the programme started (${programme.activeFrom.toISOString()})`);
      }
      if (programme.activeTo && enrolledAt.getTime() >= programme.activeTo.getTime()) {
        throw new BadInputError("enrolledAt", `enrolledAt is not before the programme ended (${programme.activeTo.toISOString()})`);
      }
      const beneficiary = await this.visibleBeneficiary(em, org, input.beneficiaryId);
      const own = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
      let partnerId = input.partnerId === undefined || input.partnerId === null ? null : assertId(input.partnerId, "partnerId");
      if (own) {
        if (partnerId !== null && partnerId !== own) throw new ForbiddenError("Field partners enrol as their own partner", "partnerId");
        partnerId = own;
      }
      if (partnerId !== null) {
        const delivers = await em.query(`SELECT 1 FROM programme_partners WHERE organization_id = $1 AND programme_id = $2 AND partner_id = $3`, [org, programme.id, partnerId]);
        if (delivers.length === 0) {
          if (own) throw new ForbiddenError("Field partners enrol only in programmes their partner delivers", "programmeId");
          const known = await em.query(`SELECT 1 FROM partners WHERE organization_id = $1 AND id = $2`, [org, partnerId]);
          if (known.length === 0) throw new NotFoundError("Partner", "partnerId");
          throw new BadInputError("partnerId", "the partner does not deliver this programme");
        }
      }
      // Enrolled already: say by whom, so that a field partner whose person the organization enrolled (without a partner) knows why.
      const [by] = await em.query(`SELECT partner_id FROM programme_enrolments WHERE organization_id = $1 AND programme_id = $2 AND beneficiary_id = $3`, [org, programme.id, beneficiary]);
      if (by) {
        const who = by.partner_id === null ? "by the organization, without a partner" : by.partner_id === partnerId ? "by this partner" : "by another partner";
        throw new ConflictError("beneficiaryId", `the beneficiary is enrolled in this programme already (${who})`);
      }
      try {
        const [row] = await em.query(
          `INSERT INTO programme_enrolments (organization_id, programme_id, beneficiary_id, partner_id, enrolled_at) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
          [org, programme.id, beneficiary, partnerId, enrolledAt],
        );
        this.sc.loaders.enrolmentsByBeneficiary.clear({ organizationId: org, id: beneficiary });
        return hydrate(em, ProgrammeEnrolment, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_programme_enrolments_beneficiary")) throw new ConflictError("beneficiaryId", "the beneficiary is enrolled in this programme already");
        throw error;
      }
    });
  }

  /** Removes an enrolment (the audit log keeps it). A field partner removes only enrolments its partner made. */
  async unenrol(input: UnenrolBeneficiaryInput): Promise<ProgrammeEnrolment> {
    this.sc.access.requirePersonLevel("beneficiaryId");
    return this.em.transaction(async (em) => {
      const programme = await this.find(em, input.programmeId, "programmeId");
      const org = programme.organizationId;
      this.sc.access.require(org, ROLES.submit, "programmeId");
      const beneficiary = await this.visibleBeneficiary(em, org, input.beneficiaryId);
      const own = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
      const rows = await queryRows(
        em,
        `DELETE FROM programme_enrolments WHERE organization_id = $1 AND programme_id = $2 AND beneficiary_id = $3 AND ($4::uuid IS NULL OR partner_id = $4) RETURNING *`,
        [org, programme.id, beneficiary, own],
      );
      if (rows.length === 0) throw new NotFoundError("Enrolment", "beneficiaryId");
      this.sc.loaders.enrolmentsByBeneficiary.clear({ organizationId: org, id: beneficiary });
      return hydrate(em, ProgrammeEnrolment, rows[0]);
    });
  }

  /**
   * A stakeholder of the programme's organization the caller may see (a field partner: one its
   * partner registered), else NOT_FOUND; one that is not a BENEFICIARY is bad input.
   */
  private async visibleBeneficiary(em: EntityManager, org: string, id: string): Promise<string> {
    const partner = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
    const rows = await em.query(
      `SELECT id, kind FROM stakeholders WHERE organization_id = $1 AND id = $2 AND ($3::uuid IS NULL OR registered_by_partner_id = $3)`,
      [org, assertId(id, "beneficiaryId"), partner],
    );
    if (rows.length === 0) throw new NotFoundError("Stakeholder", "beneficiaryId");
    if (rows[0].kind !== "BENEFICIARY") throw new BadInputError("beneficiaryId", "only BENEFICIARY stakeholders can be enrolled in a programme");
    return rows[0].id as string;
  }
}
