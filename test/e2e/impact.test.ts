import { startTestApp, TestApp, unknownId } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";

describe("offerings, sales and impact at sale", () => {
  let app: TestApp;
  let org: OrgFixture;
  let shoes: string;
  let share: string;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Shoes Org", "CUSTOMER_FUNDS_BENEFICIARY");
    const make = async (input: Record<string, unknown>) =>
      (await app.ok<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: org.id, ...input } })).createOffering.id as string;
    const programme = async (name: string, unitOfDelivery: string) =>
      (await app.ok<any>(`mutation($i: CreateProgrammeInput!) { createProgramme(input: $i) { id } }`, { i: { organizationId: org.id, name, unitOfDelivery, activeFrom: "2026-01-01T00:00:00Z" } }))
        .createProgramme.id as string;
    // One pair given per pair sold; one child per pair.
    shoes = await make({ name: "School shoes", unitPriceMinor: 350000, unitsGivenPerUnit: "1", beneficiariesPerUnitGiven: "1", programmeId: await programme("Shoes for schoolchildren", "pair of shoes") });
    // 5% of revenue to schooling; 25.00 funds one child-year.
    share = await make({ name: "Sandals", revenueShareBps: 500, amountPerBeneficiaryMinor: 2500, programmeId: await programme("School fees fund", "child-year of schooling") });
  });
  afterAll(() => app.close());

  const RECORD = `mutation($i: RecordSalesInput!) { recordSales(input: $i) { created duplicates conflicts rejected items { index clientKey status id errors { field message } } } }`;
  const AT_SALE = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactAtSale(organizationId: $o, from: $from, to: $to) {
      totals { sales unitsSold revenue { amountMinor currency amount } contribution { amountMinor amount } unitsGiven beneficiariesFunded beneficiariesFundedExact }
      offerings { offering { name programme { name unitOfDelivery } } sales unitsSold unitsGiven beneficiariesFunded contribution { amount } }
  } }`;

  it("computes what sales create, per offering and in total, over a half-open period", async () => {
    const r = await app.ok<any>(RECORD, {
      i: {
        organizationId: org.id,
        items: [
          // Three sales of two pairs in March: 6 pairs given, 6 children.
          { clientKey: "s1", offeringId: shoes, occurredAt: "2026-03-01T00:00:00Z", units: 2, amountMinor: 700000 },
          { clientKey: "s2", offeringId: shoes, occurredAt: "2026-03-10T12:00:00Z", units: 2, amountMinor: 700000 },
          { clientKey: "s3", offeringId: shoes, occurredAt: "2026-03-31T23:59:59Z", units: 2, amountMinor: 700000 },
          // 5% of 1,234.56 = 61.728 -> 61.73 (rounded half up per sale, to the minor unit);
          // 61.73 / 25.00 = 2.4692 child-years.
          { clientKey: "s4", offeringId: share, occurredAt: "2026-03-15T00:00:00Z", units: 1, amountMinor: 123456 },
          // Exactly at `to` (April 1): outside March.
          { clientKey: "s5", offeringId: shoes, occurredAt: "2026-04-01T00:00:00Z", units: 5, amountMinor: 1750000 },
        ],
      },
    });
    expect(r.recordSales).toMatchObject({ created: 5, duplicates: 0, conflicts: 0, rejected: 0 });
    const d = await app.ok<any>(AT_SALE, { o: org.id, from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z" });
    expect(d.impactAtSale.totals).toEqual({
      sales: 4,
      unitsSold: 7,
      // 3 x 7000.00 + 1234.56 = 22234.56
      revenue: { amountMinor: 2223456, currency: "KES", amount: "22234.56" },
      contribution: { amountMinor: 6173, amount: "61.73" },
      unitsGiven: "6",
      // 6 children + 2.4692 child-years = 8.4692 -> 8 whole
      beneficiariesFunded: 8,
      beneficiariesFundedExact: "8.4692",
    });
    expect(d.impactAtSale.offerings).toEqual([
      {
        offering: { name: "School shoes", programme: { name: "Shoes for schoolchildren", unitOfDelivery: "pair of shoes" } },
        sales: 3,
        unitsSold: 6,
        unitsGiven: "6",
        beneficiariesFunded: 6,
        contribution: { amount: "0.00" },
      },
      {
        offering: { name: "Sandals", programme: { name: "School fees fund", unitOfDelivery: "child-year of schooling" } },
        sales: 1,
        unitsSold: 1,
        unitsGiven: "0",
        beneficiariesFunded: 2,
        contribution: { amount: "61.73" },
      },
    ]);
    const april = await app.ok<any>(AT_SALE, { o: org.id, from: "2026-04-01T00:00:00Z", to: "2026-05-01T00:00:00Z" });
    expect(april.impactAtSale.totals).toMatchObject({ sales: 1, unitsSold: 5, unitsGiven: "5", beneficiariesFunded: 5 });
  });

  it("answers a batch item by item: a retry changes nothing, a changed retry conflicts, bad items are rejected with reasons", async () => {
    const batch = [
      { clientKey: "b1", offeringId: shoes, occurredAt: "2026-05-02T00:00:00Z", units: 1, amountMinor: 350000 },
      { clientKey: "b2", offeringId: shoes, occurredAt: "2026-05-03T00:00:00Z", units: 1, amountMinor: 350000 },
    ];
    const first = await app.ok<any>(RECORD, { i: { organizationId: org.id, items: batch } });
    expect(first.recordSales).toMatchObject({ created: 2 });
    const [{ n: before }] = await app.db.query(`SELECT count(*)::int AS n FROM sales`);
    const retry = await app.ok<any>(RECORD, { i: { organizationId: org.id, items: batch } });
    expect(retry.recordSales).toMatchObject({ created: 0, duplicates: 2 });
    expect(retry.recordSales.items.map((i: any) => i.id)).toEqual(first.recordSales.items.map((i: any) => i.id));
    const mixed = await app.ok<any>(RECORD, {
      i: {
        organizationId: org.id,
        items: [
          { ...batch[0], amountMinor: 340000 }, // same key, other content
          { clientKey: "b3", offeringId: shoes, occurredAt: "2026-05-04T00:00:00Z", units: 1, amountMinor: 350000 },
          { clientKey: "b4", offeringId: "a0000000-0000-4000-8000-000000000bad", occurredAt: "2999-01-01T00:00:00Z", units: 0, amountMinor: -5 },
          { clientKey: "b3", offeringId: shoes, occurredAt: "2026-05-04T00:00:00Z", units: 1, amountMinor: 350000 }, // repeated in the batch
        ],
      },
    });
    expect(mixed.recordSales).toMatchObject({ created: 1, duplicates: 1, conflicts: 1, rejected: 1 });
    const items = mixed.recordSales.items;
    expect(items.map((i: any) => i.status)).toEqual(["CONFLICT", "CREATED", "REJECTED", "DUPLICATE"]);
    expect(items[0].id).toBe(first.recordSales.items[0].id);
    expect(items[3].id).toBe(items[1].id);
    expect(items[2].errors.map((e: any) => e.field).sort()).toEqual(["amountMinor", "occurredAt", "offeringId", "units"]);
    const [{ n: after }] = await app.db.query(`SELECT count(*)::int AS n FROM sales`);
    expect(after).toBe(before + 1);
    // The conflicting retry did not change the stored sale.
    const [stored] = await app.db.query(`SELECT amount_minor FROM sales WHERE client_key = 'b1'`);
    expect(stored.amount_minor).toBe("350000");
  });

  it("stores each item once when the same batch arrives twice at the same time", async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ clientKey: `c${i}`, offeringId: shoes, occurredAt: "2026-06-01T00:00:00Z", units: 1, amountMinor: 350000 }));
    const results = await Promise.all([1, 2, 3].map(() => app.gql<any>(RECORD, { i: { organizationId: org.id, items } })));
    const created = results.map((r) => r.data!.recordSales.created);
    expect(created.reduce((a, b) => a + b, 0)).toBe(50);
    const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM sales WHERE client_key LIKE 'c%'`);
    expect(n).toBe(50);
  });

  it("keeps what a sale created when the offering's rule changes later", async () => {
    await app.ok(`mutation($i: UpdateOfferingInput!) { updateOffering(input: $i) { id } }`, { i: { id: share, revenueShareBps: 1000 } });
    const d = await app.ok<any>(AT_SALE, { o: org.id, from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z" });
    expect(d.impactAtSale.totals.contribution.amount).toBe("61.73");
  });

  it("validates offerings", async () => {
    const bad = await app.gql(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: org.id, name: "X", revenueShareBps: 10001 } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "revenueShareBps" });
    const zero = await app.gql(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: org.id, name: "Y", beneficiariesPerUnitGiven: "0" } });
    expect(zero.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "beneficiariesPerUnitGiven" });
    const dup = await app.gql(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: org.id, name: "school SHOES" } });
    expect(dup.errors?.[0].extensions).toMatchObject({ code: "CONFLICT", field: "name" });
  });
});

describe("metrics, observations, targets and series", () => {
  let app: TestApp;
  let org: OrgFixture;
  const create = async (input: Record<string, unknown>) =>
    (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, { i: { organizationId: org.id, ...input } })).createMetric.id as string;
  const record = (items: Record<string, unknown>[]) =>
    app.ok<any>(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created duplicates conflicts rejected items { status errors { field message } } } }`, {
      i: { organizationId: org.id, items },
    });

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Metrics Org", "HYBRID");
  });
  afterAll(() => app.close());

  it("measures attainment from baseline to target, in the metric's direction, clamped", async () => {
    const attendance = await create({ name: "School attendance", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "PERCENT", aggregation: "AVERAGE", impactMode: "IN_USE", baselineValue: "20", catalogueCode: "PI2389" });
    const waiting = await create({ name: "Days to repair", category: "KPI", perspective: "CUSTOMER", kind: "INPUT", unit: "DAYS", aggregation: "AVERAGE", direction: "LOWER_IS_BETTER", baselineValue: "20" });
    const period = { from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z" };
    await app.ok(`mutation($i: SetMetricTargetsInput!) { setMetricTargets(input: $i) { id } }`, { i: { metricId: attendance, targets: [{ ...period, value: "60" }] } });
    await app.ok(`mutation($i: SetMetricTargetsInput!) { setMetricTargets(input: $i) { id } }`, { i: { metricId: waiting, targets: [{ ...period, value: "10" }] } });
    await record([
      { metricId: attendance, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "40" },
      { metricId: attendance, from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z", value: "60" },
      { metricId: waiting, from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z", value: 15 },
      // Starts exactly at `to`: not in the quarter.
      { metricId: attendance, from: "2026-04-01T00:00:00Z", to: "2026-05-01T00:00:00Z", value: "99" },
    ]);
    const d = await app.ok<any>(
      `query($o: ID!) { doubleBottomLine(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z") {
         business { kpis { metric { name } current { actual target baseline attainment observations } } }
         social { socialMetrics { metric { name catalogueCode } current { actual target attainment observations } previous { actual attainment } change } }
       } }`,
      { o: org.id },
    );
    // Attendance: average of 40 and 60 = 50; (50 - 20) / (60 - 20) = 75 %.
    expect(d.doubleBottomLine.social.socialMetrics[0]).toEqual({
      metric: { name: "School attendance", catalogueCode: "PI2389" },
      current: { actual: "50", target: "60", attainment: 75, observations: 2 },
      previous: { actual: null, attainment: null }, // no data before: missing, not zero
      change: null,
    });
    // Days to repair, lower is better: (15 - 20) / (10 - 20) = 50 %.
    expect(d.doubleBottomLine.business.kpis[0].current).toEqual({ actual: "15", target: "10", baseline: "20", attainment: 50, observations: 1 });
    // Beyond the target: clamped at 100.
    await record([{ metricId: waiting, from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z", value: "1" }]);
    const again = await app.ok<any>(`query($o: ID!) { doubleBottomLine(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z") { business { kpis { current { actual attainment } } } } }`, { o: org.id });
    // average of 15 and 1 = 8, below the target of 10: (8 - 20) / (10 - 20) = 1.2 -> 100.
    expect(again.doubleBottomLine.business.kpis[0].current).toEqual({ actual: "8", attainment: 100 });
  });

  it("splits a series by a dimension: the parts add up to the total only for SUM metrics", async () => {
    const girls = await create({ name: "Children enrolled", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM", impactMode: "IN_USE" });
    const score = await create({ name: "Reading score", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "SCORE", aggregation: "AVERAGE", impactMode: "IN_USE" });
    const jan = { from: "2026-01-05T00:00:00Z", to: "2026-01-06T00:00:00Z" };
    const feb = { from: "2026-02-05T00:00:00Z", to: "2026-02-06T00:00:00Z" };
    await record([
      { metricId: girls, ...jan, value: "30", dimensions: { gender: "FEMALE" } },
      { metricId: girls, ...jan, value: "20", dimensions: { gender: "MALE" } },
      { metricId: girls, ...feb, value: "55" }, // a total recorded as such
      { metricId: girls, ...feb, value: "31", dimensions: { gender: "FEMALE" } },
      { metricId: girls, ...feb, value: "24", dimensions: { gender: "MALE" } },
      { metricId: score, ...jan, value: "80", dimensions: { gender: "FEMALE" } },
      { metricId: score, ...jan, value: "60", dimensions: { gender: "MALE" } },
    ]);
    const SERIES = `query($m: ID!) { metricSeries(metricId: $m, from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z", interval: MONTH, dimension: "gender") {
        groupsAddUp points { from to actual derivedFromDimension observations groups { value actual observations } } } }`;
    const g = (await app.ok<any>(SERIES, { m: girls })).metricSeries;
    expect(g.groupsAddUp).toBe(true);
    // January: only parts -> total 30 + 20 = 50, derived from gender. February: the recorded total 55 (= 31 + 24).
    expect(g.points).toEqual([
      { from: "2026-01-01T00:00:00.000Z", to: "2026-02-01T00:00:00.000Z", actual: "50", derivedFromDimension: "gender", observations: 2, groups: [{ value: "FEMALE", actual: "30", observations: 1 }, { value: "MALE", actual: "20", observations: 1 }] },
      { from: "2026-02-01T00:00:00.000Z", to: "2026-03-01T00:00:00.000Z", actual: "55", derivedFromDimension: null, observations: 1, groups: [{ value: "FEMALE", actual: "31", observations: 1 }, { value: "MALE", actual: "24", observations: 1 }] },
    ]);
    const s = (await app.ok<any>(SERIES, { m: score })).metricSeries;
    expect(s.groupsAddUp).toBe(false);
    // An average cannot be rebuilt from the parts' averages: the total is missing, the parts are shown.
    expect(s.points[0]).toMatchObject({ actual: null, observations: 0, groups: [{ value: "FEMALE", actual: "80" }, { value: "MALE", actual: "60" }] });
  });

  it("prorates a yearly target over months for SUM metrics", async () => {
    const sold = await create({ name: "Lamps installed", category: "KPI", perspective: "ORGANIZATION", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM" });
    await app.ok(`mutation($i: SetMetricTargetsInput!) { setMetricTargets(input: $i) { id } }`, {
      i: { metricId: sold, targets: [{ from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", value: "120" }] },
    });
    const s = await app.ok<any>(`query($m: ID!) { metricSeries(metricId: $m, from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z", interval: MONTH) { points { target actual attainment } } }`, { m: sold });
    // January: 120 x 31/365 = 10.191781 (6 decimals); February: 120 x 28/365 = 9.205479.
    expect(s.metricSeries.points).toEqual([
      { target: "10.191781", actual: null, attainment: null },
      { target: "9.205479", actual: null, attainment: null },
    ]);
  });

  it("rejects bad observations item by item and recognises retries", async () => {
    const m = await create({ name: "Trainings held", category: "KPI", perspective: "ORGANIZATION", kind: "INPUT", unit: "COUNT", aggregation: "SUM" });
    const item = { clientKey: "o-1", metricId: m, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "3" };
    expect((await record([item])).recordObservations).toMatchObject({ created: 1 });
    const r = await record([
      item,
      { ...item, value: "4" },
      { metricId: m, from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z", value: "1", dimensions: { "bad key": "x", gender: "" } },
      { metricId: unknownId("Metric", org.id), from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", value: "1" },
    ]);
    expect(r.recordObservations.items.map((i: any) => i.status)).toEqual(["DUPLICATE", "CONFLICT", "REJECTED", "REJECTED"]);
    expect(r.recordObservations.items[2].errors.map((e: any) => e.field)).toEqual(["to", "dimensions", "dimensions"]);
    expect(r.recordObservations.items[3].errors).toEqual([{ field: "metricId", message: "no metric with this id in the organization" }]);
  });

  it("validates metric definitions", async () => {
    const noMode = await app.gql(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
      i: { organizationId: org.id, name: "X", category: "SOCIAL", perspective: "BENEFICIARY", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM" },
    });
    expect(noMode.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "impactMode" });
    const kpiMode = await app.gql(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
      i: { organizationId: org.id, name: "Y", category: "KPI", perspective: "CUSTOMER", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM", impactMode: "AT_SALE" },
    });
    expect(kpiMode.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "impactMode" });
    const badDecimal = await app.gql(`mutation { createMetric(input: { organizationId: "${org.id}", name: "Z", category: KPI, perspective: CUSTOMER, kind: OUTPUT, unit: COUNT, aggregation: SUM, baselineValue: "12,5" }) { id } }`);
    expect(badDecimal.errors?.[0].extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
  });
});

describe("impact in use and the double bottom line", () => {
  let app: TestApp;
  let org: OrgFixture;

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Lamps Org", "CUSTOMER_IS_BENEFICIARY");
    const c = org.customerStages;
    // Customers: A Purchase Jan 5 -> Use Jan 10 -> Support Feb 20 -> Use Feb 25
    //            B Purchase Jan 7 -> Use Jan 12
    //            C Purchase Dec 20 -> Use Dec 28 -> Renew or exit Jan 15
    const mk = async (ref: string, steps: [string, string][]) => {
      const id = (await app.ok<any>(`mutation($i: CreateStakeholderInput!) { createStakeholder(input: $i) { id } }`, {
        i: { organizationId: org.id, kind: "CUSTOMER", externalRef: ref, stageId: c[steps[0][0]], enteredAt: steps[0][1] },
      })).createStakeholder.id;
      for (const [stage, at] of steps.slice(1)) {
        await app.ok(`mutation($i: MoveStakeholderInput!) { moveStakeholder(input: $i) { id } }`, { i: { stakeholderId: id, stageId: c[stage], occurredAt: at } });
      }
    };
    await mk("A", [["Purchase", "2026-01-05T00:00:00Z"], ["Use", "2026-01-10T00:00:00Z"], ["Support", "2026-02-20T00:00:00Z"], ["Use", "2026-02-25T00:00:00Z"]]);
    await mk("B", [["Purchase", "2026-01-07T00:00:00Z"], ["Use", "2026-01-12T00:00:00Z"]]);
    await mk("C", [["Purchase", "2025-12-20T00:00:00Z"], ["Use", "2025-12-28T00:00:00Z"], ["Renew or exit", "2026-01-15T00:00:00Z"]]);
    const o = (await app.ok<any>(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: org.id, name: "Lamp", revenueShareBps: 0 } })).createOffering.id;
    await app.ok(`mutation($i: RecordSalesInput!) { recordSales(input: $i) { created } }`, {
      i: {
        organizationId: org.id,
        items: [
          // December (the previous period of January): 2 sales, 5000.00; January: 3 sales, 9000.00.
          { offeringId: o, occurredAt: "2025-12-20T00:00:00Z", units: 1, amountMinor: 250000 },
          { offeringId: o, occurredAt: "2025-12-31T23:00:00Z", units: 1, amountMinor: 250000 },
          { offeringId: o, occurredAt: "2026-01-05T00:00:00Z", units: 1, amountMinor: 300000 },
          { offeringId: o, occurredAt: "2026-01-07T00:00:00Z", units: 1, amountMinor: 300000 },
          { offeringId: o, occurredAt: "2026-01-20T00:00:00Z", units: 1, amountMinor: 300000 },
        ],
      },
    });
  });
  afterAll(() => app.close());

  it("counts stakeholders in IN_USE stages: entered, active at the end, left", async () => {
    const q = `query($o: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { impactInUse(organizationId: $o, from: $from, to: $to) {
        stakeholdersInUse stages { stage { name } kind entered active left } } }`;
    const jan = (await app.ok<any>(q, { o: org.id, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" })).impactInUse;
    // January, stage Use: A and B entered; A and B there at Feb 1; C left on Jan 15. In use at some time: A, B, C.
    expect(jan.stakeholdersInUse).toBe(3);
    expect(jan.stages).toEqual([{ stage: { name: "Use" }, kind: "CUSTOMER", entered: 2, active: 2, left: 1 }, { stage: { name: "Uses" }, kind: "BENEFICIARY", entered: 0, active: 0, left: 0 }]);
    const feb = (await app.ok<any>(q, { o: org.id, from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z" })).impactInUse;
    // February: A left (Feb 20) and came back (Feb 25): entered 1, left 1; A and B in Use at Mar 1.
    expect(feb.stages[0]).toEqual({ stage: { name: "Use" }, kind: "CUSTOMER", entered: 1, active: 2, left: 1 });
    expect(feb.stakeholdersInUse).toBe(2);
  });

  it("puts both bottom lines side by side with the change from the previous period", async () => {
    const d = (
      await app.ok<any>(
        `query($o: ID!) { doubleBottomLine(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") {
           previousFrom previousTo
           business { revenue { current { amount } previous { amount } change { amount } changePercent } sales { current previous change } }
           social { stakeholdersInUse { current previous change } unitsGiven { current previous change } }
         } }`,
        { o: org.id },
      )
    ).doubleBottomLine;
    // The previous period has the same length (31 days): Dec 1 - Jan 1.
    expect([d.previousFrom, d.previousTo]).toEqual(["2025-12-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"]);
    // Revenue 9000.00 against 5000.00: +4000.00, +80 %.
    expect(d.business.revenue).toEqual({ current: { amount: "9000.00" }, previous: { amount: "5000.00" }, change: { amount: "4000.00" }, changePercent: 80 });
    expect(d.business.sales).toEqual({ current: 3, previous: 2, change: 1 });
    // In use in December: C (from Dec 28). In January: A, B, C.
    expect(d.social.stakeholdersInUse).toEqual({ current: 3, previous: 1, change: 2 });
    expect(d.social.unitsGiven).toEqual({ current: "0", previous: "0", change: "0" });
  });

  it("runs a fixed number of SQL statements whatever the number of offerings and metrics", async () => {
    const VIEWS = `query($o: ID!) {
      a: impactAtSale(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { totals { sales } offerings { offering { name } sales } socialMetrics { metric { name } actual target attainment } }
      b: impactInUse(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { stages { entered outcomes { actual } } socialMetrics { actual } }
      c: doubleBottomLine(organizationId: $o, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { business { kpis { current { actual } previous { actual } } } social { socialMetrics { change } } }
    }`;
    const count = async () => {
      app.counter.reset();
      app.counter.record = true;
      await app.ok(VIEWS, { o: org.id });
      app.counter.record = false;
      return app.counter.statements.filter((s) => !/\bapi_keys\b/.test(s)).length;
    };
    const addOfferingAndMetrics = async (i: number) => {
      await app.ok(`mutation($i: CreateOfferingInput!) { createOffering(input: $i) { id } }`, { i: { organizationId: org.id, name: `Extra ${i}`, unitsGivenPerUnit: "1" } });
      for (const [category, mode] of [["KPI", null], ["SOCIAL", "AT_SALE"], ["SOCIAL", "IN_USE"]]) {
        const id = (await app.ok<any>(`mutation($i: CreateMetricInput!) { createMetric(input: $i) { id } }`, {
          i: { organizationId: org.id, name: `${category}-${mode}-${i}`, category, perspective: "ORGANIZATION", kind: "OUTPUT", unit: "COUNT", aggregation: "SUM", impactMode: mode },
        })).createMetric.id;
        await app.ok(`mutation($i: RecordObservationsInput!) { recordObservations(input: $i) { created } }`, {
          i: { organizationId: org.id, items: [{ metricId: id, from: "2026-01-02T00:00:00Z", to: "2026-01-03T00:00:00Z", value: "1" }] },
        });
      }
    };
    // One offering and one metric of each kind, then six of each: the same statements.
    await addOfferingAndMetrics(0);
    const before = await count();
    for (let i = 1; i <= 6; i++) await addOfferingAndMetrics(i);
    expect(await count()).toBe(before);
    // Per view: organization, then its queries (sales totals, offerings, metric definitions,
    // observations, targets, stages, in-use counts): a handful, not one per row.
    expect(before).toBeLessThanOrEqual(24);
  });
});
