import { isDeepStrictEqual } from "node:util";
import { getNamedType, GraphQLInputType, isInputObjectType } from "graphql";
import { getSchema } from "../../src/schema";
import type { Role } from "../../src/common/access";
import { Caller, GqlResult, idOf, rowId, startTestApp, TestApp, unknownId } from "../helpers/app";
import { idProblem, nodeTypeOfTable, readGlobalId } from "../../src/common/global-ids";
import { inputFieldType } from "../../src/common/global-id-schema";
import { createOrg, OrgFixture } from "../helpers/fixtures";
import { keyPrefix } from "../helpers/keys";

/**
 * Tenant isolation: keys of organization A are given every id of organization B in every id
 * argument of every operation, and must get an error and nothing of B, while B's rows stay as
 * they were. Then the same from the database side: row-level security for the API's role.
 */

type Vars = Record<string, unknown>;

interface World {
  id: string;
  name: string;
  fx: OrgFixture;
  lifecycle: Record<"CUSTOMER" | "BENEFICIARY", string>;
  partner: string;
  otherPartner: string;
  tpPartner: string;
  tpOwn: string;
  tpCustomer: string;
  customer: string;
  beneficiary: string;
  fpBeneficiary: string;
  keys: Record<Role, string>;
  /** A SOCIAL metric with a target and an observation, an offering and a sale: made by the organization's admin key. */
  metric: string;
  target: string;
  observation: string;
  offering: string;
  sale: string;
  /** A programme delivered by `partner` (the offering funds it), and `beneficiary` enrolled in it by `partner`. */
  programme: string;
  enrolment: string;
  /** Made by the organization's admin key: a survey at `tpPartner`, responses (one a detractor; one by the field partner),
   *  a DETRACTOR rule applied to them and the action it opened, an experience goal with an intervention. */
  survey: string;
  detractorResponse: string;
  fpResponse: string;
  rule: string;
  action: string;
  goal: string;
  intervention: string;
  /** Names only this organization's data holds (besides its ids). */
  strings: string[];
}

const CREATE_STAKEHOLDER = `mutation($input: CreateStakeholderInput!) { createStakeholder(input: $input) { id } }`;
const MOVE = `mutation($input: MoveStakeholderInput!) { moveStakeholder(input: $input) { id } }`;
const RECORD = `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`;
const BATCH = `{ created duplicates conflicts rejected items { index clientKey status id errors { field message } } }`;
const SUBMIT_FEEDBACK = `mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) ${BATCH} }`;
const QUESTIONS = [
  { key: "nps", type: "NPS", text: "How likely are you to recommend us to a friend?", required: true },
  { key: "fit", type: "RATING", text: "How well did it meet your needs?" },
  { key: "comment", type: "TEXT", text: "What should we do better?" },
];

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
  // A key the organization issued itself (api_keys.organization_id = this organization).
  await app.ok(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }`, { input: { organizationId: fx.id, name: `${p} dashboard`, role: "STAFF" } });

  // Metrics and sales, through the API as the organization's own admin key.
  const admin = app.as(keys.ADMIN);
  const metric = (
    await admin.ok<any>(`mutation($input: CreateMetricInput!) { createMetric(input: $input) { id } }`, {
      input: {
        organizationId: fx.id,
        name: `${p} pupils enrolled`,
        category: "SOCIAL",
        perspective: "BENEFICIARY",
        kind: "OUTPUT",
        unit: "COUNT",
        aggregation: "SUM",
        impactMode: "IN_USE",
        stageId: fx.beneficiaryStages.Enrolled,
        touchpointId: tpOwn,
      },
    })
  ).createMetric.id as string;
  const targets = await admin.ok<any>(`mutation($input: SetMetricTargetsInput!) { setMetricTargets(input: $input) { targets { edges { node { id } } } } }`, {
    input: { metricId: metric, targets: [{ from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "100" }] },
  });
  const observed = await admin.ok<any>(`mutation($input: RecordObservationsInput!) { recordObservations(input: $input) ${BATCH} }`, {
    input: {
      organizationId: fx.id,
      items: [{ clientKey: `${p}-OBS-1`, metricId: metric, from: "2026-01-01T00:00:00Z", to: "2026-01-08T00:00:00Z", value: "42", stageId: fx.beneficiaryStages.Enrolled, touchpointId: tpOwn }],
    },
  });
  expect(observed.recordObservations.created).toBe(1);
  const programme = (
    await admin.ok<any>(`mutation($input: CreateProgrammeInput!) { createProgramme(input: $input) { id } }`, {
      input: { organizationId: fx.id, name: `${p} school lamps`, unitOfDelivery: "lamp", beneficiariesPerUnit: "1", partnerIds: [partner], activeFrom: "2026-01-01T00:00:00Z" },
    })
  ).createProgramme.id as string;
  const enrolment = (
    await admin.ok<any>(`mutation($input: EnrolBeneficiaryInput!) { enrolBeneficiary(input: $input) { id } }`, {
      input: { programmeId: programme, beneficiaryId: beneficiary, partnerId: partner, enrolledAt: "2026-01-05T00:00:00Z" },
    })
  ).enrolBeneficiary.id as string;
  const offering = (
    await admin.ok<any>(`mutation($input: CreateOfferingInput!) { createOffering(input: $input) { id } }`, {
      input: { organizationId: fx.id, name: `${p} Solar lamp`, unitPriceMinor: 250000, revenueShareBps: 500, unitsGivenPerUnit: "1", beneficiariesPerUnitGiven: "1", programmeId: programme },
    })
  ).createOffering.id as string;
  const sold = await admin.ok<any>(`mutation($input: RecordSalesInput!) { recordSales(input: $input) ${BATCH} }`, {
    input: { organizationId: fx.id, items: [{ clientKey: `${p}-SALE-1`, offeringId: offering, occurredAt: "2026-01-12T00:00:00Z", units: 2, amountMinor: 500000, customerId: customer }] },
  });
  expect(sold.recordSales.created).toBe(1);

  // Feedback, actions and goals, through the API as the organization's own admin key (one response by its field partner).
  const survey = (
    await admin.ok<any>(`mutation($input: CreateSurveyInput!) { createSurvey(input: $input) { id } }`, {
      input: { organizationId: fx.id, name: `${p} after distribution`, audience: "BENEFICIARY", touchpointId: tpPartner, questions: QUESTIONS },
    })
  ).createSurvey.id as string;
  const response = (clientSubmissionId: string, stakeholderId: string, collectedAt: string, nps: number, fit: number, text?: string, comment?: string) => ({
    clientSubmissionId,
    surveyId: survey,
    stakeholderId,
    touchpointId: tpPartner,
    collectedAt,
    answers: [{ key: "nps", value: nps }, { key: "fit", value: fit }, ...(text ? [{ key: "comment", value: text }] : [])],
    ...(comment ? { comment } : {}),
  });
  const submitted = await admin.ok<any>(SUBMIT_FEEDBACK, {
    input: {
      organizationId: fx.id,
      items: [
        response(`${p}-FB-1`, beneficiary, "2026-01-09T10:00:00Z", 3, 2, `${p} the left shoe pinches`, `${p} shoes too small`),
        response(`${p}-FB-2`, fpBeneficiary, "2026-01-10T10:00:00Z", 10, 5),
      ],
    },
  });
  expect(submitted.submitFeedback).toMatchObject({ created: 2, rejected: 0 });
  const byFieldPartner = await fp.ok<any>(SUBMIT_FEEDBACK, { input: { organizationId: fx.id, items: [response(`${p}-FB-FP-1`, fpBeneficiary, "2026-01-11T10:00:00Z", 9, 4)] } });
  expect(byFieldPartner.submitFeedback).toMatchObject({ created: 1, rejected: 0 });
  const rule = (
    await admin.ok<any>(`mutation($input: CreateActionRuleInput!) { createActionRule(input: $input) { id } }`, {
      input: { organizationId: fx.id, name: `${p} detractors`, kind: "DETRACTOR", applyToExisting: true },
    })
  ).createActionRule.id as string;
  const actions = (await admin.ok<any>(`query($org: ID!) { actions(organizationId: $org) { edges { node { id response { id } } } } }`, { org: fx.id })).actions.edges;
  expect(actions.map((e: any) => e.node)).toEqual([{ id: expect.any(String), response: { id: submitted.submitFeedback.items[0].id } }]);
  const goal = (
    await admin.ok<any>(`mutation($input: CreateExperienceGoalInput!) { createExperienceGoal(input: $input) { id } }`, {
      input: { organizationId: fx.id, statement: `${p} shoes fit the day they arrive`, touchpointId: tpPartner, metricIds: [metric] },
    })
  ).createExperienceGoal.id as string;
  const intervention = (
    await admin.ok<any>(`mutation($input: InterventionInput!) { addIntervention(input: $input) { id } }`, {
      input: { goalId: goal, title: `${p} fitting check at delivery`, ownerAreaId: fx.areas.Programmes, startsOn: "2026-02-01", endsOn: "2026-04-30" },
    })
  ).addIntervention.id as string;

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
    metric,
    target: targets.setMetricTargets.targets.edges[0].node.id,
    observation: observed.recordObservations.items[0].id,
    offering,
    sale: sold.recordSales.items[0].id,
    programme,
    enrolment,
    survey,
    detractorResponse: submitted.submitFeedback.items[0].id,
    fpResponse: byFieldPartner.submitFeedback.items[0].id,
    rule,
    action: actions[0].node.id,
    goal,
    intervention,
    strings: [
      ...[name, `${p} Field Partner`, `${p} Distributor`, `${p} distribution`, `${p} enrolment`, `${p} installation`, `${p} Wanjiku`, `${p} dashboard`],
      ...[`${p} pupils enrolled`, `${p}-OBS-1`, `${p} Solar lamp`, `${p} school lamps`, `${p}-SALE-1`],
      ...[`${p} after distribution`, `${p}-FB-1`, `${p}-FB-2`, `${p}-FB-FP-1`, `${p} the left shoe pinches`, `${p} shoes too small`],
      ...[`${p} detractors`, `${p} shoes fit the day they arrive`, `${p} fitting check at delivery`],
    ],
  };
}

async function keyId(app: TestApp, key: string): Promise<string> {
  const [row] = await app.db.query(`SELECT id FROM api_keys WHERE prefix = $1`, [keyPrefix(key)]);
  return idOf("ApiKey", row.id, row.id);
}

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** Tables holding organization B's rows, with how to select them ($1: B's id, or B's key ids). */
const B_TABLES: [string, string, "org" | "keys"][] = [
  ["organizations", "id = $1", "org"],
  ["lifecycles", "organization_id = $1", "org"],
  ["stages", "organization_id = $1", "org"],
  ["functional_areas", "organization_id = $1", "org"],
  ["partners", "organization_id = $1", "org"],
  ["touchpoints", "organization_id = $1", "org"],
  ["stakeholders", "organization_id = $1", "org"],
  ["stage_transitions", "organization_id = $1", "org"],
  ["interactions", "organization_id = $1", "org"],
  ["stakeholder_contacts", "organization_id = $1", "org"],
  ["api_key_grants", "organization_id = $1", "org"],
  ["audit_log", "organization_id = $1", "org"],
  ["metrics", "organization_id = $1", "org"],
  ["metric_targets", "organization_id = $1", "org"],
  ["observations", "organization_id = $1", "org"],
  ["offerings", "organization_id = $1", "org"],
  ["sales", "organization_id = $1", "org"],
  ["programmes", "organization_id = $1", "org"],
  ["programme_partners", "organization_id = $1", "org"],
  ["programme_enrolments", "organization_id = $1", "org"],
  ["deliveries", "organization_id = $1", "org"],
  ["surveys", "organization_id = $1", "org"],
  ["survey_versions", "organization_id = $1", "org"],
  ["survey_questions", "organization_id = $1", "org"],
  ["feedback_responses", "organization_id = $1", "org"],
  ["feedback_answers", "organization_id = $1", "org"],
  ["action_rules", "organization_id = $1", "org"],
  ["actions", "organization_id = $1", "org"],
  ["experience_goals", "organization_id = $1", "org"],
  ["experience_goal_metrics", "organization_id = $1", "org"],
  ["interventions", "organization_id = $1", "org"],
  ["api_keys", "id = ANY($1::uuid[])", "keys"],
];

/** A probe: one operation with one of B's ids in one id argument (`x`); every other argument valid for A. */
interface Slot {
  /** The id argument B's ids go into: operation.argument(.field). */
  path: string;
  /** What else sets this probe apart (e.g. the role asked for). */
  note?: string;
  op: string;
  doc: string;
  vars: (x: string) => Vars;
  /** A filter narrows a list: an empty answer is as good as an error. */
  filter?: boolean;
  /**
   * A batch item's id (the slot's one item names B's id there): not an error of the call; the item
   * comes back REJECTED with exactly this error, nothing is created.
   */
  item?: { field: string; message: string };
  /** The item's client key, where the batch requires one (null otherwise). */
  clientKey?: string;
}

const ALLOWED = ["NOT_FOUND", "FORBIDDEN", "BAD_USER_INPUT"];
const PERIOD = `from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z"`;
const NO = (what: string) => `no ${what} with this id in the organization`;
/** A GraphQL result as plain objects (graphql-js builds them without a prototype). */
const plain = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const MARK = "00000000-0000-4000-8000-00000000d00d";
const RESPONSES = `totalCount edges { node { id clientSubmissionId comment stakeholder { id externalRef } survey { id name } touchpoint { id name } } }`;
const ACTIONS = `totalCount edges { node { id title response { id comment } stakeholder { id externalRef } owner { id name } } }`;

/** Every place a root operation takes an ID: operation.argument(.input field), from the schema. */
async function idArgumentPaths(): Promise<string[]> {
  const schema = await getSchema();
  const fields = { ...schema.getQueryType()!.getFields(), ...(schema.getMutationType()?.getFields() ?? {}) };
  const out: string[] = [];
  const walk = (prefix: string, type: GraphQLInputType, seen: Set<string>) => {
    const named = getNamedType(type);
    if (named.name === "ID") out.push(prefix);
    else if (isInputObjectType(named) && !seen.has(named.name)) {
      for (const f of Object.values(named.getFields())) walk(`${prefix}.${f.name}`, f.type, new Set([...seen, named.name]));
    }
  };
  for (const [op, f] of Object.entries(fields)) for (const a of f.args) walk(`${op}.${a.name}`, a.type, new Set());
  return out.sort();
}

describe("tenant isolation", () => {
  let app: TestApp;
  let A: World;
  let B: World;
  /** Keys of A only (not the runner's key, which administers both). */
  let aStaff: Caller;
  let aAdmin: Caller;
  let aFunder: Caller;
  let spareFunderKeyId: string;
  let spareStaffKeyId: string;
  let spareFieldPartnerKeyId: string;
  let bIds: { table: string; id: string }[];
  let bKeyIds: string[];
  let bStagesByLifecycle: Record<string, string[]>;
  let forbiddenStrings: string[];
  let checksumBefore: Record<string, string>;

  const checksum = async (): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const [table, where, param] of B_TABLES) {
      const [row] = await app.db.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS sum FROM ${table} t WHERE ${where}`, [
        param === "keys" ? bKeyIds : B.id,
      ]);
      out[table] = `${row.n} rows, md5 ${row.sum}`;
    }
    return out;
  };

  beforeAll(async () => {
    app = await startTestApp();
    A = await buildWorld(app, "Alpha Lamps Kenya", "ALPHA");
    B = await buildWorld(app, "Bravo Shoes Cooperative", "BRAVO");
    aStaff = app.as(A.keys.STAFF);
    aAdmin = app.as(A.keys.ADMIN);
    aFunder = app.as(A.keys.FUNDER);
    spareFunderKeyId = await keyId(app, await app.issue("FUNDER", [], "spare funder"));
    spareStaffKeyId = await keyId(app, await app.issue("MEMBER", [{ organizationId: A.id, role: "STAFF" }], "spare staff"));
    spareFieldPartnerKeyId = await keyId(app, await app.issue("FIELD_PARTNER", [{ organizationId: A.id, role: "FIELD_PARTNER", partnerId: A.partner }], "spare field partner"));

    // Every id of organization B, straight from the database.
    bKeyIds = (
      await app.db.query(
        `SELECT k.id FROM api_keys k
          WHERE (k.organization_id = $1 OR EXISTS (SELECT 1 FROM api_key_grants g WHERE g.api_key_id = k.id AND g.organization_id = $1))
            AND k.organization_id IS DISTINCT FROM $2
            AND NOT EXISTS (SELECT 1 FROM api_key_grants g WHERE g.api_key_id = k.id AND g.organization_id = $2)
          ORDER BY k.id`,
        [B.id, A.id],
      )
    ).map((r: { id: string }) => idOf("ApiKey", r.id, r.id));
    // As the API writes them: global ids of their types.
    bIds = [
      ...(await app.db.query(
        `SELECT 'organizations' AS table, id FROM organizations WHERE id = $1
         UNION ALL SELECT 'lifecycles', id FROM lifecycles WHERE organization_id = $1
         UNION ALL SELECT 'stages', id FROM stages WHERE organization_id = $1
         UNION ALL SELECT 'functional_areas', id FROM functional_areas WHERE organization_id = $1
         UNION ALL SELECT 'partners', id FROM partners WHERE organization_id = $1
         UNION ALL SELECT 'touchpoints', id FROM touchpoints WHERE organization_id = $1
         UNION ALL SELECT 'stakeholders', id FROM stakeholders WHERE organization_id = $1
         UNION ALL SELECT 'stage_transitions', id FROM stage_transitions WHERE organization_id = $1
         UNION ALL SELECT 'interactions', id FROM interactions WHERE organization_id = $1
         UNION ALL SELECT 'metrics', id FROM metrics WHERE organization_id = $1
         UNION ALL SELECT 'metric_targets', id FROM metric_targets WHERE organization_id = $1
         UNION ALL SELECT 'observations', id FROM observations WHERE organization_id = $1
         UNION ALL SELECT 'offerings', id FROM offerings WHERE organization_id = $1
         UNION ALL SELECT 'sales', id FROM sales WHERE organization_id = $1
         UNION ALL SELECT 'programmes', id FROM programmes WHERE organization_id = $1
         UNION ALL SELECT 'programme_enrolments', id FROM programme_enrolments WHERE organization_id = $1
         UNION ALL SELECT 'surveys', id FROM surveys WHERE organization_id = $1
         UNION ALL SELECT 'survey_versions', id FROM survey_versions WHERE organization_id = $1
         UNION ALL SELECT 'survey_questions', id FROM survey_questions WHERE organization_id = $1
         UNION ALL SELECT 'feedback_responses', id FROM feedback_responses WHERE organization_id = $1
         UNION ALL SELECT 'action_rules', id FROM action_rules WHERE organization_id = $1
         UNION ALL SELECT 'actions', id FROM actions WHERE organization_id = $1
         UNION ALL SELECT 'experience_goals', id FROM experience_goals WHERE organization_id = $1
         UNION ALL SELECT 'interventions', id FROM interventions WHERE organization_id = $1`,
        [B.id],
      )).map((r: { table: string; id: string }) => ({ table: r.table, id: idOf(nodeTypeOfTable(r.table)!, B.id, r.id) })),
      ...bKeyIds.map((id) => ({ table: "api_keys", id })),
    ];
    const stages: { lifecycle_id: string; id: string }[] = await app.db.query(`SELECT lifecycle_id, id FROM stages WHERE organization_id = $1 ORDER BY position`, [B.id]);
    bStagesByLifecycle = {};
    for (const s of stages) (bStagesByLifecycle[idOf("Lifecycle", B.id, s.lifecycle_id)] ??= []).push(idOf("Stage", B.id, s.id));
    const refs: { external_ref: string }[] = await app.db.query(`SELECT external_ref FROM stakeholders WHERE organization_id = $1`, [B.id]);
    // B's ids both ways: as global ids and as the UUIDs they carry.
    forbiddenStrings = [...new Set([...bIds.map((r) => r.id), ...bIds.map((r) => String(rowId(r.id))), ...B.strings, ...refs.map((r) => r.external_ref)])];
    checksumBefore = await checksum();
  });
  afterAll(() => app?.close());

  it("has collected B's rows: every kind of row, and none of them shared with A", () => {
    expect(new Set(bIds.map((r) => r.table))).toEqual(
      new Set([
        ...["organizations", "lifecycles", "stages", "functional_areas", "partners", "touchpoints", "stakeholders", "stage_transitions", "interactions", "api_keys"],
        ...["metrics", "metric_targets", "observations", "offerings", "sales", "programmes", "programme_enrolments"],
        ...["surveys", "survey_versions", "survey_questions", "feedback_responses", "action_rules", "actions", "experience_goals", "interventions"],
      ]),
    );
    expect(bKeyIds.length).toBeGreaterThanOrEqual(5);
    const aStrings = JSON.stringify(A);
    expect(forbiddenStrings.filter((s) => aStrings.includes(s))).toEqual([]);
  });

  const querySlots = (): Slot[] => [
    // Any object by id: another organization's reads as nothing (null, no error).
    { path: "node.id", op: "node", doc: `query($x: ID!) { node(id: $x) { id } }`, vars: (x) => ({ x }), filter: true },
    { path: "nodes.ids", op: "nodes", doc: `query($x: ID!) { nodes(ids: [$x]) { id } }`, vars: (x) => ({ x }), filter: true },
    { path: "organization.id", op: "organization", doc: `query($x: ID!) { organization(id: $x) { id name lifecycles { id name } } }`, vars: (x) => ({ x }) },
    {
      path: "stakeholders.organizationId",
      op: "stakeholders",
      doc: `query($x: ID!) { stakeholders(organizationId: $x) { totalCount edges { node { id externalRef } } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "stakeholders.filter.stageId",
      op: "stakeholders",
      doc: `query($a: ID!, $x: ID!) { stakeholders(organizationId: $a, filter: { stageId: $x }) { totalCount edges { node { id externalRef } } } }`,
      vars: (x) => ({ a: A.id, x }),
      filter: true,
    },
    { path: "stakeholder.id", op: "stakeholder", doc: `query($x: ID!) { stakeholder(id: $x) { id externalRef currentStage { id name } } }`, vars: (x) => ({ x }) },
    { path: "stakeholderExport.id", op: "stakeholderExport", doc: `query($x: ID!) { stakeholderExport(id: $x) }`, vars: (x) => ({ x }) },
    {
      path: "lifecycleFunnel.organizationId",
      op: "lifecycleFunnel",
      doc: `query($x: ID!) { lifecycleFunnel(organizationId: $x, kind: BENEFICIARY, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { organizationId stages { stage { id name } entered current } } }`,
      vars: (x) => ({ x }),
    },
    { path: "apiKeys.organizationId", op: "apiKeys", doc: `query($x: ID!) { apiKeys(organizationId: $x) { totalCount edges { node { id name } } } }`, vars: (x) => ({ x }) },
    { path: "auditLog.organizationId", op: "auditLog", doc: `query($x: ID!) { auditLog(organizationId: $x) { totalCount edges { node { id entityId before after } } } }`, vars: (x) => ({ x }) },
    {
      path: "auditLog.filter.entityId",
      op: "auditLog",
      doc: `query($a: ID!, $x: ID!) { auditLog(organizationId: $a, filter: { entityId: $x }) { totalCount edges { node { id entityId before after } } } }`,
      vars: (x) => ({ a: A.id, x }),
      filter: true,
    },
    {
      path: "auditLog.filter.apiKeyId",
      op: "auditLog",
      doc: `query($a: ID!, $x: ID!) { auditLog(organizationId: $a, filter: { apiKeyId: $x }) { totalCount edges { node { id entityId before after } } } }`,
      vars: (x) => ({ a: A.id, x }),
      filter: true,
    },
    { path: "metrics.organizationId", op: "metrics", doc: `query($x: ID!) { metrics(organizationId: $x) { totalCount edges { node { id name } } } }`, vars: (x) => ({ x }) },
    { path: "metric.id", op: "metric", doc: `query($x: ID!) { metric(id: $x) { id name targets { edges { node { id value } } } } }`, vars: (x) => ({ x }) },
    { path: "observations.metricId", op: "observations", doc: `query($x: ID!) { observations(metricId: $x) { totalCount edges { node { id value clientKey } } } }`, vars: (x) => ({ x }) },
    { path: "offerings.organizationId", op: "offerings", doc: `query($x: ID!) { offerings(organizationId: $x) { totalCount edges { node { id name programme { id name } } } } }`, vars: (x) => ({ x }) },
    {
      path: "programmes.organizationId",
      op: "programmes",
      doc: `query($x: ID!) { programmes(organizationId: $x) { totalCount edges { node { id name partners { id name } } } } }`,
      vars: (x) => ({ x }),
    },
    { path: "programme.id", op: "programme", doc: `query($x: ID!) { programme(id: $x) { id name partners { id name } } }`, vars: (x) => ({ x }) },
    { path: "deliveries.organizationId", op: "deliveries", doc: `query($x: ID!) { deliveries(organizationId: $x) { totalCount edges { node { id units beneficiary { id externalRef } } } } }`, vars: (x) => ({ x }) },
    {
      path: "deliveries.filter.programmeId",
      op: "deliveries",
      doc: `query($a: ID!, $x: ID!) { deliveries(organizationId: $a, filter: { programmeId: $x }) { totalCount edges { node { id units } } } }`,
      vars: (x) => ({ a: A.id, x }),
      filter: true,
    },
    {
      path: "deliveries.filter.partnerId",
      op: "deliveries",
      doc: `query($a: ID!, $x: ID!) { deliveries(organizationId: $a, filter: { partnerId: $x }) { totalCount edges { node { id units } } } }`,
      vars: (x) => ({ a: A.id, x }),
      filter: true,
    },
    {
      path: "fundedVsDelivered.organizationId",
      op: "fundedVsDelivered",
      doc: `query($x: ID!) { fundedVsDelivered(organizationId: $x, ${PERIOD}) { programmes { programme { id name } unitsFunded beneficiariesReached { total } } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "fundedVsDelivered.programmeId",
      op: "fundedVsDelivered",
      doc: `query($a: ID!, $x: ID!) { fundedVsDelivered(organizationId: $a, programmeId: $x, ${PERIOD}) { programmes { programme { id name } unitsFunded beneficiariesReached { total } } } }`,
      vars: (x) => ({ a: A.id, x }),
    },
    {
      path: "impactChain.organizationId",
      op: "impactChain",
      doc: `query($x: ID!) { impactChain(organizationId: $x, ${PERIOD}) { chains { programme { id name } steps { kind value } } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "impactChain.programmeId",
      op: "impactChain",
      doc: `query($a: ID!, $x: ID!) { impactChain(organizationId: $a, programmeId: $x, ${PERIOD}) { chains { programme { id name } steps { kind value } } } }`,
      vars: (x) => ({ a: A.id, x }),
    },
    {
      path: "traceSale.saleId",
      op: "traceSale",
      doc: `query($x: ID!) { traceSale(saleId: $x) { sale { id } programme { id } allocations { delivery { id } } people { reachedByName } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "distanceTravelled.metricId",
      op: "distanceTravelled",
      doc: `query($x: ID!) { distanceTravelled(metricId: $x) { metric { id name } measured improved } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "sales.organizationId",
      op: "sales",
      doc: `query($x: ID!) { sales(organizationId: $x, ${PERIOD}) { totalCount edges { node { id clientKey offering { id name } customer { id externalRef } } } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "sales.offeringId",
      op: "sales",
      doc: `query($a: ID!, $x: ID!) { sales(organizationId: $a, ${PERIOD}, offeringId: $x) { totalCount edges { node { id clientKey offering { id name } customer { id externalRef } } } } }`,
      vars: (x) => ({ a: A.id, x }),
      filter: true,
    },
    {
      path: "impactAtSale.organizationId",
      op: "impactAtSale",
      doc: `query($x: ID!) { impactAtSale(organizationId: $x, ${PERIOD}) { organizationId totals { sales } offerings { offering { id name } sales } socialMetrics { metric { id name } actual } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "impactInUse.organizationId",
      op: "impactInUse",
      doc: `query($x: ID!) { impactInUse(organizationId: $x, ${PERIOD}) { organizationId stakeholdersInUse stages { stage { id name } entered } socialMetrics { metric { id name } actual } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "doubleBottomLine.organizationId",
      op: "doubleBottomLine",
      doc: `query($x: ID!) { doubleBottomLine(organizationId: $x, ${PERIOD}) { organizationId business { sales { current } } social { socialMetrics { metric { id name } } } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "metricSeries.metricId",
      op: "metricSeries",
      doc: `query($x: ID!) { metricSeries(metricId: $x, ${PERIOD}, interval: MONTH) { metric { id name } points { actual target } } }`,
      vars: (x) => ({ x }),
    },
    { path: "surveys.organizationId", op: "surveys", doc: `query($x: ID!) { surveys(organizationId: $x) { totalCount edges { node { id name questions { id text } } } } }`, vars: (x) => ({ x }) },
    {
      path: "survey.id",
      op: "survey",
      doc: `query($x: ID!) { survey(id: $x) { id name touchpoint { id name } versions { id } questions { id key text } } }`,
      vars: (x) => ({ x }),
    },
    ...(["organizationId", "filter.surveyId", "filter.touchpointId", "filter.stageId"] as const).map(
      (arg): Slot => ({
        path: `feedbackResponses.${arg}`,
        op: "feedbackResponses",
        doc:
          arg === "organizationId"
            ? `query($x: ID!) { feedbackResponses(organizationId: $x) { ${RESPONSES} } }`
            : `query($a: ID!, $x: ID!) { feedbackResponses(organizationId: $a, filter: { ${arg.slice(7)}: $x }) { ${RESPONSES} } }`,
        vars: (x) => (arg === "organizationId" ? { x } : { a: A.id, x }),
        filter: arg !== "organizationId",
      }),
    ),
    ...(["organizationId", "filter.surveyId", "filter.touchpointId", "filter.stageId"] as const).map(
      (arg): Slot => ({
        path: `nps.${arg}`,
        op: "nps",
        doc:
          arg === "organizationId"
            ? `query($x: ID!) { nps(organizationId: $x, ${PERIOD}) { promoters detractors sampleSize score suppressed } }`
            : `query($a: ID!, $x: ID!) { nps(organizationId: $a, ${PERIOD}, filter: { ${arg.slice(7)}: $x }) { promoters detractors sampleSize score suppressed } }`,
        vars: (x) => (arg === "organizationId" ? { x } : { a: A.id, x }),
        filter: arg !== "organizationId",
      }),
    ),
    { path: "actions.organizationId", op: "actions", doc: `query($x: ID!) { actions(organizationId: $x) { ${ACTIONS} } }`, vars: (x) => ({ x }) },
    {
      path: "actions.filter.ownerAreaId",
      op: "actions",
      doc: `query($a: ID!, $x: ID!) { actions(organizationId: $a, filter: { ownerAreaId: $x }) { ${ACTIONS} } }`,
      vars: (x) => ({ a: A.id, x }),
      filter: true,
    },
    {
      path: "action.id",
      op: "action",
      doc: `query($x: ID!) { action(id: $x) { id title response { id comment } stakeholder { id externalRef } owner { id name } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "actionSummary.organizationId",
      op: "actionSummary",
      doc: `query($x: ID!) { actionSummary(organizationId: $x, ${PERIOD}) { organizationId owners { owner { id name } open overdue } } }`,
      vars: (x) => ({ x }),
    },
    { path: "actionRules.organizationId", op: "actionRules", doc: `query($x: ID!) { actionRules(organizationId: $x) { id name keywords } }`, vars: (x) => ({ x }) },
    {
      path: "experienceGoals.organizationId",
      op: "experienceGoals",
      doc: `query($x: ID!) { experienceGoals(organizationId: $x) { totalCount edges { node { id statement metrics { id name } interventions { id title } } } } }`,
      vars: (x) => ({ x }),
    },
    { path: "customerValue.organizationId", op: "customerValue", doc: `query($x: ID!) { customerValue(organizationId: $x, ${PERIOD}) { total { customers revenue { amountMinor } } } }`, vars: (x) => ({ x }) },
    {
      path: "customerValue.exitStageIds",
      op: "customerValue",
      doc: `query($a: ID!, $x: ID!) { customerValue(organizationId: $a, ${PERIOD}, exitStageIds: [$x]) { total { customers retention { count } } } }`,
      vars: (x) => ({ a: A.id, x }),
    },
    { path: "beneficiaryRetention.organizationId", op: "beneficiaryRetention", doc: `query($x: ID!) { beneficiaryRetention(organizationId: $x, ${PERIOD}) { exitStageName total { beneficiaries } } }`, vars: (x) => ({ x }) },
    {
      path: "beneficiaryRetention.outcomeStageId",
      op: "beneficiaryRetention",
      doc: `query($a: ID!, $x: ID!) { beneficiaryRetention(organizationId: $a, ${PERIOD}, outcomeStageId: $x) { outcomeStageName total { beneficiaries } } }`,
      vars: (x) => ({ a: A.id, x }),
    },
    {
      path: "beneficiaryRetention.exitStageId",
      op: "beneficiaryRetention",
      doc: `query($a: ID!, $x: ID!) { beneficiaryRetention(organizationId: $a, ${PERIOD}, exitStageId: $x) { exitStageName total { beneficiaries } } }`,
      vars: (x) => ({ a: A.id, x }),
    },
    { path: "loopValue.organizationId", op: "loopValue", doc: `query($x: ID!) { loopValue(organizationId: $x, ${PERIOD}) { groups { loop detractors } } }`, vars: (x) => ({ x }) },
    {
      path: "experienceDrivers.organizationId",
      op: "experienceDrivers",
      doc: `query($x: ID!) { experienceDrivers(organizationId: $x, ${PERIOD}, interval: WEEK) { correlations { metricName } touchpoints { drivers { touchpointName } } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "goalDelivery.organizationId",
      op: "goalDelivery",
      doc: `query($x: ID!) { goalDelivery(organizationId: $x, ${PERIOD}) { goals { goal { id statement } kpis { metric { id name } actual } interventions { intervention { id title } } } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "goalDelivery.goalId",
      op: "goalDelivery",
      doc: `query($a: ID!, $x: ID!) { goalDelivery(organizationId: $a, ${PERIOD}, goalId: $x) { goals { goal { id statement } interventions { intervention { id title } } } } }`,
      vars: (x) => ({ a: A.id, x }),
    },
    {
      path: "qualityOfExperience.organizationId",
      op: "qualityOfExperience",
      doc: `query($x: ID!) { qualityOfExperience(organizationId: $x, ${PERIOD}, groupBy: TOUCHPOINT) { organizationId overall { score people } groups { key label touchpoint { id name } } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "impactReport.organizationId",
      op: "impactReport",
      doc: `query($x: ID!) { impactReport(organizationId: $x, ${PERIOD}) { organization { id name } narrative { text } metrics { metric { id name } actual } notes { item } } }`,
      vars: (x) => ({ x }),
    },
    {
      path: "reportNarratives.organizationId",
      op: "reportNarratives",
      doc: `query($x: ID!) { reportNarratives(organizationId: $x, ${PERIOD}) { text version } }`,
      vars: (x) => ({ x }),
    },
  ];

  /** A mutation taking `input`; the path is the input field that receives B's id. */
  const m = (op: string, inputType: string, sel: string, input: (x: string) => Vars, note?: string): Slot => ({
    path: `${op}.input.${Object.entries(input(MARK)).find(([, v]) => v === MARK || (Array.isArray(v) && v.includes(MARK)))?.[0] ?? "?"}`,
    note,
    op,
    doc: `mutation($input: ${inputType}!) { ${op}(input: $input) ${sel} }`,
    vars: (x) => ({ input: input(x) }),
  });

  const NEW_METRIC = { name: "Hijacked", category: "KPI", perspective: "CUSTOMER", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM" };
  /** Batch items valid for A in every field but the one a slot replaces. */
  const goodObservation = () => ({ metricId: A.metric, from: "2026-01-15T00:00:00Z", to: "2026-01-16T00:00:00Z", value: "7", stageId: A.fx.beneficiaryStages.Enrolled, touchpointId: A.tpOwn });
  const goodSale = () => ({ offeringId: A.offering, occurredAt: "2026-01-15T00:00:00Z", units: 1, amountMinor: 900, customerId: A.customer });
  const goodFeedback = () => ({
    clientSubmissionId: "PROBE-FB",
    surveyId: A.survey,
    stakeholderId: A.beneficiary,
    touchpointId: A.tpPartner,
    collectedAt: "2026-01-15T00:00:00Z",
    answers: [{ key: "nps", value: 2 }],
    comment: "probe",
  });
  const goodDelivery = () => ({ clientKey: "PROBE-DL", programmeId: A.programme, deliveredAt: "2026-01-15T00:00:00Z", units: 1, beneficiaryId: A.beneficiary, evidenceNote: "probe" });
  const goodAction = () => ({ organizationId: A.id, title: "Hijacked", ownerAreaId: A.fx.areas.Operations });
  const goodIntervention = () => ({ goalId: A.goal, title: "Hijacked", ownerAreaId: A.fx.areas.Programmes, startsOn: "2026-02-01", endsOn: "2026-02-28" });
  const ACTION = `{ id title notes response { id comment } stakeholder { id externalRef } touchpoint { id name } owner { id name } }`;
  const GOAL = `{ id statement stage { id name } touchpoint { id name } metrics { id name } }`;

  /** A batch mutation whose one item carries B's id in `field`: that item must come back REJECTED with `message` on `field`. */
  const batch = (op: string, inputType: string, field: string, input: (x: string) => Vars, message: string): Slot => ({
    path: `${op}.input.items.${field}`,
    op,
    doc: `mutation($input: ${inputType}!) { ${op}(input: $input) ${BATCH} }`,
    vars: (x) => ({ input: input(x) }),
    item: { field, message },
  });

  const mutationSlots = (): Slot[] => [
    m("updateOrganization", "UpdateOrganizationInput", "{ id name }", (x) => ({ id: x, name: "Hijacked" })),
    m("updateLifecycle", "UpdateLifecycleInput", "{ id name }", (x) => ({ id: x, name: "Hijacked" })),
    m("addStage", "AddStageInput", "{ id name }", (x) => ({ lifecycleId: x, name: "Hijacked" })),
    m("updateStage", "UpdateStageInput", "{ id name }", (x) => ({ id: x, name: "Hijacked" })),
    m("reorderStages", "ReorderStagesInput", "{ id stages { id } }", (x) => ({ lifecycleId: x, stageIds: bStagesByLifecycle[x] ? [...bStagesByLifecycle[x]].reverse() : [x] })),
    m(
      "reorderStages",
      "ReorderStagesInput",
      "{ id stages { id } }",
      (x) => ({ lifecycleId: A.lifecycle.CUSTOMER, stageIds: [...Object.values(A.fx.customerStages).slice(1), x] }),
    ),
    m("createFunctionalArea", "CreateFunctionalAreaInput", "{ id name }", (x) => ({ organizationId: x, name: "Hijacked" })),
    m("updateFunctionalArea", "UpdateFunctionalAreaInput", "{ id name }", (x) => ({ id: x, name: "Hijacked" })),
    m("createPartner", "CreatePartnerInput", "{ id name }", (x) => ({ organizationId: x, name: "Hijacked", kind: "OTHER" })),
    m("updatePartner", "UpdatePartnerInput", "{ id name }", (x) => ({ id: x, name: "Hijacked" })),
    m("createTouchpoint", "CreateTouchpointInput", "{ id name }", (x) => ({ stageId: x, name: "Hijacked", channel: "SMS", functionalAreaId: A.fx.areas.Programmes })),
    m("createTouchpoint", "CreateTouchpointInput", "{ id name }", (x) => ({ stageId: A.fx.beneficiaryStages.Outcome, name: "Hijacked", channel: "SMS", functionalAreaId: x })),
    m("createTouchpoint", "CreateTouchpointInput", "{ id name }", (x) => ({
      stageId: A.fx.beneficiaryStages.Outcome,
      name: "Hijacked",
      channel: "SMS",
      functionalAreaId: A.fx.areas.Programmes,
      partnerId: x,
    })),
    m("updateTouchpoint", "UpdateTouchpointInput", "{ id name partner { id name } owner { id name } }", (x) => ({ id: x, name: "Hijacked" })),
    m("updateTouchpoint", "UpdateTouchpointInput", "{ id name partner { id name } owner { id name } }", (x) => ({ id: A.tpOwn, functionalAreaId: x })),
    m("updateTouchpoint", "UpdateTouchpointInput", "{ id name partner { id name } owner { id name } }", (x) => ({ id: A.tpOwn, partnerId: x })),
    m("createApiKey", "CreateApiKeyInput", "{ key apiKey { id name } }", (x) => ({ organizationId: x, name: "Hijacked", role: "STAFF" })),
    m("createApiKey", "CreateApiKeyInput", "{ key apiKey { id name } }", (x) => ({ organizationId: A.id, name: "Hijacked", role: "FIELD_PARTNER", partnerId: x })),
    m("grantApiKeyAccess", "GrantApiKeyAccessInput", "{ id name role }", (x) => ({ organizationId: x, apiKeyId: spareFunderKeyId, role: "FUNDER" })),
    m("grantApiKeyAccess", "GrantApiKeyAccessInput", "{ id name role }", (x) => ({ organizationId: A.id, apiKeyId: spareFieldPartnerKeyId, role: "FIELD_PARTNER", partnerId: x })),
    m("revokeApiKeyAccess", "RevokeApiKeyAccessInput", "", (x) => ({ organizationId: x, apiKeyId: spareStaffKeyId })),
    m("revokeApiKeyAccess", "RevokeApiKeyAccessInput", "", (x) => ({ organizationId: A.id, apiKeyId: x })),
    { path: "revokeApiKey.id", op: "revokeApiKey", doc: `mutation($x: ID!) { revokeApiKey(id: $x) { id name revokedAt } }`, vars: (x) => ({ x }) },
    m("createStakeholder", "CreateStakeholderInput", "{ id externalRef }", (x) => ({ organizationId: x, kind: "BENEFICIARY", externalRef: "HIJACK-1" })),
    m("createStakeholder", "CreateStakeholderInput", "{ id externalRef }", (x) => ({ organizationId: A.id, kind: "BENEFICIARY", externalRef: "HIJACK-2", stageId: x })),
    m("updateStakeholder", "UpdateStakeholderInput", "{ id externalRef region }", (x) => ({ id: x, region: "Hijacked" })),
    m("moveStakeholder", "MoveStakeholderInput", "{ id toStage { id name } stakeholder { id externalRef } }", (x) => ({ stakeholderId: x, stageId: A.fx.beneficiaryStages.Uses })),
    m("moveStakeholder", "MoveStakeholderInput", "{ id toStage { id name } stakeholder { id externalRef } }", (x) => ({ stakeholderId: A.beneficiary, stageId: x })),
    m("recordInteraction", "RecordInteractionInput", "{ id touchpoint { id name } stakeholder { id externalRef } }", (x) => ({ stakeholderId: x, touchpointId: A.tpOwn })),
    m("recordInteraction", "RecordInteractionInput", "{ id touchpoint { id name } stakeholder { id externalRef } }", (x) => ({ stakeholderId: A.beneficiary, touchpointId: x })),
    m("setStakeholderContact", "SetContactInput", "{ id externalRef }", (x) => ({ stakeholderId: x, phone: "+1 555 0100" })),
    { path: "forgetStakeholder.id", op: "forgetStakeholder", doc: `mutation($x: ID!) { forgetStakeholder(id: $x) { id externalRef } }`, vars: (x) => ({ x }) },
    m("createMetric", "CreateMetricInput", "{ id name }", (x) => ({ ...NEW_METRIC, organizationId: x })),
    m("createMetric", "CreateMetricInput", "{ id name stage { id name } }", (x) => ({ ...NEW_METRIC, organizationId: A.id, stageId: x })),
    m("createMetric", "CreateMetricInput", "{ id name touchpoint { id name } }", (x) => ({ ...NEW_METRIC, organizationId: A.id, touchpointId: x })),
    m("updateMetric", "UpdateMetricInput", "{ id name }", (x) => ({ id: x, name: "Hijacked" })),
    m("linkMetricToQuestion", "LinkMetricToQuestionInput", "{ id source { questionKey } }", (x) => ({ metricId: x, surveyId: A.survey, questionKey: "fit" })),
    m("linkMetricToQuestion", "LinkMetricToQuestionInput", "{ id source { questionKey } }", (x) => ({ metricId: A.metric, surveyId: x, questionKey: "fit" })),
    { path: "unlinkMetricFromQuestion.metricId", op: "unlinkMetricFromQuestion", doc: `mutation($x: ID!) { unlinkMetricFromQuestion(metricId: $x) { id name } }`, vars: (x) => ({ x }) },
    m("setMetricTargets", "SetMetricTargetsInput", "{ id name targets { edges { node { id value } } } }", (x) => ({
      metricId: x,
      targets: [{ from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z", value: "1" }],
    })),
    m("recordObservations", "RecordObservationsInput", BATCH, (x) => ({ organizationId: x, items: [goodObservation()] })),
    batch("recordObservations", "RecordObservationsInput", "metricId", (x) => ({ organizationId: A.id, items: [{ ...goodObservation(), metricId: x }] }), NO("metric")),
    batch("recordObservations", "RecordObservationsInput", "stageId", (x) => ({ organizationId: A.id, items: [{ ...goodObservation(), stageId: x }] }), NO("stage")),
    batch("recordObservations", "RecordObservationsInput", "touchpointId", (x) => ({ organizationId: A.id, items: [{ ...goodObservation(), touchpointId: x }] }), NO("touchpoint")),
    m("createOffering", "CreateOfferingInput", "{ id name }", (x) => ({ organizationId: x, name: "Hijacked" })),
    m("createOffering", "CreateOfferingInput", "{ id name programme { id name } }", (x) => ({ organizationId: A.id, name: "Hijacked", programmeId: x })),
    m("updateOffering", "UpdateOfferingInput", "{ id name programme { id name } }", (x) => ({ id: x, name: "Hijacked" })),
    m("updateOffering", "UpdateOfferingInput", "{ id name programme { id name } }", (x) => ({ id: A.offering, programmeId: x })),
    m("createProgramme", "CreateProgrammeInput", "{ id name }", (x) => ({ organizationId: x, name: "Hijacked", activeFrom: "2026-01-01T00:00:00Z" })),
    m("createProgramme", "CreateProgrammeInput", "{ id name partners { id name } }", (x) => ({ organizationId: A.id, name: "Hijacked", activeFrom: "2026-01-01T00:00:00Z", partnerIds: [A.partner, x] })),
    m("updateProgramme", "UpdateProgrammeInput", "{ id name partners { id name } }", (x) => ({ id: x, name: "Hijacked" })),
    m("updateProgramme", "UpdateProgrammeInput", "{ id name partners { id name } }", (x) => ({ id: A.programme, partnerIds: [x] })),
    m("enrolBeneficiary", "EnrolBeneficiaryInput", "{ id programme { id name } beneficiary { id externalRef } partner { id name } }", (x) => ({ programmeId: x, beneficiaryId: A.fpBeneficiary })),
    m("enrolBeneficiary", "EnrolBeneficiaryInput", "{ id programme { id name } beneficiary { id externalRef } partner { id name } }", (x) => ({ programmeId: A.programme, beneficiaryId: x })),
    m("enrolBeneficiary", "EnrolBeneficiaryInput", "{ id programme { id name } beneficiary { id externalRef } partner { id name } }", (x) => ({
      programmeId: A.programme,
      beneficiaryId: A.fpBeneficiary,
      partnerId: x,
    })),
    m("unenrolBeneficiary", "UnenrolBeneficiaryInput", "{ id programme { id name } beneficiary { id externalRef } }", (x) => ({ programmeId: x, beneficiaryId: A.beneficiary })),
    m("unenrolBeneficiary", "UnenrolBeneficiaryInput", "{ id programme { id name } beneficiary { id externalRef } }", (x) => ({ programmeId: A.programme, beneficiaryId: x })),
    m("recordSales", "RecordSalesInput", BATCH, (x) => ({ organizationId: x, items: [goodSale()] })),
    batch("recordSales", "RecordSalesInput", "offeringId", (x) => ({ organizationId: A.id, items: [{ ...goodSale(), offeringId: x }] }), NO("offering")),
    batch("recordSales", "RecordSalesInput", "customerId", (x) => ({ organizationId: A.id, items: [{ ...goodSale(), customerId: x }] }), NO("stakeholder")),

    // Surveys and feedback
    m("createSurvey", "CreateSurveyInput", "{ id name }", (x) => ({ organizationId: x, name: "Hijacked", audience: "BENEFICIARY", questions: QUESTIONS })),
    m("createSurvey", "CreateSurveyInput", "{ id name stage { id name } }", (x) => ({ organizationId: A.id, name: "Hijacked", audience: "BENEFICIARY", stageId: x, questions: QUESTIONS })),
    m("createSurvey", "CreateSurveyInput", "{ id name touchpoint { id name } }", (x) => ({
      organizationId: A.id,
      name: "Hijacked",
      audience: "BENEFICIARY",
      touchpointId: x,
      questions: QUESTIONS,
    })),
    m("updateSurvey", "UpdateSurveyInput", "{ id name questions { id text } }", (x) => ({ id: x, name: "Hijacked" })),
    m("submitFeedback", "SubmitFeedbackInput", BATCH, (x) => ({ organizationId: x, items: [goodFeedback()] })),
    { ...batch("submitFeedback", "SubmitFeedbackInput", "surveyId", (x) => ({ organizationId: A.id, items: [{ ...goodFeedback(), surveyId: x }] }), NO("survey")), clientKey: "PROBE-FB" },
    {
      ...batch("submitFeedback", "SubmitFeedbackInput", "stakeholderId", (x) => ({ organizationId: A.id, items: [{ ...goodFeedback(), stakeholderId: x }] }), NO("stakeholder")),
      clientKey: "PROBE-FB",
    },
    {
      ...batch("submitFeedback", "SubmitFeedbackInput", "touchpointId", (x) => ({ organizationId: A.id, items: [{ ...goodFeedback(), touchpointId: x }] }), NO("touchpoint")),
      clientKey: "PROBE-FB",
    },
    m("recordDeliveries", "RecordDeliveriesInput", BATCH, (x) => ({ organizationId: x, items: [goodDelivery()] })),
    { ...batch("recordDeliveries", "RecordDeliveriesInput", "programmeId", (x) => ({ organizationId: A.id, items: [{ ...goodDelivery(), programmeId: x }] }), NO("programme")), clientKey: "PROBE-DL" },
    { ...batch("recordDeliveries", "RecordDeliveriesInput", "beneficiaryId", (x) => ({ organizationId: A.id, items: [{ ...goodDelivery(), beneficiaryId: x }] }), NO("stakeholder")), clientKey: "PROBE-DL" },
    { ...batch("recordDeliveries", "RecordDeliveriesInput", "partnerId", (x) => ({ organizationId: A.id, items: [{ ...goodDelivery(), partnerId: x }] }), NO("partner")), clientKey: "PROBE-DL" },

    // Actions and rules
    m("createAction", "CreateActionInput", ACTION, (x) => ({ ...goodAction(), organizationId: x })),
    m("createAction", "CreateActionInput", ACTION, (x) => ({ ...goodAction(), ownerAreaId: x })),
    m("createAction", "CreateActionInput", ACTION, (x) => ({ ...goodAction(), responseId: x })),
    m("createAction", "CreateActionInput", ACTION, (x) => ({ ...goodAction(), stakeholderId: x })),
    m("createAction", "CreateActionInput", ACTION, (x) => ({ ...goodAction(), touchpointId: x })),
    m("updateAction", "UpdateActionInput", ACTION, (x) => ({ id: x, notes: "Hijacked" })),
    m("updateAction", "UpdateActionInput", ACTION, (x) => ({ id: A.action, ownerAreaId: x })),
    m("closeLoop", "CloseLoopInput", `{ id loopMessage loopDeliveredBy { id name } response { id comment } }`, (x) => ({ actionId: x, message: "Hijacked", channel: "SMS" })),
    m("closeLoop", "CloseLoopInput", `{ id loopMessage loopDeliveredBy { id name } response { id comment } }`, (x) => ({
      actionId: A.action,
      message: "Hijacked",
      channel: "SMS",
      deliveredByPartnerId: x,
    })),
    m("createActionRule", "CreateActionRuleInput", "{ id name }", (x) => ({ organizationId: x, name: "Hijacked", kind: "DETRACTOR", applyToExisting: true })),
    m("createActionRule", "CreateActionRuleInput", "{ id name }", (x) => ({ organizationId: A.id, name: "Hijacked", kind: "DETRACTOR", ownerAreaId: x })),
    m("updateActionRule", "UpdateActionRuleInput", "{ id name active }", (x) => ({ id: x, active: false })),

    // Experience goals, interventions, weights
    m("createExperienceGoal", "CreateExperienceGoalInput", GOAL, (x) => ({ organizationId: x, statement: "Hijacked", stageId: A.fx.beneficiaryStages.Receives })),
    m("createExperienceGoal", "CreateExperienceGoalInput", GOAL, (x) => ({ organizationId: A.id, statement: "Hijacked", stageId: x })),
    m("createExperienceGoal", "CreateExperienceGoalInput", GOAL, (x) => ({ organizationId: A.id, statement: "Hijacked", touchpointId: x })),
    m("createExperienceGoal", "CreateExperienceGoalInput", GOAL, (x) => ({ organizationId: A.id, statement: "Hijacked", stageId: A.fx.beneficiaryStages.Receives, metricIds: [A.metric, x] })),
    m("updateExperienceGoal", "UpdateExperienceGoalInput", GOAL, (x) => ({ id: x, statement: "Hijacked" })),
    m("updateExperienceGoal", "UpdateExperienceGoalInput", GOAL, (x) => ({ id: A.goal, metricIds: [x] })),
    m("addIntervention", "InterventionInput", "{ id title owner { id name } }", (x) => ({ ...goodIntervention(), goalId: x })),
    m("addIntervention", "InterventionInput", "{ id title owner { id name } }", (x) => ({ ...goodIntervention(), ownerAreaId: x })),
    m("updateIntervention", "UpdateInterventionInput", "{ id title status owner { id name } }", (x) => ({ id: x, status: "CANCELLED" })),
    {
      path: "setQoeWeights.organizationId",
      op: "setQoeWeights",
      doc: `mutation($x: ID!) { setQoeWeights(organizationId: $x, weights: { feedback: 3 }) { feedback customer } }`,
      vars: (x) => ({ x }),
    },
    m("setReportNarrative", "SetReportNarrativeInput", "{ version text }", (x) => ({ organizationId: x, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", text: "Hijacked" })),
  ];

  /** Granting A's data to a key: B's keys in apiKeyId, with each role a key kind may hold. */
  const grantSlots = (): Slot[] =>
    (["STAFF", "FUNDER"] as const)
      .map((role) => m("grantApiKeyAccess", "GrantApiKeyAccessInput", "{ id name role }", (x) => ({ organizationId: A.id, apiKeyId: x, role }), `role ${role}`))
      .concat(
        m(
          "grantApiKeyAccess",
          "GrantApiKeyAccessInput",
          "{ id name role }",
          (x) => ({ organizationId: A.id, apiKeyId: x, role: "FIELD_PARTNER", partnerId: A.partner }),
          "role FIELD_PARTNER",
        ),
      );

  /** Runs every slot with every B id as `who`; returns what went wrong, one line each. */
  async function probe(who: string, caller: Caller, slots: Slot[]): Promise<string[]> {
    const problems: string[] = [];
    const jobs = slots.flatMap((slot) => bIds.map((b) => ({ slot, b })));
    await pool(jobs, 4, async ({ slot, b }) => {
      const res: GqlResult = await caller.gql(slot.doc, slot.vars(b.id));
      const where = `${who}: ${slot.path}${slot.note ? ` (${slot.note})` : ""} = ${b.table} ${b.id}`;
      if (slot.item) {
        // Not an error of the whole call: that item is REJECTED on that field, as an unknown id would be; nothing created.
        // B's id of the field's type names no row of A ("no … with this id"); an id of another type says so.
        const type = inputFieldType(slot.item.field)!;
        const error = readGlobalId(b.id)?.type === type ? slot.item : { field: slot.item.field, message: idProblem(b.id, slot.item.field, [type]) };
        const expected = { created: 0, duplicates: 0, conflicts: 0, rejected: 1, items: [{ index: 0, clientKey: slot.clientKey ?? null, status: "REJECTED", id: null, errors: [error] }] };
        if (res.errors?.length) problems.push(`${where} -> ${res.errors[0].extensions?.code} "${res.errors[0].message}" (expected the item REJECTED)`);
        else if (!isDeepStrictEqual(plain(res.data?.[slot.op]), expected)) problems.push(`${where} -> ${JSON.stringify(res.data).slice(0, 300)}`);
      } else if (res.errors?.length) {
        const code = String(res.errors[0].extensions?.code);
        if (!ALLOWED.includes(code)) problems.push(`${where} -> ${code} "${res.errors[0].message}"`);
        if ((res.data?.[slot.op] ?? null) !== null) problems.push(`${where} -> an error, but data too`);
      } else if (!slot.filter) {
        problems.push(`${where} -> answered without an error: ${JSON.stringify(res.data).slice(0, 300)}`);
      }
      const json = JSON.stringify(res);
      const leaked = forbiddenStrings.filter((s) => json.includes(s));
      if (leaked.length) problems.push(`${where} -> the response holds B's ${leaked.join(", ")}`);
    });
    return problems.sort();
  }

  describe("with a staff key (and an admin key) of organization A, no operation returns or changes a row of organization B, whatever ids are passed", () => {
    it("probes every id argument of every operation (read from the schema)", async () => {
      const probed = new Set([...querySlots(), ...mutationSlots(), ...grantSlots()].map((s) => s.path));
      expect((await idArgumentPaths()).filter((p) => !probed.has(p))).toEqual([]);
    });

    it("queries, as A's staff key", async () => {
      expect(await probe("A staff", aStaff, querySlots())).toEqual([]);
    });

    it("queries, as A's admin key", async () => {
      expect(await probe("A admin", aAdmin, querySlots())).toEqual([]);
    });

    /** Every probe fails or rejects its item: nothing is written, in A either. */
    const impactRows = async () => {
      const out: Record<string, number> = {};
      for (const t of [
        ...["metrics", "metric_targets", "observations", "offerings", "sales", "stakeholders", "programmes", "programme_partners", "programme_enrolments"],
        ...["surveys", "survey_versions", "survey_questions", "feedback_responses", "feedback_answers", "action_rules", "actions", "experience_goals", "experience_goal_metrics", "interventions"],
      ])
        out[t] = (await app.db.query(`SELECT count(*)::int AS n FROM ${t}`))[0].n;
      return out;
    };

    it("mutations, as A's staff key", async () => {
      const before = await impactRows();
      expect(await probe("A staff", aStaff, mutationSlots())).toEqual([]);
      expect(await impactRows()).toEqual(before);
    });

    it("mutations, as A's admin key", async () => {
      const before = await impactRows();
      expect(await probe("A admin", aAdmin, mutationSlots())).toEqual([]);
      expect(await impactRows()).toEqual(before);
    });

    // Ids that are not ids: a typo, a bare UUID (the form ids had before global ids), and a global id whose body was cut.
    const NOT_IDS = ["not-an-id", "a0000000-0000-4000-8000-000000000001", "stk_oAAAAAAAQACAAAAAAAAAA"];
    it("ids that are not ids, in every id argument, as A's admin key: BAD_USER_INPUT saying so on its field (a batch item: that item REJECTED so), nothing written", async () => {
      const before = await impactRows();
      const problems: string[] = [];
      const slots = [...querySlots(), ...mutationSlots(), ...grantSlots()];
      await pool(
        slots.flatMap((slot) => NOT_IDS.map((x) => ({ slot, x }))),
        4,
        async ({ slot, x }) => {
          const res: GqlResult = await aAdmin.gql(slot.doc, slot.vars(x));
          const where = `${slot.path}${slot.note ? ` (${slot.note})` : ""} = ${x}`;
          if (slot.item) {
            const item = (res.data?.[slot.op] as { items?: { status: string; errors: { field: string; message: string }[] }[] } | undefined)?.items?.[0];
            if (res.errors?.length || item?.status !== "REJECTED" || item.errors[0]?.field !== slot.item.field || !/is not an ID of/.test(item.errors[0]?.message ?? "")) {
              problems.push(`${where} -> ${JSON.stringify(res).slice(0, 300)}`);
            }
          } else {
            const e = res.errors?.[0];
            if (e?.extensions?.code !== "BAD_USER_INPUT" || !/is not an ID/.test(e.message) || typeof e.extensions?.field !== "string") problems.push(`${where} -> ${JSON.stringify(res).slice(0, 300)}`);
            if ((res.data?.[slot.op] ?? null) !== null) problems.push(`${where} -> an error, but data too`);
          }
        },
      );
      expect(problems.sort()).toEqual([]);
      expect(await impactRows()).toEqual(before);
    });
  });

  describe("existence is not revealed: a non-existent id answers as B's real id does", () => {
    const cases: [string, string, (x: string) => Vars, string][] = [
      ["stakeholder(id)", `query($x: ID!) { stakeholder(id: $x) { id } }`, (x) => ({ x }), "stakeholders"],
      ["organization(id)", `query($x: ID!) { organization(id: $x) { id } }`, (x) => ({ x }), "organizations"],
      ["updateStage", `mutation($input: UpdateStageInput!) { updateStage(input: $input) { id } }`, (x) => ({ input: { id: x, name: "Probe" } }), "stages"],
      ["metric(id)", `query($x: ID!) { metric(id: $x) { id } }`, (x) => ({ x }), "metrics"],
      ["observations(metricId)", `query($x: ID!) { observations(metricId: $x) { totalCount } }`, (x) => ({ x }), "metrics"],
      ["metricSeries(metricId)", `query($x: ID!) { metricSeries(metricId: $x, ${PERIOD}, interval: MONTH) { metric { id } } }`, (x) => ({ x }), "metrics"],
      ["updateMetric", `mutation($input: UpdateMetricInput!) { updateMetric(input: $input) { id } }`, (x) => ({ input: { id: x, name: "Probe" } }), "metrics"],
      ["setMetricTargets", `mutation($input: SetMetricTargetsInput!) { setMetricTargets(input: $input) { id } }`, (x) => ({ input: { metricId: x, targets: [{ from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z", value: "1" }] } }), "metrics"],
      ["updateOffering", `mutation($input: UpdateOfferingInput!) { updateOffering(input: $input) { id } }`, (x) => ({ input: { id: x, name: "Probe" } }), "offerings"],
      ["updateOffering(programmeId)", `mutation($input: UpdateOfferingInput!) { updateOffering(input: $input) { id } }`, (x) => ({ input: { id: A.offering, programmeId: x } }), "programmes"],
      ["programme(id)", `query($x: ID!) { programme(id: $x) { id } }`, (x) => ({ x }), "programmes"],
      ["updateProgramme", `mutation($input: UpdateProgrammeInput!) { updateProgramme(input: $input) { id } }`, (x) => ({ input: { id: x, name: "Probe" } }), "programmes"],
      ["enrolBeneficiary(programmeId)", `mutation($input: EnrolBeneficiaryInput!) { enrolBeneficiary(input: $input) { id } }`, (x) => ({ input: { programmeId: x, beneficiaryId: A.fpBeneficiary } }), "programmes"],
      ["enrolBeneficiary(beneficiaryId)", `mutation($input: EnrolBeneficiaryInput!) { enrolBeneficiary(input: $input) { id } }`, (x) => ({ input: { programmeId: A.programme, beneficiaryId: x } }), "stakeholders"],
      ["survey(id)", `query($x: ID!) { survey(id: $x) { id } }`, (x) => ({ x }), "surveys"],
      ["updateSurvey", `mutation($input: UpdateSurveyInput!) { updateSurvey(input: $input) { id } }`, (x) => ({ input: { id: x, name: "Probe" } }), "surveys"],
      ["action(id)", `query($x: ID!) { action(id: $x) { id } }`, (x) => ({ x }), "actions"],
      ["updateAction", `mutation($input: UpdateActionInput!) { updateAction(input: $input) { id } }`, (x) => ({ input: { id: x, notes: "Probe" } }), "actions"],
      ["closeLoop", `mutation($input: CloseLoopInput!) { closeLoop(input: $input) { id } }`, (x) => ({ input: { actionId: x, message: "Probe", channel: "SMS" } }), "actions"],
      ["updateActionRule", `mutation($input: UpdateActionRuleInput!) { updateActionRule(input: $input) { id } }`, (x) => ({ input: { id: x, active: false } }), "action_rules"],
      ["updateExperienceGoal", `mutation($input: UpdateExperienceGoalInput!) { updateExperienceGoal(input: $input) { id } }`, (x) => ({ input: { id: x, statement: "Probe" } }), "experience_goals"],
      [
        "addIntervention(goalId)",
        `mutation($input: InterventionInput!) { addIntervention(input: $input) { id } }`,
        (x) => ({ input: { goalId: x, title: "Probe", ownerAreaId: A.fx.areas.Programmes, startsOn: "2026-02-01", endsOn: "2026-02-28" } }),
        "experience_goals",
      ],
      ["updateIntervention", `mutation($input: UpdateInterventionInput!) { updateIntervention(input: $input) { id } }`, (x) => ({ input: { id: x, status: "DONE" } }), "interventions"],
    ];
    it.each(cases)("%s: same code, message and field for a random id and for each of B's", async (_label, doc, vars, table) => {
      for (const [who, caller] of [
        ["A staff", aStaff],
        ["A admin", aAdmin],
      ] as const) {
        const answer = (r: GqlResult) => ({ data: r.data ?? null, code: r.errors?.[0]?.extensions?.code, message: r.errors?.[0]?.message, field: r.errors?.[0]?.extensions?.field });
        const missing = answer(await caller.gql(doc, vars(table === "organizations" ? unknownId("Organization") : unknownId(nodeTypeOfTable(table)!, A.id))));
        expect(["NOT_FOUND", "FORBIDDEN"]).toContain(missing.code);
        for (const b of bIds.filter((r) => r.table === table)) {
          expect({ who, id: b.id, ...answer(await caller.gql(doc, vars(b.id))) }).toEqual({ who, id: b.id, ...missing });
        }
      }
    });

    // No operation addresses a response by id; the one response id argument is a reference inside createAction's input,
    // answered like every reference inside an input (BAD_USER_INPUT on that field), the same for B's responses as for a made-up id.
    it("createAction(responseId): same code, message and field for a random id and for each of B's responses, nothing written", async () => {
      const doc = `mutation($input: CreateActionInput!) { createAction(input: $input) { id response { id comment } } }`;
      const vars = (x: string) => ({ input: { organizationId: A.id, title: "Probe", ownerAreaId: A.fx.areas.Operations, responseId: x } });
      const [{ n: before }] = await app.db.query(`SELECT count(*)::int AS n FROM actions`);
      for (const [who, caller] of [
        ["A staff", aStaff],
        ["A admin", aAdmin],
      ] as const) {
        const answer = (r: GqlResult) => ({ data: r.data ?? null, code: r.errors?.[0]?.extensions?.code, message: r.errors?.[0]?.message, field: r.errors?.[0]?.extensions?.field });
        const missing = answer(await caller.gql(doc, vars(unknownId("FeedbackResponse", A.id))));
        expect(missing).toMatchObject({ data: null, field: "responseId" });
        expect(["NOT_FOUND", "BAD_USER_INPUT"]).toContain(missing.code);
        const responses = bIds.filter((r) => r.table === "feedback_responses");
        expect(responses.length).toBeGreaterThanOrEqual(3);
        for (const b of responses) expect({ who, id: b.id, ...answer(await caller.gql(doc, vars(b.id))) }).toEqual({ who, id: b.id, ...missing });
      }
      expect((await app.db.query(`SELECT count(*)::int AS n FROM actions`))[0].n).toBe(before);
    });
  });

  describe("a funder of A only", () => {
    it("gets no stakeholder-level data at all: stakeholders, stakeholder and stakeholderExport -> FORBIDDEN", async () => {
      const cases: [string, string, Vars][] = [
        ["stakeholders", `query($x: ID!) { stakeholders(organizationId: $x) { totalCount edges { node { id externalRef } } } }`, { x: A.id }],
        ["stakeholder", `query($x: ID!) { stakeholder(id: $x) { id externalRef } }`, { x: A.beneficiary }],
        ["stakeholder", `query($x: ID!) { stakeholder(id: $x) { id externalRef } }`, { x: A.fpBeneficiary }],
        ["stakeholderExport", `query($x: ID!) { stakeholderExport(id: $x) }`, { x: A.beneficiary }],
        ["stakeholders", `query($x: ID!) { stakeholders(organizationId: $x) { totalCount } }`, { x: B.id }],
      ];
      for (const [op, doc, vars] of cases) {
        const res = await aFunder.gql(doc, vars);
        expect({ op, vars, code: res.errors?.[0]?.extensions?.code, data: res.data?.[op] ?? null }).toEqual({ op, vars, code: "FORBIDDEN", data: null });
      }
      for (const s of [B.beneficiary, B.fpBeneficiary, B.customer]) {
        const res = await aFunder.gql(`query($x: ID!) { stakeholder(id: $x) { id externalRef } }`, { x: s });
        expect(["FORBIDDEN", "NOT_FOUND"]).toContain(res.errors?.[0]?.extensions?.code);
        expect(JSON.stringify(res)).not.toContain("BRAVO");
      }
    });

    it("B's funnel -> FORBIDDEN; A's funnel is suppressed and names no stakeholder", async () => {
      const FUNNEL = `query($x: ID!) { lifecycleFunnel(organizationId: $x, kind: BENEFICIARY, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", dimension: GENDER) {
        organizationId suppression { applied } stages { stage { id name } entered current groups { value entered } } } }`;
      const other = await aFunder.gql(FUNNEL, { x: B.id });
      expect(other.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(other.data?.lifecycleFunnel ?? null).toBeNull();
      expect(forbiddenStrings.filter((s) => JSON.stringify(other).includes(s))).toEqual([]);
      const own = await aFunder.ok<any>(FUNNEL, { x: A.id });
      expect(own.lifecycleFunnel).toMatchObject({ organizationId: A.id, suppression: { applied: true } });
      const json = JSON.stringify(own);
      const aPeople: { id: string; external_ref: string }[] = await app.db.query(`SELECT id, external_ref FROM stakeholders WHERE organization_id = $1`, [A.id]);
      expect(aPeople.flatMap((p) => [p.id, p.external_ref]).filter((s) => json.includes(s))).toEqual([]);
    });
  });

  describe("row-level security (defence in depth), as the API's database role with A's organization", () => {
    it("sees and changes only A's rows, cannot write B's, and cannot alter the audit log", async () => {
      const tenantTables = [
        ...["organizations", "lifecycles", "stages", "functional_areas", "partners", "touchpoints", "stakeholders", "stage_transitions", "interactions", "stakeholder_contacts", "api_key_grants", "audit_log"],
        ...["metrics", "metric_targets", "observations", "offerings", "sales", "programmes", "programme_partners", "programme_enrolments"],
        ...["surveys", "survey_versions", "survey_questions", "feedback_responses", "feedback_answers", "action_rules", "actions", "experience_goals", "experience_goal_metrics", "interventions"],
      ];
      const ownCounts: Record<string, number> = {};
      for (const t of tenantTables) ownCounts[t] = (await app.db.query(`SELECT count(*)::int AS n FROM ${t} WHERE organization_id = $1`, [A.id]))[0].n;
      const [{ n: bStakeholders }] = await app.db.query(`SELECT count(*)::int AS n FROM stakeholders WHERE organization_id = $1`, [B.id]);
      expect(bStakeholders).toBeGreaterThan(0);

      const qr = app.db.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      /** The error message of a statement that fails, or null; a savepoint keeps the transaction usable. */
      const failure = async (sql: string, params: unknown[] = []): Promise<string | null> => {
        await qr.query("SAVEPOINT probe");
        try {
          await qr.query(sql, params);
          await qr.query("RELEASE SAVEPOINT probe");
          return null;
        } catch (error) {
          await qr.query("ROLLBACK TO SAVEPOINT probe");
          return (error as Error).message;
        }
      };
      const affected = async (sql: string, params: unknown[]): Promise<number> => (await qr.query(`WITH w AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM w`, params))[0].n;
      try {
        // Even the tables' owner cannot rewrite history.
        expect(await failure(`UPDATE audit_log SET operation = 'tampered'`)).toMatch(/append-only/);
        expect(await failure(`DELETE FROM audit_log`)).toMatch(/append-only/);

        await qr.query(`SELECT set_config('role', 'dbl_app', true), set_config('app.org_ids', $1, true)`, [A.id]);
        expect((await qr.query(`SELECT current_user AS u`))[0].u).toBe("dbl_app");

        // Reads: exactly A's rows.
        expect((await qr.query(`SELECT count(*)::int AS n FROM stakeholders`))[0].n).toBe(ownCounts.stakeholders);
        for (const t of tenantTables) {
          const [row] = await qr.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE organization_id <> $1)::int AS foreign FROM ${t}`, [A.id]);
          expect({ t, ...row }).toEqual({ t, n: ownCounts[t], foreign: 0 });
        }
        expect((await qr.query(`SELECT count(*)::int AS n FROM api_keys WHERE id = ANY($1::uuid[])`, [bKeyIds]))[0].n).toBe(0);

        // Writes into B: refused.
        expect(await failure(`INSERT INTO stakeholders (organization_id, kind, external_ref) VALUES ($1, 'BENEFICIARY', 'RLS-PROBE')`, [B.id])).toMatch(/row-level security/);
        expect(await failure(`INSERT INTO partners (organization_id, name, kind) VALUES ($1, 'RLS probe', 'OTHER')`, [B.id])).toMatch(/row-level security/);
        expect(await failure(`INSERT INTO offerings (organization_id, name) VALUES ($1, 'RLS probe')`, [B.id])).toMatch(/row-level security/);
        expect(await failure(`INSERT INTO programmes (organization_id, name, active_from) VALUES ($1, 'RLS probe', now())`, [B.id])).toMatch(/row-level security/);
        expect(await failure(`INSERT INTO programme_partners (organization_id, programme_id, partner_id) VALUES ($1, $2, $3)`, [B.id, B.programme, B.otherPartner])).toMatch(
          /row-level security/,
        );
        expect(
          await failure(`INSERT INTO programme_enrolments (organization_id, programme_id, beneficiary_id, enrolled_at) VALUES ($1, $2, $3, now())`, [B.id, B.programme, B.fpBeneficiary]),
        ).toMatch(/row-level security/);
        expect(
          await failure(`INSERT INTO observations (organization_id, metric_id, period_from, period_to, value, content_hash) VALUES ($1, $2, '2026-01-01', '2026-01-02', 1, repeat('0', 64))`, [B.id, B.metric]),
        ).toMatch(/row-level security/);
        expect(await failure(`INSERT INTO surveys (organization_id, name, audience) VALUES ($1, 'RLS probe', 'BENEFICIARY')`, [B.id])).toMatch(/row-level security/);
        expect(await failure(`INSERT INTO action_rules (organization_id, name, kind) VALUES ($1, 'RLS probe', 'DETRACTOR')`, [B.id])).toMatch(/row-level security/);
        expect(await failure(`INSERT INTO experience_goals (organization_id, statement, stage_id) VALUES ($1, 'RLS probe', $2)`, [B.id, B.fx.beneficiaryStages.Receives])).toMatch(
          /row-level security/,
        );
        expect(await failure(`UPDATE stakeholders SET organization_id = $1 WHERE id = $2`, [B.id, A.customer])).not.toBeNull();
        // ... while A's own rows can be written (the policy is not merely closed).
        expect(await failure(`INSERT INTO stakeholders (organization_id, kind, external_ref) VALUES ($1, 'BENEFICIARY', 'RLS-OWN')`, [A.id])).toBeNull();

        // Updates and deletes of B's rows: no row affected.
        expect(await affected(`UPDATE stakeholders SET region = 'hijacked' WHERE organization_id = $1`, [B.id])).toBe(0);
        expect(await affected(`UPDATE stakeholders SET region = 'hijacked' WHERE id = $1`, [B.beneficiary])).toBe(0);
        expect(await affected(`DELETE FROM stakeholders WHERE organization_id = $1`, [B.id])).toBe(0);
        const someColumn: Record<string, string> = {
          organizations: "name",
          lifecycles: "name",
          stages: "name",
          functional_areas: "name",
          partners: "name",
          touchpoints: "name",
          stage_transitions: "occurred_at",
          interactions: "note",
          stakeholder_contacts: "phone",
          api_key_grants: "role",
          metrics: "name",
          metric_targets: "value",
          observations: "value",
          offerings: "name",
          sales: "units",
          surveys: "name",
          survey_versions: "version",
          survey_questions: "text",
          feedback_responses: "comment",
          feedback_answers: "value_text",
          action_rules: "active",
          actions: "status",
          experience_goals: "statement",
          experience_goal_metrics: "metric_id",
          interventions: "title",
        };
        for (const [t, column] of Object.entries(someColumn)) {
          expect({ t, updated: await affected(`UPDATE ${t} SET ${column} = ${column} WHERE organization_id = $1`, [B.id]) }).toEqual({ t, updated: 0 });
          expect({ t, deleted: await affected(`DELETE FROM ${t} WHERE organization_id = $1`, [B.id]) }).toEqual({ t, deleted: 0 });
        }
        expect(await affected(`UPDATE api_keys SET revoked_at = now() WHERE id = ANY($1::uuid[])`, [bKeyIds])).toBe(0);

        // The audit log: append-only for the API role.
        expect(await failure(`UPDATE audit_log SET operation = 'tampered'`)).toMatch(/permission denied|append-only/);
        expect(await failure(`DELETE FROM audit_log`)).toMatch(/permission denied|append-only/);
        expect(await failure(`UPDATE audit_log SET operation = 'tampered' WHERE organization_id = $1`, [A.id])).toMatch(/permission denied|append-only/);
        expect(await failure(`INSERT INTO audit_log (organization_id, entity, action) VALUES ($1, 'stakeholders', 'DELETE')`, [A.id])).toMatch(/permission denied|row-level security/);
      } finally {
        await qr.rollbackTransaction();
        await qr.release();
      }
    });
  });

  describe("granting A's data to B's keys", () => {
    const GRANT = `mutation($input: GrantApiKeyAccessInput!) { grantApiKeyAccess(input: $input) { id name role } }`;
    const grantInput = (apiKeyId: string, role: Role) => ({ input: { organizationId: A.id, apiKeyId, role, ...(role === "FIELD_PARTNER" ? { partnerId: A.partner } : {}) } });
    const answer = (r: GqlResult) => ({ data: plain(r.data?.grantApiKeyAccess ?? null), code: r.errors?.[0]?.extensions?.code, message: r.errors?.[0]?.message, field: r.errors?.[0]?.extensions?.field });
    const grantsOfA = async () => app.db.query(`SELECT api_key_id, role, partner_id FROM api_key_grants WHERE organization_id = $1 ORDER BY api_key_id`, [A.id]);

    it("B's keys in grantApiKeyAccess(apiKeyId), as A's staff key: refused", async () => {
      expect(await probe("A staff", aStaff, grantSlots())).toEqual([]);
    });

    it("as A's admin key, every key of B (member, field-partner, funder keys; B's funder key with any role but FUNDER): NOT_FOUND exactly as a made-up id, nothing written", async () => {
      const bFunderKey = await keyId(app, B.keys.FUNDER);
      const bKeysOfEveryKind = await Promise.all((["ADMIN", "STAFF", "FUNDER", "FIELD_PARTNER"] as Role[]).map((r) => keyId(app, B.keys[r])));
      expect(bKeyIds).toEqual(expect.arrayContaining(bKeysOfEveryKind));
      const before = await grantsOfA();
      const problems: string[] = [];
      for (const role of ["ADMIN", "STAFF", "FUNDER", "FIELD_PARTNER"] as Role[]) {
        const madeUp = answer(await aAdmin.gql(GRANT, grantInput(unknownId("ApiKey"), role)));
        expect({ role, code: madeUp.code, data: madeUp.data }).toEqual({ role, code: "NOT_FOUND", data: null });
        for (const id of bKeyIds) {
          if (id === bFunderKey && role === "FUNDER") continue; // by design: see the next test
          const res = await aAdmin.gql(GRANT, grantInput(id, role));
          const got = answer(res);
          if (!isDeepStrictEqual(got, madeUp)) problems.push(`role ${role}, B's key ${id}: ${JSON.stringify(got)}, a made-up id: ${JSON.stringify(madeUp)}`);
          const leaked = forbiddenStrings.filter((x) => JSON.stringify(res).includes(x));
          if (leaked.length) problems.push(`role ${role}, B's key ${id}: the response holds B's ${leaked.join(", ")}`);
        }
      }
      expect(problems).toEqual([]);
      expect(await grantsOfA()).toEqual(before);
    });

    it("as A's admin key, B's FUNDER key with the FUNDER role: granted, a grant row in A", async () => {
      // By design: a funder hands its own key id to each organization it funds, and that organization's
      // admin grants it the FUNDER role (grantApiKeyAccess's schema description says so). The answer may
      // show the key's id and name: it is the funder's own key, handed over on purpose, not B's data.
      const bFunderKey = await keyId(app, B.keys.FUNDER);
      const res = await aAdmin.gql(GRANT, grantInput(bFunderKey, "FUNDER"));
      expect(res.errors).toBeUndefined();
      expect(res.data?.grantApiKeyAccess).toEqual({ id: bFunderKey, name: "BRAVO funder", role: "FUNDER" });
      expect(forbiddenStrings.filter((x) => x !== bFunderKey && JSON.stringify(res).includes(x))).toEqual([]);
      expect(await app.db.query(`SELECT role, partner_id FROM api_key_grants WHERE organization_id = $1 AND api_key_id = $2`, [A.id, bFunderKey])).toEqual([
        { role: "FUNDER", partner_id: null },
      ]);
    });
  });

  it("leaves B's rows unchanged (checksum of each table's rows of B, before and after)", async () => {
    expect(await checksum()).toEqual(checksumBefore);
  });
});
