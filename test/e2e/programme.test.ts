import { startTestApp, TestApp, Caller, GqlResult, unknownId } from "../helpers/app";
import { count, createOrg, OrgFixture } from "../helpers/fixtures";
import { Programmes1732850000000 } from "../../migrations/1732850000000-Programmes";
import { Deliveries1732853000000 } from "../../migrations/1732853000000-Deliveries";

/**
 * Programmes: created, changed, listed and read through the API; offerings' impact rules fund
 * one; beneficiaries are enrolled in one by a partner that delivers it. Another organization's
 * ids read as missing; bad input names its field and writes nothing. The migration turns the
 * free-text causes of a database full of offerings into programmes, and back.
 */
describe("programmes and enrolments", () => {
  let app: TestApp;
  let org: OrgFixture;
  let other: OrgFixture;
  let fieldPartner: string;
  let distributor: string;
  let otherPartner: string;
  let shoes: string;
  let fp: Caller;
  let funder: Caller;

  const CREATE = `mutation($i: CreateProgrammeInput!) { createProgramme(input: $i) {
    id name description region unitOfDelivery beneficiariesPerUnit activeFrom activeTo partners { id name } } }`;
  const UPDATE = `mutation($i: UpdateProgrammeInput!) { updateProgramme(input: $i) { id name region activeFrom activeTo partners { id } } }`;
  const ENROL = `mutation($i: EnrolBeneficiaryInput!) { enrolBeneficiary(input: $i) { id enrolledAt programme { id name } beneficiary { id } partner { id } } }`;
  const UNENROL = `mutation($i: UnenrolBeneficiaryInput!) { unenrolBeneficiary(input: $i) { id programme { id } beneficiary { id } } }`;
  const partner = async (organizationId: string, name: string, kind: string) =>
    (await app.ok<any>(`mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }`, { i: { organizationId, name, kind } })).createPartner.id as string;
  const beneficiary = async (by: Caller, organizationId: string, externalRef: string, kind = "BENEFICIARY") =>
    (await by.ok<any>(`mutation($i: CreateStakeholderInput!) { createStakeholder(input: $i) { id } }`, { i: { organizationId, kind, externalRef } })).createStakeholder.id as string;
  const error = (r: GqlResult) => ({ code: r.errors?.[0]?.extensions?.code, field: r.errors?.[0]?.extensions?.field });

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Hatua Test", "CUSTOMER_FUNDS_BENEFICIARY");
    other = await createOrg(app, "Other Org");
    fieldPartner = await partner(org.id, "Shule Bora", "FIELD_PARTNER");
    distributor = await partner(org.id, "Nairobi Retail", "DISTRIBUTOR");
    otherPartner = await partner(other.id, "Other Partner", "FIELD_PARTNER");
    fp = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId: fieldPartner }], "fp"));
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }], "funder"));
  });
  afterAll(() => app.close());

  it("creates a programme with the partners that deliver it, reads it by id and lists it as a capped connection", async () => {
    const made = await app.ok<any>(CREATE, {
      i: {
        organizationId: org.id,
        name: "  Shoes for school children ",
        description: "A pair for every pair sold",
        region: "Kisumu",
        unitOfDelivery: "pair of shoes",
        beneficiariesPerUnit: "1",
        partnerIds: [fieldPartner, fieldPartner],
        activeFrom: "2026-01-01T00:00:00Z",
      },
    });
    shoes = made.createProgramme.id;
    expect(made.createProgramme).toEqual({
      id: shoes,
      name: "Shoes for school children",
      description: "A pair for every pair sold",
      region: "Kisumu",
      unitOfDelivery: "pair of shoes",
      beneficiariesPerUnit: "1",
      activeFrom: "2026-01-01T00:00:00.000Z",
      activeTo: null,
      // The same partner twice (in two spellings) is one partner.
      partners: [{ id: fieldPartner, name: "Shule Bora" }],
    });
    const lamps = (await app.ok<any>(CREATE, { i: { organizationId: org.id, name: "Lamps", activeFrom: "2026-01-01T00:00:00Z", activeTo: "2027-01-01T00:00:00Z" } })).createProgramme;
    expect(lamps).toMatchObject({ unitOfDelivery: null, beneficiariesPerUnit: null, activeTo: "2027-01-01T00:00:00.000Z", partners: [] });

    // Every role of the organization reads programmes (no personal data in them).
    for (const caller of [app, fp, funder]) {
      expect((await caller.ok<any>(`query($id: ID!) { programme(id: $id) { id name } }`, { id: shoes })).programme).toEqual({ id: shoes, name: "Shoes for school children" });
    }
    const LIST = `query($o: ID!, $first: Int, $after: String) { programmes(organizationId: $o, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }`;
    const page1 = (await app.ok<any>(LIST, { o: org.id, first: 1 })).programmes;
    expect(page1).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true }, edges: [{ node: { name: "Shoes for school children" } }] });
    const page2 = (await funder.ok<any>(LIST, { o: org.id, first: 1, after: page1.pageInfo.endCursor })).programmes;
    expect(page2).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: false }, edges: [{ node: { name: "Lamps" } }] });
    expect(error(await app.gql(LIST, { o: org.id, first: 501 }))).toEqual({ code: "BAD_USER_INPUT", field: "first" });
  });

  it("answers bad input with BAD_USER_INPUT and the field, another organization's ids as missing, and writes nothing", async () => {
    const before = [await count(app, "programmes"), await count(app, "programme_partners")];
    const base = { organizationId: org.id, name: "New", activeFrom: "2026-01-01T00:00:00Z" };
    const cases: [Record<string, unknown>, { code: string; field: string }][] = [
      [{ ...base, name: "   " }, { code: "BAD_USER_INPUT", field: "name" }],
      [{ ...base, activeTo: "2026-01-01T00:00:00Z" }, { code: "BAD_USER_INPUT", field: "activeTo" }],
      [{ ...base, beneficiariesPerUnit: "0" }, { code: "BAD_USER_INPUT", field: "beneficiariesPerUnit" }],
      [{ ...base, beneficiariesPerUnit: "-1" }, { code: "BAD_USER_INPUT", field: "beneficiariesPerUnit" }],
      [{ ...base, partnerIds: ["not-an-id"] }, { code: "BAD_USER_INPUT", field: "partnerIds" }],
      [{ ...base, partnerIds: [fieldPartner, otherPartner] }, { code: "NOT_FOUND", field: "partnerIds" }],
      [{ ...base, partnerIds: [unknownId("Partner", org.id)] }, { code: "NOT_FOUND", field: "partnerIds" }],
      [{ ...base, name: "shoes FOR school children" }, { code: "CONFLICT", field: "name" }],
    ];
    for (const [input, expected] of cases) expect({ input, ...error(await app.gql(CREATE, { i: input })) }).toEqual({ input, ...expected });
    // Only admins create; another organization is not the caller's.
    expect(error(await fp.gql(CREATE, { i: base }))).toEqual({ code: "FORBIDDEN", field: "organizationId" });
    expect(error(await fp.gql(CREATE, { i: { ...base, organizationId: other.id } }))).toEqual({ code: "FORBIDDEN", field: "organizationId" });
    // Another organization's programme reads as a missing one.
    const theirs = (await app.ok<any>(CREATE, { i: { organizationId: other.id, name: "Theirs", activeFrom: "2026-01-01T00:00:00Z" } })).createProgramme.id;
    const otherOrgAdmin = app.as(await app.issue("MEMBER", [{ organizationId: org.id, role: "ADMIN" }], "org admin"));
    const asMissing = error(await otherOrgAdmin.gql(`query($id: ID!) { programme(id: $id) { id } }`, { id: unknownId("Programme", org.id) }));
    expect(asMissing).toEqual({ code: "NOT_FOUND", field: "id" });
    expect(error(await otherOrgAdmin.gql(`query($id: ID!) { programme(id: $id) { id } }`, { id: theirs }))).toEqual(asMissing);
    expect(error(await otherOrgAdmin.gql(UPDATE, { i: { id: theirs, name: "Hijacked" } }))).toEqual(asMissing);
    expect([await count(app, "programmes"), await count(app, "programme_partners")]).toEqual([before[0] + 1, before[1]]);
  });

  it("updates a programme: partners replaced as a set, the active period checked against the values kept", async () => {
    const both = (await app.ok<any>(UPDATE, { i: { id: shoes, partnerIds: [distributor, fieldPartner] } })).updateProgramme;
    expect(both.partners.map((p: any) => p.id).sort()).toEqual([distributor, fieldPartner].sort());
    const closed = (await app.ok<any>(UPDATE, { i: { id: shoes, activeTo: "2026-12-01T00:00:00Z", region: null } })).updateProgramme;
    expect(closed).toMatchObject({ region: null, activeFrom: "2026-01-01T00:00:00.000Z", activeTo: "2026-12-01T00:00:00.000Z" });
    // A start after the end kept: the period would be empty.
    expect(error(await app.gql(UPDATE, { i: { id: shoes, activeFrom: "2026-12-01T00:00:00Z" } }))).toEqual({ code: "BAD_USER_INPUT", field: "activeTo" });
    const reopened = (await app.ok<any>(UPDATE, { i: { id: shoes, activeTo: null, partnerIds: [fieldPartner] } })).updateProgramme;
    expect(reopened).toMatchObject({ name: "Shoes for school children", activeTo: null, partners: [{ id: fieldPartner }] });
    expect(error(await app.gql(UPDATE, { i: { id: shoes, partnerIds: [otherPartner] } }))).toEqual({ code: "NOT_FOUND", field: "partnerIds" });
    expect((await app.ok<any>(`query($id: ID!) { programme(id: $id) { partners { id } } }`, { id: shoes })).programme.partners).toEqual([{ id: fieldPartner }]);
  });

  it("lets an offering's impact rule fund a programme of its own organization", async () => {
    const OFFER = `mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id programme { id name } } }`;
    const offering = (await app.ok<any>(OFFER, { i: { organizationId: org.id, name: "School shoe", unitsGivenPerUnit: "1", beneficiariesPerUnitGiven: "1", programmeId: shoes } })).createOffering;
    expect(offering.programme).toEqual({ id: shoes, name: "Shoes for school children" });
    const theirs = (await app.ok<any>(`query($o: ID!) { programmes(organizationId: $o) { edges { node { id } } } }`, { o: other.id })).programmes.edges[0].node.id;
    const before = await count(app, "offerings");
    expect(error(await app.gql(OFFER, { i: { organizationId: org.id, name: "Hijack", programmeId: theirs } }))).toEqual({ code: "NOT_FOUND", field: "programmeId" });
    expect(error(await app.gql(OFFER, { i: { organizationId: org.id, name: "Hijack", programmeId: "nope" } }))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await count(app, "offerings")).toBe(before);
    const UPD = `mutation($i: UpdateOfferingInput!) { updateOffering(input: $i) { programme { id } } }`;
    expect(error(await app.gql(UPD, { i: { id: offering.id, programmeId: theirs } }))).toEqual({ code: "NOT_FOUND", field: "programmeId" });
    expect((await app.ok<any>(UPD, { i: { id: offering.id, programmeId: null } })).updateOffering.programme).toBeNull();
    expect((await app.ok<any>(UPD, { i: { id: offering.id, programmeId: shoes } })).updateOffering.programme).toEqual({ id: shoes });
  });

  it("enrols beneficiaries by a partner that delivers the programme; a field partner as itself, only its own registrations", async () => {
    const staffRegistered = await beneficiary(app, org.id, "BEN-STAFF");
    const fpRegistered = await beneficiary(fp, org.id, "BEN-FP");
    const customer = await beneficiary(app, org.id, "CUST-1", "CUSTOMER");
    const before = await count(app, "programme_enrolments");
    const bad: [Record<string, unknown>, Caller, { code: string; field: string }][] = [
      [{ programmeId: shoes, beneficiaryId: customer }, app, { code: "BAD_USER_INPUT", field: "beneficiaryId" }],
      [{ programmeId: shoes, beneficiaryId: staffRegistered, partnerId: distributor }, app, { code: "BAD_USER_INPUT", field: "partnerId" }],
      [{ programmeId: shoes, beneficiaryId: staffRegistered, partnerId: otherPartner }, app, { code: "NOT_FOUND", field: "partnerId" }],
      [{ programmeId: shoes, beneficiaryId: staffRegistered, enrolledAt: "2099-01-01T00:00:00Z" }, app, { code: "BAD_USER_INPUT", field: "enrolledAt" }],
      // Before the programme started (shoes is active from 2026-01-01), or long before anything.
      [{ programmeId: shoes, beneficiaryId: staffRegistered, enrolledAt: "2025-12-31T23:59:59Z" }, app, { code: "BAD_USER_INPUT", field: "enrolledAt" }],
      [{ programmeId: shoes, beneficiaryId: staffRegistered, enrolledAt: "1900-01-01T00:00:00Z" }, app, { code: "BAD_USER_INPUT", field: "enrolledAt" }],
      [{ programmeId: unknownId("Programme", org.id), beneficiaryId: staffRegistered }, app, { code: "NOT_FOUND", field: "programmeId" }],
      [{ programmeId: shoes, beneficiaryId: unknownId("Stakeholder", org.id) }, app, { code: "NOT_FOUND", field: "beneficiaryId" }],
      // A field partner: not someone another registered (not revealed), not as another partner.
      [{ programmeId: shoes, beneficiaryId: staffRegistered }, fp, { code: "NOT_FOUND", field: "beneficiaryId" }],
      [{ programmeId: shoes, beneficiaryId: fpRegistered, partnerId: distributor }, fp, { code: "FORBIDDEN", field: "partnerId" }],
      // Funders never reach single people.
      [{ programmeId: shoes, beneficiaryId: staffRegistered }, funder, { code: "FORBIDDEN", field: "beneficiaryId" }],
    ];
    for (const [input, caller, expected] of bad) expect({ input, ...error(await caller.gql(ENROL, { i: input })) }).toEqual({ input, ...expected });
    expect(await count(app, "programme_enrolments")).toBe(before);

    const byStaff = (await app.ok<any>(ENROL, { i: { programmeId: shoes, beneficiaryId: staffRegistered, partnerId: fieldPartner, enrolledAt: "2026-02-01T08:00:00Z" } })).enrolBeneficiary;
    expect(byStaff).toMatchObject({ enrolledAt: "2026-02-01T08:00:00.000Z", programme: { id: shoes }, beneficiary: { id: staffRegistered }, partner: { id: fieldPartner } });
    const byFp = (await fp.ok<any>(ENROL, { i: { programmeId: shoes, beneficiaryId: fpRegistered, enrolledAt: "2026-02-03T00:00:00Z" } })).enrolBeneficiary;
    expect(byFp.partner).toEqual({ id: fieldPartner });
    expect(error(await app.gql(ENROL, { i: { programmeId: shoes, beneficiaryId: staffRegistered } }))).toEqual({ code: "CONFLICT", field: "beneficiaryId" });
    // The conflict says by whom: here, the partner the field partner works for (its own enrolment of the same person again).
    const again = await fp.gql<any>(ENROL, { i: { programmeId: shoes, beneficiaryId: fpRegistered, enrolledAt: "2026-02-04T00:00:00Z" } });
    expect(again.errors?.[0].message).toMatch(/enrolled in this programme already \(by this partner\)/);
    // Staff enrol without a partner too (the organization itself), in a programme no partner delivers.
    const lamps = (await app.ok<any>(`query($o: ID!) { programmes(organizationId: $o) { edges { node { id name } } } }`, { o: org.id })).programmes.edges.find((e: any) => e.node.name === "Lamps").node.id;
    const own = (await app.ok<any>(ENROL, { i: { programmeId: lamps, beneficiaryId: staffRegistered, enrolledAt: "2026-01-15T00:00:00Z" } })).enrolBeneficiary;
    expect(own.partner).toBeNull();
    // The field partner's partner does not deliver Lamps.
    expect(error(await fp.gql(ENROL, { i: { programmeId: lamps, beneficiaryId: fpRegistered } }))).toEqual({ code: "FORBIDDEN", field: "programmeId" });
    expect(await count(app, "programme_enrolments")).toBe(before + 3);

    // A beneficiary's enrolments, earliest first; a field partner reads the ones its partner made.
    const ENROLMENTS = `query($id: ID!) { stakeholder(id: $id) { enrolments { enrolledAt programme { name } partner { name } } } }`;
    expect((await app.ok<any>(ENROLMENTS, { id: staffRegistered })).stakeholder.enrolments).toEqual([
      { enrolledAt: "2026-01-15T00:00:00.000Z", programme: { name: "Lamps" }, partner: null },
      { enrolledAt: "2026-02-01T08:00:00.000Z", programme: { name: "Shoes for school children" }, partner: { name: "Shule Bora" } },
    ]);
    expect((await fp.ok<any>(ENROLMENTS, { id: fpRegistered })).stakeholder.enrolments).toEqual([
      { enrolledAt: "2026-02-03T00:00:00.000Z", programme: { name: "Shoes for school children" }, partner: { name: "Shule Bora" } },
    ]);

    // Unenrol: a field partner only what its partner enrolled; staff any.
    expect(error(await fp.gql(UNENROL, { i: { programmeId: lamps, beneficiaryId: fpRegistered } }))).toEqual({ code: "NOT_FOUND", field: "beneficiaryId" });
    expect((await fp.ok<any>(UNENROL, { i: { programmeId: shoes, beneficiaryId: fpRegistered } })).unenrolBeneficiary).toEqual({ id: byFp.id, programme: { id: shoes }, beneficiary: { id: fpRegistered } });
    expect(error(await fp.gql(UNENROL, { i: { programmeId: shoes, beneficiaryId: fpRegistered } }))).toEqual({ code: "NOT_FOUND", field: "beneficiaryId" });
    expect((await app.ok<any>(UNENROL, { i: { programmeId: lamps, beneficiaryId: staffRegistered } })).unenrolBeneficiary.id).toBe(own.id);
    expect(await count(app, "programme_enrolments")).toBe(before + 1);
    // Everything held on a person includes the programmes they are enrolled in.
    const exported = (await app.ok<any>(`query($id: ID!) { stakeholderExport(id: $id) }`, { id: staffRegistered })).stakeholderExport;
    expect(exported.enrolments).toEqual([{ programme: "Shoes for school children", enrolledAt: "2026-02-01T08:00:00.000Z", partner: "Shule Bora" }]);
    // Every write is in the audit log, the removal with the row it removed.
    const audit = await app.db.query(`SELECT action FROM audit_log WHERE organization_id = $1 AND entity = 'programme_enrolments' ORDER BY at, id`, [org.id]);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(["INSERT", "INSERT", "INSERT", "DELETE", "DELETE"]);
  });

  it("reads the enrolments of a page of beneficiaries in as many statements for 40 as for 4 (per-request DataLoaders)", async () => {
    // 40 beneficiaries, each enrolled by the field partner: inserted directly (the API path is tested above).
    await app.db.query(
      `WITH made AS (
         INSERT INTO stakeholders (organization_id, kind, external_ref, created_at)
         SELECT $1, 'BENEFICIARY', 'N1-' || g, timestamptz '2026-03-01' + g * interval '1 second' FROM generate_series(1, 40) g RETURNING id
       )
       INSERT INTO programme_enrolments (organization_id, programme_id, beneficiary_id, partner_id, enrolled_at)
       SELECT $1, $2, made.id, $3, timestamptz '2026-03-02' FROM made`,
      [org.id, shoes, fieldPartner],
    );
    const QUERY = `query($o: ID!, $first: Int!) { stakeholders(organizationId: $o, first: $first, filter: { kind: BENEFICIARY }) {
      edges { node { externalRef enrolments { enrolledAt programme { name partners { name } } partner { name } } } } } }`;
    const statements = async (first: number) => {
      app.counter.reset();
      app.counter.record = true;
      const data = await app.ok<any>(QUERY, { o: org.id, first });
      app.counter.record = false;
      return { n: app.counter.statements.filter((sql) => !/\bapi_keys\b/.test(sql)).length, data };
    };
    const few = await statements(4);
    const many = await statements(60);
    // BEN-STAFF and BEN-FP from the test above + 40 = 42 beneficiaries on the long page; enrolled by Shule Bora:
    // BEN-STAFF (in Shoes) and the 40 (BEN-FP was unenrolled, BEN-STAFF's Lamps enrolment removed) = 41.
    expect(many.data.stakeholders.edges).toHaveLength(42);
    expect(few.data.stakeholders.edges).toHaveLength(4);
    expect(many.data.stakeholders.edges.filter((e: any) => e.node.enrolments.length === 1 && e.node.enrolments[0].partner?.name === "Shule Bora")).toHaveLength(41);
    expect(many.n).toBe(few.n);
  });

  it("migrates free-text causes into programmes (case-insensitively distinct per organization) and back", async () => {
    const runner = app.db.createQueryRunner();
    const migration = new Programmes1732850000000();
    // Deliveries (a later migration) reference programmes: reverted first, put back last, as migrations are.
    const deliveries = new Deliveries1732853000000();
    try {
      await deliveries.down(runner);
      // Down: each offering's programme name becomes its cause again; the programme tables go.
      await migration.down(runner);
      const causes = await app.db.query(`SELECT name, cause FROM offerings WHERE organization_id = $1 ORDER BY name`, [org.id]);
      expect(causes).toEqual([{ name: "School shoe", cause: "Shoes for school children" }]);
      expect(await app.db.query(`SELECT to_regclass('programmes') AS t`)).toEqual([{ t: null }]);

      // A database full of causes, spelt as people type them.
      await app.db.query(
        `INSERT INTO offerings (organization_id, name, cause, beneficiaries_per_unit_given, created_at) VALUES
           ($1, 'Sneaker', ' school SHOES ', 1, '2020-01-01'),
           ($1, 'Sandal', 'Fees fund', 2, '2020-02-01'),
           ($1, 'Slipper', 'fees FUND', 3, '2020-03-01'),
           ($1, 'Sock', '   ', NULL, '2020-04-01'),
           ($1, 'Clog', E'Shoes  for\tschool children\n', 1, '2020-05-01'),
           ($1, 'Boot', E'\t\n', NULL, '2020-06-01'),
           ($2, 'Their shoe', 'School shoes', 1, '2021-01-01')`,
        [org.id, other.id],
      );
      await migration.up(runner);
      await deliveries.up(runner);
    } finally {
      await runner.release();
    }
    const programmes = await app.db.query(
      `SELECT o.name AS organization, p.name, p.beneficiaries_per_unit::text AS per_unit, to_char(p.active_from AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS active_from,
              (SELECT array_agg(f.name ORDER BY f.name) FROM offerings f WHERE f.organization_id = p.organization_id AND f.programme_id = p.id) AS offerings
         FROM programmes p JOIN organizations o ON o.id = p.organization_id ORDER BY 1, lower(p.name)`,
    );
    expect(programmes).toEqual([
      // "Fees fund" and "fees FUND" are one programme, spelt as the oldest offering did; their rates differ, so none is kept.
      { organization: "Hatua Test", name: "Fees fund", per_unit: null, active_from: "2020-02-01", offerings: ["Sandal", "Slipper"] },
      // " school SHOES " is another cause than "Shoes for school children": its own programme, trimmed.
      { organization: "Hatua Test", name: "school SHOES", per_unit: "1.0000", active_from: "2020-01-01", offerings: ["Sneaker"] },
      // Whitespace of any kind, anywhere, counts as one space: a tab and a newline don't make another cause.
      { organization: "Hatua Test", name: "Shoes for school children", per_unit: "1.0000", active_from: expect.any(String), offerings: ["Clog", "School shoe"] },
      // The same words in another organization: its own programme.
      { organization: "Other Org", name: "School shoes", per_unit: "1.0000", active_from: "2021-01-01", offerings: ["Their shoe"] },
    ]);
    // A blank cause (spaces, a tab, a newline) funded nothing: no programme.
    expect(await app.db.query(`SELECT programme_id FROM offerings WHERE name IN ('Sock', 'Boot')`)).toEqual([{ programme_id: null }, { programme_id: null }]);
    // The API reads them like any programme.
    const listed = (await app.ok<any>(`query($o: ID!) { programmes(organizationId: $o) { totalCount } }`, { o: org.id })).programmes.totalCount;
    expect(listed).toBe(3);
  });
});
