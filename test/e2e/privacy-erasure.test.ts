import { Caller, rowId, startTestApp, TestApp } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";
import { PERSONAL_COLUMNS, PERSONAL_ROWS } from "../../src/common/personal-data";

/**
 * Erasure that leaves nothing behind (issue 15, item 5): every personal column is listed once
 * (src/common/personal-data.ts); erasure empties it, the audit log redacts it, the export holds it;
 * an erased person takes no new personal data and says so; aggregates keep counting them.
 */

/** Text columns of the personal tables that hold no stakeholder's words, each with why. A new text column must go here or in PERSONAL_COLUMNS. */
const NOT_PERSONAL: Record<string, string> = {
  "stakeholders.gender": "a disaggregation attribute (aggregates keep it)",
  "stakeholders.age_band": "a disaggregation attribute",
  "stakeholders.region": "a disaggregation attribute",
  "stakeholders.segment": "a disaggregation attribute",
  "stakeholders.kind": "CUSTOMER or BENEFICIARY",
  "feedback_responses.client_submission_id": "the field app's key for the item, made by the app",
  "feedback_responses.content_hash": "a hash of the item, to recognise a retry",
  "feedback_responses.kind": "CUSTOMER or BENEFICIARY",
  "feedback_responses.stage_impact_mode": "the stage's impact mode",
  "interactions.kind": "CUSTOMER or BENEFICIARY",
  "actions.kind": "CUSTOMER or BENEFICIARY",
  "actions.owner_person": "the member of staff who owns the action, not the stakeholder",
  "actions.owner_area_id": "a functional area",
  "actions.status": "the action's state",
  "actions.loop_channel": "how the loop was closed",
  "actions.source": "what opened the action",
  "actions.rule_key": "the rule that opened it",
  "feedback_answers.type": "the question's type",
  "feedback_daily_people.kind": "a rollup's CUSTOMER or BENEFICIARY",
  "sales.client_key": "the field app's key for the sale, made by the app",
  "sales.customer_kind": "CUSTOMER or BENEFICIARY",
  "stage_stays.kind": "CUSTOMER or BENEFICIARY",
  "stage_stays.gender": "a copy of the disaggregation attribute",
  "stage_stays.age_band": "a copy of the disaggregation attribute",
  "stage_stays.region": "a copy of the disaggregation attribute",
  "stage_stays.segment": "a copy of the disaggregation attribute",
  "stage_transitions.kind": "CUSTOMER or BENEFICIARY",
  "experience_stays.kind": "CUSTOMER or BENEFICIARY",
  "experience_stays.measure": "NPS or RATING",
  "deliveries.beneficiary_kind": "always BENEFICIARY (part of the foreign key)",
  "deliveries.client_key": "the field app's key for the delivery, made by the app",
  "deliveries.site_name": "a school or clinic delivered to (a site delivery names no stakeholder)",
};

const SECRETS = ["Wanjiru", "+254 722", "ROOT1", "family dispute", "shoes pinch", "teacher", "call back", "Plot 9", "sister", "W-77"];

describe("erasure that leaves nothing behind", () => {
  let app: TestApp;
  let org: OrgFixture;
  let staff: Caller;
  let survey: string;
  let touchpoint: string;
  let person: string;
  let actionId: string;
  let writtenExport: any;
  let programme: string;
  const DELIVER = `mutation($i: RecordDeliveriesInput!) { recordDeliveries(input: $i) { created items { status errors { field message } } } }`;

  const EXPORT = `query($id: ID!) { stakeholderExport(id: $id) }`;
  const SUBMIT = `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created rejected items { status errors { field message } } } }`;
  const NPS = `query($o: ID!) { nps(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { promoters passives detractors sampleSize score } }`;
  const FUNNEL = `query($o: ID!) { lifecycleFunnel(organizationId: $o, kind: BENEFICIARY, from: "2026-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { stages { stage { name } entered current } } }`;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Erasure Org", "CUSTOMER_FUNDS_BENEFICIARY");
    staff = app.as(await app.issue("MEMBER", [{ organizationId: org.id, role: "STAFF" }], "Staff member"));
    const tp = await app.ok<any>(`mutation($s: ID!, $a: ID!) { createTouchpoint(input: { stageId: $s, name: "School visit", channel: FIELD_VISIT, functionalAreaId: $a }) { id } }`, {
      s: org.beneficiaryStages.Uses,
      a: org.areas.Programmes,
    });
    touchpoint = tp.createTouchpoint.id;
    const s = await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
      i: {
        organizationId: org.id,
        name: "After the visit",
        audience: "BENEFICIARY",
        touchpointId: touchpoint,
        questions: [
          { key: "nps", text: "Would you recommend us?", type: "NPS", required: true },
          { key: "why", text: "What could be better?", type: "TEXT" },
        ],
      },
    });
    survey = s.createSurvey.id;
    // A beneficiary with every kind of personal data the organization keeps.
    const created = await staff.ok<any>(`mutation($i: CreateStakeholderInput!) { createStakeholder(input: $i) { id } }`, {
      i: {
        organizationId: org.id,
        kind: "BENEFICIARY",
        externalRef: "W-77",
        gender: "FEMALE",
        region: "Nyeri",
        stageId: org.beneficiaryStages.Uses,
        enteredAt: "2026-03-01T00:00:00Z",
        contact: { fullName: "Grace Wanjiru", phone: "+254 722 000 777", email: "grace@example.org", address: "Plot 9, Nyeri" },
      },
    });
    person = created.createStakeholder.id;
    await staff.ok(`mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }`, {
      i: { stakeholderId: person, touchpointId: touchpoint, occurredAt: "2026-03-02T00:00:00Z", note: "her sister collects the shoes" },
    });
    const fb = await staff.ok<any>(SUBMIT, {
      i: {
        organizationId: org.id,
        items: [
          {
            clientSubmissionId: "w-1",
            surveyId: survey,
            stakeholderId: person,
            touchpointId: touchpoint,
            collectedAt: "2026-03-03T00:00:00Z",
            comment: "the shoes pinch, tell the teacher",
            answers: [
              { key: "nps", value: 3 },
              { key: "why", value: "call back after the family dispute" },
            ],
          },
        ],
      },
    });
    expect(fb.submitFeedback.created).toBe(1);
    const a = await staff.ok<any>(`mutation($i: CreateActionInput!) { createAction(input: $i) { id } }`, {
      i: { organizationId: org.id, title: "Visit Grace Wanjiru", description: "Wanjiru family: shoes pinch", stakeholderId: person, ownerAreaId: org.areas.Programmes },
    });
    actionId = a.createAction.id;
    await staff.ok(`mutation($i: UpdateActionInput!) { updateAction(input: $i) { id } }`, {
      i: { id: actionId, rootCause: "ROOT1 Wanjiru family dispute", notes: "spoke to her sister" },
    });
    await staff.ok(`mutation($i: CloseLoopInput!) { closeLoop(input: $i) { id } }`, {
      i: { actionId, channel: "PHONE", message: "Told Grace Wanjiru new shoes come Friday" },
    });
    // A pair of shoes delivered to her, with an evidence note that names people.
    programme = (
      await app.ok<any>(`mutation($i: CreateProgrammeInput!) { createProgramme(input: $i) { id } }`, { i: { organizationId: org.id, name: "Shoes", activeFrom: "2026-01-01T00:00:00Z" } })
    ).createProgramme.id;
    const delivered = await staff.ok<any>(DELIVER, {
      i: { organizationId: org.id, items: [{ clientKey: "d-1", programmeId: programme, deliveredAt: "2026-03-04T00:00:00Z", units: 1, beneficiaryId: person, evidenceNote: "her sister Wanjiru signed" }] },
    });
    expect(delivered.recordDeliveries.created).toBe(1);
    writtenExport = (await staff.ok<any>(EXPORT, { id: person })).stakeholderExport;
  });
  afterAll(() => app.close());

  it("lists every text column of every table about a stakeholder as personal or not, and the audit triggers redact every personal one", async () => {
    // Every table with rows about one stakeholder (a stakeholder_id column), the stakeholders and the answers.
    const about: { t: string }[] = await app.db.query(
      `SELECT DISTINCT table_name AS t FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'stakeholder_id'`,
    );
    const tables = [...new Set([...Object.keys(PERSONAL_ROWS), ...about.map((x) => x.t)])].sort();
    const columns: { table: string; column: string }[] = await app.db.query(
      `SELECT table_name AS table, column_name AS column FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ANY($1) AND data_type IN ('text', 'character varying', 'character', 'USER-DEFINED', 'jsonb')
          AND column_name NOT LIKE '%\\_id' ORDER BY 1, 2`,
      [tables],
    );
    const personal = new Set(PERSONAL_COLUMNS.map((c) => `${c.table}.${c.column}`));
    const unclassified = columns.map((c) => `${c.table}.${c.column}`).filter((k) => !personal.has(k) && !(k in NOT_PERSONAL));
    expect(unclassified).toEqual([]);
    // Every listed column exists.
    for (const c of PERSONAL_COLUMNS) expect(columns.map((x) => `${x.table}.${x.column}`)).toContain(`${c.table}.${c.column}`);
    // Both audit triggers of each table redact its personal columns (their arguments).
    const triggers: { table: string; name: string; args: string[] }[] = await app.db.query(
      `SELECT c.relname AS table, t.tgname AS name,
              coalesce((SELECT array_agg(a) FROM unnest(string_to_array(rtrim(encode(t.tgargs, 'escape'), '\\000'), '\\000')) AS a WHERE a <> ''), '{}') AS args
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relname = ANY($1) AND t.tgname IN ('audit', 'audit_insert') AND NOT t.tgisinternal`,
      [tables],
    );
    for (const table of Object.keys(PERSONAL_ROWS)) {
      const wanted = PERSONAL_COLUMNS.filter((c) => c.table === table).map((c) => c.column).sort();
      for (const name of ["audit", "audit_insert"]) {
        const t = triggers.find((x) => x.table === table && x.name === name);
        expect({ table, name, redacts: wanted.filter((w) => t?.args.includes(w)) }).toEqual({ table, name, redacts: wanted });
      }
    }
  });

  it("exports every personal field that was written, before the erasure", async () => {
    const e = writtenExport;
    expect(e.stakeholder.externalRef).toBe("W-77");
    expect(e.contact).toMatchObject({ fullName: "Grace Wanjiru", phone: "+254 722 000 777", email: "grace@example.org", address: "Plot 9, Nyeri" });
    expect(e.interactions[0].note).toBe("her sister collects the shoes");
    expect(e.feedback[0].comment).toBe("the shoes pinch, tell the teacher");
    expect(e.deliveries[0]).toMatchObject({ programme: "Shoes", units: 1, evidenceNote: "her sister Wanjiru signed" });
    expect(e.feedback[0].answers).toEqual([
      { question: "nps", value: "3" },
      { question: "why", value: "call back after the family dispute" },
    ]);
    expect(e.actions[0]).toMatchObject({
      title: "Visit Grace Wanjiru",
      description: "Wanjiru family: shoes pinch",
      rootCause: "ROOT1 Wanjiru family dispute",
      notes: "spoke to her sister",
      loopMessage: "Told Grace Wanjiru new shoes come Friday",
    });
    // Every listed column has its place in the document.
    for (const c of PERSONAL_COLUMNS) {
      if (c.exported === null) continue;
      const [section, field] = c.exported.split(".");
      const part = Array.isArray(e[section]) ? e[section][0] : e[section];
      expect({ column: `${c.table}.${c.column}`, present: part !== null && part !== undefined && field in part }).toEqual({ column: `${c.table}.${c.column}`, present: true });
    }
  });

  it("forgets the person: found nowhere afterwards, in GraphQL, the audit log, the export or any table; aggregates unchanged", async () => {
    const npsBefore = await staff.ok<any>(NPS, { o: org.id });
    const funnelBefore = await staff.ok<any>(FUNNEL, { o: org.id });
    await staff.ok(`mutation($id: ID!) { forgetStakeholder(id: $id) { id } }`, { id: person });

    const action = await staff.ok<any>(`query($id: ID!) { action(id: $id) { title description rootCause notes loopMessage loopClosedAt } }`, { id: actionId });
    expect(action.action).toMatchObject({ title: "[erased]", description: null, rootCause: null, notes: null, loopMessage: "[erased]" });
    expect(action.action.loopClosedAt).not.toBeNull(); // the loop was closed: that stays, for loop closure

    const after = JSON.stringify((await staff.ok<any>(EXPORT, { id: person })).stakeholderExport);
    const log = JSON.stringify(await app.db.query(`SELECT before, after FROM audit_log WHERE organization_id = $1`, [org.id]));
    // Every row of every table of the organization, as text.
    const tables: { t: string }[] = await app.db.query(
      `SELECT table_name AS t FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'organization_id' AND table_name NOT LIKE 'pg_%'`,
    );
    let everything = "";
    for (const { t } of tables) everything += JSON.stringify(await app.db.query(`SELECT to_jsonb(x) AS j FROM ${t} x WHERE organization_id = $1`, [org.id]));
    for (const secret of SECRETS) {
      expect({ secret, export: after.includes(secret), auditLog: log.includes(secret), tables: everything.includes(secret) }).toEqual({ secret, export: false, auditLog: false, tables: false });
    }
    expect(await staff.ok<any>(NPS, { o: org.id })).toEqual(npsBefore);
    expect(await staff.ok<any>(FUNNEL, { o: org.id })).toEqual(funnelBefore);
  });

  it("refuses new personal data about the erased person, with a coded error naming the field", async () => {
    const refused = (r: any, field: string) => expect(r.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field, reason: "ERASED" });
    refused(await staff.gql(`mutation($i: UpdateStakeholderInput!) { updateStakeholder(input: $i) { id } }`, { i: { id: person, externalRef: "W-78" } }), "externalRef");
    refused(await staff.gql(`mutation($i: SetContactInput!) { setStakeholderContact(input: $i) { id } }`, { i: { stakeholderId: person, phone: "+254 722 000 778" } }), "stakeholderId");
    refused(
      await staff.gql(`mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }`, { i: { stakeholderId: person, touchpointId: touchpoint, note: "new note" } }),
      "note",
    );
    refused(
      await staff.gql(`mutation($i: CreateActionInput!) { createAction(input: $i) { id } }`, { i: { organizationId: org.id, title: "again", stakeholderId: person, ownerAreaId: org.areas.Programmes } }),
      "stakeholderId",
    );
    refused(await staff.gql(`mutation($i: UpdateActionInput!) { updateAction(input: $i) { id } }`, { i: { id: actionId, rootCause: "new cause" } }), "rootCause");
    refused(await staff.gql(`mutation($i: UpdateActionInput!) { updateAction(input: $i) { id } }`, { i: { id: actionId, notes: "new notes" } }), "notes");
    refused(await staff.gql(`mutation($i: CloseLoopInput!) { closeLoop(input: $i) { id } }`, { i: { actionId, channel: "SMS", message: "hello again" } }), "message");
    // Feedback: an item with the person's words is rejected with its reasons; scores alone still count.
    const item = (key: string, extra: Record<string, unknown>) => ({
      clientSubmissionId: key,
      surveyId: survey,
      stakeholderId: person,
      touchpointId: touchpoint,
      collectedAt: "2026-04-01T00:00:00Z",
      answers: [{ key: "nps", value: 9 }],
      ...extra,
    });
    const r = await staff.ok<any>(SUBMIT, {
      i: {
        organizationId: org.id,
        items: [
          item("w-2", { comment: "new words" }),
          item("w-3", { answers: [{ key: "nps", value: 9 }, { key: "why", value: "more words" }] }),
          item("w-4", {}),
        ],
      },
    });
    expect(r.submitFeedback.items.map((i: any) => [i.status, i.errors.map((e: any) => e.field)])).toEqual([
      ["REJECTED", ["comment"]],
      ["REJECTED", ["answers.1.value"]],
      ["CREATED", []],
    ]);
    expect(r.submitFeedback.items[0].errors[0].message).toMatch(/erased/);
    // Free-text attributes too (gender and age band are choices from a list, and still change).
    refused(await staff.gql(`mutation($i: UpdateStakeholderInput!) { updateStakeholder(input: $i) { id } }`, { i: { id: person, region: "Grace's house" } }), "region");
    refused(await staff.gql(`mutation($i: UpdateStakeholderInput!) { updateStakeholder(input: $i) { id } }`, { i: { id: person, segment: "wife of John" } }), "segment");
    await staff.ok(`mutation($i: UpdateStakeholderInput!) { updateStakeholder(input: $i) { id } }`, { i: { id: person, ageBand: "AGE_25_34" } });
    // A retry of the erased person's stored response confirms nothing: the right words and wrong ones get the same answer.
    const retry = (comment: string) =>
      staff.ok<any>(SUBMIT, {
        i: {
          organizationId: org.id,
          dryRun: true,
          items: [
            {
              clientSubmissionId: "w-1",
              surveyId: survey,
              stakeholderId: person,
              touchpointId: touchpoint,
              collectedAt: "2026-03-03T00:00:00Z",
              comment,
              answers: [
                { key: "nps", value: 3 },
                { key: "why", value: "call back after the family dispute" },
              ],
            },
          ],
        },
      });
    const right = await retry("the shoes pinch, tell the teacher");
    const wrong = await retry("a wrong guess");
    expect(right).toEqual(wrong);
    expect(right.submitFeedback.items[0]).toMatchObject({ status: "REJECTED", errors: [{ field: "comment" }, { field: "answers.1.value" }] });
    // Without words, the stored response can't be compared either (its hash covered the words): CONFLICT, saying why.
    const scores = await staff.ok<any>(SUBMIT, {
      i: { organizationId: org.id, dryRun: true, items: [{ clientSubmissionId: "w-1", surveyId: survey, stakeholderId: person, touchpointId: touchpoint, collectedAt: "2026-03-03T00:00:00Z", answers: [{ key: "nps", value: 3 }] }] },
    });
    expect(scores.submitFeedback.items[0]).toMatchObject({ status: "CONFLICT", errors: [{ field: "clientSubmissionId", message: expect.stringMatching(/erased/) }] });
    const [hash] = await app.db.query(`SELECT trim(content_hash) AS h FROM feedback_responses WHERE organization_id = $1 AND client_submission_id = 'w-1'`, [org.id]);
    expect(hash.h).toBe("[erased]");
    // A delivery: with a note about her, refused with its reason; without one, it still counts.
    const deliveries = await staff.ok<any>(DELIVER, {
      i: {
        organizationId: org.id,
        items: [
          { clientKey: "d-2", programmeId: programme, deliveredAt: "2026-04-01T00:00:00Z", units: 1, beneficiaryId: person, evidenceNote: "new note" },
          { clientKey: "d-3", programmeId: programme, deliveredAt: "2026-04-01T00:00:00Z", units: 1, beneficiaryId: person },
        ],
      },
    });
    expect(deliveries.recordDeliveries.items).toEqual([
      { status: "REJECTED", errors: [{ field: "evidenceNote", message: expect.stringMatching(/erased/) }] },
      { status: "CREATED", errors: [] },
    ]);
    // Writes that carry no personal data still go through: a status change, a visit without a note.
    await staff.ok(`mutation($i: UpdateActionInput!) { updateAction(input: $i) { id } }`, { i: { id: actionId, status: "DONE" } });
    await staff.ok(`mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }`, { i: { stakeholderId: person, touchpointId: touchpoint } });
  });
  it("keeps \"erased-<id>\" for the erased: a reference starting so is refused, so no one can make an erasure fail", async () => {
    const CREATE = `mutation($i: CreateStakeholderInput!) { createStakeholder(input: $i) { id } }`;
    const FORGET = `mutation($id: ID!) { forgetStakeholder(id: $id) { externalRef erasedAt } }`;
    const other = (await staff.ok<any>(CREATE, { i: { organizationId: org.id, kind: "BENEFICIARY", externalRef: "V-2" } })).createStakeholder.id;
    const victim = (
      await staff.ok<any>(CREATE, { i: { organizationId: org.id, kind: "BENEFICIARY", externalRef: "V-1", contact: { fullName: "Akinyi Otieno" } } })
    ).createStakeholder.id;
    const badRef = (r: any, field: string) => {
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(r.errors[0].message).toMatch(/erased-/);
    };
    // Before: this registration went through, and the victim's erasure then failed with INTERNAL_SERVER_ERROR.
    badRef(await staff.gql(CREATE, { i: { organizationId: org.id, kind: "BENEFICIARY", externalRef: `erased-${rowId(victim)}` } }), "externalRef");
    badRef(await staff.gql(`mutation($i: UpdateStakeholderInput!) { updateStakeholder(input: $i) { id } }`, { i: { id: other, externalRef: `ERASED-${rowId(victim)}` } }), "externalRef");
    const fb = await staff.ok<any>(SUBMIT, {
      i: {
        organizationId: org.id,
        items: [{ clientSubmissionId: "v-1", surveyId: survey, newBeneficiary: { externalRef: `erased-${rowId(victim)}` }, touchpointId: touchpoint, collectedAt: "2026-04-01T00:00:00Z", answers: [{ key: "nps", value: 9 }] }],
      },
    });
    expect(fb.submitFeedback.items.map((i: any) => [i.status, i.errors.map((e: any) => e.field)])).toEqual([["REJECTED", ["newBeneficiary.externalRef"]]]);
    // A reference taken before the rule (written here behind the API's back): the erasure is a CONFLICT naming it, and nothing is erased.
    await app.db.query(`UPDATE stakeholders SET external_ref = $3 WHERE organization_id = $1 AND id = $2`, [org.id, other, `erased-${rowId(victim)}`]);
    const clash = await staff.gql(FORGET, { id: victim });
    expect(clash.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "id" });
    const [kept] = await app.db.query(`SELECT s.external_ref, s.erased_at, c.full_name FROM stakeholders s JOIN stakeholder_contacts c ON c.organization_id = s.organization_id AND c.stakeholder_id = s.id WHERE s.id = $1`, [victim]);
    expect(kept).toEqual({ external_ref: "V-1", erased_at: null, full_name: "Akinyi Otieno" });
    // Once that reference is changed, the erasure goes through.
    await staff.ok(`mutation($i: UpdateStakeholderInput!) { updateStakeholder(input: $i) { id } }`, { i: { id: other, externalRef: "V-2" } });
    const done = await staff.ok<any>(FORGET, { id: victim });
    expect(done.forgetStakeholder.externalRef).toBe(`erased-${rowId(victim)}`);
  });
});
