import { globalId, organizationGlobalId } from "../../common/global-ids";
import { assertNotErasedRef, erasedError, erasureStatements } from "../../common/personal-data";
import { assertReferences } from "../../common/references";
import { EntityManager } from "typeorm";
import { Stakeholder } from "./stakeholder.entity";
import { StageTransition } from "./stage-transition.entity";
import { Interaction } from "./interaction.entity";
import { StakeholderContact } from "./contact.entity";
import {
  ContactInput,
  CreateStakeholderInput,
  MoveStakeholderInput,
  RecordInteractionInput,
  SetContactInput,
  StakeholderFilter,
  UpdateStakeholderInput,
} from "./stakeholder.inputs";
import { ForbiddenError, ROLES } from "../../common/access";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { StakeholderKind } from "../../common/enums";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, assertNotFuture, cleanName, optionalText } from "../../common/validation";
import type { ServiceContext } from "../../context";

const jsonDocument = (value: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(value));

export class StakeholderService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  /**
   * A stakeholder the caller may see: in its organizations, and for a field partner
   * one its partner registered. Anything else is NOT_FOUND (existence never revealed).
   */
  private async visible(id: string, field: string, lock = false): Promise<Stakeholder> {
    this.sc.access.requirePersonLevel(field);
    const { access } = this.sc;
    const partners = access.isFieldPartner ? access.organizationIds.map((o) => access.partnerIn(o)) : null;
    const rows = await this.em.query(
      `SELECT * FROM stakeholders WHERE organization_id = $1 AND id = $2
          AND ($3::uuid[] IS NULL OR registered_by_partner_id = ANY($3::uuid[]))${lock ? " FOR UPDATE" : ""}`,
      [this.sc.ids.organizationOf(id, "Stakeholder", field), id, partners],
    );
    if (rows.length === 0) throw new NotFoundError("Stakeholder", field);
    return hydrate(this.em, Stakeholder, rows[0]);
  }

  async get(id: string, field = "id"): Promise<Stakeholder> {
    const s = await this.visible(id, field);
    this.sc.access.require(s.organizationId, ROLES.people, field);
    return s;
  }

  /** One organization's stakeholders, oldest first, keyset-paginated on (created_at, id). */
  async list(organizationId: string, filter: StakeholderFilter | undefined, first?: number | null, after?: string | null): Promise<Page<Stakeholder>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.people);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const f = filter ?? {};
    await assertReferences(this.em, org, [{ what: "stage", id: f.stageId, field: "filter.stageId" }]);
    const params: unknown[] = [org];
    const where = ["s.organization_id = $1"];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace("?", `$${params.length}`));
    };
    const partner = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
    if (partner) add("s.registered_by_partner_id = ?", partner);
    if (f.kind) add("s.kind = ?", f.kind);
    if (f.stageId) add("s.current_stage_id = ?", assertId(f.stageId, "filter.stageId"));
    if (f.gender) add("s.gender = ?", f.gender);
    if (f.ageBand) add("s.age_band = ?", f.ageBand);
    if (f.region) add("s.region = ?", f.region.trim());
    if (f.segment) add("s.segment = ?", f.segment.trim());
    if (f.externalRef) add("s.external_ref = ?", f.externalRef.trim());
    const filterSql = where.join(" AND ");
    const filterParams = [...params];
    if (cursor) {
      params.push(cursor.micros, cursor.id);
      where.push(`(s.created_at, s.id) > (${fromMicros(`$${params.length - 1}`)}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows = await this.sc.requestDb.rows(
      `SELECT s.*, ${micros("s.created_at")} AS __micros FROM stakeholders s
        WHERE ${where.join(" AND ")} ORDER BY s.created_at, s.id LIMIT $${params.length}`,
      params,
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Stakeholder, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM stakeholders s WHERE ${filterSql}`, filterParams))[0].n),
    );
  }

  /** Registers a stakeholder. A field partner registers beneficiaries only, as its own. */
  async create(input: CreateStakeholderInput): Promise<Stakeholder> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.submit);
    const partner = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
    if (partner && input.kind !== StakeholderKind.BENEFICIARY) throw new ForbiddenError("Field partners register beneficiaries only", "kind");
    const externalRef = cleanName(input.externalRef, "externalRef", 120);
    assertNotErasedRef(externalRef, "externalRef");
    const enteredAt = input.enteredAt ?? new Date();
    if (input.enteredAt) assertNotFuture(input.enteredAt, "enteredAt");
    if (input.enteredAt && !input.stageId) throw new BadInputError("enteredAt", "enteredAt needs a stageId");
    return this.em.transaction(async (em) => {
      const [taken] = await em.query(`SELECT id, registered_by_partner_id FROM stakeholders WHERE organization_id = $1 AND kind = $2 AND external_ref = $3`, [org, input.kind, externalRef]);
      if (taken) throw registeredAlready(org, input.kind, externalRef, taken, partner);
      const stage = input.stageId ? await this.stageFor(em, org, input.kind, input.stageId, "stageId") : null;
      let row: Record<string, unknown>;
      try {
        [row] = await em.query(
          `INSERT INTO stakeholders (organization_id, kind, external_ref, gender, age_band, region, segment, current_stage_id, current_stage_entered_at, registered_by_partner_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
          [org, input.kind, externalRef, input.gender ?? null, input.ageBand ?? null, optionalText(input.region), optionalText(input.segment), stage, stage ? enteredAt : null, partner],
        );
      } catch (error) {
        if (isUniqueViolation(error, "uq_stakeholders_external_ref")) {
          // Registered by a request running at the same moment: the same answer, without the id (this transaction can't read it now).
          throw new ConflictError("externalRef", `a ${input.kind.toLowerCase()} with external reference "${externalRef}" exists already`);
        }
        throw error;
      }
      if (stage) {
        await em.query(
          `INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, from_stage_id, to_stage_id, occurred_at, recorded_by_partner_id) VALUES ($1, $2, $3, NULL, $4, $5, $6)`,
          [org, row.id, input.kind, stage, enteredAt, partner],
        );
      }
      if (input.contact) await this.writeContact(em, org, String(row.id), input.contact);
      return hydrate(em, Stakeholder, row);
    });
  }

  async update(input: UpdateStakeholderInput): Promise<Stakeholder> {
    const found = await this.visible(input.id, "id");
    this.sc.access.require(found.organizationId, ROLES.staff, "id");
    const externalRef = input.externalRef === undefined || input.externalRef === null ? null : cleanName(input.externalRef, "externalRef", 120);
    if (found.erasedAt) {
      // Free text about an erased person: refused (gender and age band are choices from a list).
      if (externalRef !== null) throw erasedError("externalRef");
      for (const f of ["region", "segment"] as const) if (input[f]) throw erasedError(f);
    }
    if (externalRef !== null && externalRef !== found.externalRef) assertNotErasedRef(externalRef, "externalRef");
    const sets: string[] = ["updated_at = now()"];
    const params: unknown[] = [found.organizationId, found.id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (externalRef !== null) set("external_ref", externalRef);
    if (input.gender !== undefined) set("gender", input.gender);
    if (input.ageBand !== undefined) set("age_band", input.ageBand);
    if (input.region !== undefined) set("region", optionalText(input.region));
    if (input.segment !== undefined) set("segment", optionalText(input.segment));
    return this.em.transaction(async (em) => {
      try {
        const rows = await queryRows(em, `UPDATE stakeholders SET ${sets.join(", ")} WHERE organization_id = $1 AND id = $2 RETURNING *`, params);
        this.sc.loaders.stakeholderById.clear({ organizationId: found.organizationId, id: found.id });
        return hydrate(em, Stakeholder, rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, "uq_stakeholders_external_ref")) throw new ConflictError("externalRef", `external reference "${externalRef}" is taken`);
        throw error;
      }
    });
  }

  /**
   * Records that a stakeholder entered a stage at `occurredAt` (default now). The
   * stage must belong to the stakeholder's own lifecycle. A back-dated transition
   * is slotted into the journey: the next transition then starts from the new
   * stage, and the current stage is always the latest transition's.
   */
  async move(input: MoveStakeholderInput): Promise<StageTransition> {
    const occurredAt = input.occurredAt ?? new Date();
    assertNotFuture(occurredAt, "occurredAt");
    return this.em.transaction(async (em) => {
      const stakeholder = await this.visible(input.stakeholderId, "stakeholderId", true);
      const org = stakeholder.organizationId;
      const id = stakeholder.id;
      this.sc.access.require(org, ROLES.submit, "stakeholderId");
      const partner = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
      const stageId = await this.stageFor(em, org, stakeholder.kind, input.stageId, "stageId");
      const [before] = await em.query(
        `SELECT to_stage_id FROM stage_transitions WHERE organization_id = $1 AND stakeholder_id = $2 AND occurred_at <= $3
          ORDER BY occurred_at DESC, id DESC LIMIT 1`,
        [org, id, occurredAt],
      );
      const [after] = await em.query(
        `SELECT id, to_stage_id FROM stage_transitions WHERE organization_id = $1 AND stakeholder_id = $2 AND occurred_at > $3
          ORDER BY occurred_at, id LIMIT 1`,
        [org, id, occurredAt],
      );
      const fromStage: string | null = before?.to_stage_id ?? null;
      if (fromStage === stageId) throw new BadInputError("stageId", "the stakeholder is already in this stage at that time");
      if (after && after.to_stage_id === stageId) {
        throw new BadInputError("stageId", "the stakeholder's next recorded transition enters this same stage; record a different stage or time");
      }
      const [row] = await em.query(
        `INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, from_stage_id, to_stage_id, occurred_at, recorded_by_partner_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [org, id, stakeholder.kind, fromStage, stageId, occurredAt, partner],
      );
      if (after) {
        await em.query(`UPDATE stage_transitions SET from_stage_id = $3 WHERE organization_id = $1 AND id = $2`, [org, after.id, stageId]);
      } else {
        await em.query(
          `UPDATE stakeholders SET current_stage_id = $3, current_stage_entered_at = $4, updated_at = now() WHERE organization_id = $1 AND id = $2`,
          [org, id, stageId, occurredAt],
        );
      }
      this.sc.loaders.stakeholderById.clear({ organizationId: org, id });
      return hydrate(em, StageTransition, row);
    });
  }

  /** Records a visit to a touchpoint. A field partner records only at touchpoints its partner delivers. */
  async recordInteraction(input: RecordInteractionInput): Promise<Interaction> {
    const touchpointId = assertId(input.touchpointId, "touchpointId");
    const occurredAt = input.occurredAt ?? new Date();
    assertNotFuture(occurredAt, "occurredAt");
    return this.em.transaction(async (em) => {
      const stakeholder = await this.visible(input.stakeholderId, "stakeholderId");
      const org = stakeholder.organizationId;
      this.sc.access.require(org, ROLES.submit, "stakeholderId");
      if (stakeholder.erasedAt && input.note?.trim()) throw erasedError("note");
      const partner = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
      const tps = await em.query(`SELECT kind, partner_id FROM touchpoints WHERE organization_id = $1 AND id = $2`, [org, touchpointId]);
      if (tps.length === 0) throw new BadInputError("touchpointId", "no touchpoint with this id in the stakeholder's organization");
      if (tps[0].kind !== stakeholder.kind) {
        throw new BadInputError("touchpointId", `the touchpoint is in the ${tps[0].kind} lifecycle; the stakeholder is a ${stakeholder.kind}`);
      }
      if (partner && tps[0].partner_id !== partner) throw new ForbiddenError("Field partners record only at touchpoints their partner delivers", "touchpointId");
      const [row] = await em.query(
        `INSERT INTO interactions (organization_id, stakeholder_id, touchpoint_id, kind, occurred_at, note, recorded_by_partner_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [org, stakeholder.id, touchpointId, stakeholder.kind, occurredAt, input.note?.trim() || null, partner],
      );
      return hydrate(em, Interaction, row);
    });
  }

  /** Contact data (admins and staff only). */
  async contact(s: Stakeholder): Promise<StakeholderContact | null> {
    this.sc.access.require(s.organizationId, ROLES.staff, "contact");
    const rows = await this.sc.loaders.contactByStakeholder.load({ organizationId: s.organizationId, id: s.id });
    return rows[0] ?? null;
  }

  /** Sets (replaces) a stakeholder's contact data; all fields null removes it. */
  async setContact(input: SetContactInput): Promise<Stakeholder> {
    const s = await this.visible(input.stakeholderId, "stakeholderId");
    this.sc.access.require(s.organizationId, ROLES.staff, "stakeholderId");
    if (s.erasedAt) throw erasedError("stakeholderId");
    return this.em.transaction(async (em) => {
      await this.writeContact(em, s.organizationId, s.id, input);
      this.sc.loaders.contactByStakeholder.clear({ organizationId: s.organizationId, id: s.id });
      return s;
    });
  }

  private async writeContact(em: EntityManager, org: string, stakeholderId: string, c: ContactInput): Promise<void> {
    const values = [optionalText(c.fullName), optionalText(c.phone), optionalText(c.email), optionalText(c.address)];
    if (values.every((v) => v === null)) {
      await em.query(`DELETE FROM stakeholder_contacts WHERE organization_id = $1 AND stakeholder_id = $2`, [org, stakeholderId]);
      return;
    }
    await em.query(
      `INSERT INTO stakeholder_contacts (organization_id, stakeholder_id, full_name, phone, email, address) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (organization_id, stakeholder_id) DO UPDATE
         SET full_name = excluded.full_name, phone = excluded.phone, email = excluded.email, address = excluded.address, updated_at = now()`,
      [org, stakeholderId, ...values],
    );
  }

  /**
   * Erases a stakeholder's personal data: every column of src/common/personal-data.ts on its rows
   * (contact data, its external reference, interaction notes, comments and free-text answers, the
   * words of its actions and of closing their loops). Its journey, interactions, scores and
   * disaggregation attributes stay, anonymous, so aggregates do not change.
   */
  async forget(id: string): Promise<Stakeholder> {
    const s = await this.visible(id, "id", true);
    this.sc.access.require(s.organizationId, ROLES.staff, "id");
    return this.em.transaction(async (em) => {
      const org = s.organizationId;
      let rows: Record<string, unknown>[] = [];
      try {
        for (const sql of erasureStatements()) rows = await queryRows(em, sql, [org, s.id]);
      } catch (error) {
        // Only a reference registered before "erased-" was refused can hold the pseudonym already.
        if (isUniqueViolation(error, "uq_stakeholders_external_ref")) {
          throw new ConflictError("id", `another ${s.kind.toLowerCase()} has the external reference "erased-${s.id}" this erasure gives; change that one's reference first`);
        }
        throw error;
      }
      this.sc.loaders.stakeholderById.clear({ organizationId: org, id: s.id });
      this.sc.loaders.contactByStakeholder.clear({ organizationId: org, id: s.id });
      return hydrate(em, Stakeholder, rows[0]);
    });
  }

  /** Everything held on one stakeholder, as one JSON document (admins and staff): every personal column of src/common/personal-data.ts is in it. */
  async export(id: string): Promise<Record<string, unknown>> {
    const s = await this.visible(id, "id");
    this.sc.access.require(s.organizationId, ROLES.staff, "id");
    const org = s.organizationId;
    const [[contact], journey, interactions, audit, responses, actions, enrolments, deliveries] = await Promise.all([
      this.em.query(`SELECT full_name, phone, email, address, updated_at FROM stakeholder_contacts WHERE organization_id = $1 AND stakeholder_id = $2`, [org, s.id]),
      this.em.query(
        `SELECT t.occurred_at, f.name AS from_stage, st.name AS to_stage, t.created_at AS recorded_at
           FROM stage_transitions t JOIN stages st ON st.organization_id = t.organization_id AND st.id = t.to_stage_id
           LEFT JOIN stages f ON f.organization_id = t.organization_id AND f.id = t.from_stage_id
          WHERE t.organization_id = $1 AND t.stakeholder_id = $2 ORDER BY t.occurred_at, t.id`,
        [org, s.id],
      ),
      this.em.query(
        `SELECT i.occurred_at, tp.name AS touchpoint, i.note, i.created_at AS recorded_at
           FROM interactions i JOIN touchpoints tp ON tp.organization_id = i.organization_id AND tp.id = i.touchpoint_id
          WHERE i.organization_id = $1 AND i.stakeholder_id = $2 ORDER BY i.occurred_at, i.id`,
        [org, s.id],
      ),
      this.em.query(`SELECT at, operation, action, entity FROM audit_log WHERE organization_id = $1 AND entity_id = $2 ORDER BY at, id`, [org, s.id]),
      this.em.query(
        `SELECT r.id, r.collected_at, r.received_at, sv.name AS survey, r.comment, r.nps,
                coalesce((SELECT json_agg(json_build_object('question', q.key, 'value', coalesce(trim_scale(a.value_number)::text, a.value_text, a.value_bool::text)) ORDER BY q.position)
                            FROM feedback_answers a JOIN survey_questions q ON q.organization_id = a.organization_id AND q.id = a.question_id
                           WHERE a.organization_id = r.organization_id AND a.response_id = r.id), '[]') AS answers
           FROM feedback_responses r JOIN surveys sv ON sv.organization_id = r.organization_id AND sv.id = r.survey_id
          WHERE r.organization_id = $1 AND r.stakeholder_id = $2 ORDER BY r.collected_at, r.id`,
        [org, s.id],
      ),
      this.em.query(
        `SELECT title, description, status, due_at, notes, root_cause, loop_closed_at, loop_message, loop_channel FROM actions WHERE organization_id = $1 AND stakeholder_id = $2 ORDER BY created_at, id`,
        [org, s.id],
      ),
      this.em.query(
        `SELECT e.enrolled_at, p.name AS programme, pa.name AS partner
           FROM programme_enrolments e JOIN programmes p ON p.organization_id = e.organization_id AND p.id = e.programme_id
           LEFT JOIN partners pa ON pa.organization_id = e.organization_id AND pa.id = e.partner_id
          WHERE e.organization_id = $1 AND e.beneficiary_id = $2 ORDER BY e.enrolled_at, e.id`,
        [org, s.id],
      ),
      this.em.query(
        `SELECT d.delivered_at, d.units, p.name AS programme, pa.name AS partner, d.evidence_note, d.created_at AS recorded_at
           FROM deliveries d JOIN programmes p ON p.organization_id = d.organization_id AND p.id = d.programme_id
           LEFT JOIN partners pa ON pa.organization_id = d.organization_id AND pa.id = d.partner_id
          WHERE d.organization_id = $1 AND d.beneficiary_id = $2 ORDER BY d.delivered_at, d.id`,
        [org, s.id],
      ),
    ]);
    // A plain JSON document: dates as ISO strings, whatever the transport.
    return jsonDocument({
      exportedAt: new Date().toISOString(),
      stakeholder: {
        id: globalId("Stakeholder", org, s.id),
        organizationId: organizationGlobalId(org),
        kind: s.kind,
        externalRef: s.externalRef,
        gender: s.gender,
        ageBand: s.ageBand,
        region: s.region,
        segment: s.segment,
        createdAt: s.createdAt,
        erasedAt: s.erasedAt,
      },
      contact: contact
        ? { fullName: contact.full_name, phone: contact.phone, email: contact.email, address: contact.address, updatedAt: contact.updated_at }
        : null,
      journey: journey.map((t: Record<string, unknown>) => ({ occurredAt: t.occurred_at, fromStage: t.from_stage, toStage: t.to_stage, recordedAt: t.recorded_at })),
      interactions: interactions.map((i: Record<string, unknown>) => ({ occurredAt: i.occurred_at, touchpoint: i.touchpoint, note: i.note, recordedAt: i.recorded_at })),
      feedback: responses.map((r: Record<string, unknown>) => ({
        id: globalId("FeedbackResponse", org, String(r.id)),
        survey: r.survey,
        collectedAt: r.collected_at,
        receivedAt: r.received_at,
        nps: r.nps,
        comment: r.comment,
        answers: r.answers,
      })),
      actions: actions.map((a: Record<string, unknown>) => ({
        title: a.title,
        description: a.description,
        status: a.status,
        dueAt: a.due_at,
        notes: a.notes,
        rootCause: a.root_cause,
        loopClosedAt: a.loop_closed_at,
        loopMessage: a.loop_message,
        loopChannel: a.loop_channel,
      })),
      enrolments: enrolments.map((e: Record<string, unknown>) => ({ programme: e.programme, enrolledAt: e.enrolled_at, partner: e.partner })),
      deliveries: deliveries.map((d: Record<string, unknown>) => ({
        programme: d.programme,
        deliveredAt: d.delivered_at,
        units: d.units,
        partner: d.partner,
        evidenceNote: d.evidence_note,
        recordedAt: d.recorded_at,
      })),
      changes: audit.map((a: Record<string, unknown>) => ({ at: a.at, operation: a.operation, action: a.action, entity: a.entity })),
    });
  }

  /** The stage, checked to be in the stakeholder's organization and its kind's lifecycle. */
  private async stageFor(em: EntityManager, org: string, kind: string, stageId: string, field: string): Promise<string> {
    const id = assertId(stageId, field);
    const rows = await em.query(`SELECT kind FROM stages WHERE organization_id = $1 AND id = $2`, [org, id]);
    if (rows.length === 0) throw new BadInputError(field, "no stage with this id in the stakeholder's organization");
    if (rows[0].kind !== kind) {
      throw new BadInputError(field, `the stage is in the ${rows[0].kind} lifecycle; the stakeholder is a ${kind}`);
    }
    return id;
  }
}

/**
 * The answer to registering an external reference that is taken: the id to use instead (as
 * `stakeholderId`) when the caller may see that stakeholder (staff; a field partner for its own
 * beneficiaries); otherwise only that it is taken, and whom to ask.
 */
export function registeredAlready(organizationId: string, kind: string, externalRef: string, taken: { id: string; registered_by_partner_id: string | null }, partner: string | null): ConflictError {
  const what = `a ${kind.toLowerCase()} with external reference "${externalRef}"`;
  if (partner === null || taken.registered_by_partner_id === partner) {
    const existingId = globalId("Stakeholder", organizationId, taken.id);
    return new ConflictError("externalRef", `${what} exists already (id ${existingId}): use it as stakeholderId instead of registering it again`, { existingId });
  }
  return new ConflictError("externalRef", `${what} was registered by the organization's staff or another partner: it can't be registered again, nor used by your key; ask the organization's staff`);
}
