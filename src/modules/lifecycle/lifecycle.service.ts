import { DataSource, EntityManager } from "typeorm";
import { Lifecycle } from "./lifecycle.entity";
import { Stage } from "./stage.entity";
import { AddStageInput, MAX_STAGES, ReorderStagesInput, UpdateLifecycleInput, UpdateStageInput } from "./lifecycle.inputs";
import { FunnelStage, LifecycleFunnel } from "./funnel.types";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { StakeholderKind } from "../../common/enums";
import { hydrate, hydrateAll, isUniqueViolation, queryRows } from "../../database/rows";
import { assertId, assertPeriod, cleanName } from "../../common/validation";
import type { Loaders } from "../../context";

export class LifecycleService {
  constructor(
    private readonly db: DataSource,
    private readonly loaders: Loaders,
  ) {}

  async getStage(id: string, field = "id"): Promise<Stage> {
    const rows = await this.db.query(`SELECT * FROM stages WHERE id = $1`, [assertId(id, field)]);
    if (rows.length === 0) throw new NotFoundError("Stage", field);
    return hydrate(this.db, Stage, rows[0]);
  }

  async getLifecycle(id: string, field = "id"): Promise<Lifecycle> {
    const rows = await this.db.query(`SELECT * FROM lifecycles WHERE id = $1`, [assertId(id, field)]);
    if (rows.length === 0) throw new NotFoundError("Lifecycle", field);
    return hydrate(this.db, Lifecycle, rows[0]);
  }

  async updateLifecycle(input: UpdateLifecycleInput): Promise<Lifecycle> {
    const name = cleanName(input.name, "name", 120);
    const rows = await queryRows(this.db, `UPDATE lifecycles SET name = $2 WHERE id = $1 RETURNING *`, [assertId(input.id, "id"), name]);
    if (rows.length === 0) throw new NotFoundError("Lifecycle", "id");
    return hydrate(this.db, Lifecycle, rows[0]);
  }

  /** Adds a stage at a position (default: last); later stages move down one. */
  async addStage(input: AddStageInput): Promise<Stage> {
    const name = cleanName(input.name, "name", 120);
    const lifecycleId = assertId(input.lifecycleId, "lifecycleId");
    return this.db.transaction(async (em) => {
      const lifecycle = await this.lockLifecycle(em, lifecycleId, "lifecycleId");
      const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM stages WHERE organization_id = $1 AND lifecycle_id = $2`, [
        lifecycle.organizationId,
        lifecycle.id,
      ]);
      if (n >= MAX_STAGES) throw new BadInputError("lifecycleId", `a lifecycle has at most ${MAX_STAGES} stages`);
      const position = input.position === undefined || input.position === null ? n : input.position;
      if (position > n) throw new BadInputError("position", `position must be between 0 and ${n}`);
      await em.query(`UPDATE stages SET position = position + 1 WHERE organization_id = $1 AND lifecycle_id = $2 AND position >= $3`, [
        lifecycle.organizationId,
        lifecycle.id,
        position,
      ]);
      try {
        const [row] = await em.query(
          `INSERT INTO stages (organization_id, lifecycle_id, kind, name, position, impact_mode) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
          [lifecycle.organizationId, lifecycle.id, lifecycle.kind, name, position, input.impactMode ?? null],
        );
        return hydrate(em, Stage, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_stages_name")) throw new ConflictError("name", `the lifecycle already has a stage named "${name}"`);
        throw error;
      }
    });
  }

  async updateStage(input: UpdateStageInput): Promise<Stage> {
    const id = assertId(input.id, "id");
    const name = input.name === undefined || input.name === null ? null : cleanName(input.name, "name", 120);
    const setMode = input.impactMode !== undefined;
    try {
      const rows = await queryRows(
        this.db,
        `UPDATE stages SET name = coalesce($2, name), impact_mode = CASE WHEN $3 THEN $4::impact_mode ELSE impact_mode END
          WHERE id = $1 RETURNING *`,
        [id, name, setMode, input.impactMode ?? null],
      );
      if (rows.length === 0) throw new NotFoundError("Stage", "id");
      return hydrate(this.db, Stage, rows[0]);
    } catch (error) {
      if (isUniqueViolation(error, "uq_stages_name")) throw new ConflictError("name", `the lifecycle already has a stage named "${name}"`);
      throw error;
    }
  }

  /** Puts the stages of a lifecycle in a new order; `stageIds` must list each of them exactly once. */
  async reorderStages(input: ReorderStagesInput): Promise<Lifecycle> {
    const lifecycleId = assertId(input.lifecycleId, "lifecycleId");
    const ids = input.stageIds.map((id) => assertId(id, "stageIds"));
    return this.db.transaction(async (em) => {
      const lifecycle = await this.lockLifecycle(em, lifecycleId, "lifecycleId");
      const current: { id: string }[] = await em.query(`SELECT id FROM stages WHERE organization_id = $1 AND lifecycle_id = $2`, [
        lifecycle.organizationId,
        lifecycle.id,
      ]);
      const known = new Set(current.map((r) => r.id));
      if (new Set(ids).size !== ids.length) throw new BadInputError("stageIds", "stageIds lists a stage more than once");
      if (ids.length !== known.size || ids.some((id) => !known.has(id))) {
        throw new BadInputError("stageIds", `stageIds must list every stage of the lifecycle exactly once (${known.size} stages)`);
      }
      // The position constraint is deferred to commit, so the stages can swap places in one statement.
      await em.query(
        `UPDATE stages s SET position = o.ord - 1 FROM unnest($3::uuid[]) WITH ORDINALITY AS o(id, ord)
          WHERE s.organization_id = $1 AND s.lifecycle_id = $2 AND s.id = o.id`,
        [lifecycle.organizationId, lifecycle.id, ids],
      );
      return lifecycle;
    });
  }

  private async lockLifecycle(em: EntityManager, id: string, field: string): Promise<Lifecycle> {
    const rows = await em.query(`SELECT * FROM lifecycles WHERE id = $1 FOR UPDATE`, [id]);
    if (rows.length === 0) throw new NotFoundError("Lifecycle", field);
    return hydrate(em, Lifecycle, rows[0]);
  }

  /**
   * The funnel of one lifecycle over [from, to), in one SQL statement. A "stay" is
   * the time between a stakeholder's transition into a stage and its next
   * transition. Per stage: stakeholders who entered during the period, who left it
   * during the period, who were in it at `to`, who are in it now, and the median
   * length of the stays that ended during the period.
   */
  async funnel(organizationId: string, kind: StakeholderKind, from: Date, to: Date): Promise<LifecycleFunnel> {
    const org = assertId(organizationId, "organizationId");
    assertPeriod(from, to);
    const rows: Record<string, unknown>[] = await this.db.query(
      `WITH stays AS (
         SELECT t.stakeholder_id, t.to_stage_id AS stage_id, t.occurred_at AS started,
                lead(t.occurred_at) OVER (PARTITION BY t.stakeholder_id ORDER BY t.occurred_at, t.id) AS ended
           FROM stage_transitions t
          WHERE t.organization_id = $1 AND t.kind = $2 AND t.occurred_at < $4
       ), per_stage AS (
         SELECT stage_id,
                count(DISTINCT stakeholder_id) FILTER (WHERE started >= $3) AS entered,
                count(DISTINCT stakeholder_id) FILTER (WHERE ended >= $3) AS moved_on,
                count(DISTINCT stakeholder_id) FILTER (WHERE ended IS NULL) AS at_end,
                count(*) FILTER (WHERE ended >= $3) AS completed,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended - started)) FILTER (WHERE ended >= $3) AS median_seconds
           FROM stays GROUP BY stage_id
       ), now_in AS (
         SELECT current_stage_id AS stage_id, count(*) AS n FROM stakeholders
          WHERE organization_id = $1 AND kind = $2 AND current_stage_id IS NOT NULL GROUP BY 1
       )
       SELECT s.*, coalesce(p.entered, 0) AS __entered, coalesce(p.moved_on, 0) AS __moved_on, coalesce(p.at_end, 0) AS __at_end,
              coalesce(p.completed, 0) AS __completed, p.median_seconds AS __median_seconds, coalesce(n.n, 0) AS __now
         FROM stages s
         LEFT JOIN per_stage p ON p.stage_id = s.id
         LEFT JOIN now_in n ON n.stage_id = s.id
        WHERE s.organization_id = $1 AND s.kind = $2
        ORDER BY s.position`,
      [org, kind, from, to],
    );
    if (rows.length === 0) {
      // No stages: either the organization does not exist or its lifecycle is empty.
      await this.loaders.organizationById.load({ organizationId: org, id: org }).then((o) => {
        if (!o) throw new NotFoundError("Organization", "organizationId");
      });
    }
    const stages = hydrateAll(this.db, Stage, rows);
    let previous: number | null = null;
    const out: FunnelStage[] = rows.map((r, i) => {
      const entered = Number(r.__entered);
      const median = r.__median_seconds === null ? null : Number(r.__median_seconds) / 86400;
      const stage: FunnelStage = {
        stage: stages[i],
        entered,
        movedOn: Number(r.__moved_on),
        inStageAtEnd: Number(r.__at_end),
        current: Number(r.__now),
        completedStays: Number(r.__completed),
        medianDaysInStage: median === null ? null : Math.round(median * 1000) / 1000,
        conversionFromPrevious: previous === null || previous === 0 ? null : Math.round((entered / previous) * 10000) / 10000,
      };
      previous = entered;
      this.loaders.stageById.prime({ organizationId: stages[i].organizationId, id: stages[i].id }, stages[i]);
      return stage;
    });
    return { organizationId: org, kind, from, to, stages: out };
  }
}

