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
import { organizationThreshold, suppressCount } from "../../common/suppression";
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

  /** NPS over responses collected in [from, to) matching the filter, with its margin of error; suppressed for funders below k. */
  async nps(organizationId: string, from: Date, to: Date, filter: FeedbackFilter | undefined): Promise<NpsResult> {
    const org = assertId(organizationId, "organizationId");
    const role = this.sc.access.require(org, ROLES.aggregates);
    // Funders never see or probe verbatim comments: a count over "comments containing a word"
    // (suppressed or 0) tells them whether someone wrote it, and with npsClass who.
    if (role === "FUNDER" && typeof filter?.text === "string") {
      throw new ForbiddenError("Funders may not filter by the words of comments (filter.text)", "filter.text");
    }
    assertPeriod(from, to);
    await this.assertFilterReferences(org, filter);
    const { where, params } = this.filterSql(org, { ...(filter ?? {}), from, to });
    const [[row], k] = await Promise.all([
      this.em.query(
        `SELECT count(*) FILTER (WHERE r.nps >= 9) AS promoters, count(*) FILTER (WHERE r.nps BETWEEN 7 AND 8) AS passives,
                count(*) FILTER (WHERE r.nps <= 6) AS detractors, count(DISTINCT r.stakeholder_id) FILTER (WHERE r.nps IS NOT NULL) AS people
           FROM feedback_responses r WHERE ${where.join(" AND ")} AND r.nps IS NOT NULL`,
        params,
      ),
      organizationThreshold(this.em, org),
    ]);
    const promoters = Number(row.promoters);
    const passives = Number(row.passives);
    const detractors = Number(row.detractors);
    const n = promoters + passives + detractors;
    const { score, marginOfError95 } = npsOf(promoters, passives, detractors);
    const hide = role === "FUNDER" && suppressCount(Number(row.people), k) === null;
    return {
      promoters: hide ? null : promoters,
      passives: hide ? null : passives,
      detractors: hide ? null : detractors,
      sampleSize: hide ? null : n,
      score: hide ? null : score,
      marginOfError95: hide ? null : marginOfError95,
      suppressed: hide,
    };
  }

  async responseOf(id: string): Promise<FeedbackResponse> {
    this.sc.access.requirePersonLevel("id");
    const partner = this.sc.access.isFieldPartner ? this.sc.access.organizationIds.map((o) => this.sc.access.partnerIn(o)) : null;
    const rows = await this.em.query(
      `SELECT * FROM feedback_responses WHERE id = $1 AND organization_id = ANY($2::uuid[]) AND ($3::uuid[] IS NULL OR submitted_by_partner_id = ANY($3::uuid[]))`,
      [assertId(id, "id"), this.sc.access.organizationIds, partner],
    );
    if (rows.length === 0) throw new NotFoundError("Feedback response", "id");
    return hydrate(this.em, FeedbackResponse, rows[0]);
  }
}
