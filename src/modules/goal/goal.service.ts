import { EntityManager } from "typeorm";
import { Field, ID, InputType } from "type-graphql";
import { ArrayMaxSize, IsIn, IsOptional, IsUUID, MaxLength } from "class-validator";
import { ExperienceGoal, Intervention } from "./goal.entity";
import { ROLES } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { InterventionStatus } from "../../common/enums";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, cleanName, IsCalendarDate, NotBlank } from "../../common/validation";
import { hydrate, queryRows } from "../../database/rows";
import type { ServiceContext } from "../../context";

@InputType()
export class CreateExperienceGoalInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field({ description: 'The experience to give, e.g. "the lamp works the day it arrives"' })
  @NotBlank()
  @MaxLength(500)
  statement!: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "stageId must be an ID (UUID)" })
  stageId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "touchpointId must be an ID (UUID)" })
  touchpointId?: string | null;

  @Field(() => [ID], { nullable: true, description: "The input KPIs that tell whether it is delivered" })
  @IsOptional()
  @ArrayMaxSize(20)
  @IsUUID("all", { each: true, message: "metricIds must be IDs (UUID)" })
  metricIds?: string[];
}

@InputType()
export class UpdateExperienceGoalInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @NotBlank()
  @MaxLength(500)
  statement?: string;

  @Field(() => [ID], { nullable: true, description: "Replaces the goal's metrics" })
  @IsOptional()
  @ArrayMaxSize(20)
  @IsUUID("all", { each: true, message: "metricIds must be IDs (UUID)" })
  metricIds?: string[];
}

@InputType()
export class InterventionInput {
  @Field(() => ID)
  @IsUUID("all", { message: "goalId must be an ID (UUID)" })
  goalId!: string;

  @Field()
  @NotBlank()
  @MaxLength(300)
  title!: string;

  @Field(() => ID)
  @IsUUID("all", { message: "ownerAreaId must be an ID (UUID)" })
  ownerAreaId!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  ownerPerson?: string | null;

  @Field({ description: "YYYY-MM-DD, a date that exists" })
  @IsCalendarDate()
  startsOn!: string;

  @Field({ description: "YYYY-MM-DD, a date that exists, on or after startsOn" })
  @IsCalendarDate()
  endsOn!: string;

  @Field(() => InterventionStatus, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(InterventionStatus))
  status?: InterventionStatus;
}

@InputType()
export class UpdateInterventionInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field(() => InterventionStatus, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(InterventionStatus))
  status?: InterventionStatus;

  @Field(() => String, { nullable: true, description: "YYYY-MM-DD, a date that exists, on or after startsOn" })
  @IsOptional()
  @IsCalendarDate()
  endsOn?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  ownerPerson?: string | null;
}

export class GoalService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  async list(organizationId: string, first?: number | null, after?: string | null): Promise<Page<ExperienceGoal>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT g.*, ${micros("g.created_at")} AS __micros FROM experience_goals g
        WHERE g.organization_id = $1 AND ($2::text IS NULL OR (g.created_at, g.id) > (${fromMicros("$2")}, $3::uuid))
        ORDER BY g.created_at, g.id LIMIT $4`,
      [org, cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, ExperienceGoal, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM experience_goals WHERE organization_id = $1`, [org]))[0].n),
    );
  }

  private async goal(id: string, field: string): Promise<ExperienceGoal> {
    const rows = await this.em.query(`SELECT * FROM experience_goals WHERE organization_id = $1 AND id = $2`, [this.sc.ids.organizationOf(id, "Experience goal", field), id]);
    if (rows.length === 0) throw new NotFoundError("Experience goal", field);
    this.sc.access.require(rows[0].organization_id, ROLES.staff, field);
    return hydrate(this.em, ExperienceGoal, rows[0]);
  }

  private async setMetrics(em: EntityManager, org: string, goalId: string, metricIds: string[]): Promise<void> {
    const ids = [...new Set(metricIds.map((m) => assertId(m, "metricIds")))];
    const found = await em.query(`SELECT id FROM metrics WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, ids]);
    if (found.length !== ids.length) throw new BadInputError("metricIds", "every metric must be one of the organization's");
    await em.query(`DELETE FROM experience_goal_metrics WHERE organization_id = $1 AND goal_id = $2`, [org, goalId]);
    await em.query(`INSERT INTO experience_goal_metrics (organization_id, goal_id, metric_id) SELECT $1, $2, unnest($3::uuid[])`, [org, goalId, ids]);
  }

  async create(input: CreateExperienceGoalInput): Promise<ExperienceGoal> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    const statement = cleanName(input.statement, "statement", 500);
    if (!input.stageId && !input.touchpointId) throw new BadInputError("stageId", "a goal is set at a stage or a touchpoint");
    return this.em.transaction(async (em) => {
      const found: Record<string, { kind: string; stage_id: string | null; name: string }> = {};
      for (const [field, table] of [
        ["stageId", "stages"],
        ["touchpointId", "touchpoints"],
      ] as const) {
        const id = input[field];
        if (!id) continue;
        const r = await em.query(`SELECT kind, ${table === "stages" ? "NULL" : "stage_id"} AS stage_id, name FROM ${table} WHERE organization_id = $1 AND id = $2`, [org, assertId(id, field)]);
        if (r.length === 0) throw new BadInputError(field, `no ${table === "stages" ? "stage" : "touchpoint"} with this id in the organization`);
        found[field] = r[0];
      }
      // A goal at a stage and a touchpoint: the touchpoint must be one of that stage's.
      const stage = found.stageId;
      const touchpoint = found.touchpointId;
      if (stage && touchpoint && touchpoint.stage_id !== input.stageId!.toLowerCase()) {
        throw new BadInputError(
          "touchpointId",
          touchpoint.kind !== stage.kind
            ? `the touchpoint is in the ${touchpoint.kind} lifecycle; the stage is in the ${stage.kind} lifecycle`
            : `the touchpoint "${touchpoint.name}" is not in the stage "${stage.name}"`,
        );
      }
      const [row] = await em.query(`INSERT INTO experience_goals (organization_id, statement, stage_id, touchpoint_id) VALUES ($1, $2, $3, $4) RETURNING *`, [
        org,
        statement,
        input.stageId?.toLowerCase() ?? null,
        input.touchpointId?.toLowerCase() ?? null,
      ]);
      if (input.metricIds?.length) await this.setMetrics(em, org, row.id, input.metricIds);
      return hydrate(em, ExperienceGoal, row);
    });
  }

  async update(input: UpdateExperienceGoalInput): Promise<ExperienceGoal> {
    const goal = await this.goal(input.id, "id");
    const statement = input.statement === undefined || input.statement === null ? null : cleanName(input.statement, "statement", 500);
    return this.em.transaction(async (em) => {
      const rows = await queryRows(em, `UPDATE experience_goals SET statement = coalesce($3, statement), updated_at = now() WHERE organization_id = $1 AND id = $2 RETURNING *`, [
        goal.organizationId,
        goal.id,
        statement,
      ]);
      if (input.metricIds) await this.setMetrics(em, goal.organizationId, goal.id, input.metricIds);
      this.sc.loaders.metricsByGoal.clear({ organizationId: goal.organizationId, id: goal.id });
      return hydrate(em, ExperienceGoal, rows[0]);
    });
  }

  async addIntervention(input: InterventionInput): Promise<Intervention> {
    const goal = await this.goal(input.goalId, "goalId");
    const title = cleanName(input.title, "title", 300);
    if (input.endsOn < input.startsOn) throw new BadInputError("endsOn", "endsOn must be on or after startsOn");
    return this.em.transaction(async (em) => {
      const area = await em.query(`SELECT 1 FROM functional_areas WHERE organization_id = $1 AND id = $2`, [goal.organizationId, assertId(input.ownerAreaId, "ownerAreaId")]);
      if (area.length === 0) throw new BadInputError("ownerAreaId", "no functional area with this id in the organization");
      const [row] = await em.query(
        `INSERT INTO interventions (organization_id, goal_id, title, owner_area_id, owner_person, starts_on, ends_on, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [goal.organizationId, goal.id, title, input.ownerAreaId.toLowerCase(), input.ownerPerson?.trim() || null, input.startsOn, input.endsOn, input.status ?? "PLANNED"],
      );
      return hydrate(em, Intervention, row);
    });
  }

  async updateIntervention(input: UpdateInterventionInput): Promise<Intervention> {
    const rows = await this.em.query(`SELECT * FROM interventions WHERE organization_id = $1 AND id = $2`, [this.sc.ids.organizationOf(input.id, "Intervention", "id"), input.id]);
    if (rows.length === 0) throw new NotFoundError("Intervention", "id");
    const org = rows[0].organization_id as string;
    this.sc.access.require(org, ROLES.staff, "id");
    if (input.endsOn && input.endsOn < String(rows[0].starts_on)) throw new BadInputError("endsOn", "endsOn must be on or after startsOn");
    return this.em.transaction(async (em) => {
      const updated = await queryRows(
        em,
        `UPDATE interventions SET status = coalesce($3, status), ends_on = coalesce($4::date, ends_on),
                owner_person = CASE WHEN $5 THEN $6 ELSE owner_person END, updated_at = now()
          WHERE organization_id = $1 AND id = $2 RETURNING *`,
        [org, rows[0].id, input.status ?? null, input.endsOn ?? null, input.ownerPerson !== undefined, input.ownerPerson?.trim() || null],
      );
      return hydrate(em, Intervention, updated[0]);
    });
  }
}
