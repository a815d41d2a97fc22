import { randomUUID } from "node:crypto";
import { EntityManager } from "typeorm";
import { Metric, MetricTarget } from "./metric.entity";
import { Observation } from "./observation.entity";
import { CreateMetricInput, MetricFilter, ObservationItemInput, RecordObservationsInput, SetMetricTargetsInput, UpdateMetricInput } from "./metric.inputs";
import { ROLES } from "../../common/access";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { MetricCategory } from "../../common/enums";
import { BatchItemResult, BatchItemStatus, BatchResult, checkBatchSize, classifyExisting, contentHash, echoedKey, ItemProblems, itemTextProblems, decodeItemIds, itemIdProblem } from "../../common/batch";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, assertNotFuture, cleanName, isUuid } from "../../common/validation";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import type { ServiceContext } from "../../context";

const DIMENSION_KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/;
const MAX_DIMENSIONS = 5;
const MAX_PERIOD_MS = 20 * 366 * 24 * 3600 * 1000;

export class MetricService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  /** A metric of the caller's organizations (NOT_FOUND otherwise), with the caller's role checked. */
  async get(id: string, roles: readonly ("ADMIN" | "STAFF" | "FUNDER" | "FIELD_PARTNER")[] = ROLES.aggregates, field = "id"): Promise<Metric> {
    const rows = await this.em.query(`SELECT * FROM metrics WHERE organization_id = $1 AND id = $2`, [this.sc.ids.organizationOf(id, "Metric", field), id]);
    if (rows.length === 0) throw new NotFoundError("Metric", field);
    this.sc.access.require(rows[0].organization_id, roles, field);
    return hydrate(this.em, Metric, rows[0]);
  }

  async list(organizationId: string, filter: MetricFilter | undefined, first?: number | null, after?: string | null): Promise<Page<Metric>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.aggregates);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const params: unknown[] = [org, filter?.category ?? null, filter?.impactMode ?? null];
    const where = `m.organization_id = $1 AND ($2::metric_category IS NULL OR m.category = $2) AND ($3::impact_mode IS NULL OR m.impact_mode = $3)`;
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT m.*, ${micros("m.created_at")} AS __micros FROM metrics m
        WHERE ${where} AND ($4::text IS NULL OR (m.created_at, m.id) > (${fromMicros("$4")}, $5::uuid))
        ORDER BY m.created_at, m.id LIMIT $6`,
      [...params, cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Metric, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM metrics m WHERE ${where}`, params))[0].n),
    );
  }

  async create(input: CreateMetricInput): Promise<Metric> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const name = cleanName(input.name, "name", 200);
    if (input.category === MetricCategory.SOCIAL && !input.impactMode) throw new BadInputError("impactMode", "a SOCIAL metric needs an impactMode (AT_SALE or IN_USE)");
    if (input.category === MetricCategory.KPI && input.impactMode) throw new BadInputError("impactMode", "impactMode is for SOCIAL metrics only");
    return this.em.transaction(async (em) => {
      await this.checkRefs(em, org, input.stageId, input.touchpointId);
      try {
        const [row] = await em.query(
          `INSERT INTO metrics (organization_id, name, description, category, perspective, kind, unit, unit_label, direction, aggregation,
                                baseline_value, baseline_date, impact_mode, catalogue_code, estimation_note, stage_id, touchpoint_id, reportable)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING *`,
          [
            org,
            name,
            input.description?.trim() || null,
            input.category,
            input.perspective,
            input.kind,
            input.unit,
            input.unitLabel?.trim() || null,
            input.direction ?? "HIGHER_IS_BETTER",
            input.aggregation,
            input.baselineValue ?? null,
            input.baselineDate ?? null,
            input.impactMode ?? null,
            input.catalogueCode ?? null,
            input.estimationNote?.trim() || null,
            input.stageId?.toLowerCase() ?? null,
            input.touchpointId?.toLowerCase() ?? null,
            input.reportable ?? true,
          ],
        );
        return hydrate(em, Metric, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_metrics_name")) throw new ConflictError("name", `a metric named "${name}" exists already`);
        throw error;
      }
    });
  }

  async update(input: UpdateMetricInput): Promise<Metric> {
    const metric = await this.get(input.id, ROLES.admin);
    const sets: string[] = ["updated_at = now()"];
    const params: unknown[] = [metric.organizationId, metric.id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (input.name !== undefined && input.name !== null) set("name", cleanName(input.name, "name", 200));
    if (input.description !== undefined) set("description", input.description?.trim() || null);
    if (input.kind) set("kind", input.kind);
    if (input.unitLabel !== undefined) set("unit_label", input.unitLabel?.trim() || null);
    if (input.direction) set("direction", input.direction);
    if (input.baselineValue !== undefined) set("baseline_value", input.baselineValue);
    if (input.baselineDate !== undefined) set("baseline_date", input.baselineDate);
    if (input.impactMode) {
      if (metric.category !== MetricCategory.SOCIAL) throw new BadInputError("impactMode", "impactMode is for SOCIAL metrics only");
      set("impact_mode", input.impactMode);
    }
    if (input.catalogueCode !== undefined) set("catalogue_code", input.catalogueCode);
    if (input.estimationNote !== undefined) set("estimation_note", input.estimationNote?.trim() || null);
    if (input.reportable !== undefined && input.reportable !== null) set("reportable", input.reportable);
    return this.em.transaction(async (em) => {
      try {
        const rows = await queryRows(em, `UPDATE metrics SET ${sets.join(", ")} WHERE organization_id = $1 AND id = $2 RETURNING *`, params);
        return hydrate(em, Metric, rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, "uq_metrics_name")) throw new ConflictError("name", `a metric named "${input.name}" exists already`);
        throw error;
      }
    });
  }

  /** Sets targets by period (an existing target of the same period is replaced; value null removes it). */
  async setTargets(input: SetMetricTargetsInput): Promise<Metric> {
    const metric = await this.get(input.metricId, ROLES.admin, "metricId");
    input.targets.forEach((t, i) => {
      if (!(t.from < t.to)) throw new BadInputError(`targets.${i}.to`, "to must be after from (periods are [from, to))");
      if (t.to.getTime() - t.from.getTime() > MAX_PERIOD_MS) throw new BadInputError(`targets.${i}.to`, "a period spans at most 20 years");
    });
    return this.em.transaction(async (em) => {
      for (const t of input.targets) {
        if (t.value === null || t.value === undefined) {
          await em.query(`DELETE FROM metric_targets WHERE organization_id = $1 AND metric_id = $2 AND period_from = $3 AND period_to = $4`, [
            metric.organizationId,
            metric.id,
            t.from,
            t.to,
          ]);
        } else {
          await em.query(
            `INSERT INTO metric_targets (organization_id, metric_id, period_from, period_to, value) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (organization_id, metric_id, period_from, period_to) DO UPDATE SET value = excluded.value`,
            [metric.organizationId, metric.id, t.from, t.to, t.value],
          );
        }
      }
      return metric;
    });
  }

  async targets(metric: Metric): Promise<MetricTarget[]> {
    const rows = await this.em.query(`SELECT * FROM metric_targets WHERE organization_id = $1 AND metric_id = $2 ORDER BY period_from, period_to`, [
      metric.organizationId,
      metric.id,
    ]);
    return rows.map((r: Record<string, unknown>) => hydrate(this.em, MetricTarget, r));
  }

  /** A metric's observations in [from, to) by period start, oldest first. */
  async observations(metric: Metric, from: Date | null | undefined, to: Date | null | undefined, first?: number | null, after?: string | null): Promise<Page<Observation>> {
    this.sc.access.require(metric.organizationId, ROLES.staff, "observations");
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const params = [metric.organizationId, metric.id, from ?? null, to ?? null];
    const where = `o.organization_id = $1 AND o.metric_id = $2 AND ($3::timestamptz IS NULL OR o.period_from >= $3) AND ($4::timestamptz IS NULL OR o.period_from < $4)`;
    const rows: Record<string, unknown>[] = await this.em.query(
      `SELECT o.*, ${micros("o.period_from")} AS __micros FROM observations o
        WHERE ${where} AND ($5::text IS NULL OR (o.period_from, o.id) > (${fromMicros("$5")}, $6::uuid))
        ORDER BY o.period_from, o.id LIMIT $7`,
      [...params, cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, Observation, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM observations o WHERE ${where}`, params))[0].n),
    );
  }

  /**
   * Records up to 1000 observations. Each item is checked on its own: the good ones
   * are stored even when others are rejected. A client key makes a retry harmless:
   * the same key with the same content is a DUPLICATE, with other content a CONFLICT.
   */
  async record(input: RecordObservationsInput): Promise<BatchResult> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    checkBatchSize(input.items);
    await this.sc.requestDb.enterBatchWrite(); // the bulkhead: batches never take every connection
    const items = decodeItemIds(input.items, { metricId: "Metric", stageId: "Stage", touchpointId: "Touchpoint" }, org);
    return this.em.transaction(async (em) => {
      const metricIds = [...new Set(items.map((i) => i.metricId).filter(isUuid).map((id) => id.toLowerCase()))];
      const refIds = [...new Set(items.flatMap((i) => [i.stageId, i.touchpointId]).filter((v): v is string => isUuid(v)).map((id) => id.toLowerCase()))];
      const [metrics, stages, touchpoints] = await Promise.all([
        em.query(
          `SELECT m.id, EXISTS (SELECT 1 FROM metric_question_links l WHERE l.organization_id = m.organization_id AND l.metric_id = m.id) AS linked
             FROM metrics m WHERE m.organization_id = $1 AND m.id = ANY($2::uuid[])`,
          [org, metricIds],
        ),
        em.query(`SELECT id FROM stages WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, refIds]),
        em.query(`SELECT id FROM touchpoints WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, refIds]),
      ]);
      const known = {
        metric: new Set<string>(metrics.map((r: { id: string }) => r.id)),
        linked: new Set<string>(metrics.filter((r: { linked: boolean }) => r.linked).map((r: { id: string }) => r.id)),
        stage: new Set<string>(stages.map((r: { id: string }) => r.id)),
        touchpoint: new Set<string>(touchpoints.map((r: { id: string }) => r.id)),
      };
      const results: BatchItemResult[] = [];
      const rows: (PreparedObservation & { index: number })[] = [];
      items.forEach((item, index) => {
        const prepared = prepareObservation(item, known);
        if ("errors" in prepared) results.push({ index, clientKey: echoedKey(item.clientKey), status: BatchItemStatus.REJECTED, id: null, errors: prepared.errors });
        else rows.push({ ...prepared, index });
      });
      results.push(...(await insertKeyed(em, org, "observations", rows)));
      return BatchResult.of(results, "Observation", org);
    });
  }

  private async checkRefs(em: EntityManager, org: string, stageId?: string | null, touchpointId?: string | null): Promise<void> {
    if (stageId) {
      const r = await em.query(`SELECT 1 FROM stages WHERE organization_id = $1 AND id = $2`, [org, assertId(stageId, "stageId")]);
      if (r.length === 0) throw new BadInputError("stageId", "no stage with this id in the organization");
    }
    if (touchpointId) {
      const r = await em.query(`SELECT 1 FROM touchpoints WHERE organization_id = $1 AND id = $2`, [org, assertId(touchpointId, "touchpointId")]);
      if (r.length === 0) throw new BadInputError("touchpointId", "no touchpoint with this id in the organization");
    }
  }
}

interface PreparedObservation {
  id: string;
  clientKey: string | null;
  hash: string;
  values: unknown[];
}

function prepareObservation(
  item: ObservationItemInput,
  known: { metric: Set<string>; linked: Set<string>; stage: Set<string>; touchpoint: Set<string> },
): PreparedObservation | { errors: ItemProblems["errors"] } {
  const p = new ItemProblems();
  p.errors.push(...itemTextProblems(item));
  const clientKey = item.clientKey?.trim() || null;
  if (clientKey && clientKey.length > 120) p.add("clientKey", "clientKey must be at most 120 characters");
  const metricId = item.metricId?.toLowerCase();
  if (!isUuid(metricId)) p.add("metricId", itemIdProblem(item.metricId, "metricId", "Metric"));
  else if (!known.metric.has(metricId)) p.add("metricId", "no metric with this id in the organization");
  else if (known.linked.has(metricId)) p.add("metricId", "this metric is computed from survey answers (it is linked to a question): it takes no observations");
  if (!(item.from < item.to)) p.add("to", "to must be after from (periods are [from, to))");
  else if (item.to.getTime() - item.from.getTime() > MAX_PERIOD_MS) p.add("to", "a period spans at most 20 years");
  try {
    assertNotFuture(item.from, "from");
  } catch {
    p.add("from", "from is in the future");
  }
  if (item.sampleSize !== null && item.sampleSize !== undefined && (!Number.isInteger(item.sampleSize) || item.sampleSize < 0)) {
    p.add("sampleSize", "sampleSize must be a whole number, 0 or more");
  }
  for (const [field, set] of [
    ["stageId", known.stage],
    ["touchpointId", known.touchpoint],
  ] as const) {
    const v = item[field];
    if (v === null || v === undefined) continue;
    if (!isUuid(v)) p.add(field, itemIdProblem(v, field, field === "stageId" ? "Stage" : "Touchpoint"));
    else if (!set.has(v.toLowerCase())) p.add(field, `no ${field === "stageId" ? "stage" : "touchpoint"} with this id in the organization`);
  }
  const dimensions: Record<string, string> = {};
  if (item.dimensions) {
    const entries = Object.entries(item.dimensions);
    if (entries.length > MAX_DIMENSIONS) p.add("dimensions", `at most ${MAX_DIMENSIONS} dimensions`);
    for (const [k, v] of entries) {
      if (!DIMENSION_KEY.test(k)) p.add("dimensions", `dimension name "${k.slice(0, 40)}" must be a letter then letters, digits or _ (at most 40)`);
      else if (typeof v !== "string" || v.trim() === "" || v.length > 120) p.add("dimensions", `dimension "${k}" must have a non-empty text value (at most 120)`);
      else dimensions[k] = v.trim();
    }
  }
  const source = item.source?.trim() || null;
  if (source && source.length > 200) p.add("source", "source must be at most 200 characters");
  if (!p.ok) return { errors: p.errors };
  const content = {
    metricId,
    from: item.from,
    to: item.to,
    value: item.value,
    sampleSize: item.sampleSize ?? null,
    stageId: item.stageId?.toLowerCase() ?? null,
    touchpointId: item.touchpointId?.toLowerCase() ?? null,
    dimensions,
    source,
  };
  const hash = contentHash(content);
  const id = randomUUID();
  return {
    id,
    clientKey,
    hash,
    values: [id, metricId, item.from, item.to, item.value, content.sampleSize, content.stageId, content.touchpointId, JSON.stringify(dimensions), source, clientKey, hash],
  };
}

const COLUMNS: Record<string, { names: string[]; types: string[] }> = {
  observations: {
    names: ["id", "metric_id", "period_from", "period_to", "value", "sample_size", "stage_id", "touchpoint_id", "dimensions", "source", "client_key", "content_hash"],
    types: ["uuid", "uuid", "timestamptz", "timestamptz", "numeric", "int", "uuid", "uuid", "jsonb", "text", "text", "text"],
  },
  sales: {
    names: ["id", "offering_id", "customer_id", "occurred_at", "units", "amount_minor", "contribution_minor", "units_given", "beneficiaries_funded", "client_key", "content_hash"],
    types: ["uuid", "uuid", "uuid", "timestamptz", "int", "bigint", "bigint", "numeric", "numeric", "text", "text"],
  },
};

/**
 * Inserts prepared rows in one statement (one audit statement, one run of any statement trigger). Rows whose client key is taken (before,
 * earlier in this batch, or by a concurrent request) are not inserted and come back
 * as DUPLICATE or CONFLICT; the unique index on (organization_id, client_key) decides.
 */
export async function insertKeyed(
  em: EntityManager,
  org: string,
  table: "observations" | "sales",
  rows: { index: number; id: string; clientKey: string | null; hash: string; values: unknown[] }[],
): Promise<BatchItemResult[]> {
  if (rows.length === 0) return [];
  const { names, types } = COLUMNS[table];
  // In client-key order, so that concurrent batches sharing keys take their unique-index locks in the same order (no deadlock).
  const ordered = [...rows].sort((a, b) => ((a.clientKey ?? "") < (b.clientKey ?? "") ? -1 : (a.clientKey ?? "") > (b.clientKey ?? "") ? 1 : 0));
  const columns = names.map((_, i) => ordered.map((r) => r.values[i]));
  const inserted: { id: string }[] = await em.query(
    `INSERT INTO ${table} (organization_id, ${names.join(", ")})
     SELECT $1, ${names.map((n, i) => (types[i] === "jsonb" ? `u.${n}::jsonb` : `u.${n}`)).join(", ")}
       FROM unnest(${types.map((t, i) => `$${i + 2}::${t === "jsonb" ? "text" : t}[]`).join(", ")}) AS u(${names.join(", ")})
     ON CONFLICT (organization_id, client_key) WHERE client_key IS NOT NULL DO NOTHING
     RETURNING id`,
    [org, ...columns],
  );
  const created = new Set(inserted.map((r) => r.id));
  const results: BatchItemResult[] = [];
  const pending = rows.filter((r) => !created.has(r.id));
  for (const r of rows.filter((r) => created.has(r.id))) {
    results.push({ index: r.index, clientKey: r.clientKey, status: BatchItemStatus.CREATED, id: r.id, errors: [] });
  }
  if (pending.length) {
    const existing: { id: string; client_key: string; content_hash: string }[] = await em.query(
      `SELECT id, client_key, content_hash FROM ${table} WHERE organization_id = $1 AND client_key = ANY($2::text[])`,
      [org, pending.map((r) => r.clientKey)],
    );
    const byKey = new Map(existing.map((e) => [e.client_key, e]));
    for (const r of pending) {
      const result = classifyExisting({ index: r.index, clientKey: r.clientKey, hash: r.hash }, byKey.get(r.clientKey ?? ""));
      results.push(result ?? { index: r.index, clientKey: r.clientKey, status: BatchItemStatus.REJECTED, id: null, errors: [{ field: "clientKey", message: "could not be stored; retry" }] });
    }
  }
  return results;
}
