import { DataSource, EntityManager } from "typeorm";
import { Stakeholder } from "./stakeholder.entity";
import { StageTransition } from "./stage-transition.entity";
import { Interaction } from "./interaction.entity";
import { CreateStakeholderInput, MoveStakeholderInput, RecordInteractionInput, StakeholderFilter, UpdateStakeholderInput } from "./stakeholder.inputs";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, assertNotFuture, cleanName } from "../../common/validation";
import type { Loaders } from "../../context";

const clean = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : v.trim() || null);

export class StakeholderService {
  constructor(
    private readonly db: DataSource,
    private readonly loaders: Loaders,
  ) {}

  async get(id: string, field = "id"): Promise<Stakeholder> {
    const rows = await this.db.query(`SELECT * FROM stakeholders WHERE id = $1`, [assertId(id, field)]);
    if (rows.length === 0) throw new NotFoundError("Stakeholder", field);
    return hydrate(this.db, Stakeholder, rows[0]);
  }

  /** One organization's stakeholders, oldest first, keyset-paginated on (created_at, id). */
  async list(organizationId: string, filter: StakeholderFilter | undefined, first?: number | null, after?: string | null): Promise<Page<Stakeholder>> {
    const org = assertId(organizationId, "organizationId");
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const f = filter ?? {};
    const params: unknown[] = [org];
    const where = ["s.organization_id = $1"];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace("?", `$${params.length}`));
    };
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
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT s.*, ${micros("s.created_at")} AS __micros FROM stakeholders s
        WHERE ${where.join(" AND ")} ORDER BY s.created_at, s.id LIMIT $${params.length}`,
      params,
    );
    const exists = rows.length > 0 || cursor ? null : this.assertOrganization(org);
    if (exists) await exists;
    return toPage(
      rows.map((r) => ({ node: hydrate(this.db, Stakeholder, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.db.query(`SELECT count(*) AS n FROM stakeholders s WHERE ${filterSql}`, filterParams))[0].n),
    );
  }

  async create(input: CreateStakeholderInput): Promise<Stakeholder> {
    const org = assertId(input.organizationId, "organizationId");
    const externalRef = cleanName(input.externalRef, "externalRef", 120);
    const enteredAt = input.enteredAt ?? new Date();
    if (input.enteredAt) assertNotFuture(input.enteredAt, "enteredAt");
    if (input.enteredAt && !input.stageId) throw new BadInputError("enteredAt", "enteredAt needs a stageId");
    return this.db.transaction(async (em) => {
      await this.assertOrganization(org, em);
      const stage = input.stageId ? await this.stageFor(em, org, input.kind, input.stageId, "stageId") : null;
      let row: Record<string, unknown>;
      try {
        [row] = await em.query(
          `INSERT INTO stakeholders (organization_id, kind, external_ref, gender, age_band, region, segment, current_stage_id, current_stage_entered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
          [org, input.kind, externalRef, input.gender ?? null, input.ageBand ?? null, clean(input.region) ?? null, clean(input.segment) ?? null, stage, stage ? enteredAt : null],
        );
      } catch (error) {
        if (isUniqueViolation(error, "uq_stakeholders_external_ref")) {
          throw new ConflictError("externalRef", `a ${input.kind.toLowerCase()} with external reference "${externalRef}" exists already`);
        }
        throw error;
      }
      if (stage) {
        await em.query(
          `INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, from_stage_id, to_stage_id, occurred_at) VALUES ($1, $2, $3, NULL, $4, $5)`,
          [org, row.id, input.kind, stage, enteredAt],
        );
      }
      return hydrate(em, Stakeholder, row);
    });
  }

  async update(input: UpdateStakeholderInput): Promise<Stakeholder> {
    const id = assertId(input.id, "id");
    const externalRef = input.externalRef === undefined || input.externalRef === null ? null : cleanName(input.externalRef, "externalRef", 120);
    const sets: string[] = ["updated_at = now()"];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (externalRef !== null) set("external_ref", externalRef);
    if (input.gender !== undefined) set("gender", input.gender);
    if (input.ageBand !== undefined) set("age_band", input.ageBand);
    if (input.region !== undefined) set("region", clean(input.region));
    if (input.segment !== undefined) set("segment", clean(input.segment));
    try {
      const rows = await queryRows(this.db, `UPDATE stakeholders SET ${sets.join(", ")} WHERE id = $1 RETURNING *`, params);
      if (rows.length === 0) throw new NotFoundError("Stakeholder", "id");
      return hydrate(this.db, Stakeholder, rows[0]);
    } catch (error) {
      if (isUniqueViolation(error, "uq_stakeholders_external_ref")) throw new ConflictError("externalRef", `external reference "${externalRef}" is taken`);
      throw error;
    }
  }

  /**
   * Records that a stakeholder entered a stage at `occurredAt` (default now). The
   * stage must belong to the stakeholder's own lifecycle. A back-dated transition
   * is slotted into the journey: the next transition then starts from the new
   * stage, and the current stage is always the latest transition's.
   */
  async move(input: MoveStakeholderInput): Promise<StageTransition> {
    const id = assertId(input.stakeholderId, "stakeholderId");
    const occurredAt = input.occurredAt ?? new Date();
    assertNotFuture(occurredAt, "occurredAt");
    return this.db.transaction(async (em) => {
      const found = await em.query(`SELECT * FROM stakeholders WHERE id = $1 FOR UPDATE`, [id]);
      if (found.length === 0) throw new NotFoundError("Stakeholder", "stakeholderId");
      const stakeholder = hydrate(em, Stakeholder, found[0]);
      const stageId = await this.stageFor(em, stakeholder.organizationId, stakeholder.kind, input.stageId, "stageId");
      const org = stakeholder.organizationId;
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
        `INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, from_stage_id, to_stage_id, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [org, id, stakeholder.kind, fromStage, stageId, occurredAt],
      );
      if (after) {
        await em.query(`UPDATE stage_transitions SET from_stage_id = $3 WHERE organization_id = $1 AND id = $2`, [org, after.id, stageId]);
      } else {
        await em.query(
          `UPDATE stakeholders SET current_stage_id = $3, current_stage_entered_at = $4, updated_at = now() WHERE organization_id = $1 AND id = $2`,
          [org, id, stageId, occurredAt],
        );
      }
      this.loaders.stakeholderById.clear({ organizationId: org, id });
      return hydrate(em, StageTransition, row);
    });
  }

  async recordInteraction(input: RecordInteractionInput): Promise<Interaction> {
    const id = assertId(input.stakeholderId, "stakeholderId");
    const touchpointId = assertId(input.touchpointId, "touchpointId");
    const occurredAt = input.occurredAt ?? new Date();
    assertNotFuture(occurredAt, "occurredAt");
    return this.db.transaction(async (em) => {
      const found = await em.query(`SELECT organization_id, kind FROM stakeholders WHERE id = $1`, [id]);
      if (found.length === 0) throw new NotFoundError("Stakeholder", "stakeholderId");
      const { organization_id: org, kind } = found[0];
      const tps = await em.query(`SELECT kind FROM touchpoints WHERE organization_id = $1 AND id = $2`, [org, touchpointId]);
      if (tps.length === 0) throw new BadInputError("touchpointId", "no touchpoint with this id in the stakeholder's organization");
      if (tps[0].kind !== kind) {
        throw new BadInputError("touchpointId", `the touchpoint is in the ${tps[0].kind} lifecycle; the stakeholder is a ${kind}`);
      }
      const [row] = await em.query(
        `INSERT INTO interactions (organization_id, stakeholder_id, touchpoint_id, kind, occurred_at, note) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [org, id, touchpointId, kind, occurredAt, input.note?.trim() || null],
      );
      return hydrate(em, Interaction, row);
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

  private async assertOrganization(org: string, em?: EntityManager): Promise<void> {
    const rows = await (em ?? this.db).query(`SELECT 1 FROM organizations WHERE id = $1`, [org]);
    if (rows.length === 0) throw new NotFoundError("Organization", "organizationId");
  }
}
