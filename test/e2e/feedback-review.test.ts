import { Caller, rowId, startTestApp, TestApp } from "../helpers/app";
import { createOrg, createStakeholder, OrgFixture } from "../helpers/fixtures";

/**
 * Fixes from a review of feedback, actions and goals, each with the case that showed the bug:
 * funders probing comments through nps(filter.text), actionSummary's counts shown to funders,
 * dates that match YYYY-MM-DD but don't exist, back-dated loop closures, closedOnTime meaning two
 * things, inactive surveys, the CONFLICT field, a survey's stage, and retroactive due dates.
 * Dates are relative to now (DAY = one day), so the expectations hold whatever day this runs.
 */

const DAY = 24 * 3600 * 1000;
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const SUBMIT = `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created duplicates conflicts rejected valid items { index clientKey status id errors { field message } } } }`;

describe("feedback, actions and goals: review fixes", () => {
  let app: TestApp;
  let org: OrgFixture;
  let funder: Caller;
  let staff: Caller;
  let survey: string;
  let tp: string;
  let seq = 0;

  const newSurvey = async (input: Record<string, unknown>) =>
    (await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id stage { id } touchpoint { id } } }`, {
      i: { organizationId: org.id, name: `Survey ${++seq}`, audience: "CUSTOMER", questions: [{ key: "nps", type: "NPS", text: "Recommend us?" }], ...input },
    })).createSurvey;
  /** One response by a new customer; returns its id. */
  const respond = async (nps: number, comment: string | null, collectedAt = at(-1), surveyId = survey) => {
    const who = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: `C-${++seq}` });
    const r = await app.ok<any>(SUBMIT, {
      i: { organizationId: org.id, items: [{ clientSubmissionId: `r-${seq}`, surveyId, stakeholderId: who, touchpointId: tp, collectedAt, answers: [{ key: "nps", value: nps }], comment }] },
    });
    expect(r.submitFeedback.items[0]).toMatchObject({ status: "CREATED" });
    return r.submitFeedback.items[0].id as string;
  };

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Review Org", "CUSTOMER_IS_BENEFICIARY");
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    staff = app.as(await app.issue("MEMBER", [{ organizationId: org.id, role: "STAFF" }]));
    tp = (await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, {
      i: { stageId: org.customerStages.Use, name: "Delivery", channel: "FIELD_VISIT", functionalAreaId: org.areas.Operations },
    })).createTouchpoint.id;
    survey = (await newSurvey({ touchpointId: tp })).id;
  });
  afterAll(() => app.close());

  describe("1. nps: funders can't filter by the words of comments", () => {
    const NPS = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!, $f: FeedbackFilter) { nps(organizationId: $o, from: $from, to: $to, filter: $f) { sampleSize detractors suppressed } }`;
    const period = () => ({ from: at(-30), to: at(1) });

    beforeAll(async () => {
      await respond(2, "The lamp cracked after a week");
      await respond(10, "Bright and cheap");
    });

    it("FORBIDDEN on filter.text for a funder, whatever the words and with or without npsClass", async () => {
      for (const f of [{ text: "cracked" }, { text: "zebra" }, { text: "cracked", npsClass: "DETRACTOR" }, { text: "" }]) {
        const r = await funder.gql<any>(NPS, { o: org.id, ...period(), f });
        expect(r.data).toBeNull();
        expect(r.errors?.[0].extensions).toEqual({ code: "FORBIDDEN", field: "filter.text" });
      }
    });

    it("the funder still gets the aggregate with the other filters (suppressed: 2 people < 10)", async () => {
      const r = await funder.ok<any>(NPS, { o: org.id, ...period(), f: { npsClass: "DETRACTOR", touchpointId: tp } });
      expect(r.nps).toEqual({ sampleSize: null, detractors: null, suppressed: true });
    });

    it("staff may search comments", async () => {
      expect((await staff.ok<any>(NPS, { o: org.id, ...period(), f: { text: "cracked" } })).nps).toEqual({ sampleSize: 1, detractors: 1, suppressed: false });
      expect((await staff.ok<any>(NPS, { o: org.id, ...period(), f: { text: "zebra" } })).nps).toEqual({ sampleSize: 0, detractors: 0, suppressed: false });
    });
  });

  describe("2 and 5. actionSummary: closed on time by the due date, suppressed for funders", () => {
    /**
     * Hand-made actions, all due in the period [now - 100 days, now + 30 days):
     *   Operations  A 12 due in the past, loop closed 1 day before due, DONE
     *               B  1 due in 10 days, loop closed now (on time though not yet due), IN_PROGRESS
     *               C  3 due in the past, loop closed 1 day after due, DONE
     *               D 10 due in the past, loop not closed, OPEN (overdue)
     *               E  2 due in 10 days, loop not closed, OPEN (not yet due: counted nowhere)
     *   Sales          2 due in the past, closed on time, DONE; 1 due in the past, not closed, OPEN
     * Staff, Operations: open B + D + E = 13, overdue 10; closedOnTime A + B = 13, closedLate 3,
     *   notClosed 10, onTimeRate 13 / 26 = 50.  Sales: open 1, overdue 1, 2 / 0 / 1, 2 / 3 = 66.67.
     * Funder (k = 10): the owners are the rows of two-way tables whose column totals are the
     * organization's counts (impactReport.loops shows those of the loops).
     *   Loops: Operations 13 + 3 + 10 = 26, Sales 2 + 0 + 1 = 3, organization 15 + 3 + 11 = 29.
     *   Below 10: Operations' late 3; Sales' 2, 1 and its due 3; the organization's late 3.
     *   Operations' row: the 3 alone -> notClosed 10 too (13 hidden). Organization's row: late 3
     *   alone -> notClosed 11 too (14 hidden). closedOnTime column 13 + 2 = 15 (shown in the
     *   report): Sales' 2 alone -> Operations' 13 too, else 15 - 13 = 2. Due column 26 + 3 = 29:
     *   Sales' 3 alone -> Operations' 26 too, else 29 - 26 = 3; Operations' rate goes with it.
     *   Open: Operations 13 = overdue 10 + 3 not overdue, Sales 1 = 1 + 0, organization 14 = 11 + 3.
     *   Below 10: Operations' 3, Sales' 1 and 1, the organization's 3 -> Operations' overdue 10 and
     *   the organization's 11 hidden with them. Open column 13 + 1 = 14: Sales' 1 alone ->
     *   Operations' open 13 too.
     *   Sales: everything hidden but closedLate 0; Operations: everything hidden.
     */
    let from: string;
    let to: string;
    const SUMMARY = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { actionSummary(organizationId: $o, from: $from, to: $to) {
      suppression { applied threshold } owners { owner { name } open overdue closedOnTime closedLate notClosed onTimeRate suppressed } } }`;

    /** An action due `due` days from now; created 2 days before its due date (history written directly), then loop closed and status set through the API. */
    const action = async (owner: string, due: number, loop: "early" | "late" | "now" | null, status: "DONE" | "IN_PROGRESS" | "OPEN") => {
      const id = (await app.ok<any>(`mutation($i: CreateActionInput!) { createAction(input: $i) { id } }`, {
        i: { organizationId: org.id, title: "Call back", ownerAreaId: owner, dueAt: at(due) },
      })).createAction.id;
      if (due < 0) await app.db.query(`UPDATE actions SET created_at = $2 WHERE id = $1`, [id, at(due - 2)]);
      if (loop) {
        const closedAt = loop === "early" ? at(due - 1) : loop === "late" ? at(due + 1) : null;
        await app.ok(`mutation($i: CloseLoopInput!) { closeLoop(input: $i) { id } }`, { i: { actionId: id, message: "We came back to you", channel: "PHONE", closedAt } });
      }
      if (status !== "OPEN") await app.ok(`mutation($i: UpdateActionInput!) { updateAction(input: $i) { id } }`, { i: { id, status } });
    };

    beforeAll(async () => {
      from = at(-100);
      to = at(30);
      const ops = org.areas.Operations;
      for (let i = 0; i < 12; i++) await action(ops, -5 - i, "early", "DONE");
      await action(ops, 10, "now", "IN_PROGRESS");
      for (let i = 0; i < 3; i++) await action(ops, -20 - i, "late", "DONE");
      for (let i = 0; i < 10; i++) await action(ops, -30 - i, null, "OPEN");
      for (let i = 0; i < 2; i++) await action(ops, 10, null, "OPEN");
      await action(org.areas.Sales, -6, "early", "DONE");
      await action(org.areas.Sales, -7, "early", "DONE");
      await action(org.areas.Sales, -8, null, "OPEN");
    });

    it("staff see every number; closedOnTime counts a loop closed before a due date still ahead", async () => {
      const s = (await staff.ok<any>(SUMMARY, { o: org.id, from, to })).actionSummary;
      expect(s.suppression).toEqual({ applied: false, threshold: 10 });
      expect(s.owners).toEqual([
        { owner: { name: "Operations" }, open: 13, overdue: 10, closedOnTime: 13, closedLate: 3, notClosed: 10, onTimeRate: 50, suppressed: [] },
        { owner: { name: "Sales" }, open: 1, overdue: 1, closedOnTime: 2, closedLate: 0, notClosed: 1, onTimeRate: 66.67, suppressed: [] },
      ]);
    });

    it("closedOnTime agrees with actions(filter: { closedOnTime })", async () => {
      const n = async (filter: Record<string, unknown>) =>
        (await staff.ok<any>(`query($o: ID!, $f: ActionFilter) { actions(organizationId: $o, filter: $f) { totalCount } }`, { o: org.id, f: filter })).actions.totalCount;
      expect(await n({ closedOnTime: true, ownerAreaId: org.areas.Operations })).toBe(13);
      expect(await n({ closedOnTime: true, ownerAreaId: org.areas.Sales })).toBe(2);
      // Late (3) or not closed (10 past due + 2 not yet due).
      expect(await n({ closedOnTime: false, ownerAreaId: org.areas.Operations })).toBe(15);
    });

    it("funders get counts below k hidden, with complements, and the rate only when all its parts may be shown", async () => {
      const s = (await funder.ok<any>(SUMMARY, { o: org.id, from, to })).actionSummary;
      expect(s.suppression).toEqual({ applied: true, threshold: 10 });
      expect(s.owners).toEqual([
        // Was open 13, closedOnTime 13 and rate 50: with impactReport's closedOnTime 15, 15 - 13 gave Sales' 2 back.
        {
          owner: { name: "Operations" },
          open: null,
          overdue: null,
          closedOnTime: null,
          closedLate: null,
          notClosed: null,
          onTimeRate: null,
          suppressed: ["open", "overdue", "closedOnTime", "closedLate", "notClosed", "onTimeRate"],
        },
        {
          owner: { name: "Sales" },
          open: null,
          overdue: null,
          closedOnTime: null,
          closedLate: 0,
          notClosed: null,
          onTimeRate: null,
          suppressed: ["open", "overdue", "closedOnTime", "notClosed", "onTimeRate"],
        },
      ]);
    });

    it("impactReport's loops, in the same request, are the organization's row of the same table", async () => {
      // 15 + 3 + 11 = 29: late 3 below 10, notClosed 11 hidden with it; closedOnTime 15 and due 29
      // shown, rate 15 / 29 = 51.72 (15 and 14 both >= 10). With Operations' 13 hidden, 15 gives
      // nothing back.
      const both = await funder.ok<any>(
        `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
          impactReport(organizationId: $o, from: $from, to: $to) { loops { due closedOnTime closedLate notClosed onTimeRate } }
          actionSummary(organizationId: $o, from: $from, to: $to) { owners { closedOnTime } } }`,
        { o: org.id, from, to },
      );
      expect(both.impactReport.loops).toEqual({ due: 29, closedOnTime: 15, closedLate: null, notClosed: null, onTimeRate: 51.72 });
      expect(both.actionSummary.owners).toEqual([{ closedOnTime: null }, { closedOnTime: null }]);
    });
  });

  describe("3. date-only inputs must be real calendar dates", () => {
    let goal: string;
    let intervention: string;
    let metric: string;
    beforeAll(async () => {
      goal = (await app.ok<any>(`mutation($i: CreateExperienceGoalInput!) { createExperienceGoal(input: $i) { id } }`, {
        i: { organizationId: org.id, statement: "The lamp works the day it arrives", touchpointId: tp },
      })).createExperienceGoal.id;
      intervention = (await app.ok<any>(`mutation($i: InterventionInput!) { addIntervention(input: $i) { id } }`, {
        i: { goalId: goal, title: "Test every lamp", ownerAreaId: org.areas.Operations, startsOn: "2026-01-01", endsOn: "2026-06-30" },
      })).addIntervention.id;
      metric = (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
        i: { organizationId: org.id, name: "Delivery days", category: "KPI", perspective: "CUSTOMER", kind: "INPUT", unit: "DAYS", aggregation: "AVERAGE", direction: "LOWER_IS_BETTER" },
      })).createMetric.id;
    });

    const bad = async (doc: string, input: Record<string, unknown>, field: string) => {
      const r = await app.gql<any>(doc, { i: input });
      expect(r.data).toBeNull();
      expect(r.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(r.errors?.[0].message).toBe(`${field}: ${field} must be a date YYYY-MM-DD that exists, e.g. 2026-02-28`);
    };
    const ADD = `mutation($i: InterventionInput!) { addIntervention(input: $i) { id startsOn endsOn } }`;
    const UPDATE = `mutation($i: UpdateInterventionInput!) { updateIntervention(input: $i) { id endsOn } }`;

    it("addIntervention and updateIntervention: BAD_USER_INPUT on the field, nothing written", async () => {
      const base = { goalId: goal, title: "Spare parts", ownerAreaId: org.areas.Operations, startsOn: "2026-03-01", endsOn: "2026-04-01" };
      await bad(ADD, { ...base, startsOn: "2026-13-01" }, "startsOn");
      await bad(ADD, { ...base, endsOn: "2026-04-31" }, "endsOn");
      await bad(ADD, { ...base, startsOn: "2026-00-10" }, "startsOn");
      await bad(ADD, { ...base, endsOn: "2027-02-29" }, "endsOn"); // 2027 is not a leap year
      await bad(UPDATE, { id: intervention, endsOn: "2027-02-30" }, "endsOn");
      await bad(UPDATE, { id: intervention, endsOn: "0000-01-01" }, "endsOn");
      const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM interventions WHERE goal_id = $1`, [goal]);
      expect(n).toBe(1);
      expect((await app.ok<any>(UPDATE, { i: { id: intervention, endsOn: "2028-02-29" } })).updateIntervention.endsOn).toBe("2028-02-29");
      expect((await app.ok<any>(ADD, { i: { ...base, startsOn: "2000-02-29", endsOn: "2026-12-31" } })).addIntervention).toMatchObject({ startsOn: "2000-02-29", endsOn: "2026-12-31" });
    });

    it("submitFeedback: a collectedAt whose date doesn't exist is REJECTED on collectedAt (not rolled over to March)", async () => {
      const who = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "DATE-1" });
      const item = (collectedAt: string) => ({ clientSubmissionId: `date-${collectedAt}`, surveyId: survey, stakeholderId: who, collectedAt, answers: [{ key: "nps", value: 8 }] });
      const r = (await app.ok<any>(SUBMIT, { i: { organizationId: org.id, dryRun: true, items: [item("2026-02-30T10:00:00Z"), item("2025-04-31T00:00:00+03:00"), item("2024-02-29T10:00:00Z")] } })).submitFeedback;
      expect(r.items.map((i: any) => i.status)).toEqual(["REJECTED", "REJECTED", "VALID"]);
      expect(r.items[0].errors).toEqual([{ field: "collectedAt", message: "collectedAt must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T09:30:00Z" }]);
    });

    it("createMetric and updateMetric baselineDate", async () => {
      const base = { organizationId: org.id, name: "Lamps working", category: "KPI", perspective: "CUSTOMER", kind: "OUTPUT", unit: "PERCENT", aggregation: "AVERAGE" };
      await bad(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, { ...base, baselineDate: "2026-02-30" }, "baselineDate");
      await bad(`mutation($i: UpdateMetricInput!) { updateMetric(input: $i) { id } }`, { id: metric, baselineDate: "2025-06-31" }, "baselineDate");
      const ok = await app.ok<any>(`mutation($i: UpdateMetricInput!) { updateMetric(input: $i) { baselineDate } }`, { i: { id: metric, baselineDate: "2024-02-29" } });
      expect(ok.updateMetric.baselineDate).toBe("2024-02-29");
    });
  });

  describe("4. closeLoop: closedAt not before the action, nor the response, nor in the future", () => {
    let actionId: string;
    let createdAt: string;
    beforeAll(async () => {
      // A detractor collected 10 days ago; a rule opened afterwards opens its action now.
      const response = await respond(1, "Nobody came", at(-10));
      await app.ok(`mutation($i: CreateActionRuleInput!) { createActionRule(input: $i) { id } }`, {
        i: { organizationId: org.id, name: "Detractors (loops)", kind: "DETRACTOR", applyToExisting: true },
      });
      const a = await staff.ok<any>(`query($o: ID!) { actions(organizationId: $o, first: 500) { edges { node { id createdAt response { id } } } } }`, { o: org.id });
      const node = a.actions.edges.map((e: any) => e.node).find((n: any) => n.response?.id === response);
      actionId = node.id;
      createdAt = node.createdAt;
    });
    const CLOSE = `mutation($i: CloseLoopInput!) { closeLoop(input: $i) { id loopClosedAt closedOnTime } }`;
    const close = (closedAt: string | null) => staff.gql<any>(CLOSE, { i: { actionId, message: "A technician is on his way", channel: "PHONE", closedAt } });

    it("rejects a closedAt before the response was collected, before the action was created, or in the future", async () => {
      for (const [closedAt, message] of [
        [at(-11), /before the action was created/],
        [at(-5), /before the action was created/],
        [new Date(new Date(createdAt).getTime() - 1).toISOString(), /before the action was created/],
        [at(1), /closedAt is in the future/],
      ] as const) {
        const r = await close(closedAt);
        expect(r.data).toBeNull();
        expect(r.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "closedAt" });
        expect(r.errors?.[0].message).toMatch(message);
      }
      const [row] = await app.db.query(`SELECT loop_closed_at FROM actions WHERE id = $1`, [actionId]);
      expect(row.loop_closed_at).toBeNull();
    });

    it("accepts closedAt at the action's creation, and the default (now)", async () => {
      expect((await close(createdAt)).data?.closeLoop).toEqual({ id: actionId, loopClosedAt: createdAt, closedOnTime: true });
      const now = (await close(null)).data?.closeLoop;
      expect(now.closedOnTime).toBe(true);
      expect(Math.abs(new Date(now.loopClosedAt).getTime() - Date.now())).toBeLessThan(60000);
    });

    it("rejects a closedAt before the response was collected even when the action is older (names the response)", async () => {
      // Only hand-made data can have an action created before its response was collected.
      await app.db.query(`UPDATE actions SET created_at = $2 WHERE id = $1`, [actionId, at(-20)]);
      const r = await close(at(-15));
      expect(r.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "closedAt" });
      expect(r.errors?.[0].message).toMatch(/before the response it follows up was collected/);
    });
  });

  describe("6. surveys and submitFeedback", () => {
    it("rejects responses to an inactive survey, with the reason on surveyId; stored again once active", async () => {
      const s = (await newSurvey({})).id;
      await app.ok(`mutation($i: UpdateSurveyInput!) { updateSurvey(input: $i) { active } }`, { i: { id: s, active: false } });
      const who = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "INACTIVE-1" });
      const item = { clientSubmissionId: "inactive-1", surveyId: s, stakeholderId: who, collectedAt: at(-1), answers: [{ key: "nps", value: 9 }] };
      for (const dryRun of [true, false]) {
        const r = (await app.ok<any>(SUBMIT, { i: { organizationId: org.id, dryRun, items: [item] } })).submitFeedback;
        expect(r).toMatchObject({ created: 0, valid: 0, rejected: 1 });
        expect(r.items[0].errors).toEqual([{ field: "surveyId", message: "the survey is not active: it takes no responses (an admin can turn it on again with updateSurvey)" }]);
      }
      const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM feedback_responses WHERE survey_id = $1`, [s]);
      expect(n).toBe(0);
      await app.ok(`mutation($i: UpdateSurveyInput!) { updateSurvey(input: $i) { active } }`, { i: { id: s, active: true } });
      expect((await app.ok<any>(SUBMIT, { i: { organizationId: org.id, items: [item] } })).submitFeedback.created).toBe(1);
    });

    it("a retry after the survey was retired is still a DUPLICATE (or a CONFLICT); only new items are REJECTED", async () => {
      const s = (await newSurvey({})).id;
      const who = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "RETIRED-1" });
      const item = { clientSubmissionId: "retired-1", surveyId: s, stakeholderId: who, collectedAt: at(-1), answers: [{ key: "nps", value: 7 }] };
      const stored = (await app.ok<any>(SUBMIT, { i: { organizationId: org.id, items: [item] } })).submitFeedback.items[0];
      expect(stored.status).toBe("CREATED");
      await app.ok(`mutation($i: UpdateSurveyInput!) { updateSurvey(input: $i) { active } }`, { i: { id: s, active: false } });
      const fresh = { ...item, clientSubmissionId: "retired-2" };
      for (const dryRun of [true, false]) {
        const r = (await app.ok<any>(SUBMIT, { i: { organizationId: org.id, dryRun, items: [item, { ...item, comment: "changed" }, fresh] } })).submitFeedback;
        expect(r).toMatchObject({ created: 0, valid: 0, duplicates: 1, conflicts: 1, rejected: 1 });
        expect(r.items).toEqual([
          { index: 0, clientKey: "retired-1", status: "DUPLICATE", id: stored.id, errors: [] },
          {
            index: 1,
            clientKey: "retired-1",
            status: "CONFLICT",
            id: stored.id,
            errors: [{ field: "clientSubmissionId", message: "this clientSubmissionId was used before with different content; nothing was changed" }],
          },
          { index: 2, clientKey: "retired-2", status: "REJECTED", id: null, errors: [{ field: "surveyId", message: "the survey is not active: it takes no responses (an admin can turn it on again with updateSurvey)" }] },
        ]);
      }
      const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM feedback_responses WHERE survey_id = $1`, [s]);
      expect(n).toBe(1);
    });

    it("a CONFLICT names the input field clientSubmissionId", async () => {
      const who = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "CONFLICT-1" });
      const item = { clientSubmissionId: "conflict-1", surveyId: survey, stakeholderId: who, collectedAt: at(-1), answers: [{ key: "nps", value: 8 }] };
      await app.ok(SUBMIT, { i: { organizationId: org.id, items: [item] } });
      for (const dryRun of [true, false]) {
        const r = (await app.ok<any>(SUBMIT, { i: { organizationId: org.id, dryRun, items: [{ ...item, comment: "changed" }] } })).submitFeedback;
        expect(r.items[0]).toMatchObject({ status: "CONFLICT", clientKey: "conflict-1" });
        expect(r.items[0].errors).toEqual([{ field: "clientSubmissionId", message: "this clientSubmissionId was used before with different content; nothing was changed" }]);
      }
    });

    it("stores every answer of a 7-question survey, as CreateSurveyInput.questions says", async () => {
      const questions = [
        { key: "nps", type: "NPS", text: "Recommend us?" },
        ...[1, 2, 3].map((i) => ({ key: `r${i}`, type: "RATING", text: `Rating ${i}?` })),
        { key: "effort", type: "EFFORT", text: "Easy?" },
        { key: "yes", type: "YES_NO", text: "Working?" },
        { key: "why", type: "TEXT", text: "Why?" },
      ];
      const s = (await newSurvey({ questions })).id;
      const who = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "SEVEN-1" });
      const answers = [
        { key: "nps", value: 9 },
        { key: "r1", value: 5 },
        { key: "r2", value: 4 },
        { key: "r3", value: 3 },
        { key: "effort", value: 2 },
        { key: "yes", value: true },
        { key: "why", value: "Because" },
      ];
      const r = await app.ok<any>(SUBMIT, { i: { organizationId: org.id, items: [{ clientSubmissionId: "seven-1", surveyId: s, stakeholderId: who, collectedAt: at(-1), answers }] } });
      const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM feedback_answers WHERE response_id = $1`, [r.submitFeedback.items[0].id]);
      expect(n).toBe(7);
      const d = await app.ok<any>(`{ __type(name: "CreateSurveyInput") { inputFields { name description } } }`);
      const description = d.__type.inputFields.find((f: any) => f.name === "questions").description;
      expect(description).toBe("1 to 10 questions, asked in this order; a response stores an answer to every one of them it answers");
    });

    it("createSurvey with a touchpoint only: the survey is at the touchpoint's stage; a different stageId is refused", async () => {
      expect(await newSurvey({ touchpointId: tp })).toMatchObject({ stage: { id: org.customerStages.Use }, touchpoint: { id: tp } });
      expect(await newSurvey({ touchpointId: tp, stageId: org.customerStages.Use })).toMatchObject({ stage: { id: org.customerStages.Use } });
      expect(await newSurvey({ stageId: org.customerStages.Purchase })).toMatchObject({ stage: { id: org.customerStages.Purchase }, touchpoint: null });
      const r = await app.gql<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, {
        i: { organizationId: org.id, name: "Mismatch", audience: "CUSTOMER", touchpointId: tp, stageId: org.customerStages.Purchase, questions: [{ key: "nps", type: "NPS", text: "?" }] },
      });
      expect(r.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "stageId" });
      // A response at no touchpoint is at the survey's stage.
      const s = (await newSurvey({ touchpointId: tp })).id;
      const who = await createStakeholder(app, { organizationId: org.id, kind: "CUSTOMER", externalRef: "STAGE-1" });
      const made = await app.ok<any>(SUBMIT, { i: { organizationId: org.id, items: [{ clientSubmissionId: "stage-1", surveyId: s, stakeholderId: who, collectedAt: at(-1), answers: [{ key: "nps", value: 7 }] }] } });
      const [row] = await app.db.query(`SELECT stage_id FROM feedback_responses WHERE id = $1`, [made.submitFeedback.items[0].id]);
      expect(row.stage_id).toBe(rowId(org.customerStages.Use));
    });

    it("feedbackResponses: newest first, and its description says so", async () => {
      const d = await app.ok<any>(`{ __schema { queryType { fields { name description } } } }`);
      expect(d.__schema.queryType.fields.find((f: any) => f.name === "feedbackResponses").description).toMatch(/^Responses, newest first/);
      const list = await app.ok<any>(`query($o: ID!) { feedbackResponses(organizationId: $o, first: 500) { edges { node { collectedAt } } } }`, { o: org.id });
      const times = list.feedbackResponses.edges.map((e: any) => e.node.collectedAt);
      expect(times.length).toBeGreaterThan(3);
      expect([...times].sort().reverse()).toEqual(times);
    });
  });

  describe("7. rules applied to existing responses: due the follow-up time after the action is opened", () => {
    it("createActionRule and updateActionRule with applyToExisting; a new response: received + 48 h", async () => {
      // Organization default: followUpHours 48. A detractor received 30 days ago (history written directly).
      const old = await respond(0, "Broken on arrival", at(-31));
      await app.db.query(`UPDATE feedback_responses SET received_at = $2 WHERE id = $1`, [old, at(-30)]);
      const rule = (await app.ok<any>(`mutation($i: CreateActionRuleInput!) { createActionRule(input: $i) { id } }`, {
        i: { organizationId: org.id, name: "Broken", kind: "KEYWORD", keywords: ["broken"], applyToExisting: true },
      })).createActionRule.id;
      const opened = async () =>
        app.db.query(
          `SELECT r.id AS response, extract(epoch FROM a.due_at - a.created_at)::int AS after_created, extract(epoch FROM a.due_at - r.received_at)::int AS after_received,
                  a.due_at > now() AS ahead
             FROM actions a JOIN feedback_responses r ON r.id = a.response_id WHERE a.rule_id = $1 ORDER BY r.received_at`,
          [rule],
        );
      const [first] = await opened();
      expect(first).toMatchObject({ response: rowId(old), after_created: 48 * 3600, ahead: true });
      expect(first.after_received).toBeGreaterThan(30 * 24 * 3600);
      const overdue = await staff.ok<any>(`query($o: ID!) { actions(organizationId: $o, filter: { overdue: true }) { edges { node { response { id } } } } }`, { o: org.id });
      expect(overdue.actions.edges.map((e: any) => e.node.response?.id)).not.toContain(old);

      // Turned off, another old response arrives; turned on again with applyToExisting.
      await app.ok(`mutation($i: UpdateActionRuleInput!) { updateActionRule(input: $i) { id } }`, { i: { id: rule, active: false } });
      const second = await respond(3, "broken handle", at(-20));
      await app.db.query(`UPDATE feedback_responses SET received_at = $2 WHERE id = $1`, [second, at(-19)]);
      await app.ok(`mutation($i: UpdateActionRuleInput!) { updateActionRule(input: $i) { id } }`, { i: { id: rule, active: true, applyToExisting: true } });
      const rows = await opened();
      expect(rows.find((r: any) => r.response === rowId(second))).toMatchObject({ after_created: 48 * 3600, ahead: true });

      // A response submitted while the rule is on: opened with it, due received + 48 h.
      const fresh = await respond(4, "Broken again");
      expect((await opened()).find((r: any) => r.response === rowId(fresh))).toMatchObject({ after_created: 48 * 3600, after_received: 48 * 3600, ahead: true });
    });
  });

  describe("8. dueAt: at most 5 years back and 1 year ahead", () => {
    const CREATE = `mutation($i: CreateActionInput!) { createAction(input: $i) { id dueAt } }`;
    const UPDATE = `mutation($i: UpdateActionInput!) { updateAction(input: $i) { id dueAt } }`;
    const actionCount = async () => Number((await app.db.query(`SELECT count(*)::int AS n FROM actions WHERE organization_id = $1`, [org.id]))[0].n);

    it("createAction and updateAction refuse a dueAt outside [now - 5 years, now + 1 year], BAD_USER_INPUT on dueAt, and change nothing", async () => {
      const before = await actionCount();
      // 5 years back is 1826 or 1827 days; 1 year ahead 365 or 366.
      for (const dueAt of ["0001-01-01T00:00:00Z", at(-1830), at(367), "2999-01-01T00:00:00Z"]) {
        const r = await staff.gql(CREATE, { i: { organizationId: org.id, title: "Call back", ownerAreaId: org.areas.Operations, dueAt } });
        expect(r.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "dueAt" });
        expect(r.errors?.[0].message).toMatch(/^dueAt must be at most 5 years before now and at most 1 year after now/);
      }
      expect(await actionCount()).toBe(before);

      const inside = at(-1820);
      const made = (await staff.ok<any>(CREATE, { i: { organizationId: org.id, title: "Call back", ownerAreaId: org.areas.Operations, dueAt: inside } })).createAction;
      expect(made.dueAt).toBe(inside);
      const ahead = at(360);
      expect((await staff.ok<any>(CREATE, { i: { organizationId: org.id, title: "Call back", ownerAreaId: org.areas.Operations, dueAt: ahead } })).createAction.dueAt).toBe(ahead);
      for (const dueAt of ["0001-01-01T00:00:00Z", at(-1830), at(367)]) {
        const r = await staff.gql(UPDATE, { i: { id: made.id, dueAt, notes: "moved" } });
        expect(r.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "dueAt" });
      }
      const [row] = await app.db.query(`SELECT due_at, notes FROM actions WHERE id = $1`, [made.id]);
      expect([new Date(row.due_at).toISOString(), row.notes]).toEqual([inside, null]);
      const later = at(300);
      expect((await staff.ok<any>(UPDATE, { i: { id: made.id, dueAt: later } })).updateAction.dueAt).toBe(later);
    });
  });
  describe("5. closeLoop ends the action in the same call; actions in the order asked for", () => {
    let other: OrgFixture;
    const titles: Record<string, string> = {};
    const LIST = `query($o: ID!, $order: ActionOrder, $first: Int, $after: String) {
      actions(organizationId: $o, orderBy: $order, first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id title status } } } }`;
    const list = async (order: Record<string, string> | null, first = 50, after: string | null = null) => (await app.ok<any>(LIST, { o: other.id, order, first, after })).actions;
    const names = (page: any) => page.edges.map((e: any) => e.node.title);

    beforeAll(async () => {
      other = await createOrg(app, "Order Org", "CUSTOMER_IS_BENEFICIARY");
      // Made one after the other (A first, E last), due in 3, 1, 2, 4 and 0.5 days.
      for (const [title, days] of [["A", 3], ["B", 1], ["C", 2], ["D", 4], ["E", 0.5]] as const) {
        titles[title] = (
          await app.ok<any>(`mutation($i: CreateActionInput!) { createAction(input: $i) { id } }`, {
            i: { organizationId: other.id, title, ownerAreaId: other.areas.Operations, dueAt: at(days) },
          })
        ).createAction.id;
      }
      await app.ok(`mutation($i: UpdateActionInput!) { updateAction(input: $i) { id } }`, { i: { id: titles.C, status: "IN_PROGRESS" } });
      await app.ok(`mutation($i: UpdateActionInput!) { updateAction(input: $i) { id } }`, { i: { id: titles.D, status: "WONT_DO" } });
    });

    it("closes the loop and sets DONE at once; OPEN or IN_PROGRESS there are refused", async () => {
      const CLOSE = `mutation($i: CloseLoopInput!) { closeLoop(input: $i) { id status closedAt loopClosedAt loopMessage } }`;
      const refused = await app.gql<any>(CLOSE, { i: { actionId: titles.A, message: "Fixed", channel: "PHONE", status: "OPEN" } });
      expect(refused.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "status" });
      expect(refused.errors?.[0].message).toBe("status: must be DONE or WONT_DO: closing the loop ends the follow-up (leave it out to keep the status)");
      const closed = (await app.ok<any>(CLOSE, { i: { actionId: titles.A, message: "Fixed", channel: "PHONE", status: "DONE" } })).closeLoop;
      expect(closed).toMatchObject({ id: titles.A, status: "DONE", loopMessage: "Fixed" });
      expect(closed.closedAt).not.toBeNull();
      expect(closed.loopClosedAt).not.toBeNull();
      // Without status the action keeps its own (C stays IN_PROGRESS).
      expect((await app.ok<any>(CLOSE, { i: { actionId: titles.C, message: "On it", channel: "SMS" } })).closeLoop).toMatchObject({ status: "IN_PROGRESS", closedAt: null });
    });

    it("orders by creation (the default), due date or status, either way", async () => {
      // Statuses now: A DONE, B OPEN, C IN_PROGRESS, D WONT_DO, E OPEN.
      expect(names(await list(null))).toEqual(["A", "B", "C", "D", "E"]);
      expect(names(await list({ field: "CREATED_AT", direction: "DESC" }))).toEqual(["E", "D", "C", "B", "A"]);
      // Due in: E 0.5, B 1, C 2, A 3, D 4 days.
      expect(names(await list({ field: "DUE_AT" }))).toEqual(["E", "B", "C", "A", "D"]);
      expect(names(await list({ field: "DUE_AT", direction: "DESC" }))).toEqual(["D", "A", "C", "B", "E"]);
      // OPEN (E then B by due date), IN_PROGRESS (C), DONE (A), WONT_DO (D).
      expect(names(await list({ field: "STATUS" }))).toEqual(["E", "B", "C", "A", "D"]);
      expect(names(await list({ field: "STATUS", direction: "DESC" }))).toEqual(["D", "A", "C", "B", "E"]);
    });

    it("pages through an order without skipping or repeating, and refuses a cursor of another order", async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 5; i++) {
        const page = await list({ field: "STATUS" }, 2, after);
        seen.push(...names(page));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(["E", "B", "C", "A", "D"]);
      const byCreation = await list(null, 2);
      const r = await app.gql<any>(LIST, { o: other.id, order: { field: "STATUS" }, first: 2, after: byCreation.pageInfo.endCursor });
      expect(r.errors?.[0]).toMatchObject({
        message: "This cursor belongs to a list in another order: pass a cursor of a page in the same orderBy",
        extensions: { code: "BAD_USER_INPUT", field: "after" },
      });
    });
  });
  describe("an experience goal's stage and touchpoint agree", () => {
    const CREATE = `mutation($i: CreateExperienceGoalInput!) { createExperienceGoal(input: $i) { id stage { id } touchpoint { id } } }`;
    it("refuses a touchpoint of another lifecycle or another stage, and takes one of the stage's own", async () => {
      // tp is a customer touchpoint of the Use stage (beforeAll); Enrolled is a beneficiary stage, Purchase a customer one.
      const otherKind = await app.gql<any>(CREATE, { i: { organizationId: org.id, statement: "Shoes fit", stageId: org.beneficiaryStages.Enrolled, touchpointId: tp } });
      expect(otherKind.errors?.[0]).toMatchObject({
        message: "the touchpoint is in the CUSTOMER lifecycle; the stage is in the BENEFICIARY lifecycle",
        extensions: { code: "BAD_USER_INPUT", field: "touchpointId" },
      });
      const otherStage = await app.gql<any>(CREATE, { i: { organizationId: org.id, statement: "Shoes fit", stageId: org.customerStages.Purchase, touchpointId: tp } });
      expect(otherStage.errors?.[0]).toMatchObject({ message: 'the touchpoint "Delivery" is not in the stage "Purchase"', extensions: { code: "BAD_USER_INPUT", field: "touchpointId" } });
      const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM experience_goals WHERE organization_id = $1 AND statement = 'Shoes fit'`, [org.id]);
      expect(n).toBe(0);
      const ok = await app.ok<any>(CREATE, { i: { organizationId: org.id, statement: "Shoes fit", stageId: org.customerStages.Use, touchpointId: tp } });
      expect(ok.createExperienceGoal).toMatchObject({ stage: { id: org.customerStages.Use }, touchpoint: { id: tp } });
    });
  });
});
