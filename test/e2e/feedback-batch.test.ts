import { startTestApp, TestApp, Caller } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";
import { StatementAudit1732820000000 } from "../../migrations/1732820000000-StatementAudit";

const SUBMIT = `mutation($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { created duplicates conflicts rejected valid items { index clientKey status id errors { field message } } } }`;

/**
 * Full batches through GraphQL: every outcome in one 1000-item batch, ten replays (some at the same
 * time) stored once, overlapping batches sent at the same time in opposite orders, and the audit log
 * entries the inserts wrote (once per statement) compared with the rows themselves.
 */
describe("submitFeedback: 1000-item batches", () => {
  let app: TestApp;
  let org: OrgFixture;
  let field: Caller;
  let partnerId: string;
  let visit: string;
  let survey: string;
  let retired: string;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Batch Org", "CUSTOMER_FUNDS_BENEFICIARY");
    partnerId = (await app.ok<any>(`mutation($o: ID!) { createPartner(input: { organizationId: $o, name: "NGO", kind: FIELD_PARTNER }) { id } }`, { o: org.id })).createPartner.id;
    visit = (
      await app.ok<any>(`mutation($i: CreateTouchpointInput!) { createTouchpoint(input: $i) { id } }`, {
        i: { stageId: org.beneficiaryStages.Uses, name: "Classroom visit", channel: "IN_PERSON", functionalAreaId: org.areas.Programmes, partnerId },
      })
    ).createTouchpoint.id;
    field = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId }], "Field tablet"));
    const questions = [
      { key: "nps", type: "NPS", text: "Would you recommend the shoes?", required: true },
      { key: "fit", type: "RATING", text: "How well do they fit?" },
      { key: "walk", type: "CHOICE", text: "How do you get to school?", options: ["Walk", "Bicycle", "Bus"] },
      { key: "why", type: "TEXT", text: "Anything else?" },
    ];
    const create = async (name: string) =>
      (await app.ok<any>(`mutation($i: CreateSurveyInput!) { createSurvey(input: $i) { id } }`, { i: { organizationId: org.id, name, audience: "BENEFICIARY", touchpointId: visit, questions } })).createSurvey.id;
    survey = await create("Shoes");
    retired = await create("Retired");
    await app.ok(`mutation($i: UpdateSurveyInput!) { updateSurvey(input: $i) { id } }`, { i: { id: retired, active: false } });
    await app.ok(`mutation($i: CreateActionRuleInput!) { createActionRule(input: $i) { id } }`, { i: { organizationId: org.id, name: "Every detractor", kind: "DETRACTOR" } });
  });
  afterAll(() => app.close());

  /** Item n: a child registered with it, NPS n % 11 (0..6 are detractors), four answers, a comment. */
  const item = (n: number, extra: Record<string, unknown> = {}) => ({
    clientSubmissionId: `k${n}`,
    surveyId: survey,
    newBeneficiary: { externalRef: `CHILD-${n}`, gender: n % 2 ? "FEMALE" : "MALE" },
    touchpointId: visit,
    collectedAt: "2026-03-02T08:00:00Z",
    answers: [
      { key: "nps", value: n % 11 },
      { key: "fit", value: 1 + (n % 5) },
      { key: "walk", value: "Walk" },
      { key: "why", value: `Child ${n} says hello` },
    ],
    comment: `Comment ${n}`,
    ...extra,
  });

  // Indexes of the mixed batch:
  //   0..99     k0..k99, stored before with the same content      -> 100 DUPLICATE
  //   100..149  k0..k49 again with another comment                -> 50 CONFLICT
  //   150..199  new keys, NPS 11                                  -> 50 REJECTED
  //   200..219  new keys, for the retired (inactive) survey       -> 20 REJECTED
  //   220..949  new keys                                          -> 730 CREATED
  //   950..999  the keys and content of items 900..949 once more  -> 50 DUPLICATE (of what this batch stored)
  const mixedBatch = () => [
    ...Array.from({ length: 100 }, (_, i) => item(i)),
    ...Array.from({ length: 50 }, (_, i) => item(i, { comment: "changed" })),
    ...Array.from({ length: 50 }, (_, i) => item(2000 + i, { answers: [{ key: "nps", value: 11 }] })),
    ...Array.from({ length: 20 }, (_, i) => item(3000 + i, { surveyId: retired })),
    ...Array.from({ length: 730 }, (_, i) => item(220 + i)),
    ...Array.from({ length: 50 }, (_, i) => item(900 + i)),
  ];
  let mixed: ReturnType<typeof mixedBatch> = [];
  let mixedIds: string[] = [];

  it("answers every item of a mixed batch and stores only the new, good ones", async () => {
    mixed = mixedBatch();
    const before = await field.ok<any>(SUBMIT, { i: { organizationId: org.id, items: Array.from({ length: 100 }, (_, i) => item(i)) } });
    expect(before.submitFeedback).toMatchObject({ created: 100, duplicates: 0, conflicts: 0, rejected: 0 });
    const storedBefore = before.submitFeedback.items.map((i: any) => i.id);

    const r = (await field.ok<any>(SUBMIT, { i: { organizationId: org.id, items: mixed } })).submitFeedback;
    // 100 + 50 = 150 duplicates, 50 conflicts, 50 + 20 = 70 rejected, 730 created: 1000.
    expect({ created: r.created, duplicates: r.duplicates, conflicts: r.conflicts, rejected: r.rejected, valid: r.valid }).toEqual({
      created: 730,
      duplicates: 150,
      conflicts: 50,
      rejected: 70,
      valid: 0,
    });
    expect(r.items.map((i: any) => i.index)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const statuses = (from: number, to: number) => [...new Set(r.items.slice(from, to).map((i: any) => i.status))];
    expect(statuses(0, 100)).toEqual(["DUPLICATE"]);
    expect(r.items.slice(0, 100).map((i: any) => i.id)).toEqual(storedBefore);
    expect(statuses(100, 150)).toEqual(["CONFLICT"]);
    expect(r.items[100]).toEqual({
      index: 100,
      clientKey: "k0",
      status: "CONFLICT",
      id: storedBefore[0],
      errors: [{ field: "clientSubmissionId", message: "this clientSubmissionId was used before with different content; nothing was changed" }],
    });
    expect(statuses(150, 220)).toEqual(["REJECTED"]);
    // NPS 11 is out of range: one problem, one error (issue 13: the required question was answered, badly; not also "required").
    expect(r.items[150].errors).toEqual([{ field: "answers.0", message: '"nps" (NPS) must be a whole number from 0 to 10' }]);
    expect(r.items[200].errors).toEqual([{ field: "surveyId", message: "the survey is not active: it takes no responses (an admin can turn it on again with updateSurvey)" }]);
    expect(statuses(220, 950)).toEqual(["CREATED"]);
    expect(statuses(950, 1000)).toEqual(["DUPLICATE"]);
    // An in-batch repeat points at the response its first occurrence stored (item 900 + i is at index 220 + 680 + i).
    expect(r.items.slice(950).map((i: any) => i.id)).toEqual(r.items.slice(900, 950).map((i: any) => i.id));
    mixedIds = r.items.slice(220, 950).map((i: any) => i.id);

    const [counts] = await app.db.query(
      `SELECT (SELECT count(*)::int FROM feedback_responses WHERE organization_id = $1) AS responses,
              (SELECT count(*)::int FROM feedback_answers WHERE organization_id = $1) AS answers,
              (SELECT count(*)::int FROM stakeholders WHERE organization_id = $1 AND registered_by_partner_id = $2) AS children,
              (SELECT count(*)::int FROM actions WHERE organization_id = $1 AND response_id = ANY($3::uuid[])) AS actions`,
      [org.id, partnerId, mixedIds],
    );
    // 100 + 730 responses with 4 answers each; one child registered per stored response (the rejected ones
    // registered nobody). Detractors among the 730 (n = 220..949, NPS n % 11, 220 = 20 x 11): 66 whole rounds
    // of 11 with 7 detractors (0..6) = 462, then n = 946..949 with NPS 0..3 = 4 more: 466 actions.
    expect(counts).toEqual({ responses: 830, answers: 3320, children: 830, actions: 466 });
  });

  it("stores the batch once when it is replayed ten times, some replays at the same time", async () => {
    const replay = () => field.ok<any>(SUBMIT, { i: { organizationId: org.id, items: mixed } });
    // Two at a time: each request holds one of the test pool's five connections while the next authenticates.
    const answers: any[] = [];
    for (const together of [2, 1, 1, 1, 2, 1, 1, 1]) answers.push(...(await Promise.all(Array.from({ length: together }, replay))));
    expect(answers).toHaveLength(10);
    for (const a of answers) {
      // The 730 stored by the first run are now duplicates too: 150 + 730 = 880.
      expect(a.submitFeedback).toMatchObject({ created: 0, duplicates: 880, conflicts: 50, rejected: 70 });
      expect(a.submitFeedback.items.slice(220, 950).map((i: any) => i.id)).toEqual(mixedIds);
    }
    const [counts] = await app.db.query(
      `SELECT (SELECT count(*)::int FROM feedback_responses WHERE organization_id = $1) AS responses,
              (SELECT count(DISTINCT client_submission_id)::int FROM feedback_responses WHERE organization_id = $1) AS keys,
              (SELECT count(*)::int FROM actions WHERE organization_id = $1 AND response_id = ANY($2::uuid[])) AS actions`,
      [org.id, mixedIds],
    );
    expect(counts).toEqual({ responses: 830, keys: 830, actions: 466 });
  });

  it("stores each item once when overlapping batches arrive at the same time in opposite orders", async () => {
    const items = Array.from({ length: 300 }, (_, i) => item(5000 + i));
    const [a, b] = await Promise.all([items, [...items].reverse()].map((batch) => field.gql<any>(SUBMIT, { i: { organizationId: org.id, items: batch } })));
    for (const r of [a, b]) expect(r.errors).toBeUndefined();
    // 300 distinct items: each stored by exactly one of the two requests, a duplicate in the other.
    const total = (k: "created" | "duplicates") => a.data.submitFeedback[k] + b.data.submitFeedback[k];
    expect({ created: total("created"), duplicates: total("duplicates") }).toEqual({ created: 300, duplicates: 300 });
    const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM feedback_responses WHERE organization_id = $1 AND client_submission_id LIKE 'k5___'`, [org.id]);
    expect(n).toBe(300);
  });

  it("audits every stored row once, the entry being the row itself with its personal columns redacted", async () => {
    // What each entry must be, computed from the rows (none was changed after its insert). Personal
    // columns (src/common/personal-data.ts) show "[redacted]" where they hold a value: an action's
    // words (title, description, notes, root cause, loop message) as much as a comment, and a
    // response's content hash (it covers the comment and free-text answers); a stakeholder's record key
    // (the cell-key method's, never shown: migrations/1732854000000-CellKeyPerturbation.ts).
    const expected = `
      SELECT 'feedback_responses' AS entity, r.id AS entity_id,
             to_jsonb(r) || CASE WHEN r.comment IS NULL THEN '{}'::jsonb ELSE '{"comment": "[redacted]"}'::jsonb END || '{"content_hash": "[redacted]"}'::jsonb AS after
        FROM feedback_responses r WHERE r.organization_id = $1
      UNION ALL
      SELECT 'feedback_answers', NULL, to_jsonb(a) || CASE WHEN a.value_text IS NULL THEN '{}'::jsonb ELSE '{"value_text": "[redacted]"}'::jsonb END
        FROM feedback_answers a WHERE a.organization_id = $1
      UNION ALL
      SELECT 'stakeholders', s.id, to_jsonb(s) || '{"external_ref": "[redacted]", "record_key": "[redacted]"}'::jsonb FROM stakeholders s WHERE s.organization_id = $1 AND s.registered_by_partner_id = $2
      UNION ALL
      SELECT 'actions', x.id, to_jsonb(x) || coalesce((SELECT jsonb_object_agg(k, '[redacted]') FROM unnest(ARRAY['title', 'description', 'notes', 'root_cause', 'loop_message']) AS k
                                                         WHERE to_jsonb(x) -> k <> 'null'::jsonb), '{}'::jsonb)
        FROM actions x WHERE x.organization_id = $1 AND x.rule_id IS NOT NULL`;
    const logged = `
      SELECT entity, entity_id, after FROM audit_log
       WHERE organization_id = $1 AND action = 'INSERT' AND entity IN ('feedback_responses', 'feedback_answers', 'stakeholders', 'actions')
         AND (entity <> 'stakeholders' OR after ->> 'registered_by_partner_id' = $2::text) AND (entity <> 'actions' OR after ->> 'rule_id' IS NOT NULL)`;
    const [diff] = await app.db.query(
      `SELECT (SELECT count(*)::int FROM (${expected}) e) AS expected, (SELECT count(*)::int FROM (${logged}) l) AS logged,
              (SELECT count(*)::int FROM ((${expected}) EXCEPT ALL (${logged})) m) AS missing,
              (SELECT count(*)::int FROM ((${logged}) EXCEPT ALL (${expected})) x) AS extra`,
      [org.id, partnerId],
    );
    // 830 + 300 responses, 4 answers each (4520), 1130 children, and the detractors' actions:
    // 466 from the mixed batch, the first 100 (n = 0..99: 9 rounds of 11 with 7 = 63, then 99 = 9 x 11 -> NPS 0: 64)
    // and n = 5000..5299 (5000 % 11 = 6, so NPS runs 6, 7, ..., 10, 0, ...: 27 whole rounds of 11 with 7 = 189, then
    // NPS 6, 7, 8 for the last three = 1 more: 190).
    expect(diff).toEqual({ expected: 1130 + 4520 + 1130 + 466 + 64 + 190, logged: 1130 + 4520 + 1130 + 466 + 64 + 190, missing: 0, extra: 0 });
    // Who wrote them: the field partner's key, its role, the mutation, one request id per batch.
    const [who] = await app.db.query(
      `SELECT count(DISTINCT api_key_id)::int AS keys, min(role) AS role, max(role) AS role2, min(operation) AS operation, max(operation) AS operation2,
              count(DISTINCT request_id) FILTER (WHERE after ->> 'client_submission_id' NOT LIKE 'k5___')::int AS requests, count(*) FILTER (WHERE request_id IS NULL)::int AS unnamed
         FROM audit_log WHERE organization_id = $1 AND entity = 'feedback_responses'`,
      [org.id],
    );
    // The responses k0..k949 were stored by two batches: the first 100, then the mixed one (no replay stored anything).
    expect(who).toEqual({ keys: 1, role: "FIELD_PARTNER", role2: "FIELD_PARTNER", operation: "submitFeedback", operation2: "submitFeedback", requests: 2, unnamed: 0 });
    const entries = await app.db.query(`SELECT after FROM audit_log WHERE organization_id = $1 AND entity = 'feedback_answers' AND after ->> 'type' = 'TEXT' LIMIT 1`, [org.id]);
    expect(entries[0].after.value_text).toBe("[redacted]");
    const leaked = await app.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE organization_id = $1 AND (after::text LIKE '%says hello%' OR after::text LIKE '%CHILD-%')`, [org.id]);
    expect(leaked[0].n).toBe(0);
  });

  it("migrates down to the per-row trigger and up again, with the same redaction", async () => {
    const definitions = async () =>
      (
        await app.db.query(
          `SELECT c.relname AS "table", t.tgname AS name, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE t.tgname IN ('audit', 'audit_insert') AND NOT t.tgisinternal ORDER BY 1, 2`,
        )
      ).map((r: any) => `${r.table}: ${r.def.replace(/^CREATE TRIGGER \S+ /, "").replace(/ ON (?:public\.)?\S+ /, " ")}`);
    const up = await definitions();
    expect(up).toContain("feedback_responses: AFTER INSERT REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted('comment', 'content_hash')");
    expect(up).toContain("feedback_responses: AFTER DELETE OR UPDATE FOR EACH ROW EXECUTE FUNCTION audit_row('comment', 'content_hash')");
    expect(up).toContain("stakeholder_contacts: AFTER INSERT REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted('full_name', 'phone', 'email', 'address')");
    // Every audited table has both triggers (28 tables today).
    const tables = new Set(up.map((d: string) => d.split(":")[0])).size;
    expect(tables).toBeGreaterThanOrEqual(28);
    expect(up).toHaveLength(2 * tables);
    const runner = app.db.createQueryRunner();
    try {
      await new StatementAudit1732820000000().down(runner);
      const down = await definitions();
      expect(down).toHaveLength(tables);
      expect(down).toContain("feedback_responses: AFTER INSERT OR DELETE OR UPDATE FOR EACH ROW EXECUTE FUNCTION audit_row('comment', 'content_hash')");
      expect(down).toContain("stakeholder_contacts: AFTER INSERT OR DELETE OR UPDATE FOR EACH ROW EXECUTE FUNCTION audit_row('full_name', 'phone', 'email', 'address')");
      // The per-row trigger writes the very entries the statement trigger wrote (same check as above, on new rows).
      const r = await field.ok<any>(SUBMIT, { i: { organizationId: org.id, items: [item(7000), item(7001)] } });
      expect(r.submitFeedback.created).toBe(2);
      const [row] = await app.db.query(
        `SELECT count(*)::int AS n FROM audit_log l JOIN feedback_responses f ON f.id = l.entity_id
          WHERE l.organization_id = $1 AND f.client_submission_id IN ('k7000', 'k7001') AND l.after = to_jsonb(f) || '{"comment": "[redacted]", "content_hash": "[redacted]"}'::jsonb`,
        [org.id],
      );
      expect(row.n).toBe(2);
      await new StatementAudit1732820000000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await definitions()).toEqual(up);
  });
});
