import { erasedError } from "../../common/personal-data";
import { assertReferences } from "../../common/references";
import { EntityManager } from "typeorm";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Action, ActionRule } from "./action.entity";
import { ActionFilter, ActionOrder, ActionOrderField, CloseLoopInput, CreateActionInput, CreateActionRuleInput, UpdateActionInput, UpdateActionRuleInput } from "./action.inputs";
import { applyRules } from "./rules";
import { FunctionalArea } from "../functional-area/functional-area.entity";
import { ROLES } from "../../common/access";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { ActionRuleKind, ActionStatus, OrderDirection } from "../../common/enums";
import { effectiveThreshold, organizationThreshold, SuppressionReason, suppressRate, suppressTwoWay } from "../../common/suppression";
import { SuppressionInfo } from "../lifecycle/funnel.types";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, assertNotFuture, assertPeriod, cleanName } from "../../common/validation";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import type { ServiceContext } from "../../context";

@ObjectType({
  description:
    "Follow-up actions of one owner. For funders, counts of fewer than k actions (the organization's suppression threshold) are null, with complementary cells hidden so that they can't be worked out, from the other owners or with the organization's totals in impactReport.loops (see `suppressed`)",
})
export class OwnerActions {
  @Field(() => FunctionalArea)
  owner!: FunctionalArea;

  @Field(() => Int, { nullable: true, description: "Open (OPEN or IN_PROGRESS) now, whatever the due date. Null only when suppressed" })
  open!: number | null;

  @Field(() => Int, { nullable: true, description: "Open now and past due now. Null only when suppressed" })
  overdue!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "Due in the period (dueAt in [from, to)) with the loop closed at or before dueAt, even when dueAt is still ahead: the same actions as `actions(filter: { closedOnTime: true })` with dueAt in the period. Null only when suppressed",
  })
  closedOnTime!: number | null;

  @Field(() => Int, { nullable: true, description: "Due in the period, loop closed after dueAt. Null only when suppressed" })
  closedLate!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Due in the period and dueAt already past, loop not closed. An action due later whose loop is still open is counted nowhere yet. Null only when suppressed",
  })
  notClosed!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "closedOnTime / (closedOnTime + closedLate + notClosed) x 100, rounded to 2 decimals; null when that sum is 0. Funders: also null when the sum is below k, when closedOnTime or closedLate + notClosed is 1 to k - 1, or when closedOnTime is hidden",
  })
  onTimeRate!: number | null;

  @Field(() => [String], { description: "The fields hidden by small-cell suppression (funders only)" })
  suppressed!: string[];
}

@ObjectType({ description: "Follow-up actions per owner over [from, to) (by due date)" })
export class ActionSummary {
  @Field(() => ID)
  organizationId!: string;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => SuppressionInfo, { description: "Applied for funders: counts of fewer than `threshold` actions are hidden, with complements" })
  suppression!: SuppressionInfo;

  @Field(() => [OwnerActions], { description: "Worst on-time rate first (null last), then most overdue, then by name (as shown: hidden values sort as null)" })
  owners!: OwnerActions[];
}

export interface OwnerCounts {
  open: number;
  overdue: number;
  onTime: number;
  late: number;
  notClosed: number;
}

/** Actions due in a period: closed on time (by their due date, even when it is still ahead), closed late, not closed and past due. */
export interface LoopCounts {
  onTime: number;
  late: number;
  notClosed: number;
}

/**
 * Why a loop figure is hidden. Counts: `BELOW_THRESHOLD` (1..k-1 actions) or `COMPLEMENTARY`
 * (hidden so that it cannot be worked out from the other figures). The rate: `DUE_HIDDEN` (the
 * number due is hidden), `CLOSED_ON_TIME_HIDDEN` (with due shown, the rate would give
 * closedOnTime back), `REVEALS_SMALL_PART` (closedOnTime or the rest is 1..k-1).
 */
export type LoopSuppressionReason = "BELOW_THRESHOLD" | "COMPLEMENTARY" | "DUE_HIDDEN" | "CLOSED_ON_TIME_HIDDEN" | "REVEALS_SMALL_PART";

export interface ShownLoops {
  due: number | null;
  closedOnTime: number | null;
  closedLate: number | null;
  notClosed: number | null;
  /** closedOnTime ÷ due × 100, 2 decimals; null when nothing is due or when hidden. */
  onTimeRate: number | null;
  /** The fields hidden (funders): due, closedOnTime, closedLate, notClosed, onTimeRate, in that order. */
  suppressed: string[];
  /** Why each field in `suppressed` is hidden. */
  reasons: Record<string, LoopSuppressionReason>;
}

type Reason = SuppressionReason | null;

/** A loop row as shown: the counts, its total (due) and the rate, from the two-way table (or every number without `reasons`). */
function shownLoops(counts: number[], reasons: Reason[] | null, k: number): ShownLoops {
  const [onTime, late, notClosed, due] = counts;
  const round = (r: number) => Math.round(r * 10000) / 100;
  if (reasons === null) {
    return { due, closedOnTime: onTime, closedLate: late, notClosed, onTimeRate: due === 0 ? null : round(onTime / due), suppressed: [], reasons: {} };
  }
  const [rOnTime, rLate, rNotClosed, rDue] = reasons;
  const suppressed: string[] = [];
  const why: Record<string, LoopSuppressionReason> = {};
  for (const [field, r] of [
    ["due", rDue],
    ["closedOnTime", rOnTime],
    ["closedLate", rLate],
    ["notClosed", rNotClosed],
  ] as const) {
    if (r !== null) {
      suppressed.push(field);
      why[field] = r;
    }
  }
  let rate: number | null = null;
  if (due > 0) {
    const rateWhy: LoopSuppressionReason | null = rDue !== null ? "DUE_HIDDEN" : rOnTime !== null ? "CLOSED_ON_TIME_HIDDEN" : suppressRate(onTime, due, k) === null ? "REVEALS_SMALL_PART" : null;
    if (rateWhy === null) rate = round(onTime / due);
    else {
      suppressed.push("onTimeRate");
      why.onTimeRate = rateWhy;
    }
  }
  return {
    due: rDue === null ? due : null,
    closedOnTime: rOnTime === null ? onTime : null,
    closedLate: rLate === null ? late : null,
    notClosed: rNotClosed === null ? notClosed : null,
    onTimeRate: rate,
    suppressed,
    reasons: why,
  };
}

export interface ShownActions {
  /** Per owner, in input order. */
  owners: Omit<OwnerActions, "owner">[];
  /** The organization's loops: the column totals of the owners' table, as impactReport.loops shows them. */
  organization: ShownLoops;
}

/**
 * actionSummary's owners and impactReport.loops as shown, from the same counts, so that the two
 * together never give a hidden count back. `k` null: every number (admins and staff).
 *
 * For funders (`k` the threshold), two two-way tables through `suppressTwoWay`:
 *   - loops: owners × (closedOnTime, closedLate, notClosed); an owner's row adds up to its actions
 *     due (which its rate and closedOnTime give back, so it counts as shown), each column to the
 *     organization's count and the due column to the organization's due, all shown in
 *     impactReport.loops;
 *   - open: owners × (overdue, open but not yet overdue); a row adds up to the owner's open.
 *     The organization's totals (overdue, not overdue, open) are shown nowhere, but they are
 *     treated as shown, so that a later view showing them stays consistent with this one.
 * Every action is owned by exactly one area (owner_area_id NOT NULL, an area of the same
 * organization), so the owners' counts add up to the organization's exactly.
 * A rate is shown only when its due and closedOnTime are shown and `suppressRate` allows it.
 */
export function suppressActions(owners: OwnerCounts[], k: number | null): ShownActions {
  const loopRows = owners.map((c) => [c.onTime, c.late, c.notClosed]);
  const openRows = owners.map((c) => [c.overdue, c.open - c.overdue]);
  const loops = k === null ? null : suppressTwoWay(loopRows, 3, k);
  const open = k === null ? null : suppressTwoWay(openRows, 2, k);
  const kk = effectiveThreshold(k);
  const organizationCounts = [0, 1, 2].map((j) => loopRows.reduce((s, r) => s + r[j], 0));
  const organization = shownLoops([...organizationCounts, organizationCounts[0] + organizationCounts[1] + organizationCounts[2]], loops ? loops.reasons[owners.length] : null, kk);
  return {
    organization,
    owners: owners.map((c, i) => {
      const l = shownLoops([c.onTime, c.late, c.notClosed, c.onTime + c.late + c.notClosed], loops ? loops.reasons[i] : null, kk);
      const overdueHidden = open !== null && open.reasons[i][0] !== null;
      const openHidden = open !== null && open.reasons[i][2] !== null;
      return {
        open: openHidden ? null : c.open,
        overdue: overdueHidden ? null : c.overdue,
        closedOnTime: l.closedOnTime,
        closedLate: l.closedLate,
        notClosed: l.notClosed,
        onTimeRate: l.onTimeRate,
        // An owner shows no due total: its hiding shows as the rate's.
        suppressed: [...(openHidden ? ["open"] : []), ...(overdueHidden ? ["overdue"] : []), ...l.suppressed.filter((f) => f !== "due")],
      };
    }),
  };
}

/** The SQL conditions of the three loop counts, over actions `a` due in [$2, $3). */
export const LOOP_COUNTS_SQL = `
  count(*) FILTER (WHERE a.due_at >= $2 AND a.due_at < $3 AND a.loop_closed_at <= a.due_at) AS on_time,
  count(*) FILTER (WHERE a.due_at >= $2 AND a.due_at < $3 AND a.loop_closed_at > a.due_at) AS late,
  count(*) FILTER (WHERE a.due_at >= $2 AND a.due_at < $3 AND a.due_at < now() AND a.loop_closed_at IS NULL) AS not_closed`;

/**
 * The counts behind actionSummary and impactReport.loops, per area owning an action of the
 * organization (any action, whatever its status or due date), in a fixed order (the order
 * `suppressActions` breaks ties in): open and overdue now, over the open actions only
 * (ix_actions_status), and the loop counts of the actions due in [from, to) only (an index-only
 * scan of ix_actions_due, on (organization_id, due_at) including loop_closed_at and
 * owner_area_id), each aggregated once; never a scan of all the organization's actions. Every
 * action has exactly one owner (owner_area_id NOT NULL, an area of the same organization), so the
 * owners' counts add up to the organization's. One statement.
 */
export async function ownerActionCounts(em: EntityManager, org: string, from: Date, to: Date): Promise<{ area: Record<string, unknown>; counts: OwnerCounts }[]> {
  const rows: Record<string, unknown>[] = await em.query(
    `WITH o AS MATERIALIZED (
       SELECT a.owner_area_id, count(*) AS open, count(*) FILTER (WHERE a.due_at < now()) AS overdue
         FROM actions a WHERE a.organization_id = $1 AND a.status IN ('OPEN', 'IN_PROGRESS') GROUP BY 1
     ), d AS MATERIALIZED (
       SELECT a.owner_area_id, ${LOOP_COUNTS_SQL}
         FROM actions a WHERE a.organization_id = $1 AND a.due_at >= $2 AND a.due_at < $3 GROUP BY 1
     )
     SELECT f.*, coalesce(o.open, 0) AS __open, coalesce(o.overdue, 0) AS __overdue,
            coalesce(d.on_time, 0) AS __on_time, coalesce(d.late, 0) AS __late, coalesce(d.not_closed, 0) AS __not_closed
       FROM functional_areas f
       LEFT JOIN o ON o.owner_area_id = f.id
       LEFT JOIN d ON d.owner_area_id = f.id
      WHERE f.organization_id = $1 AND EXISTS (SELECT 1 FROM actions a WHERE a.organization_id = $1 AND a.owner_area_id = f.id)
      ORDER BY f.created_at, f.id`,
    [org, from, to],
  );
  return rows.map((r) => {
    const counts: OwnerCounts = { open: Number(r.__open), overdue: Number(r.__overdue), onTime: Number(r.__on_time), late: Number(r.__late), notClosed: Number(r.__not_closed) };
    const area = { ...r };
    for (const key of ["__open", "__overdue", "__on_time", "__late", "__not_closed"]) delete area[key];
    return { area, counts };
  });
}

/** How far before now an action may be due (years): older follow-ups can be entered, typos such as year 0202 or 0001 can't. */
export const DUE_AT_YEARS_BACK = 5;
/** How far after now an action may be due (years): the longest follow-up time an organization can set (followUpHours 8760) fits. */
export const DUE_AT_YEARS_AHEAD = 1;

/**
 * A dueAt given by hand (createAction, updateAction) must lie between DUE_AT_YEARS_BACK years
 * before now and DUE_AT_YEARS_AHEAD years after now, else BAD_USER_INPUT on dueAt: a due date far
 * ahead would count any late reply as closed on time, and one centuries back is a typo.
 */
export function assertDueAt(dueAt: Date, now = new Date()): void {
  const earliest = new Date(now);
  earliest.setUTCFullYear(earliest.getUTCFullYear() - DUE_AT_YEARS_BACK);
  const latest = new Date(now);
  latest.setUTCFullYear(latest.getUTCFullYear() + DUE_AT_YEARS_AHEAD);
  if (Number.isNaN(dueAt.getTime()) || dueAt.getTime() < earliest.getTime() || dueAt.getTime() > latest.getTime()) {
    throw new BadInputError(
      "dueAt",
      `dueAt must be at most ${DUE_AT_YEARS_BACK} years before now and at most ${DUE_AT_YEARS_AHEAD} year after now (${earliest.toISOString()} to ${latest.toISOString()})`,
    );
  }
}

export class ActionService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  private async find(id: string, field: string, lock = false): Promise<Action> {
    const rows = await this.em.query(`SELECT * FROM actions WHERE organization_id = $1 AND id = $2${lock ? " FOR UPDATE" : ""}`, [
      this.sc.ids.organizationOf(id, "Action", field),
      id,
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

  /** Whether the action follows up a stakeholder who was erased (forgetStakeholder). */
  private async stakeholderErased(em: EntityManager, action: Action): Promise<boolean> {
    if (!action.stakeholderId) return false;
    const [s] = await em.query(`SELECT erased_at FROM stakeholders WHERE organization_id = $1 AND id = $2`, [action.organizationId, action.stakeholderId]);
    return !!s?.erased_at;
  }

  async create(input: CreateActionInput): Promise<Action> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    const title = cleanName(input.title, "title", 300);
    if (input.dueAt) assertDueAt(input.dueAt);
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
        const s = await em.query(`SELECT kind, erased_at FROM stakeholders WHERE organization_id = $1 AND id = $2`, [org, assertId(stakeholderId, "stakeholderId")]);
        if (s.length === 0) throw new BadInputError("stakeholderId", "no stakeholder with this id in the organization");
        // An action's words are about its person: none are written about someone erased.
        if (s[0].erased_at) throw erasedError(input.stakeholderId ? "stakeholderId" : "responseId");
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
    if (input.dueAt) assertDueAt(input.dueAt);
    return this.em.transaction(async (em) => {
      const words = (["rootCause", "notes"] as const).find((field) => input[field]?.trim());
      if (words && (await this.stakeholderErased(em, action))) throw erasedError(words);
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

  /**
   * Records what was said back to the stakeholder, when, how, and by which partner if one delivered it.
   * `closedAt` (default: the database's now) may not be in the future, nor before the action was
   * created, nor before the response it follows up was collected: a loop can't be closed before
   * there was anything to follow up, so it can't be back-dated to count as on time.
   */
  async closeLoop(input: CloseLoopInput): Promise<Action> {
    const action = await this.find(input.actionId, "actionId", true);
    const closedAt = input.closedAt ?? null;
    if (closedAt) {
      assertNotFuture(closedAt, "closedAt");
      if (closedAt.getTime() < action.createdAt.getTime()) {
        throw new BadInputError("closedAt", `closedAt is before the action was created (${action.createdAt.toISOString()}): a loop can't be closed before the action that follows it up`);
      }
      if (action.responseId) {
        const [r] = await this.em.query(`SELECT collected_at FROM feedback_responses WHERE organization_id = $1 AND id = $2`, [action.organizationId, action.responseId]);
        if (r && closedAt.getTime() < new Date(r.collected_at).getTime()) {
          throw new BadInputError("closedAt", `closedAt is before the response it follows up was collected (${new Date(r.collected_at).toISOString()})`);
        }
      }
    }
    const message = cleanName(input.message, "message", 2000);
    return this.em.transaction(async (em) => {
      if (await this.stakeholderErased(em, action)) throw erasedError("message");
      let partner: string | null = null;
      if (input.deliveredByPartnerId) {
        partner = assertId(input.deliveredByPartnerId, "deliveredByPartnerId");
        const p = await em.query(`SELECT 1 FROM partners WHERE organization_id = $1 AND id = $2`, [action.organizationId, partner]);
        if (p.length === 0) throw new BadInputError("deliveredByPartnerId", "no partner with this id in the organization");
      }
      // With `status` (DONE or WONT_DO) the action ends in the same call, as updateAction would end it.
      const rows = await queryRows(
        em,
        `UPDATE actions SET loop_closed_at = coalesce($3::timestamptz, now()), loop_message = $4, loop_channel = $5, loop_delivered_by_partner_id = $6, updated_at = now(),
                status = coalesce($7::action_status, status), closed_at = CASE WHEN $7::action_status IS NULL THEN closed_at ELSE coalesce(closed_at, now()) END
          WHERE organization_id = $1 AND id = $2 RETURNING *`,
        [action.organizationId, action.id, closedAt, message, input.channel, partner, input.status ?? null],
      );
      return hydrate(em, Action, rows[0]);
    });
  }

  /**
   * Actions of an organization, filtered, in the order asked for (default: oldest first). Pages are
   * keyset pages on (the order's columns, id), so a page never skips or repeats a row.
   */
  async list(organizationId: string, filter: ActionFilter | undefined, first?: number | null, after?: string | null, orderBy?: ActionOrder | null): Promise<Page<Action>> {
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
    await assertReferences(this.em, org, [{ what: "functional area", id: filter?.ownerAreaId, field: "filter.ownerAreaId" }]);
    if (filter?.ownerAreaId) add("a.owner_area_id = ?", assertId(filter.ownerAreaId, "filter.ownerAreaId"));
    const countSql = where.join(" AND ");
    const countParams = [...params];
    const order = actionOrder(orderBy);
    if (cursor) {
      if ((cursor.rank !== undefined) !== order.ranked) throw new BadInputError("after", "This cursor belongs to a list in another order: pass a cursor of a page in the same orderBy");
      params.push(cursor.micros, cursor.id);
      const at = `${fromMicros(`$${params.length - 1}`)}, $${params.length}::uuid`;
      if (order.ranked) {
        params.push(cursor.rank);
        where.push(`(${order.keys.join(", ")}) ${order.after} ((enum_range(NULL::action_status))[$${params.length}::int + 1], ${at})`);
      } else where.push(`(${order.keys.join(", ")}) ${order.after} (${at})`);
    }
    params.push(limit + 1);
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT a.*, ${micros(order.time)} AS __micros${order.ranked ? `, ${STATUS_RANK} AS __rank` : ""} FROM actions a
        WHERE ${where.join(" AND ")} ORDER BY ${order.keys.map((k) => `${k} ${order.direction}`).join(", ")} LIMIT $${params.length}`,
      params,
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Action, r), key: { micros: String(r.__micros), id: String(r.id), ...(order.ranked ? { rank: Number(r.__rank) } : {}) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM actions a WHERE ${countSql}`, countParams))[0].n),
    );
  }

  /**
   * Per owner: open and overdue now; of the actions due in [from, to): loops closed on time (by
   * the due date, even if it is still ahead), closed late, and not closed though already due.
   * Funders get small counts hidden (`suppressActions`, the same tables as impactReport.loops).
   * One statement (and the threshold).
   */
  async summary(organizationId: string, from: Date, to: Date): Promise<ActionSummary> {
    const org = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(org, ROLES.aggregates);
    assertPeriod(from, to);
    const [rows, k] = await Promise.all([ownerActionCounts(this.em, org, from, to), organizationThreshold(this.em, org)]);
    const suppress = role === "FUNDER";
    const shown = suppressActions(
      rows.map((r) => r.counts),
      suppress ? k : null,
    );
    const owners: OwnerActions[] = rows.map((r, i) => ({ owner: hydrate(this.em, FunctionalArea, r.area), ...shown.owners[i] }));
    owners.sort((a, b) => (a.onTimeRate ?? 101) - (b.onTimeRate ?? 101) || (b.overdue ?? -1) - (a.overdue ?? -1) || a.owner.name.localeCompare(b.owner.name));
    return { organizationId: org, from, to, suppression: { applied: suppress, threshold: k }, owners };
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
    const rows = await this.em.query(`SELECT * FROM action_rules WHERE organization_id = $1 AND id = $2`, [this.sc.ids.organizationOf(input.id, "Action rule", "id"), input.id]);
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

/** The rank of an action's status in the STATUS order, for its cursor: the enum's order (OPEN 0, IN_PROGRESS 1, DONE 2, WONT_DO 3). */
const STATUS_RANK = "(array_position(enum_range(NULL::action_status), a.status) - 1)";

/** The SQL of an order of actions: its key columns (ending with the id), direction, and the keyset comparison. */
function actionOrder(orderBy: ActionOrder | null | undefined): { keys: string[]; time: string; ranked: boolean; direction: "ASC" | "DESC"; after: ">" | "<" } {
  const direction = orderBy?.direction === OrderDirection.DESC ? "DESC" : "ASC";
  const after = direction === "ASC" ? ">" : "<";
  switch (orderBy?.field ?? ActionOrderField.CREATED_AT) {
    case ActionOrderField.DUE_AT:
      return { keys: ["a.due_at", "a.id"], time: "a.due_at", ranked: false, direction, after };
    case ActionOrderField.STATUS:
      // An enum sorts in the order it was declared: the index (organization_id, status, due_at) serves it.
      return { keys: ["a.status", "a.due_at", "a.id"], time: "a.due_at", ranked: true, direction, after };
    default:
      return { keys: ["a.created_at", "a.id"], time: "a.created_at", ranked: false, direction, after };
  }
}
