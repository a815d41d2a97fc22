import { randomUUID } from "node:crypto";
import { EntityManager } from "typeorm";
import { AnswerInput, FeedbackItemInput, SubmitFeedbackInput } from "./feedback.inputs";
import {
  BatchItemResult,
  BatchItemStatus,
  BatchResult,
  byKey,
  decodeItemIds,
  classifyExisting,
  classifyKeyed,
  contentHash,
  ItemError,
  itemClientKey,
  itemIdProblem,
  ItemProblems,
  itemTextProblems,
  itemTimestamp,
  lookupKeys,
  settleKeyed,
  StoredItem,
} from "../../common/batch";
import { QuestionType, StakeholderKind } from "../../common/enums";
import { ERASED_MESSAGE } from "../../common/personal-data";
import { isUuid } from "../../common/validation";
import { checkNewBeneficiary, registerBeneficiaries } from "../stakeholder/inline-beneficiaries";
import { applyRules } from "../action/rules";

/**
 * submitFeedback in three steps: load what the checks need (four set-based reads), check
 * every item on its own (pure: `checkFeedbackItem`, `classifyFeedback`), then write with one
 * statement per table (new beneficiaries, responses with their answers, actions by rule).
 */

export const INACTIVE_SURVEY = "the survey is not active: it takes no responses (an admin can turn it on again with updateSurvey)";
const RANGES: Partial<Record<QuestionType, [number, number]>> = { NPS: [0, 10], RATING: [1, 5], EFFORT: [1, 7] };
const KEY_FIELD = "clientSubmissionId";

export interface Question {
  id: string;
  key: string;
  type: QuestionType;
  options: string[] | null;
  required: boolean;
  /** NUMBER: the range of answers accepted (decimal text), null for none. */
  min?: string | null;
  max?: string | null;
}

export interface SurveyVersionInfo {
  id: string;
  /** In position order. */
  questions: Question[];
  byKey: Map<string, Question>;
}

export interface SurveyInfo {
  id: string;
  audience: StakeholderKind;
  stageId: string | null;
  active: boolean;
  currentVersion: number;
  versions: Map<number, SurveyVersionInfo>;
}

export interface StakeholderInfo {
  id: string;
  kind: StakeholderKind;
  currentStageId: string | null;
  registeredByPartnerId: string | null;
  /** Erased (forgetStakeholder): its responses still count, but carry none of its words. */
  erased?: boolean;
}

export interface TouchpointInfo {
  id: string;
  kind: StakeholderKind;
  stageId: string;
  partnerId: string | null;
}

/** A stored response, by its client submission id. */
export type StoredResponse = StoredItem;

/** What the checks read, loaded for one batch. */
export interface FeedbackLookups {
  surveys: Map<string, SurveyInfo>;
  stakeholders: Map<string, StakeholderInfo>;
  /** Beneficiaries by external reference. */
  beneficiariesByRef: Map<string, StakeholderInfo>;
  touchpoints: Map<string, TouchpointInfo>;
  /** Where impact happens, for every stage a response may be filed under. */
  stageModes: Map<string, string | null>;
  /** Responses already stored under the batch's client submission ids. */
  taken: Map<string, StoredResponse>;
}

export interface CheckedAnswer {
  questionId: string;
  type: QuestionType;
  number: number | null;
  text: string | null;
  bool: boolean | null;
}

/** An item that passed its checks, ready to be stored (or, for an inactive survey, only recognised as a retry). */
export interface ReadyItem {
  index: number;
  clientKey: string;
  hash: string;
  surveyId: string;
  audience: StakeholderKind;
  versionId: string;
  stakeholderId: string | null;
  /** A beneficiary to register (or reuse) by this external reference. */
  newRef: string | null;
  newBeneficiary: FeedbackItemInput["newBeneficiary"];
  touchpointId: string | null;
  stageId: string | null;
  stageMode: string | null;
  /** ISO 8601, to the millisecond. */
  collectedAt: string;
  comment: string | null;
  nps: number | null;
  answers: CheckedAnswer[];
  /** For an inactive survey: only a retry of a stored response (DUPLICATE or CONFLICT) gets through. */
  inactive: boolean;
}

export type CheckedItem = { ready: ReadyItem; rejected?: undefined } | { ready?: undefined; rejected: BatchItemResult };

export interface CheckContext {
  lookups: FeedbackLookups;
  /** The field partner the caller acts for in this organization (null for staff). */
  partner: string | null;
  /** Milliseconds since the epoch: collectedAt may not be later than this plus the allowed clock skew. */
  now: number;
}

// ---------------------------------------------------------------------------------------------
// Check (pure)
// ---------------------------------------------------------------------------------------------

/** Checks one item against the loaded lookups; every problem is reported, in the order of the item's fields. */
export function checkFeedbackItem(
  item: FeedbackItemInput,
  index: number,
  { lookups, partner, now }: CheckContext,
  /** The item's text problems, when the caller has found them already (they decide what is loaded). */
  text: ItemError[] = itemTextProblems(item),
): CheckedItem {
  const p = new ItemProblems();
  p.errors.push(...text);
  // A key that is not clean text is not echoed back either.
  const clientKey = itemClientKey(item.clientSubmissionId, KEY_FIELD, text, p);
  const survey = isUuid(item.surveyId) ? lookups.surveys.get(item.surveyId.toLowerCase()) : undefined;
  if (!isUuid(item.surveyId)) p.add("surveyId", itemIdProblem(item.surveyId, "surveyId", "Survey"));
  else if (!survey) p.add("surveyId", "no survey with this id in the organization");
  // An inactive survey takes no new response, but a retry of one stored before it was retired
  // is still a DUPLICATE (or a CONFLICT): decided by classifyFeedback, which knows the stored ids.
  const inactive = survey !== undefined && !survey.active;
  if (inactive) p.add("surveyId", INACTIVE_SURVEY);
  const versionNumber = survey ? (item.surveyVersion ?? survey.currentVersion) : null;
  const version = survey ? survey.versions.get(versionNumber!) : undefined;
  if (survey && !version) p.add("surveyVersion", `the survey has no version ${item.surveyVersion}`);

  // collectedAt: ISO 8601 with a zone, a day on the calendar, not in the future.
  const collectedAt = itemTimestamp(item.collectedAt, "collectedAt", now, p);

  // The stakeholder: an existing one, or a beneficiary registered (or reused) by external reference.
  let stakeholderId: string | null = null;
  let newRef: string | null = null;
  let kind: StakeholderKind | null = null;
  let currentStage: string | null = null;
  let erased = false;
  if (item.stakeholderId && item.newBeneficiary) p.add("stakeholderId", "give either stakeholderId or newBeneficiary, not both");
  else if (item.stakeholderId) {
    const s = isUuid(item.stakeholderId) ? lookups.stakeholders.get(item.stakeholderId.toLowerCase()) : undefined;
    if (!isUuid(item.stakeholderId)) p.add("stakeholderId", itemIdProblem(item.stakeholderId, "stakeholderId", "Stakeholder"));
    else if (!s || (partner && s.registeredByPartnerId !== partner)) p.add("stakeholderId", "no stakeholder with this id in the organization");
    else {
      stakeholderId = s.id;
      kind = s.kind;
      currentStage = s.currentStageId;
      erased = !!s.erased;
    }
  } else if (item.newBeneficiary) {
    const { ref, existing } = checkNewBeneficiary(item.newBeneficiary, lookups.beneficiariesByRef, partner, p);
    if (ref) {
      newRef = ref;
      kind = StakeholderKind.BENEFICIARY;
      stakeholderId = existing?.id ?? null;
      currentStage = existing?.currentStageId ?? null;
      erased = !!existing?.erased;
    }
  } else {
    p.add("stakeholderId", "a response needs stakeholderId or newBeneficiary");
  }
  if (survey && kind && survey.audience !== kind) p.add("surveyId", `the survey is for ${survey.audience} stakeholders; this is a ${kind}`);

  // The touchpoint; the response's stage is the touchpoint's, else the survey's, else the stakeholder's current one.
  let touchpointId: string | null = null;
  let stageId: string | null = null;
  if (item.touchpointId) {
    const t = isUuid(item.touchpointId) ? lookups.touchpoints.get(item.touchpointId.toLowerCase()) : undefined;
    if (!isUuid(item.touchpointId)) p.add("touchpointId", itemIdProblem(item.touchpointId, "touchpointId", "Touchpoint"));
    else if (!t) p.add("touchpointId", "no touchpoint with this id in the organization");
    else {
      if (kind && t.kind !== kind) p.add("touchpointId", `the touchpoint is in the ${t.kind} lifecycle; the stakeholder is a ${kind}`);
      if (partner && t.partnerId !== partner) p.add("touchpointId", "field partners submit only at touchpoints their partner delivers");
      touchpointId = t.id;
      stageId = t.stageId;
    }
  } else if (partner) {
    p.add("touchpointId", "field partners give the touchpoint their partner delivered");
  }
  stageId = stageId ?? survey?.stageId ?? currentStage;

  // Answers, against the questions of the version answered.
  const answers: CheckedAnswer[] = [];
  let nps: number | null = null;
  if (version) {
    const seen = new Set<string>();
    /** Keys answered with a value (not null), valid or not. */
    const valued = new Set<string>();
    const given = item.answers ?? [];
    for (let ai = 0; ai < given.length; ai++) {
      const a = given[ai];
      const q = version.byKey.get(a.key);
      if (!q) {
        p.add(`answers.${ai}`, `unknown question "${String(a.key).slice(0, 40)}" in version ${versionNumber}`);
        continue;
      }
      if (seen.has(a.key)) {
        p.add(`answers.${ai}`, `question "${a.key}" is answered twice`);
        continue;
      }
      seen.add(a.key);
      if (a.value === null || a.value === undefined) continue;
      valued.add(a.key);
      const checked = checkAnswer(q, a, ai, p);
      if (checked) {
        answers.push(checked);
        if (q.type === QuestionType.NPS) nps = checked.number;
      }
    }
    // One error per problem: a required question answered with a bad value has its own error above.
    for (const q of version.questions) if (q.required && !valued.has(q.key)) p.add("answers", `question "${q.key}" is required`);
  }
  const comment = item.comment?.trim() || null;
  if (comment && comment.length > 4000) p.add("comment", "comment must be at most 4000 characters");
  if (erased) {
    // An erased person's scores are still counted; their words are not taken again.
    if (comment) p.add("comment", ERASED_MESSAGE);
    (item.answers ?? []).forEach((a, ai) => {
      if (typeof a.value === "string" && a.value !== "" && version?.byKey.get(a.key)?.type === QuestionType.TEXT) p.add(`answers.${ai}.value`, ERASED_MESSAGE);
    });
  }

  const onlyInactive = inactive && p.errors.every((e) => e.message === INACTIVE_SURVEY);
  if ((!p.ok && !onlyInactive) || !survey || !version || !collectedAt) {
    return { rejected: { index, clientKey: clientKey || null, status: BatchItemStatus.REJECTED, id: null, errors: p.errors } };
  }
  return {
    ready: {
      index,
      clientKey,
      hash: feedbackHash(item, survey.id, versionNumber!, touchpointId, collectedAt, comment),
      surveyId: survey.id,
      audience: survey.audience,
      versionId: version.id,
      stakeholderId,
      newRef,
      newBeneficiary: item.newBeneficiary,
      touchpointId,
      stageId,
      stageMode: stageId ? (lookups.stageModes.get(stageId) ?? null) : null,
      collectedAt: collectedAt.toISOString(),
      comment,
      nps,
      answers,
      inactive,
    },
  };
}

/** The content a retry is compared by (the same hash as every stored response's content_hash). */
function feedbackHash(item: FeedbackItemInput, surveyId: string, version: number, touchpointId: string | null, collectedAt: Date, comment: string | null): string {
  return contentHash({
    survey: surveyId,
    version,
    stakeholder: item.stakeholderId?.toLowerCase() ?? null,
    newBeneficiary: item.newBeneficiary ?? null,
    touchpoint: touchpointId,
    collectedAt,
    answers: [...(item.answers ?? [])].filter((a) => a.value !== null && a.value !== undefined).sort((x, y) => x.key.localeCompare(y.key)),
    comment,
  });
}

export function checkAnswer(q: Question, a: AnswerInput, ai: number, p: ItemProblems): CheckedAnswer | null {
  const field = `answers.${ai}`;
  const range = RANGES[q.type];
  if (range) {
    if (typeof a.value !== "number" || !Number.isInteger(a.value) || a.value < range[0] || a.value > range[1]) {
      p.add(field, `"${q.key}" (${q.type}) must be a whole number from ${range[0]} to ${range[1]}`);
      return null;
    }
    return { questionId: q.id, type: q.type, number: a.value, text: null, bool: null };
  }
  if (q.type === QuestionType.NUMBER) {
    const v = a.value;
    const min = q.min === null || q.min === undefined ? null : Number(q.min);
    const max = q.max === null || q.max === undefined ? null : Number(q.max);
    const range = min !== null && max !== null ? ` from ${min} to ${max}` : min !== null ? ` of at least ${min}` : max !== null ? ` of at most ${max}` : "";
    if (typeof v !== "number" || !Number.isFinite(v) || Math.abs(v) >= 1e10 || Number(v.toFixed(2)) !== v || (min !== null && v < min) || (max !== null && v > max)) {
      p.add(field, `"${q.key}" (NUMBER) must be a number${range} with at most 2 decimals`);
      return null;
    }
    return { questionId: q.id, type: q.type, number: v, text: null, bool: null };
  }
  if (q.type === QuestionType.YES_NO) {
    if (typeof a.value !== "boolean") {
      p.add(field, `"${q.key}" (YES_NO) must be true or false`);
      return null;
    }
    return { questionId: q.id, type: q.type, number: null, text: null, bool: a.value };
  }
  if (q.type === QuestionType.CHOICE) {
    if (typeof a.value !== "string" || !(q.options ?? []).includes(a.value)) {
      p.add(field, `"${q.key}" (CHOICE) must be one of: ${(q.options ?? []).join(", ")}`);
      return null;
    }
    return { questionId: q.id, type: q.type, number: null, text: a.value, bool: null };
  }
  if (typeof a.value !== "string" || a.value.length > 2000) {
    p.add(field, `"${q.key}" (TEXT) must be text of at most 2000 characters`);
    return null;
  }
  return { questionId: q.id, type: q.type, number: null, text: a.value.trim(), bool: null };
}

/**
 * What happens to the items that passed their checks, before anything is written:
 * - an item for an inactive survey is a retry of a stored response (DUPLICATE or CONFLICT) or REJECTED;
 * - a dry run answers VALID, or DUPLICATE / CONFLICT against what is stored or an earlier item of the batch;
 * - otherwise an item whose client submission id is stored already is a DUPLICATE or CONFLICT, and the
 *   rest are to be stored (`toStore`; two items of the batch with one id are sorted out by the insert).
 */
export function classifyFeedback(ready: ReadyItem[], taken: Map<string, StoredResponse>, dryRun: boolean): { results: BatchItemResult[]; toStore: ReadyItem[] } {
  const results: BatchItemResult[] = [];
  for (const r of ready) {
    if (!r.inactive) continue;
    const keyed = { index: r.index, clientKey: r.clientKey, hash: r.hash };
    results.push(classifyExisting(keyed, taken.get(r.clientKey), KEY_FIELD) ?? { index: r.index, clientKey: r.clientKey, status: BatchItemStatus.REJECTED, id: null, errors: [{ field: "surveyId", message: INACTIVE_SURVEY }] });
  }
  const active = classifyKeyed(ready.filter((r) => !r.inactive), taken, dryRun, KEY_FIELD);
  return { results: [...results, ...active.results].sort((x, y) => x.index - y.index), toStore: active.toStore };
}

// ---------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------

const uuids = (values: (string | null | undefined)[]) => [...new Set(values.filter(isUuid).map((v) => v.toLowerCase()))];

/** Surveys with their versions and questions, stakeholders (by id and by external reference), touchpoints, stored client ids. */
export async function loadFeedbackLookups(em: EntityManager, org: string, items: FeedbackItemInput[]): Promise<FeedbackLookups> {
  const refs = [...new Set(items.map((i) => i.newBeneficiary?.externalRef?.trim()).filter((r): r is string => !!r))];
  const keys = lookupKeys(items.map((i) => i.clientSubmissionId));
  const surveyIds = uuids(items.map((i) => i.surveyId));
  // Nothing to look up, no statement (a batch whose every survey id is bad reads no survey).
  const [surveyRows, stakeholderRows, touchpointRows, takenRows] = await Promise.all([
    surveyIds.length === 0 ? [] : em.query(
      `SELECT s.id, s.audience, s.stage_id, st.impact_mode AS stage_mode, s.current_version, s.active,
              v.version, v.id AS version_id, q.id AS question_id, q.key, q.type, q.options, q.required, q.number_min, q.number_max
         FROM surveys s
         LEFT JOIN stages st ON st.organization_id = s.organization_id AND st.id = s.stage_id
         LEFT JOIN survey_versions v ON v.organization_id = s.organization_id AND v.survey_id = s.id
         LEFT JOIN survey_questions q ON q.organization_id = v.organization_id AND q.survey_version_id = v.id
        WHERE s.organization_id = $1 AND s.id = ANY($2::uuid[])
        ORDER BY q.position`,
      [org, surveyIds],
    ),
    em.query(
      `SELECT s.id, s.kind, s.current_stage_id, st.impact_mode AS stage_mode, s.registered_by_partner_id, s.external_ref, s.erased_at
         FROM stakeholders s LEFT JOIN stages st ON st.organization_id = s.organization_id AND st.id = s.current_stage_id
        WHERE s.organization_id = $1 AND (s.id = ANY($2::uuid[]) OR (s.kind = 'BENEFICIARY' AND s.external_ref = ANY($3::text[])))`,
      [org, uuids(items.map((i) => i.stakeholderId)), refs],
    ),
    em.query(
      `SELECT t.id, t.kind, t.stage_id, t.partner_id, s.impact_mode FROM touchpoints t JOIN stages s ON s.organization_id = t.organization_id AND s.id = t.stage_id
        WHERE t.organization_id = $1 AND t.id = ANY($2::uuid[])`,
      [org, uuids(items.map((i) => i.touchpointId))],
    ),
    takenResponses(em, org, keys),
  ]);
  const lookups: FeedbackLookups = { surveys: new Map(), stakeholders: new Map(), beneficiariesByRef: new Map(), touchpoints: new Map(), stageModes: new Map(), taken: new Map() };
  for (const r of surveyRows) {
    let s = lookups.surveys.get(r.id);
    if (!s) {
      s = { id: r.id, audience: r.audience, stageId: r.stage_id, active: r.active, currentVersion: r.current_version, versions: new Map() };
      lookups.surveys.set(r.id, s);
      if (r.stage_id) lookups.stageModes.set(r.stage_id, r.stage_mode);
    }
    if (r.version_id === null) continue;
    let v = s.versions.get(r.version);
    if (!v) s.versions.set(r.version, (v = { id: r.version_id, questions: [], byKey: new Map() }));
    if (r.question_id === null) continue;
    const q: Question = { id: r.question_id, key: r.key, type: r.type, options: r.options, required: r.required, min: r.number_min, max: r.number_max };
    v.questions.push(q);
    v.byKey.set(q.key, q);
  }
  for (const r of stakeholderRows) {
    const s: StakeholderInfo = { id: r.id, kind: r.kind, currentStageId: r.current_stage_id, registeredByPartnerId: r.registered_by_partner_id, erased: r.erased_at !== null };
    lookups.stakeholders.set(r.id, s);
    if (r.kind === StakeholderKind.BENEFICIARY) lookups.beneficiariesByRef.set(r.external_ref, s);
    if (r.current_stage_id) lookups.stageModes.set(r.current_stage_id, r.stage_mode);
  }
  for (const r of touchpointRows) {
    lookups.touchpoints.set(r.id, { id: r.id, kind: r.kind, stageId: r.stage_id, partnerId: r.partner_id });
    lookups.stageModes.set(r.stage_id, r.impact_mode);
  }
  lookups.taken = takenRows;
  return lookups;
}

// ---------------------------------------------------------------------------------------------
// Write
// ---------------------------------------------------------------------------------------------

/**
 * Registers the new beneficiaries the items name (reusing those registered meanwhile), then stores
 * the responses and their answers in one statement and opens actions by rule in another. Items whose
 * client submission id was taken meanwhile (by a concurrent request, or an earlier item of the batch)
 * come back as DUPLICATE or CONFLICT.
 */
export async function writeFeedback(em: EntityManager, org: string, toStore: ReadyItem[], who: { keyId: string; partner: string | null }): Promise<BatchItemResult[]> {
  const fresh = toStore.filter((r) => r.newRef && !r.stakeholderId);
  if (fresh.length) {
    // The first item naming a reference gives the new beneficiary's attributes.
    const refs = new Map<string, NonNullable<ReadyItem["newBeneficiary"]>>();
    for (const r of fresh) if (!refs.has(r.newRef!)) refs.set(r.newRef!, r.newBeneficiary!);
    const idOf = await registerBeneficiaries(em, org, refs, who.partner);
    for (const r of fresh) r.stakeholderId = idOf.get(r.newRef!) ?? null;
  }

  const rows = byKey(
    toStore.filter((r) => r.stakeholderId),
    (r) => r.clientKey,
  );
  const ids = rows.map(() => randomUUID());
  const created = new Set<string>();
  if (rows.length) {
    const answers = { response: [] as string[], question: [] as string[], type: [] as string[], number: [] as (number | null)[], text: [] as (string | null)[], bool: [] as (boolean | null)[] };
    rows.forEach((r, i) => {
      for (const a of r.answers) {
        answers.response.push(ids[i]);
        answers.question.push(a.questionId);
        answers.type.push(a.type);
        answers.number.push(a.number);
        answers.text.push(a.text);
        answers.bool.push(a.bool);
      }
    });
    // Answers go in for the responses the first part stored: not for those whose client id was taken meanwhile.
    const inserted: { id: string }[] = await em.query(
      `WITH stored AS (
         INSERT INTO feedback_responses (organization_id, id, survey_id, survey_version_id, stakeholder_id, kind, touchpoint_id, stage_id, stage_impact_mode,
                                         collected_at, comment, nps, client_submission_id, content_hash, submitted_by_key_id, submitted_by_partner_id)
         SELECT $1, u.id, u.survey, u.version, u.stakeholder, u.kind::stakeholder_kind, u.tp, u.stage, u.mode::impact_mode, u.at, u.comment, u.nps, u.ck, u.hash, $15, $16
           FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::uuid[], $8::uuid[], $9::text[], $10::timestamptz[], $11::text[], $12::int[], $13::text[], $14::text[])
             AS u(id, survey, version, stakeholder, kind, tp, stage, mode, at, comment, nps, ck, hash)
         ON CONFLICT (organization_id, client_submission_id) DO NOTHING
         RETURNING id
       ), answered AS (
         INSERT INTO feedback_answers (organization_id, response_id, question_id, type, value_number, value_text, value_bool)
         SELECT $1, a.r, a.q, a.t::question_type, a.n, a.x, a.b
           FROM unnest($17::uuid[], $18::uuid[], $19::text[], $20::numeric[], $21::text[], $22::boolean[]) AS a(r, q, t, n, x, b)
          WHERE a.r IN (SELECT id FROM stored)
       )
       SELECT id FROM stored`,
      [
        org,
        ids,
        rows.map((r) => r.surveyId),
        rows.map((r) => r.versionId),
        rows.map((r) => r.stakeholderId),
        rows.map((r) => r.audience),
        rows.map((r) => r.touchpointId),
        rows.map((r) => r.stageId),
        rows.map((r) => r.stageMode),
        rows.map((r) => r.collectedAt),
        rows.map((r) => r.comment),
        rows.map((r) => r.nps),
        rows.map((r) => r.clientKey),
        rows.map((r) => r.hash),
        who.keyId,
        who.partner,
        answers.response,
        answers.question,
        answers.type,
        answers.number,
        answers.text,
        answers.bool,
      ],
    );
    for (const r of inserted) created.add(r.id);
    if (created.size) await applyRules(em, org, { responseIds: [...created] });
  }

  const createdIds = new Map<ReadyItem, string>();
  rows.forEach((r, i) => {
    if (created.has(ids[i])) createdIds.set(r, ids[i]);
  });
  return settleKeyed(toStore, createdIds, (keys) => takenResponses(em, org, keys), KEY_FIELD, (r) => ({
    index: r.index,
    clientKey: r.clientKey,
    status: BatchItemStatus.REJECTED,
    id: null,
    errors: [{ field: "newBeneficiary.externalRef", message: "the beneficiary could not be registered" }],
  }));
}

/** Responses stored under these client submission ids. */
async function takenResponses(em: EntityManager, org: string, keys: string[]): Promise<Map<string, StoredResponse>> {
  const rows: { id: string; client_submission_id: string; content_hash: string }[] = await em.query(
    `SELECT id, client_submission_id, content_hash FROM feedback_responses WHERE organization_id = $1 AND client_submission_id = ANY($2::text[])`,
    [org, keys],
  );
  return new Map(rows.map((r) => [r.client_submission_id, { id: r.id, content_hash: r.content_hash }]));
}

/** The whole batch: load, check, write (nothing written on a dry run). Runs inside the caller's transaction. */
export async function submitFeedbackBatch(em: EntityManager, org: string, input: SubmitFeedbackInput, who: { keyId: string; partner: string | null }): Promise<BatchResult> {
  // Items whose text PostgreSQL cannot take (NUL, lone surrogates) are REJECTED by their check
  // and never reach a statement, not even the loads.
  const text = input.items.map(itemTextProblems);
  const items = decodeItemIds(input.items, { stakeholderId: "Stakeholder", surveyId: "Survey", touchpointId: "Touchpoint" }, org);
  const lookups = await loadFeedbackLookups(em, org, items.filter((_, index) => text[index].length === 0));
  const context: CheckContext = { lookups, partner: who.partner, now: Date.now() };
  const results: BatchItemResult[] = [];
  const ready: ReadyItem[] = [];
  items.forEach((item, index) => {
    const checked = checkFeedbackItem(item, index, context, text[index]);
    if (checked.rejected) results.push(checked.rejected);
    else ready.push(checked.ready);
  });
  const classified = classifyFeedback(ready, lookups.taken, input.dryRun === true);
  results.push(...classified.results);
  if (classified.toStore.length) results.push(...(await writeFeedback(em, org, classified.toStore, who)));
  return BatchResult.of(results, "FeedbackResponse", org);
}
