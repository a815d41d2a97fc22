import "reflect-metadata";
import { checkFeedbackItem, classifyFeedback, CheckContext, FeedbackLookups, INACTIVE_SURVEY, Question, ReadyItem, StakeholderInfo, SurveyInfo } from "../../src/modules/feedback/feedback.submit";
import { FeedbackItemInput } from "../../src/modules/feedback/feedback.inputs";
import { QuestionType, StakeholderKind } from "../../src/common/enums";

// The check step of submitFeedback, without a database: lookups made by hand.
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const SURVEY = id(1);
const OLD_SURVEY = id(2); // inactive
const CUSTOMER_SURVEY = id(3);
const V1 = id(11);
const V2 = id(12);
const CHILD = id(21); // registered by partner P
const OTHER_CHILD = id(22); // registered by partner Q
const CUSTOMER = id(23);
const VISIT = id(31); // beneficiary touchpoint delivered by P, in stage S_USES
const SHOP = id(32); // customer touchpoint, no partner
const P = id(41);
const Q = id(42);
const S_USES = id(51);
const S_ENROLLED = id(52);
const S_BUY = id(53);

const question = (n: number, key: string, type: QuestionType, extra: Partial<Question> = {}): Question => ({ id: id(100 + n), key, type, options: null, required: false, ...extra });
const v1Questions = [
  question(1, "nps", QuestionType.NPS, { required: true }),
  question(2, "fit", QuestionType.RATING),
  question(3, "walk", QuestionType.CHOICE, { options: ["Walk", "Bus"] }),
  question(4, "dry", QuestionType.YES_NO),
  question(5, "why", QuestionType.TEXT),
];
const v2Questions = [question(6, "effort", QuestionType.EFFORT)];
const version = (vid: string, questions: Question[]) => ({ id: vid, questions, byKey: new Map(questions.map((q) => [q.key, q])) });
const survey = (sid: string, audience: StakeholderKind, active: boolean, stageId: string | null): SurveyInfo => ({
  id: sid,
  audience,
  stageId,
  active,
  currentVersion: 1,
  versions: new Map([
    [1, version(V1, v1Questions)],
    [2, version(V2, v2Questions)],
  ]),
});

function lookups(): FeedbackLookups {
  const child: StakeholderInfo = { id: CHILD, kind: StakeholderKind.BENEFICIARY, currentStageId: S_ENROLLED, registeredByPartnerId: P };
  const otherChild: StakeholderInfo = { id: OTHER_CHILD, kind: StakeholderKind.BENEFICIARY, currentStageId: null, registeredByPartnerId: Q };
  return {
    surveys: new Map([
      [SURVEY, survey(SURVEY, StakeholderKind.BENEFICIARY, true, null)],
      [OLD_SURVEY, survey(OLD_SURVEY, StakeholderKind.BENEFICIARY, false, null)],
      [CUSTOMER_SURVEY, survey(CUSTOMER_SURVEY, StakeholderKind.CUSTOMER, true, S_BUY)],
    ]),
    stakeholders: new Map<string, StakeholderInfo>([
      [CHILD, child],
      [OTHER_CHILD, otherChild],
      [CUSTOMER, { id: CUSTOMER, kind: StakeholderKind.CUSTOMER, currentStageId: null, registeredByPartnerId: null }],
    ]),
    beneficiariesByRef: new Map<string, StakeholderInfo>([
      ["CHILD-1", child],
      ["OTHER-1", otherChild],
    ]),
    touchpoints: new Map([
      [VISIT, { id: VISIT, kind: StakeholderKind.BENEFICIARY, stageId: S_USES, partnerId: P }],
      [SHOP, { id: SHOP, kind: StakeholderKind.CUSTOMER, stageId: S_BUY, partnerId: null }],
    ]),
    stageModes: new Map([
      [S_USES, "IN_USE"],
      [S_ENROLLED, null],
      [S_BUY, "AT_SALE"],
    ]),
    taken: new Map(),
  };
}

const NOW = Date.parse("2026-03-10T12:00:00Z");
const staff: CheckContext = { lookups: lookups(), partner: null, now: NOW };
const partner: CheckContext = { lookups: lookups(), partner: P, now: NOW };

const item = (extra: Partial<FeedbackItemInput> = {}): FeedbackItemInput =>
  ({
    clientSubmissionId: " sub-1 ",
    surveyId: SURVEY.toUpperCase(),
    stakeholderId: CHILD,
    touchpointId: VISIT,
    collectedAt: "2026-03-02T11:00:00+03:00",
    answers: [
      { key: "nps", value: 4 },
      { key: "fit", value: 5 },
      { key: "walk", value: "Bus" },
      { key: "dry", value: false },
      { key: "why", value: "  Too far  " },
    ],
    comment: "  Good shoes ",
    ...extra,
  }) as FeedbackItemInput;

const reasons = (ctx: CheckContext, extra: Partial<FeedbackItemInput>) => {
  const checked = checkFeedbackItem(item(extra), 7, ctx);
  if (!checked.rejected) throw new Error("expected a rejection");
  return checked.rejected.errors;
};

describe("checkFeedbackItem", () => {
  it("makes a good item ready: trimmed key and comment, UTC time, the touchpoint's stage and its impact mode, typed answers", () => {
    const { ready, rejected } = checkFeedbackItem(item(), 7, partner);
    expect(rejected).toBeUndefined();
    expect(ready).toMatchObject({
      index: 7,
      clientKey: "sub-1",
      surveyId: SURVEY,
      audience: "BENEFICIARY",
      versionId: V1,
      stakeholderId: CHILD,
      newRef: null,
      touchpointId: VISIT,
      stageId: S_USES,
      stageMode: "IN_USE",
      // 11:00 at +03:00 is 08:00 UTC.
      collectedAt: "2026-03-02T08:00:00.000Z",
      comment: "Good shoes",
      nps: 4,
      inactive: false,
    });
    expect(ready!.answers).toEqual([
      { questionId: id(101), type: "NPS", number: 4, text: null, bool: null },
      { questionId: id(102), type: "RATING", number: 5, text: null, bool: null },
      { questionId: id(103), type: "CHOICE", number: null, text: "Bus", bool: null },
      { questionId: id(104), type: "YES_NO", number: null, text: null, bool: false },
      { questionId: id(105), type: "TEXT", number: null, text: "Too far", bool: null },
    ]);
  });

  it("files a response under the touchpoint's stage, else the survey's, else the stakeholder's current stage", () => {
    // No touchpoint, a survey without a stage: the child's current stage (Enrolled, no impact mode).
    expect(checkFeedbackItem(item({ touchpointId: null }), 0, staff).ready).toMatchObject({ stageId: S_ENROLLED, stageMode: null });
    // The customer survey has a stage of its own (Buy, AT_SALE).
    const customer = checkFeedbackItem(item({ surveyId: CUSTOMER_SURVEY, stakeholderId: CUSTOMER, touchpointId: null, answers: [{ key: "nps", value: 10 }] }), 0, staff);
    expect(customer.ready).toMatchObject({ stageId: S_BUY, stageMode: "AT_SALE", nps: 10 });
  });

  it("gives the same hash to the same content however it is written, and another to other content", () => {
    const hash = (extra: Partial<FeedbackItemInput>) => checkFeedbackItem(item(extra), 0, staff).ready!.hash;
    const base = hash({});
    // Answers in another order, the spaces around the key and the comment, the same instant in UTC: the same content.
    expect(hash({ answers: [...item().answers].reverse() })).toBe(base);
    expect(hash({ clientSubmissionId: "sub-1" })).toBe(base);
    expect(hash({ comment: "Good shoes" })).toBe(base);
    expect(hash({ collectedAt: "2026-03-02T08:00:00Z" })).toBe(base);
    expect(hash({ comment: "Bad shoes" })).not.toBe(base);
    expect(hash({ answers: item().answers.map((a) => (a.key === "fit" ? { key: "fit", value: 4 } : a)) })).not.toBe(base);
  });

  it("reports every problem of an item, each on its field", () => {
    expect(reasons(staff, { clientSubmissionId: "  " })).toEqual([{ field: "clientSubmissionId", message: "clientSubmissionId must not be empty" }]);
    expect(reasons(staff, { clientSubmissionId: "x".repeat(121) })).toEqual([{ field: "clientSubmissionId", message: "clientSubmissionId must be at most 120 characters" }]);
    expect(reasons(staff, { surveyId: "survey-1" })).toEqual([{ field: "surveyId", message: 'surveyId is not an ID of a Survey (IDs are the opaque strings the API returns, e.g. "srv_…")' }]);
    expect(reasons(staff, { surveyId: id(99) })).toEqual([{ field: "surveyId", message: "no survey with this id in the organization" }]);
    expect(reasons(staff, { surveyVersion: 3 })).toEqual([{ field: "surveyVersion", message: "the survey has no version 3" }]);
    expect(reasons(staff, { collectedAt: "2026-02-30T10:00:00Z" })).toEqual([
      { field: "collectedAt", message: "collectedAt must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T09:30:00Z" },
    ]);
    expect(reasons(staff, { collectedAt: "2026-03-02T10:00:00" })[0].field).toBe("collectedAt");
    // NOW + 5 minutes of clock skew is allowed; 6 minutes is not.
    expect(checkFeedbackItem(item({ collectedAt: "2026-03-10T12:05:00Z" }), 0, staff).ready).toBeDefined();
    expect(reasons(staff, { collectedAt: "2026-03-10T12:06:00Z" })).toEqual([{ field: "collectedAt", message: "collectedAt is in the future" }]);
    expect(reasons(staff, { newBeneficiary: { externalRef: "NEW-1" } })).toEqual([{ field: "stakeholderId", message: "give either stakeholderId or newBeneficiary, not both" }]);
    expect(reasons(staff, { stakeholderId: "child" })).toEqual([{ field: "stakeholderId", message: 'stakeholderId is not an ID of a Stakeholder (IDs are the opaque strings the API returns, e.g. "stk_…")' }]);
    expect(reasons(staff, { stakeholderId: id(98) })).toEqual([{ field: "stakeholderId", message: "no stakeholder with this id in the organization" }]);
    expect(reasons(staff, { stakeholderId: null })).toEqual([{ field: "stakeholderId", message: "a response needs stakeholderId or newBeneficiary" }]);
    expect(reasons(staff, { stakeholderId: null, newBeneficiary: { externalRef: " ", region: "r".repeat(121), segment: "s".repeat(121) } })).toEqual([
      { field: "newBeneficiary.externalRef", message: "externalRef must be 1 to 120 characters" },
      { field: "newBeneficiary.region", message: "region must be at most 120 characters" },
      { field: "newBeneficiary.segment", message: "segment must be at most 120 characters" },
    ]);
    // A customer answering a beneficiary survey at a beneficiary touchpoint: two reasons.
    expect(reasons(staff, { stakeholderId: CUSTOMER })).toEqual([
      { field: "surveyId", message: "the survey is for BENEFICIARY stakeholders; this is a CUSTOMER" },
      { field: "touchpointId", message: "the touchpoint is in the BENEFICIARY lifecycle; the stakeholder is a CUSTOMER" },
    ]);
    expect(reasons(staff, { touchpointId: "visit" })).toEqual([{ field: "touchpointId", message: 'touchpointId is not an ID of a Touchpoint (IDs are the opaque strings the API returns, e.g. "tpt_…")' }]);
    expect(reasons(staff, { touchpointId: id(97) })).toEqual([{ field: "touchpointId", message: "no touchpoint with this id in the organization" }]);
    expect(reasons(staff, { comment: "c".repeat(4001) })).toEqual([{ field: "comment", message: "comment must be at most 4000 characters" }]);
  });

  it("checks every answer against its question", () => {
    const errors = reasons(staff, {
      answers: [
        { key: "nps", value: 10.5 },
        { key: "fit", value: 6 },
        { key: "walk", value: "Car" },
        { key: "dry", value: "yes" },
        { key: "why", value: "w".repeat(2001) },
        { key: "size", value: 3 },
        { key: "fit", value: 2 },
      ],
    });
    // Five bad values, an unknown question, a question answered twice. The required NPS was answered, with a
    // bad value: that is one problem with one error (issue 13), not also "is required".
    expect(errors).toEqual([
      { field: "answers.0", message: '"nps" (NPS) must be a whole number from 0 to 10' },
      { field: "answers.1", message: '"fit" (RATING) must be a whole number from 1 to 5' },
      { field: "answers.2", message: '"walk" (CHOICE) must be one of: Walk, Bus' },
      { field: "answers.3", message: '"dry" (YES_NO) must be true or false' },
      { field: "answers.4", message: '"why" (TEXT) must be text of at most 2000 characters' },
      { field: "answers.5", message: 'unknown question "size" in version 1' },
      { field: "answers.6", message: 'question "fit" is answered twice' },
    ]);
    // Version 2 has other questions; a null value is "not answered".
    expect(reasons(staff, { surveyVersion: 2, answers: [{ key: "nps", value: 3 }] })).toEqual([{ field: "answers.0", message: 'unknown question "nps" in version 2' }]);
    expect(checkFeedbackItem(item({ surveyVersion: 2, answers: [{ key: "effort", value: null }] }), 0, staff).ready).toMatchObject({ versionId: V2, answers: [], nps: null });
    expect(reasons(staff, { answers: [{ key: "nps", value: null }] })).toEqual([{ field: "answers", message: 'question "nps" is required' }]);
  });

  it("holds field partners to their own beneficiaries and their partner's touchpoints", () => {
    expect(reasons(partner, { stakeholderId: OTHER_CHILD })).toEqual([{ field: "stakeholderId", message: "no stakeholder with this id in the organization" }]);
    expect(reasons(partner, { stakeholderId: null, newBeneficiary: { externalRef: "OTHER-1" } })).toEqual([
      { field: "newBeneficiary.externalRef", message: "this external reference was registered by the organization's staff or another partner: it can't be used by your key; ask the organization's staff" },
    ]);
    expect(reasons(partner, { touchpointId: null })).toEqual([{ field: "touchpointId", message: "field partners give the touchpoint their partner delivered" }]);
    const other = { ...partner, partner: Q };
    expect(reasons(other, { stakeholderId: OTHER_CHILD })).toEqual([{ field: "touchpointId", message: "field partners submit only at touchpoints their partner delivers" }]);
    // Staff may use any beneficiary; a partner's own reference is reused, a new one registered.
    expect(checkFeedbackItem(item({ stakeholderId: OTHER_CHILD }), 0, staff).ready).toBeDefined();
    expect(checkFeedbackItem(item({ stakeholderId: null, newBeneficiary: { externalRef: " CHILD-1 " } }), 0, partner).ready).toMatchObject({ stakeholderId: CHILD, newRef: "CHILD-1" });
    expect(checkFeedbackItem(item({ stakeholderId: null, newBeneficiary: { externalRef: "NEW-1" } }), 0, partner).ready).toMatchObject({ stakeholderId: null, newRef: "NEW-1", stageId: S_USES });
  });

  it("lets an item for an inactive survey through only as a possible retry", () => {
    const only = checkFeedbackItem(item({ surveyId: OLD_SURVEY }), 0, staff);
    expect(only.ready).toMatchObject({ inactive: true });
    // With any other problem it is rejected with all of them.
    expect(reasons(staff, { surveyId: OLD_SURVEY, comment: "c".repeat(4001) })).toEqual([
      { field: "surveyId", message: INACTIVE_SURVEY },
      { field: "comment", message: "comment must be at most 4000 characters" },
    ]);
  });
});

describe("classifyFeedback", () => {
  const ready = (index: number, key: string, extra: Partial<FeedbackItemInput> = {}, ctx = staff): ReadyItem => checkFeedbackItem(item({ clientSubmissionId: key, ...extra }), index, ctx).ready!;

  it("sorts ready items into retries (DUPLICATE, CONFLICT), rejections of an inactive survey, and items to store", () => {
    const stored = ready(0, "a");
    const taken = new Map([
      ["a", { id: id(901), content_hash: stored.hash }],
      ["b", { id: id(902), content_hash: stored.hash }],
      ["old", { id: id(903), content_hash: ready(0, "old", { surveyId: OLD_SURVEY }).hash }],
    ]);
    const items = [
      ready(0, "a"), // stored with the same content: DUPLICATE
      ready(1, "b", { comment: "other" }), // stored with other content: CONFLICT
      ready(2, "old", { surveyId: OLD_SURVEY }), // a retry for the inactive survey: DUPLICATE
      ready(3, "new-old", { surveyId: OLD_SURVEY }), // new for the inactive survey: REJECTED
      ready(4, "c"), // new: to store
      ready(5, "c"), // the same id again in the batch: left to the insert
    ];
    const { results, toStore } = classifyFeedback(items, taken, false);
    expect(results.map((r) => [r.index, r.status, r.id])).toEqual([
      [0, "DUPLICATE", id(901)],
      [1, "CONFLICT", id(902)],
      [2, "DUPLICATE", id(903)],
      [3, "REJECTED", null],
    ]);
    expect(results[1].errors).toEqual([{ field: "clientSubmissionId", message: "this clientSubmissionId was used before with different content; nothing was changed" }]);
    expect(results[3].errors).toEqual([{ field: "surveyId", message: INACTIVE_SURVEY }]);
    expect(toStore.map((r) => r.index)).toEqual([4, 5]);
  });

  it("answers a dry run with VALID, or DUPLICATE / CONFLICT against what is stored or an earlier item", () => {
    const taken = new Map([["a", { id: id(901), content_hash: ready(0, "a").hash }]]);
    const { results, toStore } = classifyFeedback([ready(0, "a"), ready(1, "c"), ready(2, "c"), ready(3, "c", { comment: "changed" })], taken, true);
    expect(toStore).toEqual([]);
    // The earlier item of the batch was not stored: no id.
    expect(results.map((r) => [r.index, r.status, r.id])).toEqual([
      [0, "DUPLICATE", id(901)],
      [1, "VALID", null],
      [2, "DUPLICATE", null],
      [3, "CONFLICT", null],
    ]);
  });
});
