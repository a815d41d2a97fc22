import { EntityManager } from "typeorm";
import { Field, ID, InputType } from "type-graphql";
import { ArrayMaxSize, IsIn, IsOptional, IsUUID, MaxLength } from "class-validator";
import { ExperienceGoal, Intervention } from "./goal.entity";
import { ROLES } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { InterventionStatus } from "../../common/enums";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, cleanName, IsCalendarDate, NotBlank } from "../../common/validation";
import { hydrate, hydrateAll, queryRows } from "../../database/rows";
import { Metric } from "../metric/metric.entity";
import { MetricResult } from "../impact/impact.types";
import { metricValues } from "../impact/metric-values";
import { attainment } from "../impact/attainment";
import { fromFixed, toFixed } from "../../common/decimal";
import { PeriodArgs, resolvePeriod } from "../../common/periods";
import { classifyIntervention, difference, EMPTY_SUMS, hasStarted, notEnough, Timeliness, windowScore, WindowSums } from "./delivery";
import { GoalDeliveryReport, InterventionDelivery, InterventionEffect } from "./delivery.types";
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

/** Goals one goalDelivery answer covers at most. */
export const MAX_GOALS = 100;
/** Answers a window needs for a score. */
export const MINIMUM_ANSWERS = 10;

interface InterventionRow extends Record<string, unknown> {
  goal_id: string;
  start_at: Date;
  end_at: Date;
}

interface WindowRow {
  id: string;
  side: "before" | "after";
  promoters: string;
  passives: string;
  detractors: string;
  rating_n: string;
  rating_sum: string | null;
  rating_sq: string | null;
  effort_n: string;
  effort_sum: string | null;
  effort_sq: string | null;
}

export class GoalDeliveryService {
  constructor(private readonly sc: ServiceContext) {}

  /**
   * Whether the organization's experience goals (or one) are delivered over a period: the input
   * KPIs' attainment, the interventions on time / late / not started at the period's end, and per
   * started intervention the experience at the goal's touchpoint (its stage when it has none) in the
   * `windowDays` days before its start day and the `windowDays` days from it on. Admins and staff.
   * Six statements whatever the number of goals.
   */
  async report(organizationId: string, periodArgs: PeriodArgs, goalId: string | null | undefined, windowDays: number): Promise<GoalDeliveryReport> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 365) throw new BadInputError("windowDays", "windowDays must be a whole number of days from 1 to 365");
    const period = await resolvePeriod(this.sc.em, this.sc.access, org, periodArgs);
    const em = this.sc.em;
    const goalRows: Record<string, unknown>[] = await em.query(
      `SELECT * FROM experience_goals WHERE organization_id = $1 AND ($2::uuid IS NULL OR id = $2) ORDER BY created_at, id LIMIT ${MAX_GOALS}`,
      [org, goalId ? assertId(goalId, "goalId") : null],
    );
    if (goalId && goalRows.length === 0) throw new NotFoundError("Experience goal", "goalId");
    const goals = hydrateAll(em, ExperienceGoal, goalRows);
    const ids = goals.map((g) => g.id);
    const [metricRows, interventionRows]: [Record<string, unknown>[], InterventionRow[]] = await Promise.all([
      em.query(
        `SELECT l.goal_id AS __goal, m.* FROM experience_goal_metrics l JOIN metrics m ON m.organization_id = l.organization_id AND m.id = l.metric_id
          WHERE l.organization_id = $1 AND l.goal_id = ANY($2::uuid[]) ORDER BY m.created_at, m.id`,
        [org, ids],
      ),
      // An intervention's start day begins at its midnight in the organization's time zone; its end day ends at the next midnight.
      em.query(
        `SELECT i.*, i.starts_on::text AS starts_on, i.ends_on::text AS ends_on,
                i.starts_on::timestamp AT TIME ZONE o.time_zone AS start_at, (i.ends_on + 1)::timestamp AT TIME ZONE o.time_zone AS end_at
           FROM interventions i JOIN organizations o ON o.id = i.organization_id
          WHERE i.organization_id = $1 AND i.goal_id = ANY($2::uuid[]) ORDER BY i.starts_on, i.id`,
        [org, ids],
      ),
    ]);
    // KPIs: the period as one bucket (src/modules/impact/metric-values.ts), attainment from the baseline to the target.
    const metrics = new Map<string, Metric>();
    const metricsOf = new Map<string, Metric[]>();
    for (const r of metricRows) {
      const m = metrics.get(String(r.id)) ?? hydrate(em, Metric, r);
      metrics.set(m.id, m);
      metricsOf.set(String(r.__goal), [...(metricsOf.get(String(r.__goal)) ?? []), m]);
    }
    const values = await metricValues(em, org, [...metrics.values()], [{ from: period.from, to: period.to }]);
    const started = interventionRows.filter((r) => hasStarted(r.status as InterventionStatus, new Date(r.start_at), period.to));
    const sums = await this.windowSums(org, started, windowDays);
    const day = 24 * 3600 * 1000;
    const num = (v: string | null) => (v === null ? null : Number(v));
    return {
      from: period.from,
      to: period.to,
      windowDays,
      minimumAnswers: MINIMUM_ANSWERS,
      goals: goals.map((goal) => {
        const kpis: MetricResult[] = (metricsOf.get(goal.id) ?? []).map((metric) => {
          const v = values.get(metric.id)![0];
          const baseline = metric.baselineValue === null ? null : fromFixed(toFixed(metric.baselineValue));
          return {
            metric,
            actual: v.actual,
            target: v.target,
            baseline,
            attainment: attainment(num(v.actual), num(v.target), num(metric.baselineValue), metric.direction),
            observations: v.observations,
            sampleSize: v.sampleSize,
            derivedFromDimension: v.derivedFromDimension,
            suppressed: false,
          };
        });
        const attained = kpis.filter((k) => k.attainment !== null).map((k) => k.attainment as number);
        const interventions: InterventionDelivery[] = interventionRows
          .filter((r) => r.goal_id === goal.id)
          .map((r) => {
            const intervention = hydrate(em, Intervention, r);
            const startAt = new Date(r.start_at);
            const { timeliness, reason } = classifyIntervention(intervention.status, startAt, new Date(r.end_at), period.to, intervention.startsOn, intervention.endsOn);
            let effect: InterventionEffect | null = null;
            if (hasStarted(intervention.status, startAt, period.to)) {
              const s = sums.get(intervention.id);
              const before = windowScore(s?.before ?? EMPTY_SUMS, new Date(startAt.getTime() - windowDays * day), startAt, MINIMUM_ANSWERS);
              const after = windowScore(s?.after ?? EMPTY_SUMS, startAt, new Date(startAt.getTime() + windowDays * day), MINIMUM_ANSWERS);
              const d = difference(before, after);
              effect = { before, after, difference: d.difference, differenceLow: d.low, differenceHigh: d.high, note: notEnough(before, after, MINIMUM_ANSWERS) };
            }
            return { intervention, timeliness, reason, effect };
          });
        const count = (t: Timeliness) => interventions.filter((i) => i.timeliness === t).length;
        return {
          goal,
          scoredAt: goal.touchpointId ? "TOUCHPOINT" : "STAGE",
          kpis,
          kpiAttainment: attained.length ? Math.round((attained.reduce((a, b) => a + b, 0) / attained.length) * 100) / 100 : null,
          interventionCounts: { onTime: count(Timeliness.ON_TIME), late: count(Timeliness.LATE), notStarted: count(Timeliness.NOT_STARTED), cancelled: count(Timeliness.CANCELLED) },
          interventions,
        };
      }),
    };
  }

  /**
   * Per started intervention, the answers at its goal's touchpoint (or stage, when the goal has no
   * touchpoint) collected in [start − w, start) and [start, start + w): NPS answers by class, and
   * the count, sum and sum of squares of the responses' rating and effort scores (0..100, each
   * response once with the mean of its answers of that type, as experience_stays keeps them: read
   * from its index by kind, measure and time, not answer by answer). One statement.
   */
  private async windowSums(org: string, started: InterventionRow[], windowDays: number): Promise<Map<string, { before: WindowSums; after: WindowSums }>> {
    const out = new Map<string, { before: WindowSums; after: WindowSums }>();
    if (started.length === 0) return out;
    const rows: WindowRow[] = await this.sc.em.query(
      `WITH w AS (
         SELECT i.id, v.side, v.lo, v.hi, g.touchpoint_id, g.stage_id, coalesce(t.kind, st.kind) AS kind
           FROM interventions i
           JOIN experience_goals g ON g.organization_id = i.organization_id AND g.id = i.goal_id
           LEFT JOIN touchpoints t ON t.organization_id = g.organization_id AND t.id = g.touchpoint_id
           LEFT JOIN stages st ON st.organization_id = g.organization_id AND st.id = g.stage_id
           JOIN unnest($2::uuid[], $3::timestamptz[]) AS s(id, start_at) ON s.id = i.id
           CROSS JOIN LATERAL (VALUES ('before', s.start_at - $4 * interval '1 day', s.start_at), ('after', s.start_at, s.start_at + $4 * interval '1 day')) AS v(side, lo, hi)
          WHERE i.organization_id = $1),
       e AS (
         SELECT w.id AS iid, w.side, e.measure, e.value
           FROM w CROSS JOIN unnest('{NPS,RATING,EFFORT}'::varchar[]) AS m (measure)
           JOIN experience_stays e ON e.organization_id = $1 AND e.kind = w.kind AND e.measure = m.measure AND e.collected_at >= w.lo AND e.collected_at < w.hi
          WHERE CASE WHEN w.touchpoint_id IS NOT NULL THEN e.touchpoint_id = w.touchpoint_id ELSE e.stage_id = w.stage_id END)
       SELECT k.id, k.side, coalesce(x.promoters, 0) AS promoters, coalesce(x.passives, 0) AS passives, coalesce(x.detractors, 0) AS detractors,
              coalesce(x.rating_n, 0) AS rating_n, x.rating_sum, x.rating_sq, coalesce(x.effort_n, 0) AS effort_n, x.effort_sum, x.effort_sq
         FROM (SELECT DISTINCT id, side FROM w) k
         LEFT JOIN (SELECT iid, side,
                           count(*) FILTER (WHERE measure = 'NPS' AND value >= 9) AS promoters, count(*) FILTER (WHERE measure = 'NPS' AND value BETWEEN 7 AND 8) AS passives,
                           count(*) FILTER (WHERE measure = 'NPS' AND value <= 6) AS detractors,
                           count(*) FILTER (WHERE measure = 'RATING') AS rating_n, sum(value) FILTER (WHERE measure = 'RATING') AS rating_sum,
                           sum(value * value) FILTER (WHERE measure = 'RATING') AS rating_sq, count(*) FILTER (WHERE measure = 'EFFORT') AS effort_n,
                           sum(value) FILTER (WHERE measure = 'EFFORT') AS effort_sum, sum(value * value) FILTER (WHERE measure = 'EFFORT') AS effort_sq
                      FROM e GROUP BY iid, side) x ON x.iid = k.id AND x.side = k.side`,
      [org, started.map((r) => r.id), started.map((r) => r.start_at), windowDays],
    );
    for (const r of rows) {
      const sums: WindowSums = {
        promoters: Number(r.promoters),
        passives: Number(r.passives),
        detractors: Number(r.detractors),
        rating: { n: Number(r.rating_n), sum: Number(r.rating_sum ?? 0), squares: Number(r.rating_sq ?? 0) },
        effort: { n: Number(r.effort_n), sum: Number(r.effort_sum ?? 0), squares: Number(r.effort_sq ?? 0) },
      };
      const entry = out.get(r.id) ?? { before: EMPTY_SUMS, after: EMPTY_SUMS };
      entry[r.side] = sums;
      out.set(r.id, entry);
    }
    return out;
  }
}
