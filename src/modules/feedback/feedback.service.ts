import { EntityManager } from "typeorm";
import { FeedbackResponse } from "./feedback.entity";
import { FeedbackFilter, SubmitFeedbackInput } from "./feedback.inputs";
import { assertReferences } from "../../common/references";
import { submitFeedbackBatch } from "./feedback.submit";
import { NpsResult } from "./feedback.types";
import { ForbiddenError, ROLES } from "../../common/access";
import { NotFoundError } from "../../common/errors";
import { BatchResult, checkBatchSize } from "../../common/batch";
import { NpsClass } from "../../common/enums";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { organizationThreshold } from "../../common/suppression";
import { KeyedCount, organizationMaximum, PERTURBATION_NOTE, perturber } from "../../common/perturbation";
import { FeedbackSource, inDays, inEdges, npsSum, npsValues, splitPeriod } from "./rollup";
import { assertId, assertPeriod } from "../../common/validation";
import { hydrate } from "../../database/rows";
import type { ServiceContext } from "../../context";

/** NPS of a set of answers: % promoters - % detractors, with its 95 % margin of error. */
export function npsOf(promoters: number, passives: number, detractors: number): { score: number | null; marginOfError95: number | null } {
  const n = promoters + passives + detractors;
  if (n === 0) return { score: null, marginOfError95: null };
  const p = promoters / n;
  const d = detractors / n;
  const score = (p - d) * 100;
  // Variance of the per-answer score (+1, 0, -1): p + d - (p - d)^2.
  const moe = 1.96 * Math.sqrt((p + d - (p - d) ** 2) / n) * 100;
  return { score: Math.round(score * 100) / 100, marginOfError95: Math.round(moe * 100) / 100 };
}

export class FeedbackService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  /**
   * Stores up to 1000 responses, each checked on its own. The client submission id,
   * unique per organization in the database, makes retries and concurrent repeats
   * harmless: an item is stored once; the same id again is a DUPLICATE (same content)
   * or a CONFLICT (other content), even once the survey is no longer active (only new
   * items for an inactive survey are REJECTED). Detractors and other rule matches open
   * actions in the same transaction. `dryRun` checks everything and stores nothing.
   */
  async submit(input: SubmitFeedbackInput): Promise<BatchResult> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.submit);
    const partner = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
    checkBatchSize(input.items);
    await this.sc.requestDb.enterBatchWrite(); // the bulkhead: batches never take every connection
    return this.em.transaction((em) => submitFeedbackBatch(em, org, input, { keyId: this.sc.access.keyId, partner }));
  }

  /** Responses as a connection, newest first; field partners see only what they submitted; funders never. */
  async list(organizationId: string, filter: FeedbackFilter | undefined, first?: number | null, after?: string | null): Promise<Page<FeedbackResponse>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.requirePersonLevel("organizationId");
    this.sc.access.require(org, ROLES.people);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    await this.assertFilterReferences(org, filter);
    const { where, params } = this.filterSql(org, filter);
    const partner = this.sc.access.isFieldPartner ? this.sc.access.partnerIn(org) : null;
    if (partner) {
      params.push(partner);
      where.push(`r.submitted_by_partner_id = $${params.length}`);
    }
    const countSql = where.join(" AND ");
    const countParams = [...params];
    if (cursor) {
      params.push(cursor.micros, cursor.id);
      where.push(`(r.collected_at, r.id) < (${fromMicros(`$${params.length - 1}`)}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows = await this.sc.requestDb.rows(
      `SELECT r.*, ${micros("r.collected_at")} AS __micros FROM feedback_responses r WHERE ${where.join(" AND ")} ORDER BY r.collected_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.em, FeedbackResponse, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.em.query(`SELECT count(*) AS n FROM feedback_responses r WHERE ${countSql}`, countParams))[0].n),
    );
  }

  /** The survey, touchpoint and stage a filter names exist in the organization (else NOT_FOUND on the field). */
  private assertFilterReferences(org: string, f: FeedbackFilter | undefined): Promise<void> {
    return assertReferences(this.em, org, [
      { what: "survey", id: f?.surveyId, field: "filter.surveyId" },
      { what: "touchpoint", id: f?.touchpointId, field: "filter.touchpointId" },
      { what: "stage", id: f?.stageId, field: "filter.stageId" },
    ]);
  }

  private filterSql(org: string, f: FeedbackFilter | undefined): { where: string[]; params: unknown[] } {
    const params: unknown[] = [org];
    const where = ["r.organization_id = $1"];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace(/\?/g, `$${params.length}`));
    };
    if (!f) return { where, params };
    if (f.surveyId) add("r.survey_id = ?", assertId(f.surveyId, "filter.surveyId"));
    if (f.touchpointId) add("r.touchpoint_id = ?", assertId(f.touchpointId, "filter.touchpointId"));
    if (f.stageId) add("r.stage_id = ?", assertId(f.stageId, "filter.stageId"));
    if (f.kind) add("r.kind = ?", f.kind);
    if (f.npsClass === NpsClass.PROMOTER) where.push("r.nps >= 9");
    if (f.npsClass === NpsClass.PASSIVE) where.push("r.nps BETWEEN 7 AND 8");
    if (f.npsClass === NpsClass.DETRACTOR) where.push("r.nps <= 6");
    if (f.minScore !== undefined && f.minScore !== null) add("r.nps >= ?", f.minScore);
    if (f.maxScore !== undefined && f.maxScore !== null) add("r.nps <= ?", f.maxScore);
    if (f.from) add("r.collected_at >= ?", f.from);
    if (f.to) add("r.collected_at < ?", f.to);
    if (f.text && f.text.trim()) add("to_tsvector('simple', coalesce(r.comment, '')) @@ plainto_tsquery('simple', ?)", f.text.trim());
    return { where, params };
  }

  /**
   * NPS over responses collected in [from, to) matching the filter, with its margin of error;
   * suppressed for funders when fewer than k people answered. The counts come from the daily
   * rollup for the whole UTC days of the period and from the responses for the rest (a filter on
   * the words of comments reads the responses only); only a funder's answer needs the people
   * behind it, and only whether they reach k. `source` "tables" reads the responses only (the
   * direct computation the rollup is tested against).
   */
  async nps(organizationId: string, from: Date, to: Date, filter: FeedbackFilter | undefined, source: FeedbackSource = "rollup"): Promise<NpsResult> {
    const org = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(org, ROLES.aggregates);
    // Funders never see or probe verbatim comments: a count over "comments containing a word"
    // (suppressed or 0) tells them whether someone wrote it, and with npsClass who.
    if (role === "FUNDER" && typeof filter?.text === "string") {
      throw new ForbiddenError("Funders may not filter by the words of comments (filter.text)", "filter.text");
    }
    assertPeriod(from, to);
    await this.assertFilterReferences(org, filter);
    const f: FeedbackFilter = { ...(filter ?? {}), from, to };
    if (role === "FUNDER") return this.funderNps(org, f, source);
    const { promoters, passives, detractors } = await this.npsCounts(org, f, source);
    const { score, marginOfError95 } = npsOf(promoters, passives, detractors);
    return { promoters, passives, detractors, sampleSize: promoters + passives + detractors, score, marginOfError95, suppressed: false, note: null };
  }

  /**
   * A funder's NPS: hidden when fewer than k people answered (decided on the true figures, as
   * for every funder's view); otherwise each class's count adjusted by the cell-key method
   * (src/common/perturbation.ts), its cell key the sum of the record keys of the people behind
   * its answers (one key per answer), and the sample size, score and margin computed from the
   * adjusted classes, so that they agree with the counts shown.
   */
  private async funderNps(org: string, f: FeedbackFilter, source: FeedbackSource): Promise<NpsResult> {
    const [counts, k, maximum] = await Promise.all([this.npsKeyedCounts(org, f, source), organizationThreshold(this.em, org), organizationMaximum(this.em, org)]);
    const n = counts.promoters.count + counts.passives.count + counts.detractors.count;
    if (n > 0 && (await this.fewerPeopleThan(org, f, n, k))) {
      return { promoters: null, passives: null, detractors: null, sampleSize: null, score: null, marginOfError95: null, suppressed: true, note: null };
    }
    const p = perturber(true, maximum);
    const promoters = p.count(counts.promoters);
    const passives = p.count(counts.passives);
    const detractors = p.count(counts.detractors);
    const { score, marginOfError95 } = npsOf(promoters, passives, detractors);
    return { promoters, passives, detractors, sampleSize: promoters + passives + detractors, score, marginOfError95, suppressed: false, note: PERTURBATION_NOTE };
  }

  /**
   * Promoters, passives and detractors among the responses matching the filter (its from and to
   * set), each with the sum of the record keys of the stakeholders who gave them (one per answer):
   * a funder's cells. Whole UTC days from `feedback_daily_keys`, the rest from the responses;
   * everything from the responses when the filter keeps part of a class only (a minimum or
   * maximum score inside one) or `source` is "tables".
   */
  private async npsKeyedCounts(org: string, f: FeedbackFilter, source: FeedbackSource): Promise<Record<"promoters" | "passives" | "detractors", KeyedCount>> {
    const CLASSES = [
      ["promoters", "promoter_keys", 9, 10, "r.nps >= 9"],
      ["passives", "passive_keys", 7, 8, "r.nps BETWEEN 7 AND 8"],
      ["detractors", "detractor_keys", 0, 6, "r.nps <= 6"],
    ] as const;
    const values = npsValues(f);
    const kept = CLASSES.map(([, , lo, hi]) => values.filter((v) => v >= lo && v <= hi).length);
    const whole = CLASSES.every(([, , lo, hi], i) => kept[i] === 0 || kept[i] === hi - lo + 1);
    const split = source === "tables" || !whole ? { days: null, edges: [{ from: f.from!, to: f.to! }] } : splitPeriod(f.from!, f.to!);
    const { where, params } = split.edges.length ? this.filterSql(org, { ...f, from: undefined, to: undefined }) : { where: [], params: [org] as unknown[] };
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const parts: string[] = [];
    if (split.days) {
      const on: string[] = ["d.organization_id = $1", inDays("d", split.days, p)];
      if (f.surveyId) on.push(`d.survey_id = ${p(assertId(f.surveyId, "filter.surveyId"))}`);
      if (f.touchpointId) on.push(`d.touchpoint_id = ${p(assertId(f.touchpointId, "filter.touchpointId"))}`);
      if (f.stageId) on.push(`d.stage_id = ${p(assertId(f.stageId, "filter.stageId"))}`);
      if (f.kind) on.push(`d.kind = ${p(f.kind)}`);
      const columns = CLASSES.map(([count, keys], i) => (kept[i] ? `sum(d.${count}) AS ${count}, sum(d.${keys}) AS ${keys}` : `0 AS ${count}, 0 AS ${keys}`));
      parts.push(`SELECT ${columns.join(", ")} FROM feedback_daily_keys d WHERE ${on.join(" AND ")}`);
    }
    if (split.edges.length) {
      const columns = CLASSES.map(([count, keys, , , when]) => `count(*) FILTER (WHERE ${when}) AS ${count}, sum(s.record_key) FILTER (WHERE ${when}) AS ${keys}`);
      parts.push(`SELECT ${columns.join(", ")} FROM feedback_responses r JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id
                   WHERE ${where.join(" AND ")} AND ${inEdges("r.collected_at", split.edges, p)} AND r.nps IS NOT NULL`);
    }
    const [row] = await this.em.query(
      `SELECT ${CLASSES.map(([count, keys]) => `coalesce(sum(x.${count}), 0) AS ${count}, coalesce(sum(x.${keys}), 0) AS ${keys}`).join(", ")} FROM (${parts.join(" UNION ALL ")}) x`,
      params,
    );
    const keyed = (count: string, keys: string): KeyedCount => ({ count: Number(row[count]), keySum: String(row[keys]) });
    return { promoters: keyed("promoters", "promoter_keys"), passives: keyed("passives", "passive_keys"), detractors: keyed("detractors", "detractor_keys") };
  }

  /** Promoters, passives and detractors among the responses matching the filter (its from and to set). */
  private async npsCounts(org: string, f: FeedbackFilter, source: FeedbackSource): Promise<{ promoters: number; passives: number; detractors: number }> {
    const classes = "count(*) FILTER (WHERE r.nps >= 9) AS promoters, count(*) FILTER (WHERE r.nps BETWEEN 7 AND 8) AS passives, count(*) FILTER (WHERE r.nps <= 6) AS detractors";
    const text = typeof f.text === "string" && f.text.trim() !== "";
    const split = text || source === "tables" ? { days: null, edges: [{ from: f.from!, to: f.to! }] } : splitPeriod(f.from!, f.to!);
    // The filter's conditions on responses (and their parameters) only when responses are read.
    const { where, params } = split.edges.length ? this.filterSql(org, { ...f, from: undefined, to: undefined }) : { where: [], params: [org] as unknown[] };
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const parts: string[] = [];
    if (split.days) {
      // Whole days: the rollup's columns per NPS answer, those the filter keeps, added up per class.
      const values = npsValues(f);
      const cls = (lo: number, hi: number) => npsSum("d", values.filter((v) => v >= lo && v <= hi));
      const on: string[] = ["d.organization_id = $1", inDays("d", split.days, p)];
      if (f.surveyId) on.push(`d.survey_id = ${p(assertId(f.surveyId, "filter.surveyId"))}`);
      if (f.touchpointId) on.push(`d.touchpoint_id = ${p(assertId(f.touchpointId, "filter.touchpointId"))}`);
      if (f.stageId) on.push(`d.stage_id = ${p(assertId(f.stageId, "filter.stageId"))}`);
      if (f.kind) on.push(`d.kind = ${p(f.kind)}`);
      parts.push(`SELECT sum(${cls(9, 10)}) AS promoters, sum(${cls(7, 8)}) AS passives, sum(${cls(0, 6)}) AS detractors FROM feedback_daily d WHERE ${on.join(" AND ")}`);
    }
    if (split.edges.length) parts.push(`SELECT ${classes} FROM feedback_responses r WHERE ${where.join(" AND ")} AND ${inEdges("r.collected_at", split.edges, p)} AND r.nps IS NOT NULL`);
    const [row] = await this.em.query(
      `SELECT coalesce(sum(x.promoters), 0) AS promoters, coalesce(sum(x.passives), 0) AS passives, coalesce(sum(x.detractors), 0) AS detractors FROM (${parts.join(" UNION ALL ")}) x`,
      params,
    );
    return { promoters: Number(row.promoters), passives: Number(row.passives), detractors: Number(row.detractors) };
  }

  /**
   * Whether the n (> 0) NPS answers matching the filter come from fewer than k people (a funder's
   * small-cell rule). Exact, without counting everyone: fewer than k answers are fewer than k
   * people; otherwise the people behind the first 20k answers found are counted, and only when
   * those are fewer than k and there are more answers, everyone.
   */
  private async fewerPeopleThan(org: string, f: FeedbackFilter, n: number, k: number): Promise<boolean> {
    if (n < k) return true;
    const { where, params } = this.filterSql(org, f);
    const from = `FROM feedback_responses r WHERE ${where.join(" AND ")} AND r.nps IS NOT NULL`;
    const sample = 20 * k;
    const [first] = await this.em.query(`SELECT count(DISTINCT x.stakeholder_id) AS people, count(*) AS answers FROM (SELECT r.stakeholder_id ${from} LIMIT ${sample}) x`, params);
    if (Number(first.people) >= k) return false;
    if (Number(first.answers) < sample) return true;
    const [all] = await this.em.query(`SELECT count(DISTINCT r.stakeholder_id) AS people ${from}`, params);
    return Number(all.people) < k;
  }

  async responseOf(id: string): Promise<FeedbackResponse> {
    this.sc.access.requirePersonLevel("id");
    const partner = this.sc.access.isFieldPartner ? this.sc.access.organizationIds.map((o) => this.sc.access.partnerIn(o)) : null;
    const rows = await this.em.query(
      `SELECT * FROM feedback_responses WHERE organization_id = $1 AND id = $2 AND ($3::uuid[] IS NULL OR submitted_by_partner_id = ANY($3::uuid[]))`,
      [this.sc.ids.organizationOf(id, "Feedback response", "id"), id, partner],
    );
    if (rows.length === 0) throw new NotFoundError("Feedback response", "id");
    return hydrate(this.em, FeedbackResponse, rows[0]);
  }
}
