import { startTestApp, TestApp } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";

/**
 * Nested lists resolve through per-request DataLoaders: listing 100 stakeholders
 * with their current stage, lifecycle (and its stages) and journey runs the same
 * number of SQL statements as listing 10. Replacing any loader with a per-row
 * query makes the two counts differ.
 */
describe("SQL statements per nested query", () => {
  let app: TestApp;
  let org: OrgFixture;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Count Org");
    const s = org.customerStages;
    // 120 customers, each Need -> Research -> Purchase, inserted directly (the API path is tested elsewhere).
    await app.db.query(
      `WITH made AS (
         INSERT INTO stakeholders (organization_id, kind, external_ref, current_stage_id, current_stage_entered_at, created_at)
         SELECT $1, 'CUSTOMER', 'Q-' || g, $4, timestamptz '2026-01-03' , timestamptz '2026-01-01' + g * interval '1 second'
           FROM generate_series(1, 120) g
         RETURNING id
       )
       INSERT INTO stage_transitions (organization_id, stakeholder_id, kind, from_stage_id, to_stage_id, occurred_at)
       SELECT $1, made.id, 'CUSTOMER', step.f, step.t, step.at
         FROM made, (VALUES (NULL::uuid, $2::uuid, timestamptz '2026-01-01'), ($2, $3::uuid, timestamptz '2026-01-02'), ($3, $4::uuid, timestamptz '2026-01-03')) AS step(f, t, at)`,
      [org.id, s.Need, s.Research, s.Purchase],
    );
  });
  afterAll(() => app.close());

  const QUERY = `query($org: ID!, $first: Int!) {
    stakeholders(organizationId: $org, first: $first) {
      totalCount
      edges { node {
        externalRef
        currentStage { name position lifecycle { name } }
        lifecycle { kind stages { name } }
        journey(first: 10) { totalCount edges { node { occurredAt fromStage { name } toStage { name } } } }
        interactions { totalCount }
      } }
    }
  }`;

  async function statementsFor(first: number): Promise<{ count: number; statements: string[]; data: any }> {
    app.counter.reset();
    app.counter.record = true;
    const data = await app.ok<any>(QUERY, { org: org.id, first });
    app.counter.record = false;
    // Authentication reads the key (and, once a minute, notes its last use): not part of the query.
    const statements = app.counter.statements.filter((sql) => !/\bapi_keys\b/.test(sql));
    return { count: statements.length, statements, data };
  }

  it("runs as many statements for 100 stakeholders as for 10", async () => {
    const ten = await statementsFor(10);
    const hundred = await statementsFor(100);
    expect(ten.data.stakeholders.edges).toHaveLength(10);
    expect(hundred.data.stakeholders.edges).toHaveLength(100);
    expect(hundred.data.stakeholders.edges[99].node).toMatchObject({
      externalRef: "Q-100",
      currentStage: { name: "Purchase", position: 2, lifecycle: { name: "Customer lifecycle" } },
      lifecycle: { kind: "CUSTOMER" },
      journey: { totalCount: 3 },
      interactions: { totalCount: 0 },
    });
    expect(hundred.data.stakeholders.edges[99].node.journey.edges.map((e: any) => e.node.toStage.name)).toEqual(["Need", "Research", "Purchase"]);
    expect(hundred.count).toBe(ten.count);
    // And the number is small: the request's transaction (begin, settings, commit) = 3, then one
    // batch per kind of data: the page and its count; current stages; their lifecycles; the
    // organization's lifecycles; their stages; journey pages and counts; interaction pages and
    // counts; the journeys' from/to stages not loaded yet = 11. In all 14.
    expect(hundred.count).toBe(14);
  });
});
