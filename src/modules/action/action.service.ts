import { EntityManager } from "typeorm";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Action, ActionRule } from "./action.entity";
import { ActionFilter, CloseLoopInput, CreateActionInput, CreateActionRuleInput, UpdateActionInput, UpdateActionRuleInput } from "./action.inputs";
import { applyRules } from "./rules";
import { FunctionalArea } from "../functional-area/functional-area.entity";
import { ROLES } from "../../common/access";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { ActionRuleKind, ActionStatus } from "../../common/enums";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, assertNotFuture, assertPeriod, cleanName } from "../../common/validation";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import type { ServiceContext } from "../../context";

@ObjectType({ description: "Follow-up actions of one owner" })
export class OwnerActions {
  @Field(() => FunctionalArea)
  owner!: FunctionalArea;

  @Field(() => Int, { description: "Open (OPEN or IN_PROGRESS) now" })
  open!: number;

  @Field(() => Int, { description: "Open and past due now" })
  overdue!: number;

  @Field(() => Int, { description: "Due in the period, loop closed by the due date" })
  closedOnTime!: number;

  @Field(() => Int, { description: "Due in the period, loop closed after the due date" })
  closedLate!: number;

  @Field(() => Int, { description: "Due in the period (and already due), loop not closed" })
  notClosed!: number;

  @Field(() => Float, { nullable: true, description: "closedOnTime / (due in the period and already due), 0..100" })
  onTimeRate!: number | null;
}

@ObjectType({ description: "Follow-up actions per owner over [from, to) (by due date)" })
export class ActionSummary {
  @Field(() => ID)
  organizationId!: string;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => [OwnerActions], { description: "Worst on-time rate first" })
  owners!: OwnerActions[];
}

export class ActionService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  private async find(id: string, field: string, lock = false): Promise<Action> {
    const rows = await this.em.query(`SELECT * FROM actions WHERE id = $1 AND organization_id = ANY($2::uuid[])${lock ? " FOR UPDATE" : ""}`, [
      assertId(id, field),
      this.sc.access.organizationIds,
    ]);
    if (rows.length === 0) throw new NotFoundError("Action", field);
    this.sc.access.require(rows[0].organization_id, ROLES.staff, field);
    return hydrate(this.em, Action, rows[0]);
  }

  async get(id: string): Promise<Action> {
    return this.find(id, "id");
  }

  private async areaIn(em: EntityManager, org: string, id: string, field: string): Promise<string> {
    const r = await em.query(`SELECT 1 FROM functional_areas WHERE organization_id = $1 AND id = $2`, [org, assertId(id, field)]);
    if (r.length === 0) throw new BadInputError(field, "no functional area with this id in the organization");
    return id.toLowerCase();
  }

  async create(input: CreateActionInput): Promise<Action> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    const title = cleanName(input.title, "title", 300);
    return this.em.transaction(async (em) => {
      const area = await this.areaIn(em, org, input.ownerAreaId, "ownerAreaId");
      let stakeholderId = input.stakeholderId?.toLowerCase() ?? null;
      let kind: string | null = null;
      let touchpointId = input.touchpointId?.toLowerCase() ?? null;
      let stageId: string | null = null;
      if (input.responseId) {
        const r = await em.query(`SELECT stakeholder_id, kind, touchpoint_id, stage_id FROM feedback_responses WHERE organization_id = $1 AND id = $2`, [
          org,
          assertId(input.responseId, "responseId"),
        ]);
        if (r.length === 0) throw new BadInputError("responseId", "no response with this id in the organization");
        stakeholderId = stakeholderId ?? r[0].stakeholder_id;
        touchpointId = touchpointId ?? r[0].touchpoint_id;
        stageId = r[0].stage_id;
      }
      if (stakeholderId) {
        const s = await em.query(`SELECT kind FROM stakeholders WHERE organization_id = $1 AND id = $2`, [org, assertId(stakeholderId, "stakeholderId")]);
        if (s.length === 0) throw new BadInputError("stakeholderId", "no stakeholder with this id in the organization");
        kind = s[0].kind;
      }
      if (touchpointId) {
        const t = await em.query(`SELECT stage_id FROM touchpoints WHERE organization_id = $1 AND id = $2`, [org, assertId(touchpointId, "touchpointId")]);
        if (t.length === 0) throw new BadInputError("touchpointId", "no touchpoint with this id in the organization");
        stageId = stageId ?? t[0].stage_id;
      }
      const [row] = await em.query(
        `INSERT INTO actions (organization_id, title, description, response_id, stakeholder_id, kind, touchpoint_id, stage_id, owner_area_id, owner_person, due_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11::timestamptz, now() + o.follow_up_hours * interval '1 hour') FROM organizations o WHERE o.id = $1
         RETURNING *`,
        [org, title, input.description?.trim() || null, input.responseId?.toLowerCase() ?? null, stakeholderId, kind, touchpointId, stageId, area, input.ownerPerson?.trim() || null, input.dueAt ?? null],
      );
      return hydrate(em, Action, row);
    });
  }

  async update(input: UpdateActionInput): Promise<Action> {
    const action = await this.find(input.id, "id");
    return this.em.transaction(async (em) => {
      const sets: string[] = ["updated_at = now()"];
      const params: unknown[] = [action.organizationId, action.id];
      const set = (column: string, value: unknown) => {
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      };
      if (input.status) {
        set("status", input.status);
        const closing = input.status === ActionStatus.DONE || input.status === ActionStatus.WONT_DO;
        sets.push(closing ? "closed_at = coalesce(closed_at, now())" : "closed_at = NULL");
      }
      if (input.ownerAreaId) set("owner_area_id", await this.areaIn(em, action.organizationId, input.ownerAreaId, "ownerAreaId"));
      if (input.ownerPerson !== undefined) set("owner_person", input.ownerPerson?.trim() || null);
      if (input.dueAt) set("due_at", input.dueAt);
      if (input.rootCause !== undefined) set("root_cause", input.rootCause?.trim() || null);
      if (input.notes !== undefined) set("notes", input.notes?.trim() || null);
      const rows = await queryRows(em, `UPDATE actions SET ${sets.join(", ")} WHERE organization_id = $1 AND id = $2 RETURNING *`, params);
      return hydrate(em, Action, rows[0]);
    });
  }

  /** Records what was said back to the stakeholder, when, how, and by which partner if one delivered it. */
  async closeLoop(input: CloseLoopInput): Promise<Action> {
    const action = await this.find(input.actionId, "actionId", true);
    const closedAt = input.closedAt ?? new Date();
    assertNotFuture(closedAt, "closedAt");
    const message = cleanName(input.message, "message", 2000);
    return this.em.transaction(async (em) => {
      let partner: string | null = null;
      if (input.deliveredByPartnerId) {
        partner = assertId(input.deliveredByPartnerId, "deliveredByPartnerId");
        const p = await em.query(`SELECT 1 FROM partners WHERE organization_id = $1 AND id = $2`, [action.organizationId, partner]);
        if (p.length === 0) throw new BadInputError("deliveredByPartnerId", "no partner with this id in the organization");
      }
      const rows = await queryRows(
        em,
        `UPDATE actions SET loop_closed_at = $3, loop_message = $4, loop_channel = $5, loop_delivered_by_partner_id = $6, updated_at = now()
          WHERE organization_id = $1 AND id = $2 RETURNING *`,
        [action.organizationId, action.id, closedAt, message, input.channel, partner],
      );
      return hydrate(em, Action, rows[0]);
    });
  }

  async list(organizationId: string, filter: ActionFilter | undefined, first?: number | null, after?: string | null): Promise<Page<Action>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const params: unknown[] = [org];
    const where = ["a.organization_id = $1"];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace("?", `$${params.length}`));
    };
    if (filter?.status?.length) add("a.status = ANY(?::action_status[])", filter.status);
    if (filter?.overdue === true) where.push("a.status IN ('OPEN', 'IN_PROGRESS') AND a.due_at < now()");
    if (filter?.overdue === false) where.push("NOT (a.status IN ('OPEN', 'IN_PROGRESS') AND a.due_at < now())");
    if (filter?.closedOnTime === true) where.push("a.loop_closed_at IS NOT NULL AND a.loop_closed_at <= a.due_at");
    if (filter?.closedOnTime === false) where.push("(a.loop_closed_at IS NULL OR a.loop_closed_at > a.due_at)");
    if (filter?.ownerAreaId) add("a.owner_area_id = ?", assertId(filter.ownerAreaId, "filter.ownerAreaId"));
    const countSql = where.join(" AND ");
    const countParams = [...params];
    if (cursor) {
      params.push(cursor.micros, cursor.id);
      where.push(`(a.created_at, a.id) > (${fromMicros(`$${params.length - 1}`)}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT a.*, ${micros("a.created_at")} AS __micros FROM actions a WHERE ${where.join(" AND ")} ORDER BY a.created_at, a.id LIMIT $${params.length}`,
      params,
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Action, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM actions a WHERE ${countSql}`, countParams))[0].n),
    );
  }

  /** Per owner: open and overdue now; of the actions due in [from, to) and already due, closed on time, late, not closed. One statement. */
  async summary(organizationId: string, from: Date, to: Date): Promise<ActionSummary> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.aggregates);
    assertPeriod(from, to);
    const rows = await this.em.query(
      `SELECT f.*, x.open, x.overdue, x.on_time, x.late, x.not_closed
         FROM functional_areas f
         JOIN (
           SELECT a.owner_area_id,
                  count(*) FILTER (WHERE a.status IN ('OPEN', 'IN_PROGRESS')) AS open,
                  count(*) FILTER (WHERE a.status IN ('OPEN', 'IN_PROGRESS') AND a.due_at < now()) AS overdue,
                  count(*) FILTER (WHERE a.due_at >= $2 AND a.due_at < $3 AND a.due_at <= now() AND a.loop_closed_at <= a.due_at) AS on_time,
                  count(*) FILTER (WHERE a.due_at >= $2 AND a.due_at < $3 AND a.due_at <= now() AND a.loop_closed_at > a.due_at) AS late,
                  count(*) FILTER (WHERE a.due_at >= $2 AND a.due_at < $3 AND a.due_at <= now() AND a.loop_closed_at IS NULL) AS not_closed
             FROM actions a WHERE a.organization_id = $1 GROUP BY 1
         ) x ON x.owner_area_id = f.id
        WHERE f.organization_id = $1`,
      [org, from, to],
    );
    const owners: OwnerActions[] = rows.map((r: Record<string, string>) => {
      const due = Number(r.on_time) + Number(r.late) + Number(r.not_closed);
      return {
        owner: hydrate(this.em, FunctionalArea, r),
        open: Number(r.open),
        overdue: Number(r.overdue),
        closedOnTime: Number(r.on_time),
        closedLate: Number(r.late),
        notClosed: Number(r.not_closed),
        onTimeRate: due === 0 ? null : Math.round((Number(r.on_time) / due) * 10000) / 100,
      };
    });
    owners.sort((a, b) => (a.onTimeRate ?? 101) - (b.onTimeRate ?? 101) || b.overdue - a.overdue);
    return { organizationId: org, from, to, owners };
  }

  async rules(organizationId: string): Promise<ActionRule[]> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    const rows = await this.em.query(`SELECT * FROM action_rules WHERE organization_id = $1 ORDER BY created_at, id LIMIT 500`, [org]);
    return rows.map((r: Record<string, unknown>) => hydrate(this.em, ActionRule, r));
  }

  async createRule(input: CreateActionRuleInput): Promise<ActionRule> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const name = cleanName(input.name, "name", 200);
    if (input.kind === ActionRuleKind.LOW_RATING && !input.maxRating) throw new BadInputError("maxRating", "a LOW_RATING rule needs maxRating (1..5)");
    if (input.kind !== ActionRuleKind.LOW_RATING && input.maxRating) throw new BadInputError("maxRating", "maxRating is for LOW_RATING rules only");
    const keywords = (input.keywords ?? []).map((k) => k.trim()).filter(Boolean);
    if (input.kind === ActionRuleKind.KEYWORD && keywords.length === 0) throw new BadInputError("keywords", "a KEYWORD rule needs at least one keyword");
    if (input.kind !== ActionRuleKind.KEYWORD && keywords.length) throw new BadInputError("keywords", "keywords are for KEYWORD rules only");
    return this.em.transaction(async (em) => {
      if (input.ownerAreaId) await this.areaIn(em, org, input.ownerAreaId, "ownerAreaId");
      try {
        const [row] = await em.query(
          `INSERT INTO action_rules (organization_id, name, kind, max_rating, keywords, owner_area_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
          [org, name, input.kind, input.maxRating ?? null, keywords.length ? keywords : null, input.ownerAreaId?.toLowerCase() ?? null],
        );
        if (input.applyToExisting) await applyRules(em, org, { ruleId: row.id });
        return hydrate(em, ActionRule, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_action_rules_name")) throw new ConflictError("name", `a rule named "${name}" exists already`);
        throw error;
      }
    });
  }

  async updateRule(input: UpdateActionRuleInput): Promise<ActionRule> {
    const rows = await this.em.query(`SELECT * FROM action_rules WHERE id = $1 AND organization_id = ANY($2::uuid[])`, [assertId(input.id, "id"), this.sc.access.organizationIds]);
    if (rows.length === 0) throw new NotFoundError("Action rule", "id");
    const org = rows[0].organization_id as string;
    this.sc.access.require(org, ROLES.admin, "id");
    return this.em.transaction(async (em) => {
      const updated = await queryRows(em, `UPDATE action_rules SET active = coalesce($3, active) WHERE organization_id = $1 AND id = $2 RETURNING *`, [org, rows[0].id, input.active ?? null]);
      if (input.applyToExisting && updated[0].active) await applyRules(em, org, { ruleId: rows[0].id });
      return hydrate(em, ActionRule, updated[0]);
    });
  }
}
