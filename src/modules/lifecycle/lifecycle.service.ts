import { EntityManager } from "typeorm";
import { Lifecycle } from "./lifecycle.entity";
import { Stage } from "./stage.entity";
import { AddStageInput, MAX_STAGES, ReorderStagesInput, UpdateLifecycleInput, UpdateStageInput } from "./lifecycle.inputs";
import { Dimension, DIMENSION_COLUMN, FunnelGroup, FunnelStage, LifecycleFunnel } from "./funnel.types";
import { ROLES } from "../../common/access";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { StakeholderKind } from "../../common/enums";
import { effectiveThreshold, suppressCount, suppressDerived, suppressRate, suppressTable } from "../../common/suppression";
import { PERTURBATION_NOTE, Perturber, perturber } from "../../common/perturbation";
import { hydrate, hydrateAll, isUniqueViolation, queryRows } from "../../database/rows";
import { assertId, assertPeriod, cleanName } from "../../common/validation";
import type { ServiceContext } from "../../context";

/** A funnel row with, for a funder, each count's key sum. */
type FunnelKeys = FunnelRow & { now: string; entered_keys?: string | null; moved_on_keys?: string | null; at_end_keys?: string | null; completed_keys?: string | null; now_keys?: string | null };

interface FunnelRow {
  stage_id: string;
  dim: string | null;
  total_row: boolean;
  entered: string;
  moved_on: string;
  at_end: string;
  completed: string;
  median_seconds: number | null;
}

type Counts = { entered: number; movedOn: number; inStageAtEnd: number; current: number };
const COUNT_FIELDS = ["entered", "movedOn", "inStageAtEnd", "current"] as const;

export class LifecycleService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  /** A row of the caller's organizations by id; NOT_FOUND otherwise (existence is never revealed). */
  private async findIn(table: string, id: string, what: string, field: string, lock = false): Promise<Record<string, any>> {
    const rows = await this.em.query(`SELECT * FROM ${table} WHERE organization_id = $1 AND id = $2${lock ? " FOR UPDATE" : ""}`, [
      this.sc.ids.organizationOf(id, what, field),
      id,
    ]);
    if (rows.length === 0) throw new NotFoundError(what, field);
    return rows[0];
  }

  async updateLifecycle(input: UpdateLifecycleInput): Promise<Lifecycle> {
    const name = cleanName(input.name, "name", 120);
    const found = await this.findIn("lifecycles", input.id, "Lifecycle", "id");
    this.sc.access.require(found.organization_id, ROLES.admin, "id");
    const rows = await queryRows(this.em, `UPDATE lifecycles SET name = $3 WHERE organization_id = $1 AND id = $2 RETURNING *`, [found.organization_id, found.id, name]);
    return hydrate(this.em, Lifecycle, rows[0]);
  }

  /** Adds a stage at a position (default: last); later stages move down one. */
  async addStage(input: AddStageInput): Promise<Stage> {
    const name = cleanName(input.name, "name", 120);
    return this.em.transaction(async (em) => {
      const lifecycle = hydrate(em, Lifecycle, await this.findIn("lifecycles", input.lifecycleId, "Lifecycle", "lifecycleId", true));
      this.sc.access.require(lifecycle.organizationId, ROLES.admin, "lifecycleId");
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
        await em.query(`SET CONSTRAINTS ALL IMMEDIATE`);
        return hydrate(em, Stage, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_stages_name")) throw new ConflictError("name", `the lifecycle already has a stage named "${name}"`);
        throw error;
      }
    });
  }

  async updateStage(input: UpdateStageInput): Promise<Stage> {
    const name = input.name === undefined || input.name === null ? null : cleanName(input.name, "name", 120);
    const found = await this.findIn("stages", input.id, "Stage", "id");
    this.sc.access.require(found.organization_id, ROLES.admin, "id");
    const setMode = input.impactMode !== undefined;
    return this.em.transaction(async (em) => {
      try {
        const rows = await queryRows(
          em,
          `UPDATE stages SET name = coalesce($3, name), impact_mode = CASE WHEN $4 THEN $5::impact_mode ELSE impact_mode END
            WHERE organization_id = $1 AND id = $2 RETURNING *`,
          [found.organization_id, found.id, name, setMode, input.impactMode ?? null],
        );
        this.sc.loaders.stageById.clear({ organizationId: found.organization_id, id: found.id });
        return hydrate(em, Stage, rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, "uq_stages_name")) throw new ConflictError("name", `the lifecycle already has a stage named "${name}"`);
        throw error;
      }
    });
  }

  /** Puts the stages of a lifecycle in a new order; `stageIds` must list each of them exactly once. */
  async reorderStages(input: ReorderStagesInput): Promise<Lifecycle> {
    const ids = input.stageIds.map((id) => assertId(id, "stageIds"));
    return this.em.transaction(async (em) => {
      const lifecycle = hydrate(em, Lifecycle, await this.findIn("lifecycles", input.lifecycleId, "Lifecycle", "lifecycleId", true));
      this.sc.access.require(lifecycle.organizationId, ROLES.admin, "lifecycleId");
      const current: { id: string }[] = await em.query(`SELECT id FROM stages WHERE organization_id = $1 AND lifecycle_id = $2`, [
        lifecycle.organizationId,
        lifecycle.id,
      ]);
      const known = new Set(current.map((r) => r.id));
      if (new Set(ids).size !== ids.length) throw new BadInputError("stageIds", "stageIds lists a stage more than once");
      if (ids.length !== known.size || ids.some((id) => !known.has(id))) {
        throw new BadInputError("stageIds", `stageIds must list every stage of the lifecycle exactly once (${known.size} stages)`);
      }
      // The position constraint is deferred, so the stages can swap places in one statement;
      // it is checked before the savepoint ends.
      await em.query(
        `UPDATE stages s SET position = o.ord - 1 FROM unnest($3::uuid[]) WITH ORDINALITY AS o(id, ord)
          WHERE s.organization_id = $1 AND s.lifecycle_id = $2 AND s.id = o.id`,
        [lifecycle.organizationId, lifecycle.id, ids],
      );
      await em.query(`SET CONSTRAINTS ALL IMMEDIATE`);
      this.sc.loaders.stagesByLifecycle.clear({ organizationId: lifecycle.organizationId, id: lifecycle.id });
      return lifecycle;
    });
  }

  /**
   * The funnel of one lifecycle over [from, to), in two SQL statements whatever the
   * number of stages or groups. A "stay" is the time between a stakeholder's
   * transition into a stage and its next transition. Per stage: stakeholders who
   * entered during the period, who left it during the period, who were in it at
   * `to`, who are in it now, and the median length of the stays that ended during
   * the period; optionally split by one dimension. For funders, small cells are
   * suppressed (src/common/suppression.ts).
   */
  async funnel(organizationId: string, kind: StakeholderKind, from: Date, to: Date, dimension?: Dimension | null): Promise<LifecycleFunnel> {
    const org = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(org, ROLES.aggregates);
    assertPeriod(from, to);
    const col = dimension ? DIMENSION_COLUMN[dimension] : null;
    const dim = (table: string) => (col ? `${table}.${col}::text` : "NULL::text");
    const sets = dimension ? "GROUPING SETS ((x.stage_id), (x.stage_id, x.dim))" : "x.stage_id";
    const isTotal = dimension ? "grouping(x.dim) = 1" : "true";
    const groupDim = dimension ? "x.dim" : "NULL::text AS dim";
    // For a funder, each count with the sum of its people's record keys (its cell key, src/common/perturbation.ts).
    const keyed = role === "FUNDER";
    const keySum = (name: string, filter: string) => (keyed ? `, sum(x.rk) FILTER (WHERE ${filter}) AS ${name}_keys` : "");
    // Read from stage_stays (kept on write, with each stakeholder's attributes): the stays that
    // overlap [from, to) (started before `to`, ended at or after `from`), their median over the
    // stays that ended in the period, and who is in each stage now. People are counted without
    // DISTINCT: a stakeholder is in at most one stay at `to`, and enters (leaves) a stage for the
    // first time in the period in the one stay whose previous stay there started (ended) before
    // it. With a dimension, a stage lists a group for every value of someone who entered it
    // before `to` or is in it now: values not seen in the period are looked up in earlier stays.
    const [stageRows, rows, [orgRow]] = await Promise.all([
      this.em.query(`SELECT * FROM stages WHERE organization_id = $1 AND kind = $2 ORDER BY position`, [org, kind]),
      this.em.query(
        `WITH st AS (SELECT id FROM stages WHERE organization_id = $1 AND kind = $2),
         a AS (
           SELECT x.stage_id, ${groupDim}, ${isTotal} AS total_row,
                  count(*) FILTER (WHERE x.started_at >= $3 AND (x.previous_started_at IS NULL OR x.previous_started_at < $3)) AS entered,
                  count(*) FILTER (WHERE x.ended_at < $4 AND (x.previous_ended_at IS NULL OR x.previous_ended_at < $3)) AS moved_on,
                  count(*) FILTER (WHERE x.ended_at >= $4) AS at_end,
                  count(*) FILTER (WHERE x.ended_at < $4) AS completed${keySum("entered", "x.started_at >= $3 AND (x.previous_started_at IS NULL OR x.previous_started_at < $3)")}${keySum(
                    "moved_on",
                    "x.ended_at < $4 AND (x.previous_ended_at IS NULL OR x.previous_ended_at < $3)",
                  )}${keySum("at_end", "x.ended_at >= $4")}${keySum("completed", "x.ended_at < $4")}
             FROM (SELECT y.stage_id, y.started_at, y.ended_at, y.previous_started_at, y.previous_ended_at, ${dim("y")} AS dim${keyed ? ", k.record_key AS rk" : ""}
                     FROM stage_stays y${keyed ? " JOIN stakeholders k ON k.organization_id = y.organization_id AND k.id = y.stakeholder_id" : ""}
                    WHERE y.organization_id = $1 AND y.stage_id IN (SELECT id FROM st) AND y.ended_at >= $3 AND y.started_at < $4) x
            GROUP BY ${sets}
         ), m AS (
           SELECT y.stage_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM y.ended_at - y.started_at)) AS median_seconds
             FROM stage_stays y
            WHERE y.organization_id = $1 AND y.stage_id IN (SELECT id FROM st) AND y.ended_at >= $3 AND y.ended_at < $4
            GROUP BY y.stage_id
         ), people AS ${col ? "MATERIALIZED" : ""} (
           SELECT s.current_stage_id AS stage_id, ${dim("s")} AS dim${keyed ? ", s.record_key AS rk" : ""} FROM stakeholders s
            WHERE s.organization_id = $1 ${col ? "AND s.kind = $2" : "AND s.current_stage_id IN (SELECT id FROM st)"}
         ), n AS (
           SELECT x.stage_id, ${groupDim}, ${isTotal} AS total_row, count(*) AS now${keyed ? ", sum(x.rk) AS now_keys" : ""} FROM people x WHERE x.stage_id IS NOT NULL GROUP BY ${sets}
         ), found AS (
           SELECT coalesce(a.stage_id, n.stage_id) AS stage_id, coalesce(a.dim, n.dim) AS dim, coalesce(a.total_row, n.total_row) AS total_row,
                  coalesce(a.entered, 0) AS entered, coalesce(a.moved_on, 0) AS moved_on, coalesce(a.at_end, 0) AS at_end,
                  coalesce(a.completed, 0) AS completed, coalesce(n.now, 0) AS now${
                    keyed ? ", a.entered_keys, a.moved_on_keys, a.at_end_keys, a.completed_keys, n.now_keys" : ""
                  }
             FROM a FULL JOIN n ON n.stage_id = a.stage_id AND n.dim IS NOT DISTINCT FROM a.dim AND n.total_row = a.total_row
         )
         SELECT f.*, m.median_seconds FROM found f LEFT JOIN m ON f.total_row AND m.stage_id = f.stage_id
         ${
           col
             ? `UNION ALL
         SELECT st.id, v.dim, false, 0, 0, 0, 0, 0${keyed ? ", NULL, NULL, NULL, NULL, NULL" : ""}, NULL
           FROM st CROSS JOIN (SELECT DISTINCT dim FROM people) v
          WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.stage_id = st.id AND NOT f.total_row AND f.dim IS NOT DISTINCT FROM v.dim)
            AND EXISTS (SELECT 1 FROM stage_stays y WHERE y.organization_id = $1 AND y.stage_id = st.id AND y.started_at < $4 AND ${dim("y")} IS NOT DISTINCT FROM v.dim)`
             : ""
         }`,
        [org, kind, from, to],
      ),
      this.em.query(`SELECT suppression_threshold, perturbation_maximum FROM organizations WHERE id = $1`, [org]),
    ]);
    if (!orgRow) throw new NotFoundError("Organization", "organizationId");
    const suppress = role === "FUNDER";
    const k = effectiveThreshold(orgRow.suppression_threshold);
    const stages = hydrateAll(this.em, Stage, stageRows);
    const totals = new Map<string, FunnelRow & { now: string }>();
    const groups = new Map<string, (FunnelRow & { now: string })[]>();
    for (const r of rows as (FunnelRow & { now: string })[]) {
      if (r.total_row) totals.set(r.stage_id, r);
      else groups.set(r.stage_id, [...(groups.get(r.stage_id) ?? []), r]);
    }
    const counts = (r: (FunnelRow & { now: string }) | undefined): Counts => ({
      entered: Number(r?.entered ?? 0),
      movedOn: Number(r?.moved_on ?? 0),
      inStageAtEnd: Number(r?.at_end ?? 0),
      current: Number(r?.now ?? 0),
    });

    let previousEntered: number | null = null;
    let previousShown: number | null = null;
    const perturb = perturber(suppress, orgRow.perturbation_maximum);
    const out: FunnelStage[] = stages.map((stage) => {
      const total = totals.get(stage.id);
      const c = counts(total);
      const completed = Number(total?.completed ?? 0);
      const medianRaw = total?.median_seconds === null || total?.median_seconds === undefined ? null : Math.round((Number(total.median_seconds) / 86400) * 1000) / 1000;
      const conversionRaw = previousEntered === null || previousEntered === 0 ? null : Math.round((c.entered / previousEntered) * 10000) / 10000;
      const groupRows = (groups.get(stage.id) ?? []).sort((a, b) => String(a.dim ?? "\uffff").localeCompare(String(b.dim ?? "\uffff")));
      const result: FunnelStage = {
        stage,
        ...c,
        completedStays: completed,
        medianDaysInStage: medianRaw,
        conversionFromPrevious: conversionRaw,
        suppressed: [],
        groups: dimension ? groupRows.map((g) => ({ value: g.dim, ...counts(g), suppressed: [] })) : null,
      };
      if (suppress) {
        this.applySuppression(result, c, previousEntered, k);
        previousShown = this.applyPerturbation(result, total, groupRows, previousShown, perturb);
      }
      previousEntered = c.entered;
      this.sc.loaders.stageById.prime({ organizationId: stage.organizationId, id: stage.id }, stage);
      return result;
    });
    return {
      organizationId: org,
      kind,
      from,
      to,
      dimension: dimension ?? null,
      suppression: suppress ? { applied: true, threshold: k, perturbationMaximum: perturb.maximum, note: PERTURBATION_NOTE } : { applied: false, threshold: k },
      stages: out,
    };
  }

  /**
   * Funders, after suppression (decided on the true counts): every count still shown is adjusted
   * by its cell key (the sum of its people's record keys; src/common/perturbation.ts), the stage's
   * totals as cells of their own (not the sum of the adjusted groups), and the conversion from the
   * previous stage computed from the adjusted entrants. Returns the stage's adjusted entrants (the
   * next stage's denominator), null when hidden.
   */
  private applyPerturbation(stage: FunnelStage, total: FunnelKeys | undefined, groupRows: FunnelKeys[], previousShown: number | null, perturb: Perturber): number | null {
    const fields: [keyof Counts, keyof FunnelKeys, string][] = [
      ["entered", "entered", "entered_keys"],
      ["movedOn", "moved_on", "moved_on_keys"],
      ["inStageAtEnd", "at_end", "at_end_keys"],
      ["current", "now", "now_keys"],
    ];
    const adjust = (target: Record<string, unknown>, row: FunnelKeys | undefined) => {
      for (const [field, column, keys] of fields) {
        if (target[field] === null || target[field] === undefined) continue;
        target[field] = perturb.count({ count: Number(row?.[column] ?? 0), keySum: (row?.[keys as keyof FunnelKeys] as string | null) ?? null });
      }
    };
    adjust(stage as unknown as Record<string, unknown>, total);
    if (stage.completedStays !== null) stage.completedStays = perturb.count({ count: Number(total?.completed ?? 0), keySum: total?.completed_keys ?? null });
    stage.groups?.forEach((g, i) => adjust(g as unknown as Record<string, unknown>, groupRows[i]));
    if (stage.conversionFromPrevious !== null) {
      stage.conversionFromPrevious = previousShown && stage.entered !== null ? Math.round((stage.entered / previousShown) * 10000) / 10000 : null;
    }
    return stage.entered;
  }

  /** Funders: hide small counts, the complementary cells that would reveal them, and values derived from small groups. */
  private applySuppression(stage: FunnelStage, c: Counts, previousEntered: number | null, k: number): void {
    const hidden = new Set<string>();
    for (const field of COUNT_FIELDS) {
      if (stage.groups) {
        const table = suppressTable(
          stage.groups.map((g, i) => ({ key: i, count: g[field] ?? 0 })),
          c[field],
          k,
        );
        table.cells.forEach((cell, i) => {
          const g = stage.groups![i] as FunnelGroup;
          g[field] = cell.count;
          if (cell.suppressed) g.suppressed.push(field);
        });
        stage[field] = table.total;
        if (table.totalSuppressed) hidden.add(field);
      } else {
        stage[field] = suppressCount(c[field], k);
        if (stage[field] === null) hidden.add(field);
      }
    }
    // Stays, their median: computed from the stakeholders who moved on.
    if (suppressDerived(stage.completedStays, c.movedOn, k) === null && stage.completedStays !== 0) {
      stage.completedStays = null;
      hidden.add("completedStays");
    }
    if (stage.medianDaysInStage !== null && suppressDerived(stage.medianDaysInStage, c.movedOn, k) === null) {
      stage.medianDaysInStage = null;
      hidden.add("medianDaysInStage");
    }
    // A rate gives its parts back: hide it when either count is small, and (when it is a
    // share, at most 1) when those who did not convert are a small group. Re-entries can
    // make more people enter a stage than the one before it: then it is not a share.
    const rateHidden =
      previousEntered !== null &&
      (c.entered > previousEntered
        ? suppressCount(c.entered, k) === null || suppressCount(previousEntered, k) === null
        : suppressRate(c.entered, previousEntered, k) === null);
    if (stage.conversionFromPrevious !== null && rateHidden) {
      stage.conversionFromPrevious = null;
      hidden.add("conversionFromPrevious");
    }
    stage.suppressed = [...hidden];
  }
}
