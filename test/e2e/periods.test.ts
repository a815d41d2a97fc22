import { rowId, startTestApp, TestApp } from "../helpers/app";
import { createOrg, OrgFixture } from "../helpers/fixtures";
import { authenticate } from "../../src/modules/access/authenticate";
import { createContext } from "../../src/context";
import { ComparePeriod, NamedPeriod, PeriodArgs, resolvePeriod } from "../../src/common/periods";
import { CalendarDay } from "../../src/common/timestamps";

/**
 * Issue 13: periods people say, in the organization's time zone. The expected bounds are worked out
 * by hand from one fixed "now", Monday 2026-03-09 12:00 UTC (15:00 in Nairobi, UTC+3; 08:00 in New
 * York, which moved to daylight time, UTC-4, on Sunday 2026-03-08).
 */
describe("named periods and time zones", () => {
  let app: TestApp;
  let org: OrgFixture;
  const NOW = new Date("2026-03-09T12:00:00Z");

  beforeAll(async () => {
    app = await startTestApp();
    org = await createOrg(app, "Periods");
  });
  afterAll(() => app.close());

  const setZone = (timeZone: string) => app.gql<any>(`mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { timeZone } }`, { i: { id: org.id, timeZone } });
  const resolve = async (args: PeriodArgs, compare: ComparePeriod | null = null) => {
    const ctx = await createContext(app.db, await authenticate(app.db, app.key));
    try {
      const r = await resolvePeriod(ctx.requestDb.em, ctx.access, String(rowId(org.id)), args, compare, NOW);
      const iso = (p: { from: Date; to: Date } | null) => (p ? [p.from.toISOString(), p.to.toISOString()] : null);
      return { period: iso(r), compare: iso(r.compare) };
    } finally {
      await ctx.finish(false);
    }
  };
  const named = async (period: NamedPeriod, compare: ComparePeriod | null = null) => resolve({ period }, compare);

  it("resolves every named period in UTC (the default zone)", async () => {
    expect((await app.ok<any>(`query($id: ID!) { organization(id: $id) { timeZone } }`, { id: org.id })).organization.timeZone).toBe("UTC");
    const day = (d: string) => `${d}T00:00:00.000Z`;
    expect((await named(NamedPeriod.LAST_7_DAYS)).period).toEqual([day("2026-03-03"), day("2026-03-10")]); // 3..9 March, today included
    expect((await named(NamedPeriod.LAST_30_DAYS)).period).toEqual([day("2026-02-08"), day("2026-03-10")]); // 9 March - 29 days
    expect((await named(NamedPeriod.LAST_90_DAYS)).period).toEqual([day("2025-12-10"), day("2026-03-10")]); // 8 + 28 + 31 + 22 = 89 days back
    expect((await named(NamedPeriod.LAST_MONTH)).period).toEqual([day("2026-02-01"), day("2026-03-01")]);
    expect((await named(NamedPeriod.LAST_QUARTER)).period).toEqual([day("2025-10-01"), day("2026-01-01")]);
    expect((await named(NamedPeriod.LAST_12_MONTHS)).period).toEqual([day("2025-03-01"), day("2026-03-01")]);
    expect((await named(NamedPeriod.MONTH_TO_DATE)).period).toEqual([day("2026-03-01"), day("2026-03-10")]);
    expect((await named(NamedPeriod.QUARTER_TO_DATE)).period).toEqual([day("2026-01-01"), day("2026-03-10")]);
    expect((await named(NamedPeriod.YEAR_TO_DATE)).period).toEqual([day("2026-01-01"), day("2026-03-10")]);
  });

  it("compares with the period before of the same kind, or the same dates a year earlier", async () => {
    const day = (d: string) => `${d}T00:00:00.000Z`;
    expect((await named(NamedPeriod.LAST_MONTH, ComparePeriod.PREVIOUS_PERIOD)).compare).toEqual([day("2026-01-01"), day("2026-02-01")]);
    expect((await named(NamedPeriod.LAST_MONTH, ComparePeriod.SAME_PERIOD_LAST_YEAR)).compare).toEqual([day("2025-02-01"), day("2025-03-01")]);
    expect((await named(NamedPeriod.LAST_7_DAYS, ComparePeriod.PREVIOUS_PERIOD)).compare).toEqual([day("2026-02-24"), day("2026-03-03")]);
    // Month to date: the same days of the month before (1..9 February).
    expect((await named(NamedPeriod.MONTH_TO_DATE, ComparePeriod.PREVIOUS_PERIOD)).compare).toEqual([day("2026-02-01"), day("2026-02-10")]);
    expect((await named(NamedPeriod.LAST_QUARTER, ComparePeriod.PREVIOUS_PERIOD)).compare).toEqual([day("2025-07-01"), day("2025-10-01")]);
    // Given from and to: the same length just before, or a year earlier.
    const given = { from: new Date("2026-01-15T00:00:00Z"), to: new Date("2026-02-15T00:00:00Z") };
    expect((await resolve(given, ComparePeriod.PREVIOUS_PERIOD)).compare).toEqual(["2025-12-15T00:00:00.000Z", "2026-01-15T00:00:00.000Z"]);
    expect((await resolve(given, ComparePeriod.SAME_PERIOD_LAST_YEAR)).compare).toEqual(["2025-01-15T00:00:00.000Z", "2025-02-15T00:00:00.000Z"]);
    expect(await resolve(given)).toEqual({ period: ["2026-01-15T00:00:00.000Z", "2026-02-15T00:00:00.000Z"], compare: null });
  });

  it("begins days and months at midnight in the organization's zone, daylight saving time included", async () => {
    expect((await setZone("Africa/Nairobi")).data).toEqual({ updateOrganization: { timeZone: "Africa/Nairobi" } });
    // Local February 1st and March 1st, 00:00 at UTC+3, are 21:00 UTC the day before.
    expect((await named(NamedPeriod.LAST_MONTH)).period).toEqual(["2026-01-31T21:00:00.000Z", "2026-02-28T21:00:00.000Z"]);
    await setZone("America/New_York");
    // 3 March 00:00 EST (UTC-5) is 05:00 UTC; 10 March 00:00 EDT (UTC-4) is 04:00 UTC: 167 hours, one lost to the clock change.
    expect((await named(NamedPeriod.LAST_7_DAYS)).period).toEqual(["2026-03-03T05:00:00.000Z", "2026-03-10T04:00:00.000Z"]);
    await setZone("UTC");
  });

  it("refuses an unknown time zone, and a period asked for two ways or half", async () => {
    const bad = await setZone("Mars/Olympus_Mons");
    expect(bad.errors?.[0]).toMatchObject({
      message: 'timeZone must be an IANA time zone name, e.g. Africa/Nairobi, America/Lima or UTC ("Mars/Olympus_Mons" is not one)',
      extensions: { code: "BAD_USER_INPUT", field: "timeZone" },
    });
    const q = `query($o: ID!, $from: DateTimeISO, $to: DateTimeISO, $p: NamedPeriod) { nps(organizationId: $o, from: $from, to: $to, period: $p) { sampleSize } }`;
    const field = async (v: Record<string, unknown>) => (await app.gql<any>(q, { o: org.id, ...v })).errors?.[0].extensions;
    expect(await field({ p: "LAST_MONTH", from: "2026-01-01T00:00:00Z" })).toEqual({ code: "BAD_USER_INPUT", field: "period" });
    expect(await field({})).toEqual({ code: "BAD_USER_INPUT", field: "from" });
    expect(await field({ from: "2026-01-01T00:00:00Z" })).toEqual({ code: "BAD_USER_INPUT", field: "to" });
    expect((await app.gql<any>(q, { o: org.id, p: "LAST_MONTH" })).data).toEqual({ nps: { sampleSize: 0 } });
  });

  it("gives the report the named period and, by default, the period before it of the same kind", async () => {
    const q = `query($o: ID!) { impactReport(organizationId: $o, period: LAST_MONTH) { period { from to } comparison { from to } } }`;
    const before = new Date();
    const r = (await app.ok<any>(q, { o: org.id })).impactReport;
    const after = new Date();
    // The month boundaries of "now" in UTC, the organization's zone; computed twice around the call, in case a month began in between.
    const expected = (now: Date) => {
      const month = (k: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + k, 1)).toISOString();
      return { period: { from: month(-1), to: month(0) }, comparison: { from: month(-2), to: month(-1) } };
    };
    expect([expected(before), expected(after)]).toContainEqual(r);
  });
  it("takes calendar dates: the start of that day in the organization's zone", async () => {
    await setZone("Africa/Nairobi");
    // 2026-02-01 and 2026-03-01 at 00:00 in Nairobi (UTC+3).
    expect((await resolve({ from: new CalendarDay("2026-02-01"), to: new CalendarDay("2026-03-01") })).period).toEqual(["2026-01-31T21:00:00.000Z", "2026-02-28T21:00:00.000Z"]);
    // A date beside a date-time: each read as it is.
    expect((await resolve({ from: new CalendarDay("2026-02-01"), to: new Date("2026-03-01T00:00:00Z") })).period).toEqual(["2026-01-31T21:00:00.000Z", "2026-03-01T00:00:00.000Z"]);
    const viaApi = await app.ok<any>(`query($o: ID!) { impactReport(organizationId: $o, from: "2026-02-01", to: "2026-03-01") { period { from to } comparison { from to } } }`, { o: org.id });
    // The comparison: the same length (28 days) just before.
    expect(viaApi.impactReport).toEqual({
      period: { from: "2026-01-31T21:00:00.000Z", to: "2026-02-28T21:00:00.000Z" },
      comparison: { from: "2026-01-03T21:00:00.000Z", to: "2026-01-31T21:00:00.000Z" },
    });
    await setZone("UTC");
  });

  it("answers a bad date the same way inline and as a variable: BAD_USER_INPUT, the field, an example", async () => {
    const message = (field: string, shown: string) => `${field}: must be a date-time with a time zone, e.g. 2026-07-01T00:00:00Z, or a calendar date, e.g. 2026-07-01 (${shown} is neither)`;
    const strip = (r: { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }) => r.errors?.map((e) => ({ message: e.message, extensions: e.extensions }));
    const inline = await app.gql(`query($o: ID!) { nps(organizationId: $o, from: "2026-13-01", to: "2026-03-01") { sampleSize } }`, { o: org.id });
    expect(strip(inline)).toEqual([{ message: message("from", '"2026-13-01"'), extensions: { code: "BAD_USER_INPUT", field: "from" } }]);
    const variable = await app.gql(`query($o: ID!, $f: DateTimeISO) { nps(organizationId: $o, from: $f, to: "2026-03-01") { sampleSize } }`, { o: org.id, f: "2026-13-01" });
    expect(strip(variable)).toEqual(strip(inline));
    // Inside an input object, named by its path.
    const nested = await app.gql(`mutation($i: CreateActionInput!) { createAction(input: $i) { id } }`, {
      i: { organizationId: org.id, title: "Call back", ownerAreaId: org.areas.Operations, dueAt: "next week" },
    });
    expect(strip(nested)).toEqual([{ message: message("input.dueAt", '"next week"'), extensions: { code: "BAD_USER_INPUT", field: "input.dueAt" } }]);
    const number = await app.gql(`query($o: ID!) { nps(organizationId: $o, from: 20260101, to: "2026-03-01") { sampleSize } }`, { o: org.id });
    expect(strip(number)).toEqual([{ message: message("from", "20260101"), extensions: { code: "BAD_USER_INPUT", field: "from" } }]);
  });
});
