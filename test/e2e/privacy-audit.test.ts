import { Caller, rowId, startTestApp, TestApp } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";

describe("personal data and the audit log", () => {
  let app: TestApp;
  let org: OrgFixture;
  let staff: Caller;
  let partnerKey: Caller;
  let partnerId: string;
  let touchpointId: string;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Privacy Org", "CUSTOMER_FUNDS_BENEFICIARY");
    const p = await app.ok<any>(`mutation($o: ID!) { createPartner(input: { organizationId: $o, name: "Field NGO", kind: FIELD_PARTNER }) { id } }`, { o: org.id });
    partnerId = p.createPartner.id;
    const tp = await app.ok<any>(
      `mutation($s: ID!, $a: ID!, $p: ID!) { createTouchpoint(input: { stageId: $s, name: "Home visit", channel: FIELD_VISIT, functionalAreaId: $a, partnerId: $p }) { id } }`,
      { s: org.beneficiaryStages.Uses, a: org.areas.Programmes, p: partnerId },
    );
    touchpointId = tp.createTouchpoint.id;
    staff = app.as(await app.issue("MEMBER", [{ organizationId: org.id, role: "STAFF" }], "Staff member"));
    partnerKey = app.as(await app.issue("FIELD_PARTNER", [{ organizationId: org.id, role: "FIELD_PARTNER", partnerId }], "Field tablet"));
  });
  afterAll(() => app.close());

  const REGISTER = `mutation($input: CreateStakeholderInput!) { createStakeholder(input: $input) { id } }`;
  const READ = `query($id: ID!) { stakeholder(id: $id) { id externalRef erasedAt contact { fullName phone email address } } }`;

  async function registerByPartner(ref: string): Promise<string> {
    const r = await partnerKey.ok<any>(REGISTER, {
      input: {
        organizationId: org.id,
        kind: "BENEFICIARY",
        externalRef: ref,
        gender: "FEMALE",
        region: "Kisumu",
        stageId: org.beneficiaryStages.Uses,
        enteredAt: "2026-03-01T00:00:00Z",
        contact: { fullName: "Achieng Otieno", phone: "+254 700 000 001", address: "Plot 7, Kisumu" },
      },
    });
    await partnerKey.ok(`mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }`, {
      i: { stakeholderId: r.createStakeholder.id, touchpointId, occurredAt: "2026-03-02T00:00:00Z", note: "Achieng says the shoes fit" },
    });
    return r.createStakeholder.id;
  }

  it("keeps contact data apart: staff read it, the partner that wrote it cannot", async () => {
    const id = await registerByPartner("P-1");
    const asStaff = await staff.ok<any>(READ, { id });
    expect(asStaff.stakeholder.contact).toEqual({ fullName: "Achieng Otieno", phone: "+254 700 000 001", email: null, address: "Plot 7, Kisumu" });
    const asPartner = await partnerKey.gql<any>(READ, { id });
    // contact is a nullable field: the refusal nulls it and names it in the error; the rest is the partner's own.
    expect(asPartner.data?.stakeholder).toMatchObject({ externalRef: "P-1", contact: null });
    expect(asPartner.errors?.[0]).toMatchObject({ path: ["stakeholder", "contact"], extensions: { code: "FORBIDDEN" } });
    // The partner reads back its own registration without contact data.
    const own = await partnerKey.ok<any>(`query($id: ID!) { stakeholder(id: $id) { externalRef interactions { totalCount } } }`, { id });
    expect(own.stakeholder).toEqual({ externalRef: "P-1", interactions: { totalCount: 1 } });
    // Contact data is not in the analytics table.
    const [row] = await app.db.query(`SELECT to_jsonb(s) AS j FROM stakeholders s WHERE id = $1`, [id]);
    expect(JSON.stringify(row.j)).not.toMatch(/Achieng|700 000/);
  });

  it("validates contact data", async () => {
    const id = await registerByPartner("P-2");
    const bad = await staff.gql(`mutation($i: SetContactInput!) { setStakeholderContact(input: $i) { id } }`, { i: { stakeholderId: id, email: "not-an-email" } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "email" });
    const phone = await staff.gql(`mutation($i: SetContactInput!) { setStakeholderContact(input: $i) { id } }`, { i: { stakeholderId: id, phone: "call me" } });
    expect(phone.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "phone" });
  });

  it("forgets a stakeholder: personal data gone, anonymous numbers kept", async () => {
    const id = await registerByPartner("P-3");
    const funnelQuery = `query($o: ID!) { lifecycleFunnel(organizationId: $o, kind: BENEFICIARY, from: "2026-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { stages { stage { name } entered current } } }`;
    const before = await staff.ok<any>(funnelQuery, { o: org.id });
    const forgotten = await staff.ok<any>(`mutation($id: ID!) { forgetStakeholder(id: $id) { id externalRef erasedAt gender region } }`, { id });
    expect(forgotten.forgetStakeholder.externalRef).toBe(`erased-${rowId(id)}`);
    expect(forgotten.forgetStakeholder.erasedAt).not.toBeNull();
    // Disaggregation attributes stay (they are what aggregates need), as do journey and interactions.
    expect(forgotten.forgetStakeholder).toMatchObject({ gender: "FEMALE", region: "Kisumu" });
    const after = await staff.ok<any>(READ, { id });
    expect(after.stakeholder.contact).toBeNull();
    expect(await staff.ok(funnelQuery, { o: org.id })).toEqual(before);
    const [counts] = await app.db.query(
      `SELECT (SELECT count(*)::int FROM stage_transitions WHERE stakeholder_id = $1) AS t, (SELECT count(*)::int FROM interactions WHERE stakeholder_id = $1) AS i,
              (SELECT count(*)::int FROM interactions WHERE stakeholder_id = $1 AND note IS NOT NULL) AS notes,
              (SELECT count(*)::int FROM stakeholder_contacts WHERE stakeholder_id = $1) AS c`,
      [id],
    );
    expect(counts).toEqual({ t: 1, i: 1, notes: 0, c: 0 });
    // Nothing personal is left anywhere in the database, audit log included.
    for (const table of ["stakeholders", "stakeholder_contacts", "interactions", "audit_log"]) {
      const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM ${table} t WHERE to_jsonb(t)::text ~ '(Achieng|Otieno|700 000|Plot 7|P-3)' AND to_jsonb(t)::text ~ $1`, [id]);
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    // Contact data cannot be set again on an erased stakeholder.
    const again = await staff.gql(`mutation($i: SetContactInput!) { setStakeholderContact(input: $i) { id } }`, { i: { stakeholderId: id, fullName: "X" } });
    expect(again.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "stakeholderId" });
  });

  it("exports everything held on one stakeholder", async () => {
    const id = await registerByPartner("P-4");
    const r = await staff.ok<any>(`query($id: ID!) { stakeholderExport(id: $id) }`, { id });
    const e = r.stakeholderExport;
    expect(e.stakeholder).toMatchObject({ id, kind: "BENEFICIARY", externalRef: "P-4", gender: "FEMALE", region: "Kisumu", erasedAt: null });
    expect(e.contact).toMatchObject({ fullName: "Achieng Otieno", phone: "+254 700 000 001", address: "Plot 7, Kisumu", email: null });
    expect(e.journey).toEqual([expect.objectContaining({ fromStage: null, toStage: "Uses", occurredAt: "2026-03-01T00:00:00.000Z" })]);
    expect(e.interactions).toEqual([expect.objectContaining({ touchpoint: "Home visit", note: "Achieng says the shoes fit" })]);
    expect(e.enrolments).toEqual([]);
    // The registration wrote the stakeholder and its contact data (the interaction is its own row).
    expect(e.changes.map((c: any) => [c.operation, c.action, c.entity])).toEqual([
      ["createStakeholder", "INSERT", "stakeholders"],
      ["createStakeholder", "INSERT", "stakeholder_contacts"],
    ]);
    const asPartner = await partnerKey.gql(`query($id: ID!) { stakeholderExport(id: $id) }`, { id });
    expect(asPartner.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  it("records every write in an append-only audit log: who, what, when, before and after", async () => {
    const id = await registerByPartner("P-5");
    const me = await staff.ok<any>(`{ me { keyId } }`);
    await staff.ok(`mutation($i: UpdateStakeholderInput!) { updateStakeholder(input: $i) { id } }`, { i: { id, region: "Siaya", segment: "Primary" } });
    await staff.ok(`mutation($i: SetContactInput!) { setStakeholderContact(input: $i) { id } }`, { i: { stakeholderId: id, phone: "+254 711 111 111" } });
    const LOG = `query($o: ID!, $f: AuditFilter) { auditLog(organizationId: $o, filter: $f, first: 50) { totalCount edges { node { apiKeyId role operation entity entityId action before after at } } } }`;
    const log = await app.ok<any>(LOG, { o: org.id, f: { entityId: id } });
    const entries = log.auditLog.edges.map((e: any) => e.node);
    const update = entries.find((e: any) => e.operation === "updateStakeholder");
    expect(update).toMatchObject({ apiKeyId: me.me.keyId, role: "MEMBER", entity: "stakeholders", entityId: id, action: "UPDATE" });
    // Only the changed columns, before and after.
    expect(update.before).toMatchObject({ region: "Kisumu", segment: null });
    expect(update.after).toMatchObject({ region: "Siaya", segment: "Primary" });
    expect(Object.keys(update.before).sort()).toEqual(["region", "segment", "updated_at"]);
    // The insert by the field partner, and contact changes with their values redacted.
    const insert = entries.find((e: any) => e.entity === "stakeholders" && e.action === "INSERT");
    expect(insert).toMatchObject({ operation: "createStakeholder", role: "FIELD_PARTNER" });
    expect(insert.after.external_ref).toBe("[redacted]");
    const contactChange = entries.find((e: any) => e.entity === "stakeholder_contacts" && e.action === "UPDATE");
    expect(contactChange).toMatchObject({ operation: "setStakeholderContact", before: { phone: "[redacted]" }, after: { phone: "[redacted]" } });
    expect(JSON.stringify(log)).not.toMatch(/Achieng|711 111|700 000/);

    // Admins only.
    const denied = await staff.gql(LOG, { o: org.id });
    expect(denied.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", field: "organizationId" });
    // Append-only, even for the table owner.
    await expect(app.db.query(`UPDATE audit_log SET operation = 'x'`)).rejects.toThrow(/append-only/);
    await expect(app.db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
  });

  it("lets a field partner read back only what it submitted", async () => {
    const own = await registerByPartner("P-6");
    const byStaff = await staff.ok<any>(REGISTER, { input: { organizationId: org.id, kind: "BENEFICIARY", externalRef: "S-1", stageId: org.beneficiaryStages.Enrolled } });
    const list = await partnerKey.ok<any>(`query($o: ID!) { stakeholders(organizationId: $o, first: 500) { totalCount edges { node { externalRef } } } }`, { o: org.id });
    const refs = list.stakeholders.edges.map((e: any) => e.node.externalRef);
    expect(refs).toContain("P-6");
    expect(refs).not.toContain("S-1");
    expect(list.stakeholders.totalCount).toBe(refs.length);
    const other = await partnerKey.gql(READ, { id: byStaff.createStakeholder.id });
    expect(other.errors?.[0].extensions).toMatchObject({ code: "NOT_FOUND", field: "id" });
    // Staff moves the partner's beneficiary: the partner does not see that transition in the journey.
    await staff.ok(`mutation($i: MoveStakeholderInput!) { moveStakeholder(input: $i) { id } }`, { i: { stakeholderId: own, stageId: org.beneficiaryStages.Outcome, occurredAt: "2026-04-01T00:00:00Z" } });
    const j = await partnerKey.ok<any>(`query($id: ID!) { stakeholder(id: $id) { journey { totalCount edges { node { toStage { name } } } } } }`, { id: own });
    expect(j.stakeholder.journey).toEqual({ totalCount: 1, edges: [{ node: { toStage: { name: "Uses" } } }] });
    // Customers and touchpoints its partner does not deliver are refused.
    const customer = await partnerKey.gql(REGISTER, { input: { organizationId: org.id, kind: "CUSTOMER", externalRef: "C-1" } });
    expect(customer.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", field: "kind" });
    const otherTp = await app.ok<any>(
      `mutation($s: ID!, $a: ID!) { createTouchpoint(input: { stageId: $s, name: "Staff call", channel: PHONE, functionalAreaId: $a }) { id } }`,
      { s: org.beneficiaryStages.Uses, a: org.areas.Programmes },
    );
    const wrongTp = await partnerKey.gql(`mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { id } }`, {
      i: { stakeholderId: own, touchpointId: otherTp.createTouchpoint.id },
    });
    expect(wrongTp.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", field: "touchpointId" });
  });
});
