import { getNamedType, GraphQLArgument, GraphQLField, GraphQLInputType, isInputObjectType } from "graphql";
import { getSchema } from "../../src/schema";
import type { Role } from "../../src/common/access";
import { Caller, GqlResult, idOf, rowId, startTestApp, TestApp, unknownId } from "../helpers/app";
import { count, createOrg, OrgFixture } from "../helpers/fixtures";
import { keyPrefix } from "../helpers/keys";

/**
 * The access matrix: one row per root operation, one test per (operation x role x own/other
 * organization). Every role's key of organization A runs the operation against A's own rows
 * ("own") and against organization B's ("other"). Where a role is refused, nothing is written.
 */

const ROLE_LIST: Role[] = ["ADMIN", "STAFF", "FUNDER", "FIELD_PARTNER"];
/** NULL: an answer of null without an error (`node` for an id the caller may not see). */
type Outcome = "ok" | "FORBIDDEN" | "NOT_FOUND" | "NULL";
type Vars = Record<string, unknown>;

/** One organization built through the API, with a key for each role. */
interface World {
  id: string;
  name: string;
  fx: OrgFixture;
  lifecycle: Record<"CUSTOMER" | "BENEFICIARY", string>;
  /** The partner the field-partner key acts for; it delivers `tpPartner`. */
  partner: string;
  otherPartner: string;
  tpPartner: string;
  tpOwn: string;
  tpCustomer: string;
  /** Registered by staff. */
  customer: string;
  beneficiary: string;
  /** Registered by the field-partner key itself. */
  fpBeneficiary: string;
  keys: Record<Role, string>;
  /** A SOCIAL (IN_USE) metric with a target for January 2026 and one observation; made by the organization's admin. */
  metric: string;
  target: string;
  observation: string;
  /** An offering and one sale of it (to `customer`); made by the organization's admin. */
  offering: string;
  sale: string;
  /** A programme the offering funds, delivered by `partner`; made by the organization's admin. */
  programme: string;
  /** A BENEFICIARY survey (NPS, RATING, TEXT) at `tpPartner`; made by the organization's admin. */
  survey: string;
  /** Submitted by the admin key: a detractor (`beneficiary`, NPS 3) and a promoter (`fpBeneficiary`, NPS 10). */
  detractorResponse: string;
  promoterResponse: string;
  /** Submitted by the field-partner key (`fpBeneficiary`, NPS 9). */
  fpResponse: string;
  /** A DETRACTOR rule made with applyToExisting, and the one action it opened (for `detractorResponse`). */
  rule: string;
  action: string;
  /** An experience goal at `tpPartner` (input KPI: `metric`) and one intervention for it. */
  goal: string;
  intervention: string;
  /** Strings that only this organization's data holds. */
  secrets: string[];
}

const CREATE_STAKEHOLDER = `mutation($input: CreateStakeholderInput!) { createStakeholder(input: $input) { id } }`;
const MOVE = `mutation($input: MoveStakeholderInput!) { moveStakeholder(input: $input) { id } }`;
const RECORD = `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`;
const BATCH = `{ created duplicates conflicts rejected items { index clientKey status id errors { field message } } }`;
const RECORD_OBSERVATIONS = `mutation($input: RecordObservationsInput!) { recordObservations(input: $input) ${BATCH} }`;
const RECORD_SALES = `mutation($input: RecordSalesInput!) { recordSales(input: $input) ${BATCH} }`;
const JANUARY = { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };
const SUBMIT_FEEDBACK = `mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) ${BATCH} }`;
/** The questions of every survey made here: an NPS, a RATING and a TEXT question. */
const QUESTIONS = [
  { key: "nps", type: "NPS", text: "How likely are you to recommend us to a friend?", required: true },
  { key: "fit", type: "RATING", text: "How well did it meet your needs?" },
  { key: "comment", type: "TEXT", text: "What should we do better?" },
];
const QUESTION_KEYS = [
  { key: "nps", type: "NPS" },
  { key: "fit", type: "RATING" },
  { key: "comment", type: "TEXT" },
];

/**
 * A survey, responses (one a detractor), a DETRACTOR rule applied to them (so an action exists), an experience
 * goal with an intervention: made through the API by the organization's admin key (one response by its field partner).
 */
async function buildFeedbackData(
  app: TestApp,
  orgId: string,
  keys: Record<Role, string>,
  refs: { touchpoint: string; beneficiary: string; fpBeneficiary: string; metric: string; area: string },
  p: string,
) {
  const admin = app.as(keys.ADMIN);
  const survey = (
    await admin.ok<any>(`mutation($input: CreateSurveyInput!) { createSurvey(input: $input) { id } }`, {
      input: { organizationId: orgId, name: `${p} after distribution`, audience: "BENEFICIARY", touchpointId: refs.touchpoint, questions: QUESTIONS },
    })
  ).createSurvey.id as string;
  const item = (clientSubmissionId: string, stakeholderId: string, collectedAt: string, nps: number, fit: number, text?: string, comment?: string) => ({
    clientSubmissionId,
    surveyId: survey,
    stakeholderId,
    touchpointId: refs.touchpoint,
    collectedAt,
    answers: [{ key: "nps", value: nps }, { key: "fit", value: fit }, ...(text ? [{ key: "comment", value: text }] : [])],
    ...(comment ? { comment } : {}),
  });
  const byAdmin = await admin.ok<any>(SUBMIT_FEEDBACK, {
    input: {
      organizationId: orgId,
      items: [
        item(`${p}-FB-1`, refs.beneficiary, "2026-01-09T10:00:00Z", 3, 2, `${p} the left shoe pinches`, `${p} shoes too small`),
        item(`${p}-FB-2`, refs.fpBeneficiary, "2026-01-10T10:00:00Z", 10, 5),
      ],
    },
  });
  expect(byAdmin.submitFeedback).toMatchObject({ created: 2, rejected: 0 });
  const byFieldPartner = await app.as(keys.FIELD_PARTNER).ok<any>(SUBMIT_FEEDBACK, {
    input: { organizationId: orgId, items: [item(`${p}-FB-FP-1`, refs.fpBeneficiary, "2026-01-11T10:00:00Z", 9, 4)] },
  });
  expect(byFieldPartner.submitFeedback).toMatchObject({ created: 1, rejected: 0 });
  const detractorResponse = byAdmin.submitFeedback.items[0].id as string;
  const rule = (
    await admin.ok<any>(`mutation($input: CreateActionRuleInput!) { createActionRule(input: $input) { id } }`, {
      input: { organizationId: orgId, name: `${p} detractors`, kind: "DETRACTOR", applyToExisting: true },
    })
  ).createActionRule.id as string;
  const actions = (await admin.ok<any>(`query($org: ID!) { actions(organizationId: $org) { edges { node { id title response { id } } } } }`, { org: orgId })).actions.edges;
  expect(actions.map((e: any) => e.node)).toEqual([{ id: expect.any(String), title: `Follow up: ${p} detractors`, response: { id: detractorResponse } }]);
  const goal = (
    await admin.ok<any>(`mutation($input: CreateExperienceGoalInput!) { createExperienceGoal(input: $input) { id } }`, {
      input: { organizationId: orgId, statement: `${p} shoes fit the day they arrive`, touchpointId: refs.touchpoint, metricIds: [refs.metric] },
    })
  ).createExperienceGoal.id as string;
  const intervention = (
    await admin.ok<any>(`mutation($input: InterventionInput!) { addIntervention(input: $input) { id } }`, {
      input: { goalId: goal, title: `${p} fitting check at delivery`, ownerAreaId: refs.area, startsOn: "2026-02-01", endsOn: "2026-04-30" },
    })
  ).addIntervention.id as string;
  return {
    survey,
    detractorResponse,
    promoterResponse: byAdmin.submitFeedback.items[1].id as string,
    fpResponse: byFieldPartner.submitFeedback.items[0].id as string,
    rule,
    action: actions[0].node.id as string,
    goal,
    intervention,
    strings: [
      ...[`${p} after distribution`, `${p}-FB-1`, `${p}-FB-2`, `${p}-FB-FP-1`, `${p} the left shoe pinches`, `${p} shoes too small`],
      ...[`${p} detractors`, `${p} shoes fit the day they arrive`, `${p} fitting check at delivery`],
    ],
  };
}

/** A metric with a target and an observation, an offering and a sale: made through the API by the organization's admin key. */
async function buildImpactData(app: TestApp, orgId: string, adminKey: string, refs: { stage: string; touchpoint: string; customer: string; partner: string }, p: string) {
  const admin = app.as(adminKey);
  const metric = (
    await admin.ok<any>(`mutation($input: CreateMetricInput!) { createMetric(input: $input) { id } }`, {
      input: {
        organizationId: orgId,
        name: `${p} pupils enrolled`,
        category: "SOCIAL",
        perspective: "BENEFICIARY",
        kind: "OUTPUT",
        unit: "COUNT",
        aggregation: "SUM",
        impactMode: "IN_USE",
        stageId: refs.stage,
      },
    })
  ).createMetric.id as string;
  const targets = await admin.ok<any>(`mutation($input: SetMetricTargetsInput!) { setMetricTargets(input: $input) { targets { edges { node { id } } } } }`, {
    input: { metricId: metric, targets: [{ ...JANUARY, value: "100" }] },
  });
  const target = targets.setMetricTargets.targets.edges[0].node.id as string;
  const observed = await admin.ok<any>(RECORD_OBSERVATIONS, {
    input: {
      organizationId: orgId,
      items: [{ clientKey: `${p}-OBS-1`, metricId: metric, from: "2026-01-01T00:00:00Z", to: "2026-01-08T00:00:00Z", value: "42", stageId: refs.stage, touchpointId: refs.touchpoint }],
    },
  });
  expect(observed.recordObservations.created).toBe(1);
  const programme = (
    await admin.ok<any>(`mutation($input: CreateProgrammeInput!) { createProgramme(input: $input) { id } }`, {
      input: { organizationId: orgId, name: `${p} school lamps`, unitOfDelivery: "lamp", partnerIds: [refs.partner], activeFrom: "2026-01-01T00:00:00Z" },
    })
  ).createProgramme.id as string;
  const offering = (
    await admin.ok<any>(`mutation($input: CreateOfferingInput!) { createOffering(input: $input) { id } }`, {
      input: { organizationId: orgId, name: `${p} Solar lamp`, unitPriceMinor: 250000, revenueShareBps: 500, unitsGivenPerUnit: "1", beneficiariesPerUnitGiven: "1", programmeId: programme },
    })
  ).createOffering.id as string;
  const sold = await admin.ok<any>(RECORD_SALES, {
    input: { organizationId: orgId, items: [{ clientKey: `${p}-SALE-1`, offeringId: offering, occurredAt: "2026-01-12T00:00:00Z", units: 2, amountMinor: 500000, customerId: refs.customer }] },
  });
  expect(sold.recordSales.created).toBe(1);
  return {
    metric,
    target,
    observation: observed.recordObservations.items[0].id as string,
    offering,
    programme,
    sale: sold.recordSales.items[0].id as string,
    strings: [`${p} pupils enrolled`, `${p}-OBS-1`, `${p} Solar lamp`, `${p} school lamps`, `${p}-SALE-1`],
  };
}

async function buildWorld(app: TestApp, name: string, p: string): Promise<World> {
  const fx = await createOrg(app, name);
  const lcs = (await app.ok<any>(`query($id: ID!) { organization(id: $id) { lifecycles { id kind } } }`, { id: fx.id })).organization.lifecycles;
  const lifecycle = Object.fromEntries(lcs.map((l: any) => [l.kind, l.id])) as World["lifecycle"];
  const newPartner = async (input: Vars) =>
    (await app.ok<any>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, { input: { organizationId: fx.id, ...input } })).createPartner.id as string;
  const partner = await newPartner({ name: `${p} Field Partner`, kind: "FIELD_PARTNER", region: "North" });
  const otherPartner = await newPartner({ name: `${p} Distributor`, kind: "DISTRIBUTOR" });
  const newTouchpoint = async (input: Vars) =>
    (await app.ok<any>(`mutation($input: CreateTouchpointInput!) { createTouchpoint(input: $input) { id } }`, { input })).createTouchpoint.id as string;
  const tpPartner = await newTouchpoint({ stageId: fx.beneficiaryStages.Receives, name: `${p} distribution`, channel: "FIELD_VISIT", functionalAreaId: fx.areas.Programmes, partnerId: partner });
  const tpOwn = await newTouchpoint({ stageId: fx.beneficiaryStages.Enrolled, name: `${p} enrolment`, channel: "IN_PERSON", functionalAreaId: fx.areas.Programmes });
  const tpCustomer = await newTouchpoint({ stageId: fx.customerStages.Use, name: `${p} installation`, channel: "FIELD_VISIT", functionalAreaId: fx.areas.Operations, partnerId: otherPartner });

  const register = async (by: Caller, input: Vars) => (await by.ok<any>(CREATE_STAKEHOLDER, { input: { organizationId: fx.id, ...input } })).createStakeholder.id as string;
  const customer = await register(app, { kind: "CUSTOMER", externalRef: `${p}-CUST-1`, stageId: fx.customerStages.Need, enteredAt: "2026-01-01T00:00:00Z", region: "North" });
  await app.ok(MOVE, { input: { stakeholderId: customer, stageId: fx.customerStages.Research, occurredAt: "2026-01-10T00:00:00Z" } });
  await app.ok(RECORD, { input: { stakeholderId: customer, touchpointId: tpCustomer, occurredAt: "2026-01-11T00:00:00Z", note: `${p} lamp installed` } });
  const beneficiary = await register(app, { kind: "BENEFICIARY", externalRef: `${p}-BEN-1`, stageId: fx.beneficiaryStages.Identified, enteredAt: "2026-01-02T00:00:00Z", gender: "FEMALE" });
  await app.ok(MOVE, { input: { stakeholderId: beneficiary, stageId: fx.beneficiaryStages.Enrolled, occurredAt: "2026-01-05T00:00:00Z" } });
  await app.ok(RECORD, { input: { stakeholderId: beneficiary, touchpointId: tpOwn, occurredAt: "2026-01-05T01:00:00Z" } });
  await app.ok(RECORD, { input: { stakeholderId: beneficiary, touchpointId: tpPartner, occurredAt: "2026-01-07T00:00:00Z" } });
  await app.ok(`mutation($input: SetContactInput!) { setStakeholderContact(input: $input) { id } }`, {
    input: { stakeholderId: beneficiary, fullName: `${p} Wanjiku`, phone: "+254 700 000 101", email: `${p.toLowerCase()}@example.org` },
  });

  const keys: Record<Role, string> = {
    ADMIN: await app.issue("MEMBER", [{ organizationId: fx.id, role: "ADMIN" }], `${p} admin`),
    STAFF: await app.issue("MEMBER", [{ organizationId: fx.id, role: "STAFF" }], `${p} staff`),
    FUNDER: await app.issue("FUNDER", [{ organizationId: fx.id, role: "FUNDER" }], `${p} funder`),
    FIELD_PARTNER: await app.issue("FIELD_PARTNER", [{ organizationId: fx.id, role: "FIELD_PARTNER", partnerId: partner }], `${p} field partner`),
  };
  const fp = app.as(keys.FIELD_PARTNER);
  const fpBeneficiary = await register(fp, {
    kind: "BENEFICIARY",
    externalRef: `${p}-FPB-1`,
    stageId: fx.beneficiaryStages.Identified,
    enteredAt: "2026-01-03T00:00:00Z",
    contact: { phone: "+254 700 000 202" },
  });
  await fp.ok(MOVE, { input: { stakeholderId: fpBeneficiary, stageId: fx.beneficiaryStages.Enrolled, occurredAt: "2026-01-06T00:00:00Z" } });
  await fp.ok(RECORD, { input: { stakeholderId: fpBeneficiary, touchpointId: tpPartner, occurredAt: "2026-01-08T00:00:00Z", note: "shoes delivered" } });
  const impact = await buildImpactData(app, fx.id, keys.ADMIN, { stage: fx.beneficiaryStages.Enrolled, touchpoint: tpOwn, customer, partner }, p);
  const feedback = await buildFeedbackData(app, fx.id, keys, { touchpoint: tpPartner, beneficiary, fpBeneficiary, metric: impact.metric, area: fx.areas.Programmes }, p);

  return {
    id: fx.id,
    name,
    fx,
    lifecycle,
    partner,
    otherPartner,
    tpPartner,
    tpOwn,
    tpCustomer,
    customer,
    beneficiary,
    fpBeneficiary,
    keys,
    metric: impact.metric,
    target: impact.target,
    observation: impact.observation,
    offering: impact.offering,
    sale: impact.sale,
    programme: impact.programme,
    survey: feedback.survey,
    detractorResponse: feedback.detractorResponse,
    promoterResponse: feedback.promoterResponse,
    fpResponse: feedback.fpResponse,
    rule: feedback.rule,
    action: feedback.action,
    goal: feedback.goal,
    intervention: feedback.intervention,
    secrets: [
      ...[fx.id, name, customer, beneficiary, fpBeneficiary, partner, otherPartner, tpPartner, tpOwn, tpCustomer, `${p}-CUST-1`, `${p}-BEN-1`, `${p}-FPB-1`, `${p} Field Partner`],
      ...[impact.metric, impact.target, impact.observation, impact.offering, impact.sale, impact.programme, ...impact.strings],
      ...[feedback.survey, feedback.detractorResponse, feedback.promoterResponse, feedback.fpResponse, feedback.rule, feedback.action, feedback.goal, feedback.intervention],
      ...feedback.strings,
    ],
  };
}

/** One cell: `role`'s key of `self` runs the operation against `target` (self, or the other organization). */
interface Cell {
  app: TestApp;
  self: World;
  target: World;
  role: Role;
  own: boolean;
  seq: number;
}

interface Row {
  doc: string;
  vars: (c: Cell) => Vars | Promise<Vars>;
  own: Record<Role, Outcome>;
  /** Acceptable outcomes against the other organization; absent when the operation names no organization or row. */
  other?: Record<Role, Outcome[]>;
  /** Tables whose row counts must not change when the operation is refused (audit_log is always checked). */
  writes?: string[];
  /** Checks the data of an "ok" answer. */
  check?: (data: any, c: Cell) => void | Promise<void>;
}

const every = (o: Outcome): Record<Role, Outcome> => ({ ADMIN: o, STAFF: o, FUNDER: o, FIELD_PARTNER: o });
const everyOther = (...o: Outcome[]): Record<Role, Outcome[]> => ({ ADMIN: o, STAFF: o, FUNDER: o, FIELD_PARTNER: o });
const ADMIN_ONLY: Record<Role, Outcome> = { ADMIN: "ok", STAFF: "FORBIDDEN", FUNDER: "FORBIDDEN", FIELD_PARTNER: "FORBIDDEN" };
const STAFF_ONLY: Record<Role, Outcome> = { ADMIN: "ok", STAFF: "ok", FUNDER: "FORBIDDEN", FIELD_PARTNER: "FORBIDDEN" };
const SUBMIT: Record<Role, Outcome> = { ADMIN: "ok", STAFF: "ok", FUNDER: "FORBIDDEN", FIELD_PARTNER: "ok" };
/** Aggregated views and the metric and offering definitions: not for field partners. */
const AGGREGATE: Record<Role, Outcome> = { ADMIN: "ok", STAFF: "ok", FUNDER: "ok", FIELD_PARTNER: "FORBIDDEN" };
/** A row id of the other organization: NOT_FOUND; a funder may be refused person-level access first. */
const OTHER_PERSON: Record<Role, Outcome[]> = { ADMIN: ["NOT_FOUND"], STAFF: ["NOT_FOUND"], FUNDER: ["FORBIDDEN", "NOT_FOUND"], FIELD_PARTNER: ["NOT_FOUND"] };

/** The stakeholder a cell acts on: the field partner's own registration for field partners, else one staff registered. */
const person = (c: Cell) => (c.role === "FIELD_PARTNER" ? c.target.fpBeneficiary : c.target.beneficiary);

/** A new beneficiary in the target organization (registered by its field partner for field-partner cells). */
async function freshPerson(c: Cell): Promise<string> {
  const by = c.role === "FIELD_PARTNER" ? c.app.as(c.target.keys.FIELD_PARTNER) : c.app;
  const data = await by.ok<any>(CREATE_STAKEHOLDER, {
    input: { organizationId: c.target.id, kind: "BENEFICIARY", externalRef: `FRESH-${c.seq}`, stageId: c.target.fx.beneficiaryStages.Identified, enteredAt: "2026-01-01T00:00:00Z" },
  });
  return data.createStakeholder.id;
}

async function keyId(app: TestApp, key: string): Promise<string> {
  const [row] = await app.db.query(`SELECT id FROM api_keys WHERE prefix = $1`, [keyPrefix(key)]);
  return idOf("ApiKey", row.id, row.id);
}

async function registeredBy(app: TestApp, partnerId: string): Promise<string[]> {
  const rows: { organization_id: string; id: string }[] = await app.db.query(`SELECT organization_id, id FROM stakeholders WHERE registered_by_partner_id = $1 ORDER BY id`, [partnerId]);
  return rows.map((r) => idOf("Stakeholder", r.organization_id, r.id)).sort();
}

/** The organization's feedback responses, by id. */
async function responsesOf(app: TestApp, orgId: string): Promise<string[]> {
  const rows: { id: string }[] = await app.db.query(`SELECT id FROM feedback_responses WHERE organization_id = $1 ORDER BY id`, [orgId]);
  return rows.map((r) => idOf("FeedbackResponse", orgId, r.id)).sort();
}

/** The responses a partner's field-partner keys submitted, by id. */
async function submittedBy(app: TestApp, partnerId: string): Promise<string[]> {
  const rows: { organization_id: string; id: string }[] = await app.db.query(`SELECT organization_id, id FROM feedback_responses WHERE submitted_by_partner_id = $1 ORDER BY id`, [partnerId]);
  return rows.map((r) => idOf("FeedbackResponse", r.organization_id, r.id)).sort();
}

/** NPS answers collected in January 2026, straight from the database. */
async function januaryNps(app: TestApp, orgId: string): Promise<{ promoters: number; passives: number; detractors: number; people: number }> {
  const [row] = await app.db.query(
    `SELECT count(*) FILTER (WHERE nps >= 9)::int AS promoters, count(*) FILTER (WHERE nps BETWEEN 7 AND 8)::int AS passives,
            count(*) FILTER (WHERE nps <= 6)::int AS detractors, count(DISTINCT stakeholder_id)::int AS people
       FROM feedback_responses WHERE organization_id = $1 AND nps IS NOT NULL AND collected_at >= '2026-01-01T00:00:00Z' AND collected_at < '2026-02-01T00:00:00Z'`,
    [orgId],
  );
  return row;
}

const FUNNEL_PERIOD = `from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z"`;

/** A one-day period of its own for each cell (targets are keyed by period). */
const dayOf = (seq: number) => ({ from: new Date(Date.UTC(2020, 0, 1) + seq * 86400000).toISOString(), to: new Date(Date.UTC(2020, 0, 2) + seq * 86400000).toISOString() });

const MATRIX: Record<string, Row> = {
  // ---- Queries
  me: {
    doc: `query { me { keyId kind grants { organizationId role partnerId } } }`,
    vars: () => ({}),
    own: every("ok"),
    other: everyOther("ok"),
    check: (d, c) => {
      expect(d.me.grants).toContainEqual({ organizationId: c.self.id, role: c.role, partnerId: c.role === "FIELD_PARTNER" ? c.self.partner : null });
      if (!c.own) expect(d.me.grants.map((g: any) => g.organizationId)).not.toContain(c.target.id);
    },
  },
  organizations: {
    doc: `query { organizations(first: 100) { totalCount edges { node { id name } } } }`,
    vars: () => ({}),
    own: every("ok"),
    other: everyOther("ok"),
    check: (d, c) => {
      const ids = d.organizations.edges.map((e: any) => e.node.id);
      expect(ids).toContain(c.self.id);
      // Member keys may have created organizations of their own in createOrganization cells; never B.
      if (c.role === "FUNDER" || c.role === "FIELD_PARTNER") expect(ids).toEqual([c.self.id]);
    },
  },
  organization: {
    doc: `query($id: ID!) { organization(id: $id) { id name lifecycles { id kind } } }`,
    vars: (c) => ({ id: c.target.id }),
    own: every("ok"),
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.organization).toMatchObject({ id: c.target.id, name: c.target.name }),
  },
  lifecycleFunnel: {
    doc: `query($org: ID!) { lifecycleFunnel(organizationId: $org, kind: BENEFICIARY, ${FUNNEL_PERIOD}) { organizationId suppression { applied } stages { stage { id } entered } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: { ADMIN: "ok", STAFF: "ok", FUNDER: "ok", FIELD_PARTNER: "FORBIDDEN" },
    other: everyOther("FORBIDDEN"),
    check: (d, c) => {
      expect(d.lifecycleFunnel.organizationId).toBe(c.target.id);
      expect(d.lifecycleFunnel.suppression.applied).toBe(c.role === "FUNDER");
      expect(d.lifecycleFunnel.stages).toHaveLength(6);
    },
  },
  stakeholders: {
    doc: `query($org: ID!) { stakeholders(organizationId: $org, first: 500) { totalCount edges { node { id externalRef } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: SUBMIT,
    other: everyOther("FORBIDDEN"),
    check: async (d, c) => {
      const ids = d.stakeholders.edges.map((e: any) => e.node.id).sort();
      if (c.role === "FIELD_PARTNER") {
        expect(ids).toEqual(await registeredBy(c.app, c.self.partner));
        expect(ids).toContain(c.self.fpBeneficiary);
      } else {
        expect(ids).toEqual(expect.arrayContaining([c.self.customer, c.self.beneficiary, c.self.fpBeneficiary]));
      }
    },
  },
  stakeholder: {
    doc: `query($id: ID!) { stakeholder(id: $id) { id externalRef } }`,
    vars: (c) => ({ id: person(c) }),
    own: SUBMIT,
    other: OTHER_PERSON,
    check: (d, c) => expect(d.stakeholder.id).toBe(person(c)),
  },
  node: {
    doc: `query($id: ID!) { node(id: $id) { id ... on Stakeholder { externalRef } } }`,
    vars: (c) => ({ id: person(c) }),
    // Read as `stakeholder(id:)` is; another organization's person reads as nothing (no error that would say it exists).
    own: SUBMIT,
    other: everyOther("NULL"),
    check: (d, c) => expect(d.node.id).toBe(person(c)),
  },
  nodes: {
    doc: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
    vars: (c) => ({ ids: [c.target.id, c.target.tpPartner] }),
    own: every("ok"),
    other: everyOther("ok"),
    check: (d, c) => expect(d.nodes).toEqual(c.own ? [{ id: c.target.id }, { id: c.target.tpPartner }] : [null, null]),
  },
  stakeholderExport: {
    doc: `query($id: ID!) { stakeholderExport(id: $id) }`,
    vars: (c) => ({ id: person(c) }),
    own: STAFF_ONLY,
    other: OTHER_PERSON,
    check: (d, c) => {
      expect(d.stakeholderExport.stakeholder.id).toBe(person(c));
      expect(d.stakeholderExport.contact).toMatchObject({ phone: "+254 700 000 101" });
    },
  },
  apiKeys: {
    doc: `query($org: ID!) { apiKeys(organizationId: $org, first: 500) { totalCount edges { node { id role } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    check: async (d, c) => expect(d.apiKeys.edges.map((e: any) => e.node.id)).toContain(await keyId(c.app, c.self.keys.ADMIN)),
  },
  auditLog: {
    doc: `query($org: ID!) { auditLog(organizationId: $org, first: 500) { totalCount edges { node { id organizationId } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => {
      expect(d.auditLog.totalCount).toBeGreaterThan(0);
      for (const e of d.auditLog.edges) expect(e.node.organizationId).toBe(c.target.id);
    },
  },

  metrics: {
    doc: `query($org: ID!) { metrics(organizationId: $org, first: 500) { totalCount edges { node { id name category impactMode } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.metrics.edges.map((e: any) => e.node.id)).toContain(c.target.metric),
  },
  metric: {
    doc: `query($id: ID!) { metric(id: $id) { id name targets { edges { node { id value } } } } }`,
    vars: (c) => ({ id: c.target.metric }),
    own: AGGREGATE,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => {
      expect(d.metric.id).toBe(c.target.metric);
      expect(d.metric.targets.edges.map((e: any) => e.node.id)).toContain(c.target.target);
    },
  },
  observations: {
    doc: `query($id: ID!) { observations(metricId: $id, first: 500) { totalCount edges { node { id value } } } }`,
    vars: (c) => ({ id: c.target.metric }),
    own: STAFF_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.observations.edges.map((e: any) => e.node.id)).toContain(c.target.observation),
  },
  offerings: {
    doc: `query($org: ID!) { offerings(organizationId: $org, first: 500) { totalCount edges { node { id name revenueShareBps } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.offerings.edges.map((e: any) => e.node.id)).toContain(c.target.offering),
  },
  sales: {
    doc: `query($org: ID!) { sales(organizationId: $org, ${FUNNEL_PERIOD}, first: 500) { totalCount edges { node { id units customer { id } offering { id } } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.sales.edges.map((e: any) => e.node)).toContainEqual({ id: c.target.sale, units: 2, customer: { id: c.target.customer }, offering: { id: c.target.offering } }),
  },
  impactAtSale: {
    doc: `query($org: ID!) { impactAtSale(organizationId: $org, ${FUNNEL_PERIOD}) { organizationId totals { sales unitsSold } offerings { offering { id } sales } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => {
      expect(d.impactAtSale.organizationId).toBe(c.target.id);
      expect(d.impactAtSale.totals.sales).toBeGreaterThanOrEqual(1);
      expect(d.impactAtSale.offerings.map((o: any) => o.offering.id)).toContain(c.target.offering);
    },
  },
  impactInUse: {
    doc: `query($org: ID!) { impactInUse(organizationId: $org, ${FUNNEL_PERIOD}) { organizationId suppression { applied } socialMetrics { metric { id } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => {
      expect(d.impactInUse.organizationId).toBe(c.target.id);
      expect(d.impactInUse.suppression.applied).toBe(c.role === "FUNDER");
      expect(d.impactInUse.socialMetrics.map((m: any) => m.metric.id)).toContain(c.target.metric);
    },
  },
  doubleBottomLine: {
    doc: `query($org: ID!) { doubleBottomLine(organizationId: $org, ${FUNNEL_PERIOD}) { organizationId suppression { applied } business { sales { current } } social { socialMetrics { metric { id } } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => {
      expect(d.doubleBottomLine.organizationId).toBe(c.target.id);
      expect(d.doubleBottomLine.suppression.applied).toBe(c.role === "FUNDER");
      expect(d.doubleBottomLine.business.sales.current).toBeGreaterThanOrEqual(1);
      expect(d.doubleBottomLine.social.socialMetrics.map((m: any) => m.metric.id)).toContain(c.target.metric);
    },
  },
  metricSeries: {
    doc: `query($id: ID!) { metricSeries(metricId: $id, ${FUNNEL_PERIOD}, interval: MONTH) { metric { id } interval suppression { applied } points { from to target observations } } }`,
    vars: (c) => ({ id: c.target.metric }),
    own: AGGREGATE,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => {
      expect(d.metricSeries).toMatchObject({ metric: { id: c.target.metric }, interval: "MONTH", suppression: { applied: c.role === "FUNDER" } });
      expect(d.metricSeries.points).toHaveLength(1);
      expect(Number(d.metricSeries.points[0].target)).toBe(100);
      expect(d.metricSeries.points[0].observations).toBeGreaterThanOrEqual(1);
    },
  },

  // ---- Mutations: organizations and their structure
  createOrganization: {
    doc: `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id name } }`,
    vars: (c) => ({ input: { name: `Matrix Org ${c.seq}`, impactModel: "HYBRID", currency: "KES" } }),
    own: { ADMIN: "ok", STAFF: "ok", FUNDER: "FORBIDDEN", FIELD_PARTNER: "FORBIDDEN" },
    writes: ["organizations", "lifecycles", "stages", "functional_areas", "api_key_grants"],
    check: (d, c) => expect(d.createOrganization.name).toBe(`Matrix Org ${c.seq}`),
  },
  updateOrganization: {
    doc: `mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id suppressionThreshold } }`,
    vars: (c) => ({ input: { id: c.target.id, suppressionThreshold: 10 + (c.seq % 5) } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.updateOrganization).toEqual({ id: c.target.id, suppressionThreshold: 10 + (c.seq % 5) }),
  },
  updateLifecycle: {
    doc: `mutation($input: UpdateLifecycleInput!) { updateLifecycle(input: $input) { id name } }`,
    vars: (c) => ({ input: { id: c.target.lifecycle.CUSTOMER, name: `Customer lifecycle ${c.seq}` } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updateLifecycle).toEqual({ id: c.target.lifecycle.CUSTOMER, name: `Customer lifecycle ${c.seq}` }),
  },
  addStage: {
    doc: `mutation($input: AddStageInput!) { addStage(input: $input) { id name } }`,
    vars: (c) => ({ input: { lifecycleId: c.target.lifecycle.CUSTOMER, name: `Added ${c.seq}` } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    writes: ["stages"],
    check: (d, c) => expect(d.addStage.name).toBe(`Added ${c.seq}`),
  },
  updateStage: {
    doc: `mutation($input: UpdateStageInput!) { updateStage(input: $input) { id name } }`,
    vars: (c) => ({ input: { id: c.target.fx.customerStages.Support, name: `Support ${c.seq}` } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updateStage).toEqual({ id: c.target.fx.customerStages.Support, name: `Support ${c.seq}` }),
  },
  reorderStages: {
    doc: `mutation($input: ReorderStagesInput!) { reorderStages(input: $input) { id stages { id } } }`,
    // A fresh target every run: the lifecycle's current order, rotated by one.
    vars: async (c) => {
      const rows: { id: string }[] = await c.app.db.query(`SELECT id FROM stages WHERE lifecycle_id = $1 ORDER BY position`, [c.target.lifecycle.CUSTOMER]);
      const ids = rows.map((r) => idOf("Stage", c.target.id, r.id));
      return { input: { lifecycleId: c.target.lifecycle.CUSTOMER, stageIds: [...ids.slice(1), ids[0]] } };
    },
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => {
      expect(d.reorderStages.id).toBe(c.target.lifecycle.CUSTOMER);
      expect(d.reorderStages.stages.length).toBeGreaterThanOrEqual(6);
    },
  },
  createFunctionalArea: {
    doc: `mutation($input: CreateFunctionalAreaInput!) { createFunctionalArea(input: $input) { id name } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, name: `Area ${c.seq}` } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["functional_areas"],
    check: (d, c) => expect(d.createFunctionalArea.name).toBe(`Area ${c.seq}`),
  },
  updateFunctionalArea: {
    doc: `mutation($input: UpdateFunctionalAreaInput!) { updateFunctionalArea(input: $input) { id name } }`,
    vars: (c) => ({ input: { id: c.target.fx.areas.Finance, name: `Finance ${c.seq}` } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updateFunctionalArea).toEqual({ id: c.target.fx.areas.Finance, name: `Finance ${c.seq}` }),
  },
  createPartner: {
    doc: `mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id name } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, name: `Partner ${c.seq}`, kind: "OTHER" } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["partners"],
    check: (d, c) => expect(d.createPartner.name).toBe(`Partner ${c.seq}`),
  },
  updatePartner: {
    doc: `mutation($input: UpdatePartnerInput!) { updatePartner(input: $input) { id region } }`,
    vars: (c) => ({ input: { id: c.target.otherPartner, region: `Region ${c.seq}` } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updatePartner).toEqual({ id: c.target.otherPartner, region: `Region ${c.seq}` }),
  },
  // Programmes: structure without personal data, read by every role like partners and touchpoints; written by admins.
  programmes: {
    doc: `query($org: ID!) { programmes(organizationId: $org, first: 500) { totalCount edges { node { id name partners { id } } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: every("ok"),
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.programmes.edges.map((e: any) => e.node)).toContainEqual({ id: c.target.programme, name: expect.any(String), partners: [{ id: c.target.partner }] }),
  },
  programme: {
    doc: `query($id: ID!) { programme(id: $id) { id partners { id } } }`,
    vars: (c) => ({ id: c.target.programme }),
    own: every("ok"),
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.programme).toEqual({ id: c.target.programme, partners: [{ id: c.target.partner }] }),
  },
  createProgramme: {
    doc: `mutation($input: CreateProgrammeInput!) { createProgramme(input: $input) { id name } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, name: `Programme ${c.seq}`, activeFrom: "2026-01-01T00:00:00Z" } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["programmes"],
    check: (d, c) => expect(d.createProgramme.name).toBe(`Programme ${c.seq}`),
  },
  updateProgramme: {
    doc: `mutation($input: UpdateProgrammeInput!) { updateProgramme(input: $input) { id region } }`,
    vars: (c) => ({ input: { id: c.target.programme, region: `Region ${c.seq}` } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updateProgramme).toEqual({ id: c.target.programme, region: `Region ${c.seq}` }),
  },
  enrolBeneficiary: {
    doc: `mutation($input: EnrolBeneficiaryInput!) { enrolBeneficiary(input: $input) { id programme { id } partner { id } } }`,
    vars: async (c) => ({ input: { programmeId: c.target.programme, beneficiaryId: await freshPerson(c), enrolledAt: "2026-01-02T00:00:00Z" } }),
    own: SUBMIT,
    other: OTHER_PERSON,
    writes: ["programme_enrolments"],
    // A field partner's key enrols as its own partner; staff enrol as the organization (no partner).
    check: (d, c) => expect(d.enrolBeneficiary).toMatchObject({ programme: { id: c.target.programme }, partner: c.role === "FIELD_PARTNER" ? { id: c.target.partner } : null }),
  },
  unenrolBeneficiary: {
    doc: `mutation($input: UnenrolBeneficiaryInput!) { unenrolBeneficiary(input: $input) { id programme { id } } }`,
    vars: async (c) => {
      const beneficiaryId = await freshPerson(c);
      const by = c.role === "FIELD_PARTNER" ? c.app.as(c.target.keys.FIELD_PARTNER) : c.app;
      await by.ok(`mutation($input: EnrolBeneficiaryInput!) { enrolBeneficiary(input: $input) { id } }`, { input: { programmeId: c.target.programme, beneficiaryId } });
      return { input: { programmeId: c.target.programme, beneficiaryId } };
    },
    own: SUBMIT,
    other: OTHER_PERSON,
    writes: ["programme_enrolments"],
    check: (d, c) => expect(d.unenrolBeneficiary.programme.id).toBe(c.target.programme),
  },
  recordDeliveries: {
    doc: `mutation($input: RecordDeliveriesInput!) { recordDeliveries(input: $input) ${BATCH} }`,
    // The field partner delivers to its own registration, as its own partner.
    vars: (c) => ({ input: { organizationId: c.target.id, items: [{ clientKey: `M-DL-${c.seq}`, programmeId: c.target.programme, deliveredAt: "2026-01-20T00:00:00Z", units: 1, beneficiaryId: person(c) }] } }),
    own: SUBMIT,
    other: everyOther("FORBIDDEN"),
    writes: ["deliveries", "stakeholders"],
    check: (d) => expect(d.recordDeliveries).toMatchObject({ created: 1, duplicates: 0, conflicts: 0, rejected: 0 }),
  },
  deliveries: {
    doc: `query($org: ID!) { deliveries(organizationId: $org, first: 500) { totalCount edges { node { id units programme { id } } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: SUBMIT,
    other: everyOther("FORBIDDEN"),
    check: async (d, c) => {
      // Field partners: only the deliveries their partner submitted.
      const [{ n }] = await c.app.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE organization_id = $1 AND ($2::uuid IS NULL OR submitted_by_partner_id = $2)`, [
        c.target.id,
        c.role === "FIELD_PARTNER" ? c.self.partner : null,
      ]);
      expect(d.deliveries.totalCount).toBe(n);
      expect(d.deliveries.edges).toHaveLength(n);
    },
  },
  fundedVsDelivered: {
    doc: `query($org: ID!) { fundedVsDelivered(organizationId: $org, ${FUNNEL_PERIOD}) { organizationId programmes { programme { id } unitsFunded backlog beneficiariesReached { total } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.fundedVsDelivered.programmes.map((p: any) => p.programme.id)).toContain(c.target.programme),
  },
  createTouchpoint: {
    doc: `mutation($input: CreateTouchpointInput!) { createTouchpoint(input: $input) { id name } }`,
    vars: (c) => ({ input: { stageId: c.target.fx.beneficiaryStages.Outcome, name: `Touchpoint ${c.seq}`, channel: "SMS", functionalAreaId: c.target.fx.areas.Programmes } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    writes: ["touchpoints"],
    check: (d, c) => expect(d.createTouchpoint.name).toBe(`Touchpoint ${c.seq}`),
  },
  updateTouchpoint: {
    doc: `mutation($input: UpdateTouchpointInput!) { updateTouchpoint(input: $input) { id name } }`,
    vars: (c) => ({ input: { id: c.target.tpCustomer, name: `Installation ${c.seq}` } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updateTouchpoint).toEqual({ id: c.target.tpCustomer, name: `Installation ${c.seq}` }),
  },

  // ---- Mutations: keys
  createApiKey: {
    doc: `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name } } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, name: `Key ${c.seq}`, role: "STAFF" } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["api_keys", "api_key_grants"],
    check: (d, c) => {
      expect(d.createApiKey.apiKey.name).toBe(`Key ${c.seq}`);
      expect(d.createApiKey.key).toMatch(/^dbl_/);
    },
  },
  grantApiKeyAccess: {
    doc: `mutation($input: GrantApiKeyAccessInput!) { grantApiKeyAccess(input: $input) { id role } }`,
    // A fresh funder key (no role anywhere yet) every run.
    vars: async (c) => ({ input: { organizationId: c.target.id, apiKeyId: await keyId(c.app, await c.app.issue("FUNDER", [], `Fresh funder ${c.seq}`)), role: "FUNDER" } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["api_key_grants"],
    check: (d) => expect(d.grantApiKeyAccess.role).toBe("FUNDER"),
  },
  revokeApiKeyAccess: {
    doc: `mutation($input: RevokeApiKeyAccessInput!) { revokeApiKeyAccess(input: $input) }`,
    // A fresh key with a role in the target organization every run.
    vars: async (c) => ({
      input: { organizationId: c.target.id, apiKeyId: await keyId(c.app, await c.app.issue("MEMBER", [{ organizationId: c.target.id, role: "STAFF" }], `Fresh staff ${c.seq}`)) },
    }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["api_key_grants"],
    check: (d) => expect(d.revokeApiKeyAccess).toBe(true),
  },
  revokeApiKey: {
    doc: `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`,
    // A fresh key issued by the target organization every run.
    vars: async (c) => {
      const made = await c.app.ok<any>(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }`, {
        input: { organizationId: c.target.id, name: `To revoke ${c.seq}`, role: "STAFF" },
      });
      return { id: made.createApiKey.apiKey.id };
    },
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d) => expect(d.revokeApiKey.revokedAt).not.toBeNull(),
  },

  // ---- Mutations: stakeholders
  createStakeholder: {
    doc: `mutation($input: CreateStakeholderInput!) { createStakeholder(input: $input) { id kind externalRef } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, kind: "BENEFICIARY", externalRef: `M-${c.seq}`, stageId: c.target.fx.beneficiaryStages.Identified } }),
    own: SUBMIT,
    other: everyOther("FORBIDDEN"),
    writes: ["stakeholders", "stage_transitions"],
    check: (d, c) => expect(d.createStakeholder).toMatchObject({ kind: "BENEFICIARY", externalRef: `M-${c.seq}` }),
  },
  updateStakeholder: {
    doc: `mutation($input: UpdateStakeholderInput!) { updateStakeholder(input: $input) { id region } }`,
    vars: (c) => ({ input: { id: person(c), region: `Region ${c.seq}` } }),
    own: STAFF_ONLY,
    other: OTHER_PERSON,
    check: (d, c) => expect(d.updateStakeholder).toEqual({ id: person(c), region: `Region ${c.seq}` }),
  },
  setStakeholderContact: {
    doc: `mutation($input: SetContactInput!) { setStakeholderContact(input: $input) { id } }`,
    vars: (c) => ({ input: { stakeholderId: person(c), fullName: c.own ? `${c.target.name} contact` : "Nobody", phone: "+254 700 000 101" } }),
    own: STAFF_ONLY,
    other: OTHER_PERSON,
    writes: ["stakeholder_contacts"],
    check: (d, c) => expect(d.setStakeholderContact.id).toBe(person(c)),
  },
  forgetStakeholder: {
    doc: `mutation($id: ID!) { forgetStakeholder(id: $id) { id erasedAt externalRef } }`,
    vars: async (c) => ({ id: await freshPerson(c) }),
    own: STAFF_ONLY,
    other: OTHER_PERSON,
    check: (d) => {
      expect(d.forgetStakeholder.erasedAt).not.toBeNull();
      expect(d.forgetStakeholder.externalRef).toMatch(/^erased-/);
    },
  },
  moveStakeholder: {
    doc: `mutation($input: MoveStakeholderInput!) { moveStakeholder(input: $input) { id toStage { id } } }`,
    vars: async (c) => ({ input: { stakeholderId: await freshPerson(c), stageId: c.target.fx.beneficiaryStages.Enrolled, occurredAt: "2026-01-02T00:00:00Z" } }),
    own: SUBMIT,
    other: OTHER_PERSON,
    writes: ["stage_transitions"],
    check: (d, c) => expect(d.moveStakeholder.toStage.id).toBe(c.target.fx.beneficiaryStages.Enrolled),
  },
  recordInteraction: {
    doc: `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id touchpoint { id } } }`,
    vars: (c) => ({ input: { stakeholderId: person(c), touchpointId: c.target.tpPartner, occurredAt: "2026-01-09T00:00:00Z" } }),
    own: SUBMIT,
    other: OTHER_PERSON,
    writes: ["interactions"],
    check: (d, c) => expect(d.recordInteraction.touchpoint.id).toBe(c.target.tpPartner),
  },

  // ---- Mutations: metrics, offerings, observations and sales
  createMetric: {
    doc: `mutation($input: CreateMetricInput!) { createMetric(input: $input) { id name category } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, name: `Metric ${c.seq}`, category: "KPI", perspective: "CUSTOMER", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM" } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["metrics"],
    check: (d, c) => expect(d.createMetric).toMatchObject({ name: `Metric ${c.seq}`, category: "KPI" }),
  },
  updateMetric: {
    doc: `mutation($input: UpdateMetricInput!) { updateMetric(input: $input) { id description } }`,
    vars: (c) => ({ input: { id: c.target.metric, description: `Described ${c.seq}` } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updateMetric).toEqual({ id: c.target.metric, description: `Described ${c.seq}` }),
  },
  setMetricTargets: {
    doc: `mutation($input: SetMetricTargetsInput!) { setMetricTargets(input: $input) { id targets(first: 500) { edges { node { from to value } } } } }`,
    // A period of its own every run, so January's target stays as the fixture set it.
    vars: (c) => ({ input: { metricId: c.target.metric, targets: [{ ...dayOf(c.seq), value: String(c.seq) }] } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    writes: ["metric_targets"],
    check: (d, c) => {
      expect(d.setMetricTargets.id).toBe(c.target.metric);
      const mine = d.setMetricTargets.targets.edges.map((e: any) => e.node).find((t: any) => t.from === dayOf(c.seq).from);
      expect(mine && { to: mine.to, value: Number(mine.value) }).toEqual({ to: dayOf(c.seq).to, value: c.seq });
    },
  },
  recordObservations: {
    doc: RECORD_OBSERVATIONS,
    vars: (c) => ({
      input: { organizationId: c.target.id, items: [{ clientKey: `M-OBS-${c.seq}`, metricId: c.target.metric, from: "2026-01-10T00:00:00Z", to: "2026-01-11T00:00:00Z", value: "3" }] },
    }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["observations"],
    check: (d, c) => {
      expect(d.recordObservations).toMatchObject({ created: 1, duplicates: 0, conflicts: 0, rejected: 0 });
      expect(d.recordObservations.items).toEqual([{ index: 0, clientKey: `M-OBS-${c.seq}`, status: "CREATED", id: expect.any(String), errors: [] }]);
    },
  },
  createOffering: {
    doc: `mutation($input: CreateOfferingInput!) { createOffering(input: $input) { id name revenueShareBps } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, name: `Offering ${c.seq}`, revenueShareBps: 250 } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["offerings"],
    check: (d, c) => expect(d.createOffering).toMatchObject({ name: `Offering ${c.seq}`, revenueShareBps: 250 }),
  },
  updateOffering: {
    doc: `mutation($input: UpdateOfferingInput!) { updateOffering(input: $input) { id description programme { id } } }`,
    vars: (c) => ({ input: { id: c.target.offering, description: `Offering ${c.seq}`, programmeId: c.target.programme } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updateOffering).toEqual({ id: c.target.offering, description: `Offering ${c.seq}`, programme: { id: c.target.programme } }),
  },
  recordSales: {
    doc: RECORD_SALES,
    vars: (c) => ({
      input: {
        organizationId: c.target.id,
        items: [{ clientKey: `M-SALE-${c.seq}`, offeringId: c.target.offering, occurredAt: "2026-01-20T00:00:00Z", units: 1, amountMinor: 1000, customerId: c.target.customer }],
      },
    }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["sales"],
    check: (d, c) => {
      expect(d.recordSales).toMatchObject({ created: 1, duplicates: 0, conflicts: 0, rejected: 0 });
      expect(d.recordSales.items).toEqual([{ index: 0, clientKey: `M-SALE-${c.seq}`, status: "CREATED", id: expect.any(String), errors: [] }]);
    },
  },

  // ---- Surveys and feedback
  surveys: {
    doc: `query($org: ID!) { surveys(organizationId: $org, first: 500) { totalCount edges { node { id name audience } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: every("ok"),
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.surveys.edges.map((e: any) => e.node.id)).toContain(c.target.survey),
  },
  survey: {
    doc: `query($id: ID!) { survey(id: $id) { id audience touchpoint { id } questions { key type } } }`,
    vars: (c) => ({ id: c.target.survey }),
    own: every("ok"),
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.survey).toEqual({ id: c.target.survey, audience: "BENEFICIARY", touchpoint: { id: c.target.tpPartner }, questions: QUESTION_KEYS }),
  },
  feedbackResponses: {
    doc: `query($org: ID!) { feedbackResponses(organizationId: $org, first: 500) { totalCount edges { node { id nps clientSubmissionId } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: SUBMIT,
    other: everyOther("FORBIDDEN"),
    check: async (d, c) => {
      const ids = d.feedbackResponses.edges.map((e: any) => e.node.id).sort();
      if (c.role === "FIELD_PARTNER") {
        // Only what its partner submitted: not the admin's responses, even about its own registration.
        expect(ids).toEqual(await submittedBy(c.app, c.self.partner));
        expect(ids).toContain(c.self.fpResponse);
        expect(ids).not.toContain(c.self.promoterResponse);
        expect(ids).not.toContain(c.self.detractorResponse);
      } else {
        expect(ids).toEqual(await responsesOf(c.app, c.target.id));
        expect(ids).toEqual(expect.arrayContaining([c.self.detractorResponse, c.self.promoterResponse, c.self.fpResponse]));
      }
      expect(d.feedbackResponses.totalCount).toBe(ids.length);
    },
  },
  nps: {
    doc: `query($org: ID!) { nps(organizationId: $org, ${FUNNEL_PERIOD}) { promoters passives detractors sampleSize score marginOfError95 suppressed } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: async (d, c) => {
      const db = await januaryNps(c.app, c.target.id);
      expect(db.detractors).toBeGreaterThanOrEqual(1);
      if (c.role === "FUNDER") {
        // Fewer than 10 people answered: everything hidden.
        expect(db.people).toBeLessThan(10);
        expect(d.nps).toEqual({ promoters: null, passives: null, detractors: null, sampleSize: null, score: null, marginOfError95: null, suppressed: true });
      } else {
        expect(d.nps).toMatchObject({ promoters: db.promoters, passives: db.passives, detractors: db.detractors, sampleSize: db.promoters + db.passives + db.detractors, suppressed: false });
        expect(d.nps.score).not.toBeNull();
      }
    },
  },
  createSurvey: {
    doc: `mutation($input: CreateSurveyInput!) { createSurvey(input: $input) { id name currentVersion touchpoint { id } questions { key type } } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, name: `Survey ${c.seq}`, audience: "BENEFICIARY", touchpointId: c.target.tpPartner, questions: QUESTIONS } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["surveys", "survey_versions", "survey_questions"],
    check: (d, c) =>
      expect(d.createSurvey).toEqual({ id: expect.any(String), name: `Survey ${c.seq}`, currentVersion: 1, touchpoint: { id: c.target.tpPartner }, questions: QUESTION_KEYS }),
  },
  updateSurvey: {
    // The same questions again: a new version (answers keep their keys).
    doc: `mutation($input: UpdateSurveyInput!) { updateSurvey(input: $input) { id currentVersion questions { key type } } }`,
    vars: (c) => ({ input: { id: c.target.survey, questions: QUESTIONS } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    writes: ["surveys", "survey_versions", "survey_questions"],
    check: async (d, c) => {
      const [{ v }] = await c.app.db.query(`SELECT max(version)::int AS v FROM survey_versions WHERE survey_id = $1`, [c.target.survey]);
      expect(v).toBeGreaterThanOrEqual(2);
      expect(d.updateSurvey).toEqual({ id: c.target.survey, currentVersion: v, questions: QUESTION_KEYS });
    },
  },
  submitFeedback: {
    doc: SUBMIT_FEEDBACK,
    // The field partner answers for its own registration, at the touchpoint its partner delivers.
    vars: (c) => ({
      input: {
        organizationId: c.target.id,
        items: [
          {
            clientSubmissionId: `M-FB-${c.seq}`,
            surveyId: c.target.survey,
            stakeholderId: person(c),
            touchpointId: c.target.tpPartner,
            collectedAt: "2026-01-20T00:00:00Z",
            answers: [{ key: "nps", value: 8 }, { key: "fit", value: 4 }],
          },
        ],
      },
    }),
    own: SUBMIT,
    other: everyOther("FORBIDDEN"),
    writes: ["feedback_responses", "feedback_answers", "stakeholders", "actions"],
    check: async (d, c) => {
      expect(d.submitFeedback).toMatchObject({ created: 1, duplicates: 0, conflicts: 0, rejected: 0 });
      expect(d.submitFeedback.items).toEqual([{ index: 0, clientKey: `M-FB-${c.seq}`, status: "CREATED", id: expect.any(String), errors: [] }]);
      const [stored] = await c.app.db.query(`SELECT organization_id, stakeholder_id, touchpoint_id, nps, submitted_by_partner_id FROM feedback_responses WHERE id = $1`, [
        d.submitFeedback.items[0].id,
      ]);
      expect(stored).toEqual({
        organization_id: rowId(c.target.id),
        stakeholder_id: rowId(person(c)),
        touchpoint_id: rowId(c.target.tpPartner),
        nps: 8,
        submitted_by_partner_id: c.role === "FIELD_PARTNER" ? rowId(c.self.partner) : null,
      });
    },
  },

  // ---- Follow-up actions and rules
  actions: {
    doc: `query($org: ID!) { actions(organizationId: $org, first: 500) { totalCount edges { node { id title response { id } } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.actions.edges.map((e: any) => e.node)).toContainEqual({ id: c.target.action, title: expect.any(String), response: { id: c.target.detractorResponse } }),
  },
  action: {
    doc: `query($id: ID!) { action(id: $id) { id response { id nps } stakeholder { id } touchpoint { id } owner { id } } }`,
    vars: (c) => ({ id: c.target.action }),
    own: STAFF_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) =>
      expect(d.action).toEqual({
        id: c.target.action,
        response: { id: c.target.detractorResponse, nps: 3 },
        stakeholder: { id: c.target.beneficiary },
        touchpoint: { id: c.target.tpPartner },
        // The rule names no owner: the touchpoint's.
        owner: { id: c.target.fx.areas.Programmes },
      }),
  },
  actionSummary: {
    doc: `query($org: ID!) { actionSummary(organizationId: $org, ${FUNNEL_PERIOD}) { organizationId suppression { applied threshold } owners { owner { id } open overdue suppressed } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: async (d, c) => {
      expect(d.actionSummary.organizationId).toBe(c.target.id);
      expect(d.actionSummary.suppression.applied).toBe(c.role === "FUNDER");
      const programmes = d.actionSummary.owners.find((o: any) => o.owner.id === c.target.fx.areas.Programmes);
      const [{ open }] = await c.app.db.query(`SELECT count(*)::int AS open FROM actions WHERE owner_area_id = $1 AND status IN ('OPEN', 'IN_PROGRESS')`, [c.target.fx.areas.Programmes]);
      expect(open).toBeGreaterThanOrEqual(1);
      if (c.role === "FUNDER" && open < d.actionSummary.suppression.threshold) {
        // Fewer open actions than the threshold: hidden from the funder.
        expect(programmes.open).toBeNull();
        expect(programmes.suppressed).toContain("open");
      } else {
        expect(programmes).toMatchObject({ open, suppressed: [] });
      }
    },
  },
  actionRules: {
    doc: `query($org: ID!) { actionRules(organizationId: $org) { id kind active } }`,
    vars: (c) => ({ org: c.target.id }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.actionRules).toContainEqual({ id: c.target.rule, kind: "DETRACTOR", active: true }),
  },
  createAction: {
    doc: `mutation($input: CreateActionInput!) { createAction(input: $input) { id title status response { id } stakeholder { id } touchpoint { id } owner { id } } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, title: `Action ${c.seq}`, ownerAreaId: c.target.fx.areas.Operations, responseId: c.target.detractorResponse } }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["actions"],
    check: (d, c) =>
      expect(d.createAction).toEqual({
        id: expect.any(String),
        title: `Action ${c.seq}`,
        status: "OPEN",
        response: { id: c.target.detractorResponse },
        stakeholder: { id: c.target.beneficiary },
        touchpoint: { id: c.target.tpPartner },
        owner: { id: c.target.fx.areas.Operations },
      }),
  },
  updateAction: {
    doc: `mutation($input: UpdateActionInput!) { updateAction(input: $input) { id status notes } }`,
    vars: (c) => ({ input: { id: c.target.action, status: "IN_PROGRESS", notes: `Notes ${c.seq}` } }),
    own: STAFF_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updateAction).toEqual({ id: c.target.action, status: "IN_PROGRESS", notes: `Notes ${c.seq}` }),
  },
  closeLoop: {
    doc: `mutation($input: CloseLoopInput!) { closeLoop(input: $input) { id loopMessage loopChannel loopDeliveredBy { id } closedOnTime } }`,
    vars: (c) => ({ input: { actionId: c.target.action, message: `New sizes arrive next week (${c.seq})`, channel: "SMS", deliveredByPartnerId: c.target.partner } }),
    own: STAFF_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) =>
      expect(d.closeLoop).toEqual({
        id: c.target.action,
        loopMessage: `New sizes arrive next week (${c.seq})`,
        loopChannel: "SMS",
        loopDeliveredBy: { id: c.target.partner },
        closedOnTime: true,
      }),
  },
  createActionRule: {
    doc: `mutation($input: CreateActionRuleInput!) { createActionRule(input: $input) { id name kind keywords active } }`,
    vars: (c) => ({
      input: { organizationId: c.target.id, name: `Rule ${c.seq}`, kind: "KEYWORD", keywords: [`word${c.seq}`], ownerAreaId: c.target.fx.areas.Operations, applyToExisting: true },
    }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["action_rules", "actions"],
    check: (d, c) => expect(d.createActionRule).toEqual({ id: expect.any(String), name: `Rule ${c.seq}`, kind: "KEYWORD", keywords: [`word${c.seq}`], active: true }),
  },
  updateActionRule: {
    doc: `mutation($input: UpdateActionRuleInput!) { updateActionRule(input: $input) { id kind active } }`,
    vars: (c) => ({ input: { id: c.target.rule, active: true, applyToExisting: true } }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    writes: ["action_rules", "actions"],
    check: async (d, c) => {
      expect(d.updateActionRule).toEqual({ id: c.target.rule, kind: "DETRACTOR", active: true });
      // Applied again: still one action per (rule, response).
      const [{ n }] = await c.app.db.query(`SELECT count(*)::int AS n FROM actions WHERE rule_id = $1 AND response_id = $2`, [c.target.rule, c.target.detractorResponse]);
      expect(n).toBe(1);
    },
  },

  // ---- Experience goals and quality of experience
  experienceGoals: {
    doc: `query($org: ID!) { experienceGoals(organizationId: $org, first: 500) { totalCount edges { node { id touchpoint { id } metrics { id } interventions { id } } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => {
      const goal = d.experienceGoals.edges.map((e: any) => e.node).find((g: any) => g.id === c.target.goal);
      expect(goal).toEqual({ id: c.target.goal, touchpoint: { id: c.target.tpPartner }, metrics: [{ id: c.target.metric }], interventions: expect.arrayContaining([{ id: c.target.intervention }]) });
    },
  },
  goalDelivery: {
    doc: `query($org: ID!) { goalDelivery(organizationId: $org, ${FUNNEL_PERIOD}) { goals { goal { id } kpis { metric { id } } interventions { intervention { id } timeliness } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => {
      const goal = d.goalDelivery.goals.find((g: any) => g.goal.id === c.target.goal);
      expect(goal.kpis).toEqual([{ metric: { id: c.target.metric } }]);
      expect(goal.interventions.map((i: any) => i.intervention.id)).toEqual(expect.arrayContaining([c.target.intervention]));
    },
  },
  createExperienceGoal: {
    doc: `mutation($input: CreateExperienceGoalInput!) { createExperienceGoal(input: $input) { id statement stage { id } metrics { id } } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, statement: `Goal ${c.seq}`, stageId: c.target.fx.beneficiaryStages.Receives, metricIds: [c.target.metric] } }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["experience_goals", "experience_goal_metrics"],
    check: (d, c) =>
      expect(d.createExperienceGoal).toEqual({ id: expect.any(String), statement: `Goal ${c.seq}`, stage: { id: c.target.fx.beneficiaryStages.Receives }, metrics: [{ id: c.target.metric }] }),
  },
  updateExperienceGoal: {
    doc: `mutation($input: UpdateExperienceGoalInput!) { updateExperienceGoal(input: $input) { id statement metrics { id } } }`,
    vars: (c) => ({ input: { id: c.target.goal, statement: `Statement ${c.seq}`, metricIds: [c.target.metric] } }),
    own: STAFF_ONLY,
    other: everyOther("NOT_FOUND"),
    writes: ["experience_goal_metrics"],
    check: (d, c) => expect(d.updateExperienceGoal).toEqual({ id: c.target.goal, statement: `Statement ${c.seq}`, metrics: [{ id: c.target.metric }] }),
  },
  addIntervention: {
    doc: `mutation($input: InterventionInput!) { addIntervention(input: $input) { id title owner { id } startsOn endsOn status } }`,
    vars: (c) => ({ input: { goalId: c.target.goal, title: `Intervention ${c.seq}`, ownerAreaId: c.target.fx.areas.Operations, startsOn: "2026-02-01", endsOn: "2026-03-31" } }),
    own: STAFF_ONLY,
    other: everyOther("NOT_FOUND"),
    writes: ["interventions"],
    check: (d, c) =>
      expect(d.addIntervention).toEqual({
        id: expect.any(String),
        title: `Intervention ${c.seq}`,
        owner: { id: c.target.fx.areas.Operations },
        startsOn: "2026-02-01",
        endsOn: "2026-03-31",
        status: "PLANNED",
      }),
  },
  updateIntervention: {
    doc: `mutation($input: UpdateInterventionInput!) { updateIntervention(input: $input) { id status ownerPerson } }`,
    vars: (c) => ({ input: { id: c.target.intervention, status: "IN_PROGRESS", ownerPerson: `Person ${c.seq}` } }),
    own: STAFF_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.updateIntervention).toEqual({ id: c.target.intervention, status: "IN_PROGRESS", ownerPerson: `Person ${c.seq}` }),
  },
  impactChain: {
    doc: `query($org: ID!) { impactChain(organizationId: $org, ${FUNNEL_PERIOD}) { organizationId chains { programme { id } steps { kind value suppressed } } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.impactChain.chains.map((p: any) => p.programme.id)).toContain(c.target.programme),
  },
  traceSale: {
    doc: `query($id: ID!) { traceSale(saleId: $id) { sale { id } unitsFunded allocations { units } people { reachedByName } } }`,
    vars: (c) => ({ id: c.target.sale }),
    own: STAFF_ONLY,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.traceSale.sale.id).toBe(c.target.sale),
  },
  linkMetricToQuestion: {
    doc: `mutation($input: LinkMetricToQuestionInput!) { linkMetricToQuestion(input: $input) { id source { questionKey measure } } }`,
    // A metric of its own each time (a linked metric takes no observations: the world's metric keeps them).
    vars: async (c) => {
      const metricId = (
        await c.app.ok<any>(`mutation($input: CreateMetricInput!) { createMetric(input: $input) { id } }`, {
          input: { organizationId: c.target.id, name: `Fit ${c.seq}`, category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "SCORE", aggregation: "AVERAGE", impactMode: "IN_USE" },
        })
      ).createMetric.id;
      return { input: { metricId, surveyId: c.target.survey, questionKey: "fit" } };
    },
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    writes: ["metric_question_links", "metrics"],
    check: (d) => expect(d.linkMetricToQuestion.source).toEqual({ questionKey: "fit", measure: "MEAN" }),
  },
  unlinkMetricFromQuestion: {
    doc: `mutation($id: ID!) { unlinkMetricFromQuestion(metricId: $id) { id source { questionKey } } }`,
    vars: (c) => ({ id: c.target.metric }),
    own: ADMIN_ONLY,
    other: everyOther("NOT_FOUND"),
    writes: ["metric_question_links"],
    check: (d, c) => expect(d.unlinkMetricFromQuestion).toEqual({ id: c.target.metric, source: null }),
  },
  distanceTravelled: {
    doc: `query($id: ID!) { distanceTravelled(metricId: $id) { metric { id } withBaseline measured } }`,
    // A metric computed from the world's survey's "fit" answers, made for the call.
    vars: async (c) => {
      const id = (
        await c.app.ok<any>(`mutation($input: CreateMetricInput!) { createMetric(input: $input) { id } }`, {
          input: { organizationId: c.target.id, name: `Fit distance ${c.seq}`, category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "SCORE", aggregation: "AVERAGE", impactMode: "IN_USE" },
        })
      ).createMetric.id;
      await c.app.ok(`mutation($input: LinkMetricToQuestionInput!) { linkMetricToQuestion(input: $input) { id } }`, { input: { metricId: id, surveyId: c.target.survey, questionKey: "fit" } });
      return { id };
    },
    own: AGGREGATE,
    other: everyOther("NOT_FOUND"),
    check: (d, c) => expect(d.distanceTravelled.measured === null).toBe(c.role === "FUNDER" && d.distanceTravelled.withBaseline === null),
  },
  customerValue: {
    doc: `query($org: ID!) { customerValue(organizationId: $org, ${FUNNEL_PERIOD}) { formula total { suppressed customers } byNpsClass { npsClass suppressed customers } byQoeBand { qoeBand } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d) => expect(d.customerValue.byNpsClass.map((g: any) => g.npsClass)).toEqual(["PROMOTER", "PASSIVE", "DETRACTOR", "NOT_ASKED"]),
  },
  beneficiaryRetention: {
    doc: `query($org: ID!) { beneficiaryRetention(organizationId: $org, ${FUNNEL_PERIOD}) { outcomeStageName exitStageName total { suppressed beneficiaries } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d) => expect(d.beneficiaryRetention).toMatchObject({ outcomeStageName: "Outcome", exitStageName: "Exit" }),
  },
  loopValue: {
    doc: `query($org: ID!) { loopValue(organizationId: $org, ${FUNNEL_PERIOD}) { groups { loop suppressed detractors } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d) => expect(d.loopValue.groups.map((g: any) => g.loop)).toEqual(["ON_TIME", "NOT_ON_TIME"]),
  },
  experienceDrivers: {
    doc: `query($org: ID!) { experienceDrivers(organizationId: $org, ${FUNNEL_PERIOD}, interval: WEEK) { periods { nps } correlations { metricName n enoughData } touchpoints { respondents enoughData } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => expect(d.experienceDrivers.periods.length === 0).toBe(c.role === "FUNDER"),
  },
  qualityOfExperience: {
    doc: `query($org: ID!) { qualityOfExperience(organizationId: $org, ${FUNNEL_PERIOD}, groupBy: TOUCHPOINT) {
      organizationId suppression { applied } overall { people score suppressed } groups { touchpointId people score suppressed } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: async (d, c) => {
      const q = d.qualityOfExperience;
      expect(q.organizationId).toBe(c.target.id);
      expect(q.suppression.applied).toBe(c.role === "FUNDER");
      const [{ n: people }] = await c.app.db.query(
        `SELECT count(DISTINCT stakeholder_id)::int AS n FROM feedback_responses WHERE organization_id = $1 AND collected_at >= '2026-01-01T00:00:00Z' AND collected_at < '2026-02-01T00:00:00Z'`,
        [c.target.id],
      );
      expect(people).toBeGreaterThanOrEqual(2);
      if (c.role === "FUNDER") {
        // Fewer than 10 people gave feedback: hidden, overall and in every group anyone answered in
        // (people null, not 0: a hidden count is not a count of 0).
        expect(people).toBeLessThan(10);
        expect(q.overall).toEqual({ people: null, score: null, suppressed: true });
        for (const g of q.groups.filter((x: any) => x.suppressed)) expect(g).toMatchObject({ people: null, score: null });
        expect(q.groups.find((g: any) => g.touchpointId === c.target.tpPartner)).toMatchObject({ people: null, score: null, suppressed: true });
      } else {
        expect(q.overall).toMatchObject({ people, suppressed: false });
        expect(q.overall.score).not.toBeNull();
        expect(q.groups.find((g: any) => g.touchpointId === c.target.tpPartner)).toMatchObject({ suppressed: false, people: expect.any(Number) });
      }
    },
  },
  impactReport: {
    doc: `query($org: ID!) { impactReport(organizationId: $org, ${FUNNEL_PERIOD}) { organization { id } suppression { applied } impactAtSale { totals { sales } } notes { kind } } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d, c) => {
      expect(d.impactReport.organization.id).toBe(c.target.id);
      expect(d.impactReport.suppression.applied).toBe(c.role === "FUNDER");
    },
  },
  reportNarratives: {
    doc: `query($org: ID!) { reportNarratives(organizationId: $org, ${FUNNEL_PERIOD}) { version text } }`,
    vars: (c) => ({ org: c.target.id }),
    own: AGGREGATE,
    other: everyOther("FORBIDDEN"),
    check: (d) => expect(Array.isArray(d.reportNarratives)).toBe(true),
  },
  setReportNarrative: {
    doc: `mutation($input: SetReportNarrativeInput!) { setReportNarrative(input: $input) { version text } }`,
    vars: (c) => ({ input: { organizationId: c.target.id, ...JANUARY, text: `Narrative ${c.seq}` } }),
    own: STAFF_ONLY,
    other: everyOther("FORBIDDEN"),
    writes: ["report_narratives"],
    check: (d, c) => expect(d.setReportNarrative).toEqual({ version: expect.any(Number), text: `Narrative ${c.seq}` }),
  },
  setQoeWeights: {
    doc: `mutation($org: ID!, $weights: QoeWeightsInput!) { setQoeWeights(organizationId: $org, weights: $weights) { customer loopClosure } }`,
    vars: (c) => ({ org: c.target.id, weights: { loopClosure: 1 + (c.seq % 3) } }),
    own: ADMIN_ONLY,
    other: everyOther("FORBIDDEN"),
    check: async (d, c) => {
      expect(d.setQoeWeights).toEqual({ customer: 1, loopClosure: 1 + (c.seq % 3) });
      const [{ w }] = await c.app.db.query(`SELECT qoe_weights AS w FROM organizations WHERE id = $1`, [c.target.id]);
      expect(w.loopClosure).toBe(1 + (c.seq % 3));
    },
  },
};

/** True when a field takes an ID anywhere in its arguments (directly or inside an input object). */
function takesId(field: GraphQLField<unknown, unknown>): boolean {
  const seen = new Set<string>();
  const visit = (type: GraphQLInputType): boolean => {
    const named = getNamedType(type);
    if (named.name === "ID") return true;
    if (!isInputObjectType(named) || seen.has(named.name)) return false;
    seen.add(named.name);
    return Object.values(named.getFields()).some((f) => visit(f.type));
  };
  return field.args.some((a: GraphQLArgument) => visit(a.type));
}

async function snapshot(app: TestApp, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ["audit_log", ...tables]) out[t] = await count(app, t);
  return out;
}

function outcomeOf(res: GqlResult, op: string): string {
  if (res.errors?.length) return String(res.errors[0].extensions?.code);
  if (res.data?.[op] === null) return "NULL";
  return res.data?.[op] === undefined ? "NO DATA" : "ok";
}

describe("access matrix", () => {
  let app: TestApp;
  let A: World;
  let B: World;
  let seq = 0;

  beforeAll(async () => {
    app = await startTestApp();
    A = await buildWorld(app, "Alpha Lamps Kenya", "ALPHA");
    B = await buildWorld(app, "Bravo Shoes Cooperative", "BRAVO");
  });
  afterAll(() => app?.close());

  describe("completeness", () => {
    it("has a row for every Query and Mutation root field, and none for an operation that does not exist", async () => {
      const schema = await getSchema();
      const roots = [...Object.keys(schema.getQueryType()!.getFields()), ...Object.keys(schema.getMutationType()?.getFields() ?? {})];
      const missing = roots.filter((op) => !(op in MATRIX));
      const unknown = Object.keys(MATRIX).filter((op) => !roots.includes(op));
      expect({ missingRows: missing, rowsForUnknownOperations: unknown }).toEqual({ missingRows: [], rowsForUnknownOperations: [] });
    });

    it("gives every operation that takes an id an expectation against the other organization, and a mutation that succeeds a check", async () => {
      const schema = await getSchema();
      const fields = { ...schema.getQueryType()!.getFields(), ...(schema.getMutationType()?.getFields() ?? {}) };
      const withoutOther = Object.entries(fields)
        .filter(([op, f]) => takesId(f) && MATRIX[op] && !MATRIX[op].other)
        .map(([op]) => op);
      expect(withoutOther).toEqual([]);
      const withoutCheck = Object.entries(MATRIX)
        .filter(([, row]) => Object.values(row.own).includes("ok") && !row.check)
        .map(([op]) => op);
      expect(withoutCheck).toEqual([]);
    });
  });

  for (const [op, row] of Object.entries(MATRIX)) {
    describe(op, () => {
      for (const role of ROLE_LIST) {
        const cases: { own: boolean; expected: Outcome[] }[] = [{ own: true, expected: [row.own[role]] }];
        if (row.other) cases.push({ own: false, expected: row.other[role] });
        for (const { own, expected } of cases) {
          it(`${role} against ${own ? "its own" : "the other"} organization -> ${expected.join(" or ")}`, async () => {
            const cell: Cell = { app, self: A, target: own ? A : B, role, own, seq: ++seq };
            const vars = await row.vars(cell);
            const before = await snapshot(app, row.writes ?? []);
            const res = await app.as(A.keys[role]).gql(row.doc, vars);
            const got = outcomeOf(res, op);
            const summary = { outcome: got, errors: res.errors?.map((e) => ({ code: e.extensions?.code, field: e.extensions?.field, message: e.message, path: e.path })) };
            expect((expected as string[]).includes(got) ? "as expected" : summary).toBe("as expected");
            if (got === "ok") {
              await row.check!(res.data, cell);
            } else {
              expect(res.data?.[op] ?? null).toBeNull();
              // Refused: nothing written.
              expect(await snapshot(app, row.writes ?? [])).toEqual(before);
            }
            if (!own) {
              // Never data of the other organization.
              const json = JSON.stringify(res);
              expect(B.secrets.filter((s) => json.includes(s))).toEqual([]);
            }
          });
        }
      }
    });
  }

  describe("field partners reach only their own registrations", () => {
    const staffRegistered: [string, string, (c: { s: string; w: World }) => Vars][] = [
      ["stakeholder", `query($id: ID!) { stakeholder(id: $id) { id } }`, ({ s }) => ({ id: s })],
      ["stakeholderExport", `query($id: ID!) { stakeholderExport(id: $id) }`, ({ s }) => ({ id: s })],
      ["updateStakeholder", `mutation($input: UpdateStakeholderInput!) { updateStakeholder(input: $input) { id } }`, ({ s }) => ({ input: { id: s, region: "FP" } })],
      ["setStakeholderContact", `mutation($input: SetContactInput!) { setStakeholderContact(input: $input) { id } }`, ({ s }) => ({ input: { stakeholderId: s, phone: "+1 555 0101" } })],
      ["forgetStakeholder", `mutation($id: ID!) { forgetStakeholder(id: $id) { id } }`, ({ s }) => ({ id: s })],
      ["moveStakeholder", `mutation($input: MoveStakeholderInput!) { moveStakeholder(input: $input) { id } }`, ({ s, w }) => ({ input: { stakeholderId: s, stageId: w.fx.beneficiaryStages.Uses } })],
      ["recordInteraction", `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`, ({ s, w }) => ({ input: { stakeholderId: s, touchpointId: w.tpPartner } })],
    ];
    it.each(staffRegistered)("%s on a beneficiary its partner did not register -> NOT_FOUND, nothing written", async (op, doc, vars) => {
      const fp = app.as(A.keys.FIELD_PARTNER);
      const before = await snapshot(app, ["stakeholders", "stage_transitions", "interactions", "stakeholder_contacts"]);
      const res = await fp.gql(doc, vars({ s: A.beneficiary, w: A }));
      expect(res.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
      expect(res.data?.[op] ?? null).toBeNull();
      expect(JSON.stringify(res)).not.toContain("ALPHA-BEN-1");
      expect(await snapshot(app, ["stakeholders", "stage_transitions", "interactions", "stakeholder_contacts"])).toEqual(before);
    });

    it("createStakeholder of a CUSTOMER -> FORBIDDEN naming field kind, nothing written", async () => {
      const before = await snapshot(app, ["stakeholders", "stage_transitions"]);
      const res = await app.as(A.keys.FIELD_PARTNER).gql(CREATE_STAKEHOLDER, { input: { organizationId: A.id, kind: "CUSTOMER", externalRef: "FP-CUSTOMER" } });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "kind" });
      expect(await snapshot(app, ["stakeholders", "stage_transitions"])).toEqual(before);
    });

    it("recordInteraction at a touchpoint its partner does not deliver -> FORBIDDEN naming field touchpointId, nothing written", async () => {
      const before = await snapshot(app, ["interactions"]);
      const res = await app.as(A.keys.FIELD_PARTNER).gql(RECORD, { input: { stakeholderId: A.fpBeneficiary, touchpointId: A.tpOwn } });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", field: "touchpointId" });
      expect(await snapshot(app, ["interactions"])).toEqual(before);
    });

    it("submitFeedback: its partner's registrations (or new beneficiaries) at its partner's touchpoint only; other items REJECTED on that field, nothing written for them", async () => {
      const fp = app.as(A.keys.FIELD_PARTNER);
      const good = (k: string) => ({
        clientSubmissionId: `FP-FB-${k}`,
        surveyId: A.survey,
        stakeholderId: A.fpBeneficiary,
        touchpointId: A.tpPartner,
        collectedAt: "2026-01-12T00:00:00Z",
        answers: [{ key: "nps", value: 7 }],
      });
      const { stakeholderId: _drop, ...withoutStakeholder } = good("x");
      const { touchpointId: _none, ...withoutTouchpoint } = good("3");
      const items = [
        good("0"),
        { ...good("1"), stakeholderId: A.beneficiary },
        { ...good("2"), touchpointId: A.tpOwn },
        withoutTouchpoint,
        { ...withoutStakeholder, clientSubmissionId: "FP-FB-4", newBeneficiary: { externalRef: "ALPHA-FP-NEW-1", gender: "MALE" } },
        { ...withoutStakeholder, clientSubmissionId: "FP-FB-5", touchpointId: A.tpOwn, newBeneficiary: { externalRef: "ALPHA-FP-NEW-2" } },
      ];
      const tables = ["feedback_responses", "feedback_answers", "stakeholders", "stage_transitions"];
      const before = await snapshot(app, tables);
      const res = await fp.gql<any>(SUBMIT_FEEDBACK, { input: { organizationId: A.id, items } });
      expect(res.errors).toBeUndefined();
      const rejected = (index: number, field: string, message: unknown = expect.any(String)) => ({
        index,
        clientKey: `FP-FB-${index}`,
        status: "REJECTED",
        id: null,
        errors: [{ field, message }],
      });
      expect(res.data!.submitFeedback).toEqual({
        created: 2,
        duplicates: 0,
        conflicts: 0,
        rejected: 4,
        items: [
          { index: 0, clientKey: "FP-FB-0", status: "CREATED", id: expect.any(String), errors: [] },
          rejected(1, "stakeholderId", "no stakeholder with this id in the organization"),
          rejected(2, "touchpointId"),
          rejected(3, "touchpointId"),
          { index: 4, clientKey: "FP-FB-4", status: "CREATED", id: expect.any(String), errors: [] },
          rejected(5, "touchpointId"),
        ],
      });
      expect(JSON.stringify(res)).not.toContain("ALPHA-BEN-1");
      const after = await snapshot(app, tables);
      // Two responses with one answer each, one new beneficiary (no stage): five rows, each audited.
      expect(after).toEqual({
        audit_log: before.audit_log + 5,
        feedback_responses: before.feedback_responses + 2,
        feedback_answers: before.feedback_answers + 2,
        stakeholders: before.stakeholders + 1,
        stage_transitions: before.stage_transitions,
      });
      const made = await app.db.query(`SELECT external_ref, registered_by_partner_id FROM stakeholders WHERE organization_id = $1 AND external_ref LIKE 'ALPHA-FP-NEW-%'`, [A.id]);
      expect(made).toEqual([{ external_ref: "ALPHA-FP-NEW-1", registered_by_partner_id: rowId(A.partner) }]);
      const stored = await app.db.query(
        `SELECT r.client_submission_id, r.touchpoint_id, r.submitted_by_partner_id, r.submitted_by_key_id, s.registered_by_partner_id
           FROM feedback_responses r JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id
          WHERE r.id = ANY($1::uuid[]) ORDER BY r.client_submission_id`,
        [[res.data!.submitFeedback.items[0].id, res.data!.submitFeedback.items[4].id]],
      );
      const fpKey = await keyId(app, A.keys.FIELD_PARTNER);
      expect(stored).toEqual(
        ["FP-FB-0", "FP-FB-4"].map((ck) => ({ client_submission_id: ck, touchpoint_id: rowId(A.tpPartner), submitted_by_partner_id: rowId(A.partner), submitted_by_key_id: rowId(fpKey), registered_by_partner_id: rowId(A.partner) })),
      );
    });

    it("submitFeedback as a FUNDER -> FORBIDDEN, nothing written", async () => {
      const before = await snapshot(app, ["feedback_responses", "feedback_answers", "stakeholders"]);
      const res = await app.as(A.keys.FUNDER).gql<any>(SUBMIT_FEEDBACK, {
        input: {
          organizationId: A.id,
          items: [{ clientSubmissionId: "FUNDER-FB", surveyId: A.survey, newBeneficiary: { externalRef: "ALPHA-FUNDER-NEW" }, touchpointId: A.tpPartner, collectedAt: "2026-01-12T00:00:00Z", answers: [{ key: "nps", value: 7 }] }],
        },
      });
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(res.data?.submitFeedback ?? null).toBeNull();
      expect(await snapshot(app, ["feedback_responses", "feedback_answers", "stakeholders"])).toEqual(before);
    });

    it("its own registration's journey and interactions show only what its partner recorded", async () => {
      const data = await app.as(A.keys.FIELD_PARTNER).ok<any>(
        `query($id: ID!) { stakeholder(id: $id) { id journey { totalCount } interactions { totalCount edges { node { touchpoint { id } } } } } }`,
        { id: A.fpBeneficiary },
      );
      const [{ n: transitions }] = await app.db.query(`SELECT count(*)::int AS n FROM stage_transitions WHERE stakeholder_id = $1 AND recorded_by_partner_id = $2`, [A.fpBeneficiary, A.partner]);
      expect(data.stakeholder.journey.totalCount).toBe(transitions);
      for (const e of data.stakeholder.interactions.edges) expect(e.node.touchpoint.id).toBe(A.tpPartner);
    });
  });

  describe("a batch naming another organization's rows: only those items are REJECTED (on that field, as for an unknown id), the rest is stored, nothing of B", () => {
    const NO = (what: string) => `no ${what} with this id in the organization`;
    const rejected = (index: number, field: string, message: string) => ({ index, clientKey: null, status: "REJECTED", id: null, errors: [{ field, message }] });
    /** Rows of each table per organization. */
    const perOrg = async (tables: string[]) => {
      const out: Record<string, number> = {};
      for (const t of tables) for (const [w, org] of [["A", A.id], ["B", B.id]]) out[`${t} of ${w}`] = (await app.db.query(`SELECT count(*)::int AS n FROM ${t} WHERE organization_id = $1`, [org]))[0].n;
      return out;
    };

    it.each(["ADMIN", "STAFF"] as Role[])("recordObservations as %s: B's metricId, stageId, touchpointId", async (role) => {
      const good = { metricId: A.metric, from: "2026-01-13T00:00:00Z", to: "2026-01-14T00:00:00Z", value: "5" };
      const items = [
        good,
        { ...good, metricId: B.metric },
        { ...good, stageId: B.fx.beneficiaryStages.Enrolled },
        { ...good, touchpointId: B.tpOwn },
        { ...good, metricId: unknownId("Metric", A.id) },
        { ...good, stageId: unknownId("Stage", A.id) },
        { ...good, touchpointId: unknownId("Touchpoint", A.id) },
      ];
      const before = await perOrg(["observations", "metrics", "metric_targets"]);
      const res = await app.as(A.keys[role]).gql<any>(RECORD_OBSERVATIONS, { input: { organizationId: A.id, items } });
      expect(res.errors).toBeUndefined();
      expect(res.data!.recordObservations).toEqual({
        created: 1,
        duplicates: 0,
        conflicts: 0,
        rejected: 6,
        items: [
          { index: 0, clientKey: null, status: "CREATED", id: expect.any(String), errors: [] },
          rejected(1, "metricId", NO("metric")),
          rejected(2, "stageId", NO("stage")),
          rejected(3, "touchpointId", NO("touchpoint")),
          rejected(4, "metricId", NO("metric")),
          rejected(5, "stageId", NO("stage")),
          rejected(6, "touchpointId", NO("touchpoint")),
        ],
      });
      expect(B.secrets.filter((x) => JSON.stringify(res).includes(x))).toEqual([]);
      expect(await perOrg(["observations", "metrics", "metric_targets"])).toEqual({ ...before, "observations of A": before["observations of A"] + 1 });
      const [stored] = await app.db.query(`SELECT organization_id, metric_id, stage_id, touchpoint_id FROM observations WHERE id = $1`, [res.data!.recordObservations.items[0].id]);
      expect(stored).toEqual({ organization_id: rowId(A.id), metric_id: rowId(A.metric), stage_id: null, touchpoint_id: null });
    });

    it.each(["ADMIN", "STAFF", "FIELD_PARTNER"] as Role[])("submitFeedback as %s: B's surveyId, stakeholderId, touchpointId", async (role) => {
      const own = role === "FIELD_PARTNER" ? A.fpBeneficiary : A.beneficiary;
      const good = (i: number) => ({
        clientSubmissionId: `X-${role}-${i}`,
        surveyId: A.survey,
        stakeholderId: own,
        touchpointId: A.tpPartner,
        collectedAt: "2026-01-22T00:00:00Z",
        answers: [{ key: "nps", value: 7 }, { key: "comment", value: "fine" }],
      });
      const items = [
        good(0),
        { ...good(1), surveyId: B.survey },
        { ...good(2), stakeholderId: role === "FIELD_PARTNER" ? B.fpBeneficiary : B.beneficiary },
        { ...good(3), touchpointId: B.tpPartner },
        { ...good(4), surveyId: unknownId("Survey", A.id) },
        { ...good(5), stakeholderId: unknownId("Stakeholder", A.id) },
        { ...good(6), touchpointId: unknownId("Touchpoint", A.id) },
        // A new beneficiary with B's survey: rejected, and not registered either.
        { ...good(7), stakeholderId: undefined, newBeneficiary: { externalRef: `X-${role}-NEW` }, surveyId: B.survey },
      ];
      const tables = ["feedback_responses", "feedback_answers", "stakeholders", "actions", "surveys"];
      const before = await perOrg(tables);
      const res = await app.as(A.keys[role]).gql<any>(SUBMIT_FEEDBACK, { input: { organizationId: A.id, items } });
      expect(res.errors).toBeUndefined();
      const no = (index: number, field: string, message: string) => ({ ...rejected(index, field, message), clientKey: `X-${role}-${index}` });
      expect(res.data!.submitFeedback).toEqual({
        created: 1,
        duplicates: 0,
        conflicts: 0,
        rejected: 7,
        items: [
          { index: 0, clientKey: `X-${role}-0`, status: "CREATED", id: expect.any(String), errors: [] },
          no(1, "surveyId", NO("survey")),
          no(2, "stakeholderId", NO("stakeholder")),
          no(3, "touchpointId", NO("touchpoint")),
          no(4, "surveyId", NO("survey")),
          no(5, "stakeholderId", NO("stakeholder")),
          no(6, "touchpointId", NO("touchpoint")),
          no(7, "surveyId", NO("survey")),
        ],
      });
      expect(B.secrets.filter((x) => JSON.stringify(res).includes(x))).toEqual([]);
      expect(await perOrg(tables)).toEqual({ ...before, "feedback_responses of A": before["feedback_responses of A"] + 1, "feedback_answers of A": before["feedback_answers of A"] + 2 });
      const [stored] = await app.db.query(`SELECT organization_id, survey_id, stakeholder_id, touchpoint_id FROM feedback_responses WHERE id = $1`, [res.data!.submitFeedback.items[0].id]);
      expect(stored).toEqual({ organization_id: rowId(A.id), survey_id: rowId(A.survey), stakeholder_id: rowId(own), touchpoint_id: rowId(A.tpPartner) });
    });

    it.each(["ADMIN", "STAFF"] as Role[])("recordSales as %s: B's offeringId, customerId", async (role) => {
      const good = { offeringId: A.offering, occurredAt: "2026-01-21T00:00:00Z", units: 1, amountMinor: 700 };
      const items = [
        good,
        { ...good, offeringId: B.offering },
        { ...good, customerId: B.customer },
        { ...good, offeringId: unknownId("Offering", A.id) },
        { ...good, customerId: unknownId("Stakeholder", A.id) },
      ];
      const before = await perOrg(["sales", "offerings", "stakeholders"]);
      const res = await app.as(A.keys[role]).gql<any>(RECORD_SALES, { input: { organizationId: A.id, items } });
      expect(res.errors).toBeUndefined();
      expect(res.data!.recordSales).toEqual({
        created: 1,
        duplicates: 0,
        conflicts: 0,
        rejected: 4,
        items: [
          { index: 0, clientKey: null, status: "CREATED", id: expect.any(String), errors: [] },
          rejected(1, "offeringId", NO("offering")),
          rejected(2, "customerId", NO("stakeholder")),
          rejected(3, "offeringId", NO("offering")),
          rejected(4, "customerId", NO("stakeholder")),
        ],
      });
      expect(B.secrets.filter((x) => JSON.stringify(res).includes(x))).toEqual([]);
      expect(await perOrg(["sales", "offerings", "stakeholders"])).toEqual({ ...before, "sales of A": before["sales of A"] + 1 });
      const [stored] = await app.db.query(`SELECT organization_id, offering_id, customer_id FROM sales WHERE id = $1`, [res.data!.recordSales.items[0].id]);
      expect(stored).toEqual({ organization_id: rowId(A.id), offering_id: rowId(A.offering), customer_id: null });
    });
  });

  describe("FeedbackResponse.actions is for admins and staff only", () => {
    const LIST = `query($org: ID!) { feedbackResponses(organizationId: $org, first: 500) { edges { node { id actions { id title } } } } }`;

    it.each(["ADMIN", "STAFF"] as Role[])("%s reads it", async (role) => {
      const data = await app.as(A.keys[role]).ok<any>(LIST, { org: A.id });
      const detractor = data.feedbackResponses.edges.map((e: any) => e.node).find((n: any) => n.id === A.detractorResponse);
      expect(detractor.actions.map((a: any) => a.id)).toContain(A.action);
    });

    it("FIELD_PARTNER reading it on its own responses -> FORBIDDEN at that field path, no action in the answer", async () => {
      const fp = app.as(A.keys.FIELD_PARTNER);
      const own = await fp.ok<any>(`query($org: ID!) { feedbackResponses(organizationId: $org, first: 500) { edges { node { id } } } }`, { org: A.id });
      expect(own.feedbackResponses.edges.length).toBeGreaterThan(0);
      // Make sure one of its own responses has an action, so that there is something to withhold.
      const made = await app.as(A.keys.STAFF).ok<any>(`mutation($input: CreateActionInput!) { createAction(input: $input) { id } }`, {
        input: { organizationId: A.id, title: "Call back about the fit", ownerAreaId: A.fx.areas.Programmes, responseId: A.fpResponse },
      });
      const res = await fp.gql<any>(LIST, { org: A.id });
      expect(res.errors?.length).toBeGreaterThan(0);
      for (const e of res.errors!) {
        expect(e.extensions?.code).toBe("FORBIDDEN");
        expect(e.path?.[e.path.length - 1]).toBe("actions");
      }
      const json = JSON.stringify(res);
      expect(json).not.toContain(made.createAction.id);
      expect(json).not.toContain(A.action);
      expect(json).not.toContain("Call back about the fit");
    });

    it("FUNDER reaches no response at all: feedbackResponses -> FORBIDDEN", async () => {
      const res = await app.as(A.keys.FUNDER).gql<any>(LIST, { org: A.id });
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(res.data?.feedbackResponses ?? null).toBeNull();
    });
  });

  describe("Stakeholder.contact is for admins and staff only", () => {
    const ONE = `query($id: ID!) { stakeholder(id: $id) { id externalRef contact { fullName phone } } }`;
    const LIST = `query($org: ID!) { stakeholders(organizationId: $org, first: 500) { edges { node { id contact { phone } } } } }`;

    it.each(["ADMIN", "STAFF"] as Role[])("%s reads it", async (role) => {
      const data = await app.as(A.keys[role]).ok<any>(ONE, { id: A.beneficiary });
      expect(data.stakeholder.contact).toMatchObject({ phone: "+254 700 000 101" });
      const own = await app.as(A.keys[role]).ok<any>(ONE, { id: A.fpBeneficiary });
      expect(own.stakeholder.contact).toMatchObject({ phone: "+254 700 000 202" });
    });

    it("FIELD_PARTNER reading it on its own registration -> FORBIDDEN at that field path; the rest of the stakeholder is there", async () => {
      const res = await app.as(A.keys.FIELD_PARTNER).gql<any>(ONE, { id: A.fpBeneficiary });
      expect(res.data?.stakeholder).toEqual({ id: A.fpBeneficiary, externalRef: "ALPHA-FPB-1", contact: null });
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].path).toEqual(["stakeholder", "contact"]);
      expect(res.errors![0].extensions?.code).toBe("FORBIDDEN");
      expect(JSON.stringify(res)).not.toContain("700 000 202");
    });

    it("FIELD_PARTNER: the same in a list, one FORBIDDEN per node at its contact path", async () => {
      const res = await app.as(A.keys.FIELD_PARTNER).gql<any>(LIST, { org: A.id });
      const edges = res.data?.stakeholders.edges ?? [];
      expect(edges.length).toBeGreaterThan(0);
      for (const e of edges) expect(e.node.contact).toBeNull();
      expect((res.errors ?? []).map((e) => [e.extensions?.code, e.path])).toEqual(edges.map((_: unknown, i: number) => ["FORBIDDEN", ["stakeholders", "edges", i, "node", "contact"]]));
      expect(JSON.stringify(res)).not.toContain("700 000");
    });
  });
});
