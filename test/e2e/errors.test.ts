import type { NodeType } from "../../src/common/global-ids";
import { startTestApp, TestApp, unknownId } from "../helpers/app";
import { count, createOrg } from "../helpers/fixtures";

describe("errors", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it("names the field of every invalid input and writes nothing", async () => {
    const r = await app.gql(`mutation { createOrganization(input: { name: "", impactModel: HYBRID, currency: "KES" }) { id } }`);
    expect(r.data).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(r.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
    expect(r.errors?.[0].message).toMatch(/^name: /);
    expect(await count(app, "organizations")).toBe(0);
    expect(await count(app, "lifecycles")).toBe(0);
  });

  it("gives one error per problem: an empty or blank name is one message, not one per rule", async () => {
    for (const name of ["", "   "]) {
      const r = await app.gql(`mutation($n: String!) { createOrganization(input: { name: $n, impactModel: HYBRID, currency: "KES" }) { id } }`, { n: name });
      expect(r.errors).toEqual([
        {
          message: "name: name must not be empty or blank",
          locations: [{ line: 1, column: 25 }], // "mutation($n: String!) { " is 24 characters
          path: ["createOrganization"],
          extensions: { code: "BAD_USER_INPUT", field: "name", fields: [{ field: "name", messages: ["name must not be empty or blank"] }] },
        },
      ]);
    }
  });

  it("lists every invalid field when several are wrong", async () => {
    const r = await app.gql(`mutation { createOrganization(input: { name: "", impactModel: HYBRID, currency: "kes" }) { id } }`);
    const fields = (r.errors?.[0].extensions?.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(["currency", "name"]);
  });

  it("masks unexpected errors: a generic message, no SQL, no stack", async () => {
    await app.db.query(`ALTER TABLE organizations RENAME TO organizations_hidden`);
    try {
      const r = await app.gql(`{ organizations { totalCount edges { node { id } } } }`);
      expect(r.errors?.[0]).toEqual({ message: "Internal server error", path: ["organizations"], locations: [{ line: 1, column: 3 }], extensions: { code: "INTERNAL_SERVER_ERROR" } });
      expect(JSON.stringify(r)).not.toMatch(/relation|organizations_hidden|SELECT|stack/i);
    } finally {
      await app.db.query(`ALTER TABLE organizations_hidden RENAME TO organizations`);
    }
  });

  it("reports GraphQL validation errors with their standard code", async () => {
    const r = await app.gql(`{ organizations { nope } }`);
    expect(r.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const v = await app.gql(`query($n: Int) { organizations(first: $n) { totalCount } }`, { n: "ten" });
    expect(v.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("rolls back a write that fails half-way", async () => {
    // A duplicate default functional area name makes the second insert of createOrganization fail
    // after the organization row was written: nothing of it may remain.
    await app.db.query(`CREATE FUNCTION fail_areas() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`);
    await app.db.query(`CREATE TRIGGER fail_areas BEFORE INSERT ON functional_areas FOR EACH STATEMENT EXECUTE FUNCTION fail_areas()`);
    try {
      const r = await app.gql(`mutation { createOrganization(input: { name: "Half", impactModel: HYBRID, currency: "KES" }) { id } }`);
      expect(r.errors?.[0].extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      expect(r.errors?.[0].message).toBe("Internal server error");
      expect(await count(app, "organizations")).toBe(0);
      expect(await count(app, "lifecycles")).toBe(0);
      expect(await count(app, "stages")).toBe(0);
    } finally {
      await app.db.query(`DROP TRIGGER fail_areas ON functional_areas; DROP FUNCTION fail_areas()`);
    }
  });
  // Last: it creates organizations, which the tests above count.
  it("answers an unknown id in a filter NOT_FOUND on its field, like an unknown id anywhere else", async () => {
    const org = await createOrg(app, "Filters");
    const other = await createOrg(app, "Other filters");
    /** An id of the right type, of the organization, that names no row. */
    const missing = (type: NodeType) => unknownId(type, org.id);
    const notFound = (r: { data?: unknown; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }, what: string, field: string) => {
      expect(r.data).toBeNull();
      expect(r.errors?.map((e) => ({ message: e.message, extensions: e.extensions }))).toEqual([{ message: `${what} not found`, extensions: { code: "NOT_FOUND", field } }]);
    };
    const people = `query($o: ID!, $s: ID) { stakeholders(organizationId: $o, filter: { stageId: $s }) { totalCount } }`;
    notFound(await app.gql(people, { o: org.id, s: missing("Stage") }), "Stage", "filter.stageId");
    // Another organization's stage is not this organization's: the same answer.
    notFound(await app.gql(people, { o: org.id, s: other.customerStages.Use }), "Stage", "filter.stageId");
    expect((await app.ok<any>(people, { o: org.id, s: org.customerStages.Use })).stakeholders.totalCount).toBe(0);
    notFound(
      await app.gql(`query($o: ID!, $f: FeedbackFilter) { feedbackResponses(organizationId: $o, filter: $f) { totalCount } }`, { o: org.id, f: { surveyId: missing("Survey") } }),
      "Survey",
      "filter.surveyId",
    );
    notFound(
      await app.gql(`query($o: ID!, $f: FeedbackFilter) { nps(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", filter: $f) { score } }`, {
        o: org.id,
        f: { touchpointId: missing("Touchpoint") },
      }),
      "Touchpoint",
      "filter.touchpointId",
    );
    notFound(
      await app.gql(`query($o: ID!, $a: ID) { actions(organizationId: $o, filter: { ownerAreaId: $a }) { totalCount } }`, { o: org.id, a: missing("FunctionalArea") }),
      "Functional area",
      "filter.ownerAreaId",
    );
  });

});
