import { Caller, rowId, startTestApp, TestApp } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";
import { mulberry32 } from "../helpers/random";

/**
 * sales_daily is kept on write (statement-level triggers on sales). After every round of random
 * writes — recordSales batches (late sales, retries of the same client keys among them), a
 * set-based INSERT … SELECT as the data generator does, corrections (UPDATE of times, amounts
 * and offerings) and deletions — each day's row equals the direct aggregate of the sales, and
 * impactAtSale / doubleBottomLine (staff and funder) give the totals of the statement they ran
 * before sales_daily existed, for periods on and off midnight.
 */


/** saleTotals before sales_daily (impact.service.ts), as the reference. */
const OLD_SALE_TOTALS_SQL = `
  WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i))
  SELECT b.i, s.offering_id, count(*) AS sales, sum(s.units) AS units, sum(s.amount_minor) AS revenue, sum(s.contribution_minor) AS contribution,
         sum(s.units_given)::text AS units_given, sum(s.beneficiaries_funded)::text AS beneficiaries
    FROM sales s JOIN b ON s.occurred_at >= b.bf AND s.occurred_at < b.bt
   WHERE s.organization_id = $1
   GROUP BY GROUPING SETS ((b.i, s.offering_id), (b.i))`;

const DAY = 86400_000;
const START = Date.UTC(2025, 0, 1);

describe("sales_daily: kept on write, equal to the direct aggregate; impact at sale unchanged", () => {
  let app: TestApp;
  let org: OrgFixture;
  let other: OrgFixture;
  let funder: Caller;
  let offerings: string[] = [];
  let sequence = 0;
  const random = mulberry32(424242);
  const at = () => new Date(START + Math.floor(random() * 400 * DAY)).toISOString();

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Sales Org", "HYBRID");
    other = await createOrg(app, "Other Sales Org", "HYBRID");
    funder = app.as(await app.issue("FUNDER", [{ organizationId: org.id, role: "FUNDER" }]));
    const offering = async (o: OrgFixture, input: Record<string, unknown>) =>
      (await app.ok<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: o.id, ...input } })).createOffering.id as string;
    offerings = [
      await offering(org, { name: "Lamp", revenueShareBps: 500, unitsGivenPerUnit: "1", beneficiariesPerUnitGiven: "0.25" }),
      await offering(org, { name: "Shoes", fixedAmountPerSaleMinor: 120, amountPerBeneficiaryMinor: 2500 }),
      await offering(org, { name: "Stove", revenueShareBps: 1234, unitsGivenPerUnit: "0.3333" }),
    ];
    await offering(other, { name: "Other lamp", revenueShareBps: 700 });
  });
  afterAll(() => app.close());

  async function recordBatch(n: number): Promise<void> {
    const items = Array.from({ length: n }, () => ({
      offeringId: offerings[Math.floor(random() * offerings.length)],
      occurredAt: at(),
      units: 1 + Math.floor(random() * 5),
      amountMinor: Math.floor(random() * 100000),
      clientKey: `k-${sequence++}`,
    }));
    await app.ok(`mutation($input: RecordSalesInput!) { recordSales(input: $input) { created duplicates } }`, { input: { organizationId: org.id, items } });
    // A retry of part of the batch: recognised, stored once.
    await app.ok(`mutation($input: RecordSalesInput!) { recordSales(input: $input) { created duplicates } }`, { input: { organizationId: org.id, items: items.slice(0, Math.ceil(n / 3)) } });
  }

  async function writeInBulk(): Promise<void> {
    // Set-based, as the generator does, in both organizations.
    await app.db.query(
      `INSERT INTO sales (organization_id, offering_id, occurred_at, units, amount_minor, contribution_minor, units_given, beneficiaries_funded, content_hash)
       SELECT o.organization_id, o.id, $1::timestamptz + (random() * interval '400 days'), 1 + (random() * 3)::int, (random() * 50000)::bigint,
              (random() * 2000)::bigint, round((random() * 3)::numeric, 4), round((random() * 2)::numeric, 4), md5(random()::text) || md5(random()::text)
         FROM offerings o CROSS JOIN generate_series(1, 15)`,
      [new Date(START).toISOString()],
    );
    await app.db.query(`UPDATE sales SET occurred_at = occurred_at + interval '13 hours' WHERE organization_id = $1 AND random() < 0.2`, [org.id]);
    await app.db.query(`UPDATE sales SET amount_minor = amount_minor + 7, units_given = units_given + 0.5 WHERE organization_id = $1 AND random() < 0.1`, [org.id]);
    await app.db.query(`UPDATE sales SET offering_id = $2 WHERE organization_id = $1 AND random() < 0.1`, [org.id, offerings[0]]);
    await app.db.query(`DELETE FROM sales WHERE organization_id = $1 AND random() < 0.1`, [org.id]);
  }

  async function expectRollupEqualDirect(): Promise<void> {
    const direct = `SELECT organization_id, date_trunc('day', occurred_at, 'UTC') AS day, offering_id, count(*) AS sales, sum(units) AS units, sum(amount_minor) AS amount_minor,
                           sum(contribution_minor) AS contribution_minor, sum(units_given) AS units_given, sum(beneficiaries_funded) AS beneficiaries_funded
                      FROM sales GROUP BY 1, 2, 3`;
    const cols = `organization_id, day, offering_id, sales, units, amount_minor, contribution_minor, units_given, beneficiaries_funded`;
    const [extra, missing] = await Promise.all([
      app.db.query(`SELECT ${cols} FROM sales_daily EXCEPT SELECT ${cols} FROM (${direct}) d`),
      app.db.query(`SELECT ${cols} FROM (${direct}) d EXCEPT SELECT ${cols} FROM sales_daily`),
    ]);
    expect(extra).toEqual([]);
    expect(missing).toEqual([]);
  }

  async function expectTotalsAsBefore(): Promise<void> {
    const periods: [string, string][] = [
      ["2025-01-01T00:00:00Z", "2026-03-01T00:00:00Z"],
      ["2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"],
      ["2025-03-01T05:30:00Z", "2025-04-17T23:59:59.999Z"],
      ["2025-06-10T08:00:00Z", "2025-06-10T20:00:00Z"],
      ["2025-06-10T08:00:00Z", "2025-06-11T00:00:00Z"],
      ["2025-06-10T00:00:00Z", "2025-06-11T09:00:00Z"],
    ];
    for (const [from, to] of periods) {
      const previousFrom = new Date(2 * Date.parse(from) - Date.parse(to)).toISOString();
      const old: any[] = await app.db.query(OLD_SALE_TOTALS_SQL, [org.id, [from, previousFrom], [to, from]]);
      const row = (i: number, offering: string | null) => old.find((r) => Number(r.i) === i && r.offering_id === offering);
      const totals = (r: any) => ({
        sales: Number(r?.sales ?? 0),
        unitsSold: Number(r?.units ?? 0),
        revenue: String(r?.revenue ?? 0),
        contribution: String(r?.contribution ?? 0),
        unitsGiven: Number(r?.units_given ?? 0),
        beneficiariesFundedExact: Number(r?.beneficiaries ?? 0),
      });
      const query = `query($org: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
        impactAtSale(organizationId: $org, from: $from, to: $to) {
          totals { sales unitsSold revenue { amountMinor } contribution { amountMinor } unitsGiven beneficiariesFundedExact }
          offerings { offering { id } sales unitsSold revenue { amountMinor } contribution { amountMinor } unitsGiven beneficiariesFundedExact }
        }
        doubleBottomLine(organizationId: $org, from: $from, to: $to) {
          business { revenue { current { amountMinor } previous { amountMinor } } sales { current previous } }
          social { contribution { current { amountMinor } previous { amountMinor } } unitsGiven { current previous } beneficiariesFunded { current previous } }
        }
      }`;
      const shape = (t: any) => ({
        sales: t.sales,
        unitsSold: t.unitsSold,
        revenue: String(t.revenue.amountMinor),
        contribution: String(t.contribution.amountMinor),
        unitsGiven: Number(t.unitsGiven),
        beneficiariesFundedExact: Number(t.beneficiariesFundedExact),
      });
      for (const caller of [app as Caller, funder]) {
        const data = await caller.ok<any>(query, { org: org.id, from, to });
        expect(shape(data.impactAtSale.totals)).toEqual(totals(row(1, null)));
        for (const o of data.impactAtSale.offerings) expect(shape(o)).toEqual(totals(row(1, String(rowId(o.offering.id)))));
        const dbl = data.doubleBottomLine;
        const [now, before] = [totals(row(1, null)), totals(row(2, null))];
        expect(dbl.business.sales).toEqual({ current: now.sales, previous: before.sales });
        expect([String(dbl.business.revenue.current.amountMinor), String(dbl.business.revenue.previous.amountMinor)]).toEqual([now.revenue, before.revenue]);
        expect([String(dbl.social.contribution.current.amountMinor), String(dbl.social.contribution.previous.amountMinor)]).toEqual([now.contribution, before.contribution]);
        expect([Number(dbl.social.unitsGiven.current), Number(dbl.social.unitsGiven.previous)]).toEqual([now.unitsGiven, before.unitsGiven]);
        expect([Number(dbl.social.beneficiariesFunded.current), Number(dbl.social.beneficiariesFunded.previous)]).toEqual([now.beneficiariesFundedExact, before.beneficiariesFundedExact]);
      }
    }
  }

  it("after the migration's backfill", async () => {
    await recordBatch(40);
    await expectRollupEqualDirect();
    await expectTotalsAsBefore();
  }, 300_000);

  it.each([1, 2, 3])("after round %i of random writes", async () => {
    await recordBatch(30);
    await expectRollupEqualDirect();
    await writeInBulk();
    await expectRollupEqualDirect();
    await expectTotalsAsBefore();
  }, 300_000);

  it("keeps organizations apart: the API role reads only its own organization's days and cannot write them", async () => {
    const runner = app.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SET LOCAL ROLE dbl_app`);
      await runner.query(`SELECT set_config('app.org_ids', $1, true)`, [other.id]);
      const rows: any[] = await runner.query(`SELECT DISTINCT organization_id FROM sales_daily`);
      expect(rows.map((r) => r.organization_id)).toEqual([rowId(other.id)]);
      await expect(runner.query(`DELETE FROM sales_daily`)).rejects.toThrow(/permission denied/);
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
  });
});
