import { idOf, startTestApp, TestApp } from "../helpers/app";
import { DEMO_SHOES_ID as DEMO_SHOES_UUID, DEMO_SOLAR_ID as DEMO_SOLAR_UUID, seedDemo, seedDemoIfEmpty } from "../../seeds/demo";
import { organizationGlobalId } from "../../src/common/global-ids";

/** The demo organizations, by their global ids (as the API writes them). */
const DEMO_SOLAR_ID = organizationGlobalId(DEMO_SOLAR_UUID);
const DEMO_SHOES_ID = organizationGlobalId(DEMO_SHOES_UUID);
import { activeDemoKeys, DemoKey, demoKeysFileText, parseDemoKeysFile } from "../../seeds/demo-keys";

const ANCHOR = new Date("2026-11-01T00:00:00Z");

/** A fingerprint of every seeded row, to compare two loads. */
async function fingerprint(app: TestApp): Promise<string> {
  const [row] = await app.db.query(`
    SELECT md5(string_agg(x, ',' ORDER BY x)) AS h FROM (
      SELECT id::text || external_ref || coalesce(current_stage_id::text, '') || coalesce(region, '') AS x FROM stakeholders
      UNION ALL SELECT id::text || stakeholder_id || to_stage_id || occurred_at::text FROM stage_transitions
      UNION ALL SELECT id::text || touchpoint_id || occurred_at::text FROM interactions
      UNION ALL SELECT id::text || name FROM touchpoints
      UNION ALL SELECT id::text || client_key || units::text || delivered_at::text || coalesce(beneficiary_id::text, site_name) FROM deliveries
    ) t`);
  return row.h;
}

describe("demo data", () => {
  let a: TestApp;
  let b: TestApp;
  let keysA: DemoKey[];
  let keysB: DemoKey[];
  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp(), startTestApp()]);
    keysA = (await seedDemo(a.db, ANCHOR)).keys;
    keysB = (await seedDemo(b.db, ANCHOR)).keys;
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  // The keys used to be derived from fixed seeds, the same on every machine; issue 11 asks that no
  // installation hold a key known in advance, so each load makes its own at random.
  it("comes with one working demo key per role, made at random for each installation", async () => {
    const keys = await activeDemoKeys(a.db, keysA);
    expect(keys).toEqual(keysA);
    expect(keys.map((k) => k.spec.role).sort()).toEqual(["ADMIN", "ADMIN", "FIELD_PARTNER", "FUNDER", "STAFF", "STAFF"]);
    expect(keys.map((k) => k.spec.variable)).toEqual(["MS_ADMIN", "MS_STAFF", "HS_ADMIN", "HS_STAFF", "FUNDER", "FIELD_APP"]);
    const other = new Set(keysB.map((k) => k.key));
    for (const { key } of keys) expect(other.has(key)).toBe(false);
    expect(await activeDemoKeys(b.db, keysA)).toEqual([]); // a's keys open nothing in b
    for (const { spec, key } of keys) {
      const me = await a.as(key).ok<any>(`{ me { kind grants { organizationId role } } }`);
      expect(me.me).toEqual({ kind: spec.kind, grants: [{ organizationId: organizationGlobalId(spec.organization), role: spec.role }] });
    }
  });

  it("gives the demo field partner beneficiaries of its own: those it met first, and only those", async () => {
    const app = keysA.find((k) => k.spec.variable === "FIELD_APP")!;
    // The beneficiaries of Hatua Shoes whose first interaction was at a touchpoint of Shule Bora Foundation.
    const [{ n }] = await a.db.query(
      `SELECT count(*)::int AS n FROM stakeholders s JOIN partners p ON p.organization_id = s.organization_id AND p.id = s.registered_by_partner_id
        WHERE s.organization_id = $1 AND p.name = 'Shule Bora Foundation'`,
      [DEMO_SHOES_ID],
    );
    const [{ beneficiaries }] = await a.db.query(`SELECT count(*)::int AS beneficiaries FROM stakeholders WHERE organization_id = $1 AND kind = 'BENEFICIARY'`, [DEMO_SHOES_ID]);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(beneficiaries);
    const seen = await a.as(app.key).ok<any>(`query($o: ID!) { stakeholders(organizationId: $o, first: 500) { totalCount edges { node { kind } } } }`, { o: DEMO_SHOES_ID });
    expect(seen.stakeholders.totalCount).toBe(n);
    expect(new Set(seen.stakeholders.edges.map((e: any) => e.node.kind))).toEqual(new Set(["BENEFICIARY"]));
  });

  it("writes its keys to a file the docs' shell examples source, read back as they were made", async () => {
    const text = demoKeysFileText(keysA, new Date("2026-11-01T08:00:00Z"));
    expect(text.split("\n")[0]).toBe("# Demo API keys of this installation, made at random on 2026-11-01T08:00:00.000Z with the demo data.");
    expect(text).toContain(`MS_STAFF=${keysA[1].key} # STAFF: Mwanga Solar staff (demo)\n`);
    expect(parseDemoKeysFile(text)).toEqual(keysA.map(({ spec, key }) => ({ variable: spec.variable, key, label: `${spec.role}: ${spec.label}` })));
    // A line that is not a key, or a damaged key, is not read as one.
    expect(parseDemoKeysFile("# comment\nX=dbl_short # x\nFUNDER=nope # FUNDER: y\n")).toEqual([]);
  });

  it("has Hatua Shoes' programme delivered monthly by Shule Bora, with a backlog at every month's end and one slow month", async () => {
    const staff = keysA.find((k) => k.spec.variable === "HS_STAFF")!;
    const [{ programme }] = await a.db.query(`SELECT id AS programme FROM programmes WHERE organization_id = $1 AND name = 'Shoes for school children'`, [DEMO_SHOES_ID]);
    // Every delivery by Shule Bora, through the batch path (as the partner, with client keys).
    const [by] = await a.db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE p.name = 'Shule Bora Foundation' AND d.submitted_by_partner_id = d.partner_id)::int AS partner, count(DISTINCT date_trunc('month', d.delivered_at))::int AS months
         FROM deliveries d JOIN partners p ON p.organization_id = d.organization_id AND p.id = d.partner_id WHERE d.organization_id = $1`,
      [DEMO_SHOES_ID],
    );
    expect(by.n).toBeGreaterThan(12);
    expect(by.partner).toBe(by.n);
    expect(by.months).toBeGreaterThanOrEqual(11);
    // Month by month over the 12 whole months before the anchor (2025-11 .. 2026-10).
    const day = (m: number) => new Date(Date.UTC(2025, 10 + m, 1)).toISOString().slice(0, 10);
    const months = Array.from({ length: 12 }, (_, m) => [day(m), day(m + 1)]);
    const rows = [];
    for (const [from, to] of months) {
      const r = await a.as(staff.key).ok<any>(
        `query($o: ID!, $p: ID, $from: DateTimeISO, $to: DateTimeISO) { fundedVsDelivered(organizationId: $o, programmeId: $p, from: $from, to: $to) { programmes { unitsFunded unitsDelivered backlog deliveredBeyondFunded } } }`,
        { o: DEMO_SHOES_ID, p: idOf("Programme", DEMO_SHOES_ID, programme), from, to },
      );
      rows.push(r.fundedVsDelivered.programmes[0]);
    }
    // A backlog at every month's end, never delivered beyond what was funded.
    for (const r of rows) {
      expect(Number(r.backlog)).toBeGreaterThan(0);
      expect(r.deliveredBeyondFunded).toBe("0");
    }
    // The slow month (four months before the anchor's month: July 2026) hands out far fewer pairs than the months around it,
    // and the backlog grows that month.
    const delivered = rows.map((r) => r.unitsDelivered);
    const july = 8;
    expect(delivered[july]).toBeLessThan(0.5 * delivered[july - 1]);
    expect(delivered[july]).toBeLessThan(0.5 * delivered[july + 1]);
    expect(Number(rows[july].backlog)).toBeGreaterThan(Number(rows[july - 1].backlog));
  });

  it("is deterministic: the same rows and ids on every load", async () => {
    expect(await fingerprint(a)).toBe(await fingerprint(b));
    expect(await seedDemoIfEmpty(a.db, ANCHOR)).toBeNull(); // never loaded twice
  });

  it("holds both business models with lifecycles, partners, touchpoints and a few hundred stakeholders", async () => {
    const admin = a.as(await a.issue("MEMBER", [
      { organizationId: DEMO_SOLAR_ID, role: "ADMIN" },
      { organizationId: DEMO_SHOES_ID, role: "ADMIN" },
    ]));
    const data = await admin.ok<any>(`{ organizations { edges { node { id name impactModel
      lifecycles { kind stages { name touchpoints { totalCount } } }
      partners { totalCount } functionalAreas { totalCount } } } } }`);
    const orgs = data.organizations.edges.map((e: any) => e.node);
    expect(orgs.map((o: any) => [o.id, o.impactModel])).toEqual([
      [DEMO_SOLAR_ID, "CUSTOMER_IS_BENEFICIARY"],
      [DEMO_SHOES_ID, "CUSTOMER_FUNDS_BENEFICIARY"],
    ]);
    for (const org of orgs) {
      expect(org.partners.totalCount).toBeGreaterThanOrEqual(1);
      const customer = org.lifecycles.find((l: any) => l.kind === "CUSTOMER");
      const withTouchpoints = customer.stages.filter((s: any) => s.touchpoints.totalCount > 0).length;
      expect(withTouchpoints).toBeGreaterThanOrEqual(4); // most of the 6 stages
    }
    const counts: { organization_id: string; kind: string; n: number }[] = await a.db.query(
      `SELECT organization_id, kind, count(*)::int AS n FROM stakeholders GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(counts).toEqual([
      { organization_id: DEMO_SOLAR_UUID, kind: "CUSTOMER", n: 320 },
      { organization_id: DEMO_SHOES_UUID, kind: "CUSTOMER", n: 260 },
      { organization_id: DEMO_SHOES_UUID, kind: "BENEFICIARY", n: 240 },
    ]);
  });

  it("has consistent journeys over the 12 months before the anchor", async () => {
    const [range] = await a.db.query(`SELECT min(occurred_at) AS lo, max(occurred_at) AS hi FROM stage_transitions`);
    expect(new Date(range.lo).getTime()).toBeGreaterThanOrEqual(ANCHOR.getTime() - 366 * 24 * 3600 * 1000);
    expect(new Date(range.hi).getTime()).toBeLessThan(ANCHOR.getTime());
    // Every stakeholder's current stage is the one its latest transition entered, at that time.
    const [mismatch] = await a.db.query(`
      SELECT count(*)::int AS n FROM stakeholders s
      JOIN LATERAL (SELECT to_stage_id, occurred_at FROM stage_transitions t WHERE t.organization_id = s.organization_id AND t.stakeholder_id = s.id
                    ORDER BY occurred_at DESC, id DESC LIMIT 1) last ON true
      WHERE last.to_stage_id <> s.current_stage_id OR last.occurred_at <> s.current_stage_entered_at`);
    expect(mismatch.n).toBe(0);
    // Each transition starts from the stage the previous one entered.
    const [broken] = await a.db.query(`
      SELECT count(*)::int AS n FROM (
        SELECT from_stage_id, lag(to_stage_id) OVER (PARTITION BY stakeholder_id ORDER BY occurred_at, id) AS prev FROM stage_transitions
      ) x WHERE x.from_stage_id IS DISTINCT FROM x.prev`);
    expect(broken.n).toBe(0);
    // People drop off along the funnel: fewer reach Use than Need.
    const staff = a.as(await a.issue("MEMBER", [{ organizationId: DEMO_SOLAR_ID, role: "STAFF" }]));
    const funnel = await staff.ok<any>(
      `query($org: ID!) { lifecycleFunnel(organizationId: $org, kind: CUSTOMER, from: "2025-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z") { stages { stage { name } entered } } }`,
      { org: DEMO_SOLAR_ID },
    );
    const entered = Object.fromEntries(funnel.lifecycleFunnel.stages.map((s: any) => [s.stage.name, s.entered]));
    expect(entered.Need).toBe(320);
    expect(entered.Use).toBeLessThan(entered.Need);
    expect(entered.Use).toBeGreaterThan(0);
  });
});
