import { asStored, Caller, GqlResult, startTestApp, TestApp } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";
import { mulberry32 } from "../helpers/random";
import { perturb } from "../../src/common/perturbation";

/**
 * Deliveries (issue 14, items 2 and 3): recordDeliveries with submitFeedback's batch contract (client
 * keys, CREATED / DUPLICATE / CONFLICT / REJECTED with every reason, dryRun, exactly once under
 * concurrent replays, partner rules, tenant isolation), the deliveries list, and funded versus
 * delivered with figures worked out by hand: units funded, backlog, delivered beyond funded, FIFO
 * days from sale to delivery, beneficiaries reached, cost per beneficiary, funders' suppression.
 */
describe("deliveries and funded versus delivered", () => {
  let app: TestApp;
  let org: OrgFixture;
  let other: OrgFixture;
  let fieldPartner: string;
  let distributor: string;
  let idle: string;
  let shoes: string;
  let bulk: string;
  let lamps: string;
  let otherProgramme: string;
  let otherChild: string;
  let staff: Caller;
  let fp: Caller;
  let idleFp: Caller;
  let funder: Caller;

  const RECORD = `mutation($i: RecordDeliveriesInput!) { recordDeliveries(input: $i) { created duplicates conflicts rejected valid items { index clientKey status id errors { field message code } } } }`;
  const LIST = `query($o: ID!, $f: DeliveryFilter, $first: Int, $after: String) { deliveries(organizationId: $o, filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id clientKey units deliveredAt siteName peopleReached evidenceNote programme { id } beneficiary { id externalRef } partner { id } } } } }`;
  const FVD = `query($o: ID!, $p: ID, $from: DateTimeISO, $to: DateTimeISO) { fundedVsDelivered(organizationId: $o, programmeId: $p, from: $from, to: $to) {
    from to programmes { programme { id name } unitsFunded contribution { amountMinor amount } unitsDelivered fundedToDate deliveredToDate backlog deliveredBeyondFunded
      daysToDelivery { units median p90 } beneficiariesReached { people atSites total suppressed } costPerBeneficiaryReached { amountMinor amount } } } }`;

  const rows = async (sql: string, params: unknown[] = []) => app.db.query(sql, params);
  const countDeliveries = async (organizationId: string) => Number((await rows(`SELECT count(*)::int AS n FROM deliveries WHERE organization_id = $1`, [organizationId]))[0].n);
  const error = (r: GqlResult) => ({ code: r.errors?.[0]?.extensions?.code, field: r.errors?.[0]?.extensions?.field });
  const record = (by: Caller, items: unknown[], extra: Record<string, unknown> = {}) => by.ok<any>(RECORD, { i: { organizationId: org.id, items, ...extra } });
  const partner = async (organizationId: string, name: string, kind: string) =>
    (await app.ok<any>(`mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }`, { i: { organizationId, name, kind } })).createPartner.id as string;
  const programme = async (organizationId: string, name: string, partnerIds: string[]) =>
    (
      await app.ok<any>(`mutation($i: CreateProgrammeInput!) { createProgramme(input: $i) { id } }`, {
        i: { organizationId, name, unitOfDelivery: "pair of shoes", beneficiariesPerUnit: "1", partnerIds, activeFrom: "2026-01-01T00:00:00Z" },
      })
    ).createProgramme.id as string;
  const stakeholder = async (by: Caller, organizationId: string, externalRef: string, kind = "BENEFICIARY") =>
    (await by.ok<any>(`mutation($i: CreateStakeholderInput!) { createStakeholder(input: $i) { id } }`, { i: { organizationId, kind, externalRef } })).createStakeholder.id as string;
  const fvd = async (by: Caller, p: string | null, from: string, to: string) => (await by.ok<any>(FVD, { o: org.id, p, from, to })).fundedVsDelivered.programmes;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Delivery Org", "CUSTOMER_FUNDS_BENEFICIARY");
    other = await createOrg(app, "Other Org");
    fieldPartner = await partner(org.id, "Shule Bora", "FIELD_PARTNER");
    idle = await partner(org.id, "Idle NGO", "FIELD_PARTNER");
    distributor = await partner(org.id, "Nairobi Retail", "DISTRIBUTOR");
    shoes = await programme(org.id, "School shoes", [fieldPartner, distributor]);
    bulk = await programme(org.id, "Bulk shoes", [fieldPartner]);
    lamps = await programme(org.id, "Study lamps", []);
    otherProgramme = await programme(other.id, "Other shoes", []);
    otherChild = await stakeholder(app, other.id, "OTHER-CHILD");
    staff = app.as(await app.issue("MEMBER", [{ organizationId: org.id, role: "STAFF" }], "staff"));
    fp = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId: fieldPartner }], "fp"));
    idleFp = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId: idle }], "idle fp"));
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }], "funder"));
  });
  afterAll(() => app.close());

  describe("recordDeliveries: the batch contract", () => {
    it("answers every item: CREATED, REJECTED with every reason (code and field), a repeated key in the batch as a DUPLICATE; the good items are stored", async () => {
      const mine = await stakeholder(fp, org.id, "FP-CHILD-1");
      const staffs = await stakeholder(staff, org.id, "STAFF-CHILD-1");
      const customer = await stakeholder(staff, org.id, "CUSTOMER-1", "CUSTOMER");
      const base = { programmeId: bulk, deliveredAt: "2026-05-04T08:00:00Z", units: 1 };
      const r = await record(fp, [
        { ...base, clientKey: "c-0", newBeneficiary: { externalRef: "NEW-CHILD-1", gender: "FEMALE" }, evidenceNote: "signed register" },
        { ...base, clientKey: "c-1", site: { name: " Kisumu Primary ", peopleReached: 30 }, units: 30 },
        // Another organization's programme reads as missing; a date in the future; no units.
        { ...base, clientKey: "c-2", programmeId: otherProgramme, deliveredAt: "2999-01-01T00:00:00Z", units: 0, beneficiaryId: mine },
        // A field partner delivers as its own partner only.
        { ...base, clientKey: "c-3", beneficiaryId: mine, partnerId: distributor },
        { ...base, clientKey: "c-0", newBeneficiary: { externalRef: "NEW-CHILD-1", gender: "FEMALE" }, evidenceNote: "signed register" },
        // Another organization's beneficiary, and one the organization's staff registered: both missing to this key.
        { ...base, clientKey: "c-5", beneficiaryId: otherChild },
        { ...base, clientKey: "c-6", beneficiaryId: staffs },
        // Before the programme started; no recipient; a calendar day that does not exist.
        { ...base, clientKey: "c-7", deliveredAt: "2025-12-31T23:59:59Z" },
        { ...base, clientKey: "c-8", deliveredAt: "2026-02-30T10:00:00Z", beneficiaryId: mine, site: { name: "School", peopleReached: 3 } },
        // A programme the partner does not deliver.
        { ...base, clientKey: "c-9", programmeId: lamps, beneficiaryId: mine },
        { ...base, clientKey: "", beneficiaryId: mine },
        { ...base, clientKey: "c-11", site: { name: "  ", peopleReached: -1 } },
      ]);
      const by = (i: number) => r.recordDeliveries.items[i];
      expect(r.recordDeliveries).toMatchObject({ created: 2, duplicates: 1, conflicts: 0, rejected: 9, valid: 0 });
      expect(by(0)).toMatchObject({ status: "CREATED", clientKey: "c-0", errors: [] });
      expect(by(1)).toMatchObject({ status: "CREATED", clientKey: "c-1" });
      expect(by(2).errors).toEqual([
        { field: "programmeId", message: "no programme with this id in the organization", code: "NOT_FOUND" },
        { field: "deliveredAt", message: "deliveredAt is in the future", code: "BAD_USER_INPUT" },
        { field: "units", message: "units must be a whole number of at least 1", code: "BAD_USER_INPUT" },
      ]);
      expect(by(3).errors).toEqual([{ field: "partnerId", message: "field partners record deliveries as their own partner", code: "FORBIDDEN" }]);
      expect(by(4)).toMatchObject({ status: "DUPLICATE", id: by(0).id });
      expect(by(5).errors).toEqual([{ field: "beneficiaryId", message: "no stakeholder with this id in the organization", code: "NOT_FOUND" }]);
      expect(by(6).errors).toEqual([{ field: "beneficiaryId", message: "no stakeholder with this id in the organization", code: "NOT_FOUND" }]);
      expect(by(7).errors).toEqual([
        { field: "deliveredAt", message: "deliveredAt is before the programme started (2026-01-01T00:00:00.000Z)", code: "BAD_USER_INPUT" },
        { field: "beneficiaryId", message: "a delivery goes to a beneficiary (beneficiaryId or newBeneficiary) or to a site", code: "BAD_USER_INPUT" },
      ]);
      expect(by(8).errors).toEqual([
        { field: "deliveredAt", message: "deliveredAt must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T09:30:00Z", code: "BAD_USER_INPUT" },
        { field: "beneficiaryId", message: "give one of beneficiaryId, newBeneficiary or site, not several", code: "BAD_USER_INPUT" },
      ]);
      expect(by(9).errors).toEqual([{ field: "programmeId", message: "field partners record deliveries only for programmes their partner delivers", code: "FORBIDDEN" }]);
      expect(by(10)).toMatchObject({ clientKey: null, errors: [{ field: "clientKey", message: "clientKey must not be empty", code: "BAD_USER_INPUT" }] });
      expect(by(11).errors).toEqual([
        { field: "site.name", message: "site.name must be 1 to 200 characters", code: "BAD_USER_INPUT" },
        { field: "site.peopleReached", message: "site.peopleReached must be a whole number, 0 or more", code: "BAD_USER_INPUT" },
      ]);
      // A customer is not a beneficiary (staff see it, so the reason is its kind).
      const c = await record(staff, [{ ...base, clientKey: "c-12", beneficiaryId: customer }]);
      expect(c.recordDeliveries.items[0].errors).toEqual([{ field: "beneficiaryId", message: "deliveries go to BENEFICIARY stakeholders; this is a CUSTOMER", code: "BAD_USER_INPUT" }]);

      // Stored: the two created, the new beneficiary registered by the partner, the partner set to its own.
      const stored = await rows(
        `SELECT d.client_key, d.units, d.site_name, d.people_reached, d.partner_id, d.submitted_by_partner_id, d.evidence_note, s.external_ref, s.registered_by_partner_id
           FROM deliveries d LEFT JOIN stakeholders s ON s.organization_id = d.organization_id AND s.id = d.beneficiary_id WHERE d.organization_id = $1 ORDER BY d.client_key`,
        [org.id],
      );
      expect(stored).toEqual(asStored([
        { client_key: "c-0", units: 1, site_name: null, people_reached: null, partner_id: fieldPartner, submitted_by_partner_id: fieldPartner, evidence_note: "signed register", external_ref: "NEW-CHILD-1", registered_by_partner_id: fieldPartner },
        { client_key: "c-1", units: 30, site_name: "Kisumu Primary", people_reached: 30, partner_id: fieldPartner, submitted_by_partner_id: fieldPartner, evidence_note: null, external_ref: null, registered_by_partner_id: null },
      ]));
      // The audit log has one INSERT entry per delivery, with the evidence note redacted.
      const audit = await rows(`SELECT after ->> 'evidence_note' AS note, after ->> 'content_hash' AS hash FROM audit_log WHERE organization_id = $1 AND entity = 'deliveries' ORDER BY after ->> 'client_key'`, [org.id]);
      expect(audit).toEqual([
        { note: "[redacted]", hash: "[redacted]" },
        { note: null, hash: "[redacted]" },
      ]);
    });

    it("recognises a retry: the same key and content is a DUPLICATE with the stored id, other content a CONFLICT; nothing changes", async () => {
      const base = { programmeId: bulk, deliveredAt: "2026-05-04T08:00:00Z", units: 1 };
      const before = await countDeliveries(org.id);
      const r = await record(fp, [
        { ...base, clientKey: "c-0", newBeneficiary: { externalRef: "NEW-CHILD-1", gender: "FEMALE" }, evidenceNote: "signed register" },
        { ...base, clientKey: "c-1", site: { name: "Kisumu Primary", peopleReached: 31 }, units: 30 },
      ]);
      expect(r.recordDeliveries).toMatchObject({ created: 0, duplicates: 1, conflicts: 1 });
      expect(r.recordDeliveries.items[1].errors).toEqual([{ field: "clientKey", message: "this client key was used before with different content; nothing was changed", code: "CONFLICT" }]);
      expect(await countDeliveries(org.id)).toBe(before);
    });

    it("dryRun checks every item and stores nothing: VALID, or DUPLICATE / CONFLICT against what is stored or an earlier item", async () => {
      const before = await countDeliveries(org.id);
      const beneficiariesBefore = (await rows(`SELECT count(*)::int AS n FROM stakeholders WHERE organization_id = $1`, [org.id]))[0].n;
      const base = { programmeId: bulk, deliveredAt: "2026-05-05T08:00:00Z", units: 2 };
      const r = await record(
        fp,
        [
          { ...base, clientKey: "dry-1", newBeneficiary: { externalRef: "DRY-CHILD" } },
          { ...base, clientKey: "dry-1", newBeneficiary: { externalRef: "DRY-CHILD" }, units: 3 },
          { ...base, clientKey: "c-0", newBeneficiary: { externalRef: "NEW-CHILD-1", gender: "FEMALE" }, evidenceNote: "signed register", units: 1, deliveredAt: "2026-05-04T08:00:00Z" },
          { ...base, clientKey: "dry-3", units: -2, site: { name: "School", peopleReached: 1 } },
        ],
        { dryRun: true },
      );
      expect(r.recordDeliveries).toMatchObject({ created: 0, valid: 1, conflicts: 1, duplicates: 1, rejected: 1 });
      expect(r.recordDeliveries.items.map((i: any) => i.status)).toEqual(["VALID", "CONFLICT", "DUPLICATE", "REJECTED"]);
      expect(r.recordDeliveries.items[0].id).toBeNull();
      expect(await countDeliveries(org.id)).toBe(before);
      expect((await rows(`SELECT count(*)::int AS n FROM stakeholders WHERE organization_id = $1`, [org.id]))[0].n).toBe(beneficiariesBefore);
    });

    it("stores each delivery of a 1000-item batch once when it is replayed concurrently", async () => {
      const items = Array.from({ length: 1000 }, (_, n) => ({
        clientKey: `bulk-${String(n).padStart(4, "0")}`,
        programmeId: bulk,
        deliveredAt: "2026-06-01T08:00:00Z",
        units: 1,
        newBeneficiary: { externalRef: `BULK-${n % 400}` },
      }));
      const before = await countDeliveries(org.id);
      const answers = await Promise.all([1, 2, 3, 4].map(() => record(fp, items)));
      // 1000 new deliveries (and 400 new beneficiaries, each registered once), whichever replay stored them.
      expect(await countDeliveries(org.id)).toBe(before + 1000);
      expect((await rows(`SELECT count(*)::int AS n FROM stakeholders WHERE organization_id = $1 AND external_ref LIKE 'BULK-%'`, [org.id]))[0].n).toBe(400);
      const created = answers.reduce((n, a) => n + a.recordDeliveries.created, 0);
      expect(created).toBe(1000);
      for (const a of answers) expect(a.recordDeliveries.created + a.recordDeliveries.duplicates).toBe(1000);
      // Every replay answers the same id for an item.
      for (const a of answers.slice(1)) expect(a.recordDeliveries.items.map((i: any) => i.id)).toEqual(answers[0].recordDeliveries.items.map((i: any) => i.id));
    });

    it("lets staff name any partner of the programme or none, and says why another partner is refused", async () => {
      const mine = await stakeholder(staff, org.id, "STAFF-CHILD-2");
      const base = { programmeId: shoes, deliveredAt: "2026-05-01T08:00:00Z", units: 1, beneficiaryId: mine };
      const r = await record(staff, [
        { ...base, clientKey: "s-1", partnerId: distributor },
        { ...base, clientKey: "s-2" },
        { ...base, clientKey: "s-3", partnerId: idle },
        { ...base, clientKey: "s-4", partnerId: (await partner(other.id, "Other NGO", "FIELD_PARTNER")) },
      ]);
      expect(r.recordDeliveries.items.map((i: any) => i.status)).toEqual(["CREATED", "CREATED", "REJECTED", "REJECTED"]);
      expect(r.recordDeliveries.items[2].errors).toEqual([{ field: "partnerId", message: "the partner does not deliver this programme", code: "BAD_USER_INPUT" }]);
      expect(r.recordDeliveries.items[3].errors).toEqual([{ field: "partnerId", message: "no partner with this id in the organization", code: "NOT_FOUND" }]);
      // These two are outside the figures below: they go to "School shoes" in May; the scenario is February to April.
    });

    it("refuses funders and other organizations' keys; a field partner whose partner delivers nothing is refused item by item", async () => {
      const item = { clientKey: "f-1", programmeId: bulk, deliveredAt: "2026-05-01T08:00:00Z", units: 1, site: { name: "School", peopleReached: 1 } };
      expect(error(await funder.gql(RECORD, { i: { organizationId: org.id, items: [item] } }))).toEqual({ code: "FORBIDDEN", field: "organizationId" });
      expect(error(await fp.gql(RECORD, { i: { organizationId: other.id, items: [item] } }))).toEqual({ code: "FORBIDDEN", field: "organizationId" });
      const r = await record(idleFp, [item]);
      expect(r.recordDeliveries.items[0].errors).toEqual([{ field: "programmeId", message: "field partners record deliveries only for programmes their partner delivers", code: "FORBIDDEN" }]);
      expect(error(await funder.gql(LIST, { o: org.id }))).toEqual({ code: "FORBIDDEN", field: "organizationId" });
    });

    it("lists deliveries as a capped connection, latest first; a field partner reads back only what it submitted", async () => {
      const all = (await staff.ok<any>(LIST, { o: org.id, f: { programmeId: bulk }, first: 2 })).deliveries;
      // 2 from the first batch, 1000 from the replayed one.
      expect(all.totalCount).toBe(1002);
      expect(all.pageInfo.hasNextPage).toBe(true);
      expect(all.edges.map((e: any) => e.node.deliveredAt)).toEqual(["2026-06-01T08:00:00.000Z", "2026-06-01T08:00:00.000Z"]);
      const next = (await staff.ok<any>(LIST, { o: org.id, f: { programmeId: bulk }, first: 2, after: all.pageInfo.endCursor })).deliveries;
      expect(next.edges.map((e: any) => e.node.id)).not.toContain(all.edges[0].node.id);
      // The field partner: its own 1002 in "Bulk shoes", not the two staff recorded for "School shoes" (one of them naming no partner, one the distributor).
      const own = (await fp.ok<any>(LIST, { o: org.id })).deliveries;
      expect(own.totalCount).toBe(1002);
      const staffs = (await staff.ok<any>(LIST, { o: org.id, f: { programmeId: shoes } })).deliveries;
      expect(staffs.edges.map((e: any) => [e.node.clientKey, e.node.partner?.id ?? null]).sort()).toEqual([
        ["s-1", distributor],
        ["s-2", null],
      ]);
      expect(error(await staff.gql(LIST, { o: org.id, f: { programmeId: otherProgramme } }))).toEqual({ code: "NOT_FOUND", field: "filter.programmeId" });
    });
  });

  describe("funded versus delivered, worked out by hand", () => {
    let scenario: string;
    beforeAll(async () => {
      // A programme of its own for the scenario, delivered by Shule Bora; a one-for-one offering giving 100.00 KES a sale.
      scenario = await programme(org.id, "Scenario shoes", [fieldPartner]);
      const offering = (
        await app.ok<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, {
          i: { organizationId: org.id, name: "School shoe", unitPriceMinor: 350000, unitsGivenPerUnit: "1", beneficiariesPerUnitGiven: "1", fixedAmountPerSaleMinor: 10000, programmeId: scenario },
        })
      ).createOffering.id;
      // 3 sales of 2 pairs: February 1, 11 and 21.
      const sales = await app.ok<any>(`mutation($i: RecordSalesInput!) { recordSales(input: $i) { created } }`, {
        i: {
          organizationId: org.id,
          items: ["2026-02-01", "2026-02-11", "2026-02-21"].map((day, n) => ({ clientKey: `sale-${n}`, offeringId: offering, occurredAt: `${day}T00:00:00Z`, units: 2, amountMinor: 700000 })),
        },
      });
      expect(sales.recordSales.created).toBe(3);
      const a = await stakeholder(fp, org.id, "CHILD-A");
      const b = await stakeholder(fp, org.id, "CHILD-B");
      const base = { programmeId: scenario };
      const r = await record(fp, [
        // March 3: 4 pairs to a school, 4 children reached there.
        { ...base, clientKey: "sc-1", deliveredAt: "2026-03-03T00:00:00Z", units: 4, site: { name: "Kisumu Primary", peopleReached: 4 } },
        // March 18: 5 pairs to two children (A twice: 2 pairs, then 1 more).
        { ...base, clientKey: "sc-2", deliveredAt: "2026-03-18T00:00:00Z", units: 2, beneficiaryId: a },
        { ...base, clientKey: "sc-3", deliveredAt: "2026-03-18T00:00:00Z", units: 2, beneficiaryId: b },
        { ...base, clientKey: "sc-4", deliveredAt: "2026-03-18T00:00:00Z", units: 1, beneficiaryId: a },
        // April 10: 10 pairs to a school, 40 children reached there.
        { ...base, clientKey: "sc-5", deliveredAt: "2026-04-10T00:00:00Z", units: 10, site: { name: "Siaya School", peopleReached: 40 } },
      ]);
      expect(r.recordDeliveries.created).toBe(5);
    });

    it("after the first delivery: 6 pairs funded, 4 delivered, a backlog of 2; FIFO days 30, 30, 20, 20", async () => {
      const [row] = await fvd(staff, scenario, "2026-02-01T00:00:00Z", "2026-03-10T00:00:00Z");
      expect(row).toEqual({
        programme: { id: scenario, name: "Scenario shoes" },
        // 3 sales × 2 pairs × 1 given per pair sold = 6; 3 sales × 100.00 = 300.00.
        unitsFunded: "6",
        contribution: { amountMinor: 30000, amount: "300.00" },
        unitsDelivered: 4,
        fundedToDate: "6",
        deliveredToDate: 4,
        // 6 funded − 4 delivered.
        backlog: "2",
        deliveredBeyondFunded: "0",
        // FIFO: the 4 pairs of March 3 are the first 4 funded: sale 1's 2 (Feb 1 → Mar 3: 30 days) and sale 2's 2 (Feb 11 → Mar 3: 20 days).
        // Sorted 20, 20, 30, 30: the median is the fewest days covering at least 2 of 4 units, 20; the 90th percentile covers 3.6 → the 4th, 30.
        daysToDelivery: { units: "4", median: 20, p90: 30 },
        // Only the school: 4 children there, no one by name.
        beneficiariesReached: { people: 0, atSites: 4, total: 4, suppressed: false },
        // 300.00 / 4 = 75.00.
        costPerBeneficiaryReached: { amountMinor: 7500, amount: "75.00" },
      });
    });

    it("after the second delivery: 9 delivered, 3 beyond what was funded (not a negative backlog); FIFO days 20, 20, 25, 25, 30, 30", async () => {
      const [row] = await fvd(staff, scenario, "2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z");
      expect(row).toMatchObject({
        unitsFunded: "6",
        unitsDelivered: 9,
        fundedToDate: "6",
        deliveredToDate: 9,
        backlog: "0",
        // 4 + 5 = 9 delivered against 6 funded.
        deliveredBeyondFunded: "3",
        // March 18's 5 pairs: the first 2 are sale 3's (Feb 21 → Mar 18: 25 days), the other 3 were not funded (no days).
        // 6 units: 20, 20, 25, 25, 30, 30 → median (3 of 6) 25; 90th percentile (5.4 of 6 → the 6th) 30.
        daysToDelivery: { units: "6", median: 25, p90: 30 },
        // Children A and B (A twice counts once) and the 4 at the school: 2 + 4 = 6.
        beneficiariesReached: { people: 2, atSites: 4, total: 6, suppressed: false },
        // 300.00 / 6 = 50.00.
        costPerBeneficiaryReached: { amountMinor: 5000, amount: "50.00" },
      });
    });

    it("a period with deliveries and no sales: the funded figures of the period are 0, the backlog and the beyond-funded figures are cumulative", async () => {
      const [row] = await fvd(staff, scenario, "2026-03-10T00:00:00Z", "2026-05-01T00:00:00Z");
      expect(row).toMatchObject({
        unitsFunded: "0",
        contribution: { amountMinor: 0 },
        // March 18's 5 and April 10's 10.
        unitsDelivered: 15,
        fundedToDate: "6",
        deliveredToDate: 19,
        backlog: "0",
        // 19 delivered since the start against 6 funded.
        deliveredBeyondFunded: "13",
        // Of the 15 delivered in the period only sale 3's 2 pairs were funded: 25 days each.
        daysToDelivery: { units: "2", median: 25, p90: 25 },
        beneficiariesReached: { people: 2, atSites: 40, total: 42, suppressed: false },
        // No money in the period: 0 / 42 = 0.
        costPerBeneficiaryReached: { amountMinor: 0, amount: "0.00" },
      });
    });

    it("gives every programme of the organization without programmeId, oldest first", async () => {
      const all = await fvd(staff, null, "2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z");
      expect(all.map((r: any) => r.programme.name)).toEqual(["School shoes", "Bulk shoes", "Study lamps", "Scenario shoes"]);
      // Study lamps: nothing funded, nothing delivered.
      expect(all[2]).toMatchObject({ unitsFunded: "0", unitsDelivered: 0, backlog: "0", deliveredBeyondFunded: "0", daysToDelivery: { units: "0", median: null, p90: null }, costPerBeneficiaryReached: null });
    });

    it("takes a named period like the other views", async () => {
      const r = await staff.ok<any>(`query($o: ID!) { fundedVsDelivered(organizationId: $o, period: LAST_30_DAYS) { from to programmes { programme { name } } } }`, { o: org.id });
      expect(r.fundedVsDelivered.programmes).toHaveLength(4);
    });

    it("suppresses small groups of people for funders, with a complement; field partners may not read it", async () => {
      // February to April: 2 people + 4 at a school = 6 < 10: every count hidden, and what is derived from them (days, cost);
      // the 9 pairs delivered too (pairs are often children one for one: they would give the people back).
      const [feb] = await fvd(funder, scenario, "2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z");
      // The 9 pairs delivered to date are adjusted by the keys of every delivery so far (else two periods' figures
      // would give a hidden period's pairs back); what is beyond the 6 funded follows from them.
      const [toDate] = await app.db.query(`SELECT coalesce(sum(record_key), 0)::text AS k FROM deliveries WHERE organization_id = $1 AND programme_id = $2 AND delivered_at < $3`, [
        org.id,
        scenario,
        "2026-04-01T00:00:00Z",
      ]);
      const deliveredToDate = perturb(9, toDate.k, 2);
      expect(feb.deliveredToDate).toBe(deliveredToDate);
      expect(feb).toMatchObject({
        unitsFunded: "6",
        unitsDelivered: null,
        deliveredBeyondFunded: String(Math.max(0, deliveredToDate - 6)),
        daysToDelivery: { units: "6", median: null, p90: null },
        beneficiariesReached: { people: null, atSites: null, total: null, suppressed: true },
        costPerBeneficiaryReached: null,
      });
      // March 10 to May: 2 people (hidden, below 10) + 40 at a school: the total 42 is shown, so the 40 is hidden too
      // (42 − 40 would give the 2 back).
      const [mar] = await fvd(funder, scenario, "2026-03-10T00:00:00Z", "2026-05-01T00:00:00Z");
      // The total shown carries its cell-key adjustment (D = 2): its records are the 2 people and the deliveries to sites.
      const [keys] = await app.db.query(
        `SELECT (SELECT coalesce(sum(s.record_key), 0) FROM stakeholders s WHERE s.organization_id = $1 AND s.id IN (SELECT beneficiary_id FROM deliveries d WHERE d.organization_id = $1 AND d.programme_id = $2 AND d.delivered_at >= $3 AND d.delivered_at < $4))
              + (SELECT coalesce(sum(d.record_key), 0) FROM deliveries d WHERE d.organization_id = $1 AND d.programme_id = $2 AND d.delivered_at >= $3 AND d.delivered_at < $4 AND d.people_reached IS NOT NULL) AS k`,
        [org.id, scenario, "2026-03-10T00:00:00Z", "2026-05-01T00:00:00Z"],
      );
      const total = perturb(42, keys.k, 2);
      expect(Math.abs(total - 42)).toBeLessThanOrEqual(2);
      // The pairs delivered are shown with the total, adjusted by the same records' keys.
      const [marStaff] = await fvd(staff, scenario, "2026-03-10T00:00:00Z", "2026-05-01T00:00:00Z");
      expect(mar.unitsDelivered).toBe(perturb(marStaff.unitsDelivered, keys.k, 2));
      expect(mar).toMatchObject({
        beneficiariesReached: { people: null, atSites: null, total, suppressed: true },
        daysToDelivery: { units: "2", median: 25, p90: 25 },
        costPerBeneficiaryReached: { amountMinor: 0 },
      });
      expect(error(await fp.gql(FVD, { o: org.id, p: scenario, from: "2026-02-01T00:00:00Z", to: "2026-04-01T00:00:00Z" }))).toEqual({ code: "FORBIDDEN", field: "organizationId" });
      expect(error(await staff.gql(FVD, { o: org.id, p: otherProgramme, from: "2026-02-01T00:00:00Z", to: "2026-04-01T00:00:00Z" }))).toEqual({ code: "NOT_FOUND", field: "programmeId" });
    });
  });

  describe("funded versus delivered against a unit-by-unit first-in, first-out on random data", () => {
    it("gives the figures a loop over every unit gives, for random sales, deliveries and periods", async () => {
      const seed = 14;
      const rnd = mulberry32(seed);
      const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
      const at = () => new Date(Date.parse("2026-01-02T00:00:00Z") + Math.floor(rnd() * 170 * 86400) * 1000).toISOString();
      const random = await programme(org.id, "Random shoes", [fieldPartner]);
      const offering = (
        await app.ok<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, {
          i: { organizationId: org.id, name: "Random shoe", unitsGivenPerUnit: "1", fixedAmountPerSaleMinor: 777, programmeId: random },
        })
      ).createOffering.id;
      const saleItems = Array.from({ length: 40 }, (_, n) => ({ clientKey: `rnd-sale-${n}`, offeringId: offering, occurredAt: at(), units: int(1, 3), amountMinor: 1000 }));
      const sold = await app.ok<any>(`mutation($i: RecordSalesInput!) { recordSales(input: $i) { created items { id } } }`, { i: { organizationId: org.id, items: saleItems } });
      expect(sold.recordSales.created).toBe(40);
      const children: string[] = [];
      for (let n = 0; n < 6; n++) children.push(await stakeholder(staff, org.id, `RND-CHILD-${n}`));
      const deliveryItems = Array.from({ length: 30 }, (_, n) => ({
        clientKey: `rnd-delivery-${n}`,
        programmeId: random,
        deliveredAt: at(),
        units: int(1, 4),
        ...(rnd() < 0.7 ? { beneficiaryId: children[int(0, 5)] } : { site: { name: `School ${int(1, 3)}`, peopleReached: int(0, 30) } }),
      }));
      const delivered = await record(staff, deliveryItems);
      expect(delivered.recordDeliveries.created).toBe(30);
      const sales = saleItems.map((x, n) => ({ ...x, id: sold.recordSales.items[n].id as string, t: Date.parse(x.occurredAt) }));
      const deliveries = deliveryItems.map((x, n) => ({ ...x, id: delivered.recordDeliveries.items[n].id as string, t: Date.parse(x.deliveredAt) }));
      const order = (a: { t: number; id: string }, b: { t: number; id: string }) => a.t - b.t || (a.id < b.id ? -1 : 1);

      let measured = 0;
      for (let p = 0; p < 6; p++) {
        const from = Date.parse("2026-01-01T00:00:00Z") + int(0, 120) * 86400000;
        const to = from + int(1, 90) * 86400000;
        // The direct computation: every unit funded before `to` in sale order, every unit delivered before `to` in delivery order.
        const funded = sales.filter((x) => x.t < to).sort(order).flatMap((x) => Array.from({ length: x.units }, () => x));
        const handed = deliveries.filter((x) => x.t < to).sort(order).flatMap((x) => Array.from({ length: x.units }, () => x));
        const days: number[] = [];
        for (let u = 0; u < Math.min(funded.length, handed.length); u++) if (handed[u].t >= from) days.push((handed[u].t - funded[u].t) / 86400000);
        days.sort((a, b) => a - b);
        measured += days.length;
        const pct = (tenths: number) => (days.length ? Math.round(days[Math.ceil((tenths * days.length) / 10) - 1] * 100) / 100 : null);
        const inPeriod = deliveries.filter((x) => x.t >= from && x.t < to);
        const people = new Set(inPeriod.filter((x) => "beneficiaryId" in x).map((x: any) => x.beneficiaryId)).size;
        const atSites = inPeriod.reduce((n, x: any) => n + (x.site ? x.site.peopleReached : 0), 0);
        const salesIn = sales.filter((x) => x.t >= from && x.t < to);
        const contribution = 777 * salesIn.length;
        const expected = {
          unitsFunded: String(salesIn.reduce((n, x) => n + x.units, 0)),
          contribution: { amountMinor: contribution },
          unitsDelivered: inPeriod.reduce((n, x) => n + x.units, 0),
          fundedToDate: String(funded.length),
          deliveredToDate: handed.length,
          backlog: String(Math.max(0, funded.length - handed.length)),
          deliveredBeyondFunded: String(Math.max(0, handed.length - funded.length)),
          daysToDelivery: { units: String(days.length), median: pct(5), p90: pct(9) },
          beneficiariesReached: { people, atSites, total: people + atSites, suppressed: false },
          costPerBeneficiaryReached: people + atSites > 0 ? { amountMinor: Math.floor((2 * contribution + people + atSites) / (2 * (people + atSites))) } : null,
        };
        const [row] = await fvd(staff, random, new Date(from).toISOString(), new Date(to).toISOString());
        expect({ seed, period: p, ...row }).toMatchObject({ seed, period: p, ...expected });
      }
      // The periods drawn do measure days (the comparison is not one of empty sets).
      expect(measured).toBeGreaterThan(20);
    });
  });
});
