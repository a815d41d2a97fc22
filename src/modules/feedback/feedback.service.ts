import { randomUUID } from "node:crypto";
import { EntityManager } from "typeorm";
import { FeedbackResponse } from "./feedback.entity";
import { AnswerInput, FeedbackFilter, FeedbackItemInput, SubmitFeedbackInput } from "./feedback.inputs";
import { NpsResult } from "./feedback.types";
import { ForbiddenError, ROLES } from "../../common/access";
import { NotFoundError } from "../../common/errors";
import { BatchItemResult, BatchItemStatus, BatchResult, classifyExisting, contentHash, ItemProblems } from "../../common/batch";
import { NpsClass, QuestionType, StakeholderKind } from "../../common/enums";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { organizationThreshold, suppressCount } from "../../common/suppression";
import { assertId, assertPeriod, FUTURE_SKEW_MS, isCalendarDate, isUuid } from "../../common/validation";
import { hydrate } from "../../database/rows";
import { applyRules } from "../action/rules";
import type { ServiceContext } from "../../context";

const INACTIVE_SURVEY = "the survey is not active: it takes no responses (an admin can turn it on again with updateSurvey)";
const RANGES: Partial<Record<QuestionType, [number, number]>> = { NPS: [0, 10], RATING: [1, 5], EFFORT: [1, 7] };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

interface Question {
  id: string;
  key: string;
  type: QuestionType;
  options: string[] | null;
  required: boolean;
}
interface SurveyInfo {
  id: string;
  audience: StakeholderKind;
  stageId: string | null;
  active: boolean;
  currentVersion: number;
  versions: Map<number, { id: string; questions: Question[] }>;
}

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
    return this.em.transaction(async (em) => {
      const ids = (f: (i: FeedbackItemInput) => string | null | undefined) => [...new Set(input.items.map(f).filter((v): v is string => isUuid(v)).map((v) => v.toLowerCase()))];
      const [surveyRows, questionRows, stakeholders, touchpoints] = await Promise.all([
        em.query(`SELECT id, audience, stage_id, current_version, active FROM surveys WHERE organization_id = $1 AND id = ANY($2::uuid[])`, [org, ids((i) => i.surveyId)]),
        em.query(
          `SELECT v.survey_id, v.version, v.id AS version_id, q.id, q.key, q.type, q.options, q.required
             FROM survey_versions v JOIN survey_questions q ON q.organization_id = v.organization_id AND q.survey_version_id = v.id
            WHERE v.organization_id = $1 AND v.survey_id = ANY($2::uuid[]) ORDER BY q.position`,
          [org, ids((i) => i.surveyId)],
        ),
        em.query(
          `SELECT id, kind, current_stage_id, registered_by_partner_id, external_ref FROM stakeholders
            WHERE organization_id = $1 AND (id = ANY($2::uuid[]) OR (kind = 'BENEFICIARY' AND external_ref = ANY($3::text[])))`,
          [org, ids((i) => i.stakeholderId), input.items.map((i) => i.newBeneficiary?.externalRef?.trim()).filter(Boolean)],
        ),
        em.query(`SELECT t.id, t.kind, t.stage_id, t.partner_id, s.impact_mode FROM touchpoints t JOIN stages s ON s.organization_id = t.organization_id AND s.id = t.stage_id
                   WHERE t.organization_id = $1 AND t.id = ANY($2::uuid[])`, [org, ids((i) => i.touchpointId)]),
      ]);
      const surveys = new Map<string, SurveyInfo>();
      for (const s of surveyRows) surveys.set(s.id, { id: s.id, audience: s.audience, stageId: s.stage_id, active: s.active, currentVersion: s.current_version, versions: new Map() });
      for (const q of questionRows) {
        const v = surveys.get(q.survey_id)!.versions;
        if (!v.has(q.version)) v.set(q.version, { id: q.version_id, questions: [] });
        v.get(q.version)!.questions.push({ id: q.id, key: q.key, type: q.type, options: q.options, required: q.required });
      }
      const byId = new Map<string, Record<string, any>>(stakeholders.map((s: Record<string, any>) => [s.id, s]));
      const byRef = new Map<string, Record<string, any>>(stakeholders.filter((s: Record<string, any>) => s.kind === "BENEFICIARY").map((s: Record<string, any>) => [s.external_ref, s]));
      const tps = new Map<string, Record<string, any>>(touchpoints.map((t: Record<string, any>) => [t.id, t]));
      const stageModes = new Map<string, string | null>(
        (await em.query(`SELECT id, impact_mode FROM stages WHERE organization_id = $1`, [org])).map((r: { id: string; impact_mode: string | null }) => [r.id, r.impact_mode]),
      );

      const results: BatchItemResult[] = [];
      type Ready = {
        index: number;
        id: string;
        clientKey: string;
        hash: string;
        item: FeedbackItemInput;
        survey: SurveyInfo;
        versionId: string;
        stakeholderId: string | null;
        newRef: string | null;
        touchpointId: string | null;
        stageId: string | null;
        collectedAt: Date;
        answers: { questionId: string; type: QuestionType; number: number | null; text: string | null; bool: boolean | null }[];
        nps: number | null;
        /** For an inactive survey: only a retry of a stored response (DUPLICATE or CONFLICT) gets through. */
        inactive: boolean;
      };
      const ready: Ready[] = [];
      const now = Date.now();
      input.items.forEach((item, index) => {
        const p = new ItemProblems();
        const clientKey = item.clientSubmissionId?.trim() ?? "";
        if (!clientKey) p.add("clientSubmissionId", "clientSubmissionId must not be empty");
        else if (clientKey.length > 120) p.add("clientSubmissionId", "clientSubmissionId must be at most 120 characters");
        const survey = isUuid(item.surveyId) ? surveys.get(item.surveyId.toLowerCase()) : undefined;
        if (!isUuid(item.surveyId)) p.add("surveyId", "surveyId must be an ID (UUID)");
        else if (!survey) p.add("surveyId", "no survey with this id in the organization");
        // An inactive survey takes no new response, but a retry of one stored before it was retired
        // is still a DUPLICATE (or a CONFLICT): checked once the stored ids are known, below.
        const inactive = survey !== undefined && !survey.active;
        if (inactive) p.add("surveyId", INACTIVE_SURVEY);
        const version = survey ? survey.versions.get(item.surveyVersion ?? survey.currentVersion) : undefined;
        if (survey && !version) p.add("surveyVersion", `the survey has no version ${item.surveyVersion}`);
        // collectedAt
        let collectedAt: Date | null = null;
        // The date part must exist on the calendar: Date.parse rolls "2026-02-30T…" over to March 2.
        if (typeof item.collectedAt !== "string" || !ISO.test(item.collectedAt.trim()) || !isCalendarDate(item.collectedAt.trim().slice(0, 10)) || Number.isNaN(Date.parse(item.collectedAt))) {
          p.add("collectedAt", "collectedAt must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T09:30:00Z");
        } else {
          collectedAt = new Date(item.collectedAt);
          if (collectedAt.getTime() > now + FUTURE_SKEW_MS) p.add("collectedAt", "collectedAt is in the future");
        }
        // stakeholder
        let stakeholderId: string | null = null;
        let newRef: string | null = null;
        let kind: StakeholderKind | null = null;
        let currentStage: string | null = null;
        if (item.stakeholderId && item.newBeneficiary) p.add("stakeholderId", "give either stakeholderId or newBeneficiary, not both");
        else if (item.stakeholderId) {
          const s = isUuid(item.stakeholderId) ? byId.get(item.stakeholderId.toLowerCase()) : undefined;
          if (!isUuid(item.stakeholderId)) p.add("stakeholderId", "stakeholderId must be an ID (UUID)");
          else if (!s || (partner && s.registered_by_partner_id !== partner)) p.add("stakeholderId", "no stakeholder with this id in the organization");
          else {
            stakeholderId = s.id;
            kind = s.kind;
            currentStage = s.current_stage_id;
          }
        } else if (item.newBeneficiary) {
          const ref = item.newBeneficiary.externalRef?.trim() ?? "";
          if (!ref || ref.length > 120) p.add("newBeneficiary.externalRef", "externalRef must be 1 to 120 characters");
          else {
            const existing = byRef.get(ref);
            if (existing && partner && existing.registered_by_partner_id !== partner) p.add("newBeneficiary.externalRef", "this external reference is already registered");
            newRef = ref;
            kind = StakeholderKind.BENEFICIARY;
            stakeholderId = existing?.id ?? null;
            currentStage = existing?.current_stage_id ?? null;
          }
          for (const f of ["region", "segment"] as const) {
            const v = item.newBeneficiary[f];
            if (v && v.length > 120) p.add(`newBeneficiary.${f}`, `${f} must be at most 120 characters`);
          }
        } else {
          p.add("stakeholderId", "a response needs stakeholderId or newBeneficiary");
        }
        if (survey && kind && survey.audience !== kind) p.add("surveyId", `the survey is for ${survey.audience} stakeholders; this is a ${kind}`);
        // touchpoint
        let touchpointId: string | null = null;
        let stageId: string | null = null;
        if (item.touchpointId) {
          const t = isUuid(item.touchpointId) ? tps.get(item.touchpointId.toLowerCase()) : undefined;
          if (!isUuid(item.touchpointId)) p.add("touchpointId", "touchpointId must be an ID (UUID)");
          else if (!t) p.add("touchpointId", "no touchpoint with this id in the organization");
          else {
            if (kind && t.kind !== kind) p.add("touchpointId", `the touchpoint is in the ${t.kind} lifecycle; the stakeholder is a ${kind}`);
            if (partner && t.partner_id !== partner) p.add("touchpointId", "field partners submit only at touchpoints their partner delivers");
            touchpointId = t.id;
            stageId = t.stage_id;
          }
        } else if (partner) {
          p.add("touchpointId", "field partners give the touchpoint their partner delivered");
        }
        stageId = stageId ?? survey?.stageId ?? currentStage;
        // answers
        const answers: Ready["answers"] = [];
        let nps: number | null = null;
        if (version) {
          const questions = new Map(version.questions.map((q) => [q.key, q]));
          const seen = new Set<string>();
          for (const [ai, a] of (item.answers ?? []).entries()) {
            const q = questions.get(a.key);
            if (!q) {
              p.add(`answers.${ai}`, `unknown question "${String(a.key).slice(0, 40)}" in version ${item.surveyVersion ?? survey!.currentVersion}`);
              continue;
            }
            if (seen.has(a.key)) {
              p.add(`answers.${ai}`, `question "${a.key}" is answered twice`);
              continue;
            }
            seen.add(a.key);
            if (a.value === null || a.value === undefined) continue;
            const checked = checkAnswer(q, a, ai, p);
            if (checked) {
              answers.push(checked);
              if (q.type === QuestionType.NPS) nps = checked.number;
            }
          }
          for (const q of version.questions) if (q.required && !answers.some((a) => a.questionId === q.id)) p.add("answers", `question "${q.key}" is required`);
        }
        const comment = item.comment?.trim() || null;
        if (comment && comment.length > 4000) p.add("comment", "comment must be at most 4000 characters");
        const onlyInactive = inactive && p.errors.every((e) => e.message === INACTIVE_SURVEY);
        if ((!p.ok && !onlyInactive) || !survey || !version || !collectedAt) {
          results.push({ index, clientKey: clientKey || null, status: BatchItemStatus.REJECTED, id: null, errors: p.errors });
          return;
        }
        const hash = contentHash({
          survey: survey.id,
          version: item.surveyVersion ?? survey.currentVersion,
          stakeholder: item.stakeholderId?.toLowerCase() ?? null,
          newBeneficiary: item.newBeneficiary ?? null,
          touchpoint: touchpointId,
          collectedAt,
          answers: [...(item.answers ?? [])].filter((a) => a.value !== null && a.value !== undefined).sort((x, y) => x.key.localeCompare(y.key)),
          comment,
        });
        ready.push({ index, id: randomUUID(), clientKey, hash, item, survey, versionId: version.id, stakeholderId, newRef, touchpointId, stageId, collectedAt, answers, nps, inactive });
      });

      // Which client submission ids are taken already (by earlier calls)?
      const taken = new Map<string, { id: string; content_hash: string }>(
        (await em.query(`SELECT id, client_submission_id, content_hash FROM feedback_responses WHERE organization_id = $1 AND client_submission_id = ANY($2::text[])`, [
          org,
          ready.map((r) => r.clientKey),
        ])).map((r: { id: string; client_submission_id: string; content_hash: string }) => [r.client_submission_id, r]),
      );
      // Items for an inactive survey: a retry of a stored response is classified as usual; anything
      // else is REJECTED, and nothing of it is stored (nor its new beneficiary registered).
      for (const r of ready.filter((x) => x.inactive)) {
        results.push(
          classifyExisting({ index: r.index, clientKey: r.clientKey, hash: r.hash }, taken.get(r.clientKey), "clientSubmissionId") ?? {
            index: r.index,
            clientKey: r.clientKey,
            status: BatchItemStatus.REJECTED,
            id: null,
            errors: [{ field: "surveyId", message: INACTIVE_SURVEY }],
          },
        );
      }
      ready.splice(0, ready.length, ...ready.filter((x) => !x.inactive));
      if (input.dryRun) {
        const firstSeen = new Map<string, Ready>();
        for (const r of ready) {
          const earlier = taken.get(r.clientKey) ?? (firstSeen.has(r.clientKey) ? { id: "", content_hash: firstSeen.get(r.clientKey)!.hash } : undefined);
          const classified = classifyExisting({ index: r.index, clientKey: r.clientKey, hash: r.hash }, earlier, "clientSubmissionId");
          if (classified) results.push({ ...classified, id: classified.id || null });
          else {
            firstSeen.set(r.clientKey, r);
            results.push({ index: r.index, clientKey: r.clientKey, status: BatchItemStatus.VALID, id: null, errors: [] });
          }
        }
        return BatchResult.of(results.sort((a, b) => a.index - b.index));
      }

      // New beneficiaries registered inline (reused when the reference exists).
      const fresh = ready.filter((r) => !taken.has(r.clientKey) && r.newRef && !r.stakeholderId);
      if (fresh.length) {
        const uniqueRefs = [...new Map(fresh.map((r) => [r.newRef!, r.item.newBeneficiary!])).entries()];
        await em.query(
          `INSERT INTO stakeholders (organization_id, kind, external_ref, gender, age_band, region, segment, registered_by_partner_id)
           SELECT $1, 'BENEFICIARY', u.ref, u.gender::gender, u.age::age_band, u.region, u.segment, $7
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(ref, gender, age, region, segment)
           ON CONFLICT (organization_id, kind, external_ref) DO NOTHING`,
          [
            org,
            uniqueRefs.map(([ref]) => ref),
            uniqueRefs.map(([, b]) => b.gender ?? null),
            uniqueRefs.map(([, b]) => b.ageBand ?? null),
            uniqueRefs.map(([, b]) => b.region?.trim() || null),
            uniqueRefs.map(([, b]) => b.segment?.trim() || null),
            partner,
          ],
        );
        const made: { id: string; external_ref: string }[] = await em.query(`SELECT id, external_ref FROM stakeholders WHERE organization_id = $1 AND kind = 'BENEFICIARY' AND external_ref = ANY($2::text[])`, [
          org,
          uniqueRefs.map(([ref]) => ref),
        ]);
        const idOf = new Map(made.map((m) => [m.external_ref, m.id]));
        for (const r of fresh) r.stakeholderId = idOf.get(r.newRef!) ?? null;
      }

      const toInsert = ready.filter((r) => r.stakeholderId);
      const inserted: { id: string }[] = toInsert.length
        ? await em.query(
            `INSERT INTO feedback_responses (organization_id, id, survey_id, survey_version_id, stakeholder_id, kind, touchpoint_id, stage_id, stage_impact_mode,
                                             collected_at, comment, nps, client_submission_id, content_hash, submitted_by_key_id, submitted_by_partner_id)
             SELECT $1, u.id, u.survey, u.version, u.stakeholder, u.kind::stakeholder_kind, u.tp, u.stage, u.mode::impact_mode, u.at, u.comment, u.nps, u.ck, u.hash, $15, $16
               FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::uuid[], $8::uuid[], $9::text[], $10::timestamptz[], $11::text[], $12::int[], $13::text[], $14::text[])
                 AS u(id, survey, version, stakeholder, kind, tp, stage, mode, at, comment, nps, ck, hash)
             ON CONFLICT (organization_id, client_submission_id) DO NOTHING
             RETURNING id`,
            [
              org,
              toInsert.map((r) => r.id),
              toInsert.map((r) => r.survey.id),
              toInsert.map((r) => r.versionId),
              toInsert.map((r) => r.stakeholderId),
              toInsert.map((r) => r.survey.audience),
              toInsert.map((r) => r.touchpointId),
              toInsert.map((r) => r.stageId),
              toInsert.map((r) => (r.stageId ? stageModes.get(r.stageId) ?? null : null)),
              toInsert.map((r) => r.collectedAt),
              toInsert.map((r) => r.item.comment?.trim() || null),
              toInsert.map((r) => r.nps),
              toInsert.map((r) => r.clientKey),
              toInsert.map((r) => r.hash),
              this.sc.access.keyId,
              partner,
            ],
          )
        : [];
      const created = new Set(inserted.map((r) => r.id));
      const stored = toInsert.filter((r) => created.has(r.id));
      const answers = stored.flatMap((r) => r.answers.map((a) => ({ response: r.id, ...a })));
      if (answers.length) {
        await em.query(
          `INSERT INTO feedback_answers (organization_id, response_id, question_id, type, value_number, value_text, value_bool)
           SELECT $1, u.r, u.q, u.t::question_type, u.n, u.x, u.b FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::numeric[], $6::text[], $7::boolean[]) AS u(r, q, t, n, x, b)`,
          [org, answers.map((a) => a.response), answers.map((a) => a.questionId), answers.map((a) => a.type), answers.map((a) => a.number), answers.map((a) => a.text), answers.map((a) => a.bool)],
        );
      }
      if (stored.length) await applyRules(em, org, { responseIds: stored.map((r) => r.id) });
      for (const r of stored) results.push({ index: r.index, clientKey: r.clientKey, status: BatchItemStatus.CREATED, id: r.id, errors: [] });
      const pending = ready.filter((r) => !created.has(r.id));
      if (pending.length) {
        const existing = new Map<string, { id: string; content_hash: string }>(
          (await em.query(`SELECT id, client_submission_id, content_hash FROM feedback_responses WHERE organization_id = $1 AND client_submission_id = ANY($2::text[])`, [
            org,
            pending.map((r) => r.clientKey),
          ])).map((r: { id: string; client_submission_id: string; content_hash: string }) => [r.client_submission_id, r]),
        );
        for (const r of pending) {
          results.push(
            classifyExisting({ index: r.index, clientKey: r.clientKey, hash: r.hash }, existing.get(r.clientKey), "clientSubmissionId") ?? {
              index: r.index,
              clientKey: r.clientKey,
              status: BatchItemStatus.REJECTED,
              id: null,
              errors: [{ field: "newBeneficiary.externalRef", message: "the beneficiary could not be registered" }],
            },
          );
        }
      }
      return BatchResult.of(results.sort((a, b) => a.index - b.index));
    });
  }

  /** Responses as a connection, newest first; field partners see only what they submitted; funders never. */
  async list(organizationId: string, filter: FeedbackFilter | undefined, first?: number | null, after?: string | null): Promise<Page<FeedbackResponse>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.requirePersonLevel("organizationId");
    this.sc.access.require(org, ROLES.people);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
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

function checkAnswer(q: Question, a: AnswerInput, ai: number, p: ItemProblems) {
  const field = `answers.${ai}`;
  const base = { questionId: q.id, type: q.type, number: null as number | null, text: null as string | null, bool: null as boolean | null };
  const range = RANGES[q.type];
  if (range) {
    if (typeof a.value !== "number" || !Number.isInteger(a.value) || a.value < range[0] || a.value > range[1]) {
      p.add(field, `"${q.key}" (${q.type}) must be a whole number from ${range[0]} to ${range[1]}`);
      return null;
    }
    return { ...base, number: a.value };
  }
  if (q.type === QuestionType.YES_NO) {
    if (typeof a.value !== "boolean") {
      p.add(field, `"${q.key}" (YES_NO) must be true or false`);
      return null;
    }
    return { ...base, bool: a.value };
  }
  if (q.type === QuestionType.CHOICE) {
    if (typeof a.value !== "string" || !(q.options ?? []).includes(a.value)) {
      p.add(field, `"${q.key}" (CHOICE) must be one of: ${(q.options ?? []).join(", ")}`);
      return null;
    }
    return { ...base, text: a.value };
  }
  if (typeof a.value !== "string" || a.value.length > 2000) {
    p.add(field, `"${q.key}" (TEXT) must be text of at most 2000 characters`);
    return null;
  }
  return { ...base, text: a.value.trim() };
}
