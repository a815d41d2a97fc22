import { rowId, startTestApp, TestApp } from "../helpers/app";
import { createOrg } from "../helpers/fixtures";
import { conjuncts, judgePlan, PlanNode, Verdict } from "../routability/judge";
import { ALLOW_LIST, Judged } from "../routability/allow-list";

/**
 * The routability check's judge (test/routability/judge.ts) on statements written to route or
 * not: it must pass what names one organization and fail what does not. The check itself runs
 * over every statement the whole suite sends (jest's global teardown, test/routability/check.ts).
 */

let app: TestApp;
let A: string;
let B: string;
let tenant: Map<string, number>;

async function judge(sql: string, params: unknown[] = []): Promise<Verdict> {
  const [row] = await app.db.query(`EXPLAIN (VERBOSE, FORMAT JSON) ${sql}`, params);
  return judgePlan((row["QUERY PLAN"] as { Plan: PlanNode }[])[0].Plan, tenant, []);
}

beforeAll(async () => {
  app = await startTestApp();
  // The organizations' UUIDs, as the statements name them (the API gave their global ids).
  A = String(rowId((await createOrg(app, "Route A")).id));
  B = String(rowId((await createOrg(app, "Route B")).id));
  const rows: { table: string; attnum: number }[] = await app.db.query(
    `SELECT c.relname AS table, a.attnum FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT a.attisdropped
        AND a.attname = CASE c.relname WHEN 'organizations' THEN 'id' ELSE 'organization_id' END
        AND EXISTS (SELECT 1 FROM pg_attribute o WHERE o.attrelid = c.oid AND o.attname = 'organization_id') AND c.relname <> 'api_keys'`,
  );
  tenant = new Map(rows.map((r) => [r.table, r.attnum - 1]));
});

afterAll(async () => {
  await app.close();
});

const X = "00000000-0000-4000-8000-000000000001";

describe("the routability judge", () => {
  it("splits a deparsed condition into its top-level AND terms, quotes and parentheses respected", () => {
    expect(conjuncts("((t.organization_id = 'a'::uuid) AND ((t.x = 'a AND b'::text) OR (t.y = 1)))")).toEqual([
      "t.organization_id = 'a'::uuid",
      "(t.x = 'a AND b'::text) OR (t.y = 1)",
    ]);
  });

  it("passes a statement that names one organization: equality, an array of one, a join or a correlated subquery on organization_id", async () => {
    for (const [sql, params] of [
      [`SELECT * FROM stakeholders WHERE organization_id = $1 AND id = $2`, [A, X]],
      [`SELECT * FROM stakeholders WHERE organization_id = ANY($1::uuid[]) AND id = $2`, [[A], X]],
      [`SELECT t.* FROM stages s JOIN touchpoints t ON t.organization_id = s.organization_id AND t.stage_id = s.id WHERE s.organization_id = $1`, [A]],
      [`SELECT o.* FROM offerings o WHERE o.organization_id = $1 AND EXISTS (SELECT 1 FROM sales s WHERE s.organization_id = o.organization_id AND s.offering_id = o.id)`, [A]],
      [
        `WITH a AS MATERIALIZED (SELECT organization_id, question_id FROM feedback_answers WHERE organization_id = ANY($1::uuid[]) AND response_id = $2)
         SELECT q.* FROM a JOIN survey_questions q ON q.organization_id = a.organization_id AND q.id = a.question_id`,
        [[A], X],
      ],
      [`INSERT INTO functional_areas (organization_id, name) VALUES ($1, 'Field') ON CONFLICT DO NOTHING`, [A]],
      [`UPDATE stakeholders SET region = 'North' WHERE organization_id = $1 AND id = $2`, [A, X]],
      [`SELECT * FROM organizations WHERE id = $1`, [A]],
    ] as [string, unknown[]][]) {
      const verdict = await judge(sql, params);
      expect({ sql, problems: verdict.problems }).toEqual({ sql, problems: [] });
      expect(verdict.organizations).toEqual([A]);
    }
  });

  it("fails a statement that fans out: no organization, several, an OR, two organizations in two scans, rows inserted from an array of organizations", async () => {
    const cases: [string, unknown[], Verdict["problems"][number]["kind"]][] = [
      [`SELECT * FROM stakeholders WHERE id = $1`, [X], "unpinned"],
      [`SELECT * FROM stakeholders WHERE organization_id = ANY($1::uuid[]) AND id = $2`, [[A, B], X], "several"],
      // PostgreSQL turns the OR into = ANY of both.
      [`SELECT * FROM stakeholders WHERE (organization_id = $1 OR organization_id = $2) AND id = $3`, [A, B, X], "several"],
      [`SELECT id FROM stages WHERE organization_id = $1 UNION ALL SELECT id FROM stages WHERE organization_id = $2`, [A, B], "several"],
      [`SELECT t.* FROM unnest($1::uuid[]) AS k(org) JOIN touchpoints t ON t.organization_id = k.org`, [[A]], "unpinned"],
      [`INSERT INTO functional_areas (organization_id, name) SELECT o, 'Field' FROM unnest($1::uuid[]) AS o`, [[A, B]], "insert"],
      [`SELECT * FROM stakeholders WHERE id = $1 FOR UPDATE`, [X], "unpinned"],
    ];
    for (const [sql, params, kind] of cases) {
      const verdict = await judge(sql, params);
      expect({ sql, kinds: verdict.problems.map((p) => p.kind) }).toEqual({ sql, kinds: expect.arrayContaining([kind]) });
    }
  });

  it("the allow-list no longer covers a look-up by bare id (global ids carry the organization), and covers loader batches of several organizations only", () => {
    const byId = (callerOrganizations: string[], values: string[]): Judged => ({
      sql: "SELECT * FROM stakeholders WHERE id = $1 AND organization_id = ANY($2::uuid[])",
      origin: "request",
      operations: [],
      callerOrganizations,
      params: [X, `{${callerOrganizations.join(",")}}`],
      problems: [{ table: "stakeholders", kind: "several", values }],
    });
    const entry = (s: Judged) => ALLOW_LIST.find((e) => e.matches(s))?.name ?? null;
    // Paid by global ids (issue 12, item 1): a look-up over the caller's organizations fails the check again.
    expect(entry(byId([A, B], [A, B]))).toBeNull();
    // An array naming an organization the caller does not hold, or a statement naming none: no entry.
    expect(entry(byId([A], [A, B]))).toBeNull();
    expect(entry({ ...byId([A, B], []), problems: [{ table: "stakeholders", kind: "unpinned" }] })).toBeNull();
    // A loader's batch: covered when its keys are of several organizations, not when they are all of one.
    const batch = (keyOrgs: string[]): Judged => ({
      sql: "SELECT t.* FROM stages t JOIN unnest($1::uuid[], $2::uuid[]) AS k(org, id) ON t.organization_id = k.org AND t.id = k.id WHERE true AND t.organization_id = ANY($3::uuid[])",
      origin: "request",
      operations: [],
      callerOrganizations: [A, B],
      // As pg sends arrays: {"…","…"}.
      params: [`{${keyOrgs.map((o) => `"${o}"`).join(",")}}`, `{${keyOrgs.map(() => `"${X}"`).join(",")}}`, `{"${A}","${B}"}`],
      problems: [{ table: "stages", kind: "several", values: [A, B].sort() }],
    });
    expect(entry(batch([A, B]))).toBe("batches of several organizations asked about in one request");
    // Keys of A only, yet the statement names A and B (all the caller's): a fan-out no entry covers.
    expect(entry(batch([A, A]))).toBeNull();
    // The API's own statements are never covered as fixtures.
    expect(entry({ ...byId([A], []), origin: "app", problems: [{ table: "stakeholders", kind: "unpinned" }] })).toBeNull();
  });
});
