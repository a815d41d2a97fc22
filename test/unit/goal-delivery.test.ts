import { classifyIntervention, difference, EMPTY_SUMS, hasStarted, notEnough, Timeliness, windowScore } from "../../src/modules/goal/delivery";
import { InterventionStatus } from "../../src/common/enums";

const day = (d: string) => new Date(`${d}T00:00:00Z`);
const E = day("2026-04-01");
const classify = (status: InterventionStatus, startsOn: string, endsOn: string) =>
  classifyIntervention(status, day(startsOn), new Date(day(endsOn).getTime() + 86400000), E, startsOn, endsOn).timeliness;

describe("interventions at the period's end (2026-04-01T00:00Z)", () => {
  it("classifies by status and plan", () => {
    expect(classify(InterventionStatus.CANCELLED, "2026-01-01", "2026-02-01")).toBe(Timeliness.CANCELLED);
    expect(classify(InterventionStatus.DONE, "2026-01-01", "2026-02-01")).toBe(Timeliness.ON_TIME);
    // The end day 03-31 ends exactly at E: over, so in progress is late; 04-01 ends after E: on time.
    expect(classify(InterventionStatus.IN_PROGRESS, "2026-01-01", "2026-03-31")).toBe(Timeliness.LATE);
    expect(classify(InterventionStatus.IN_PROGRESS, "2026-01-01", "2026-04-01")).toBe(Timeliness.ON_TIME);
    // The start day 03-31 began before E: planned is late; 04-01 begins at E: not started, whatever the status.
    expect(classify(InterventionStatus.PLANNED, "2026-03-31", "2026-05-01")).toBe(Timeliness.LATE);
    expect(classify(InterventionStatus.PLANNED, "2026-04-01", "2026-05-01")).toBe(Timeliness.NOT_STARTED);
    expect(classify(InterventionStatus.DONE, "2026-04-01", "2026-05-01")).toBe(Timeliness.NOT_STARTED);
    expect(hasStarted(InterventionStatus.IN_PROGRESS, day("2026-03-31"), E)).toBe(true);
    expect(hasStarted(InterventionStatus.IN_PROGRESS, day("2026-04-01"), E)).toBe(false);
    expect(hasStarted(InterventionStatus.PLANNED, day("2026-03-01"), E)).toBe(false);
  });
});

describe("a window's score and the difference", () => {
  it("works out by hand", () => {
    // 12 ratings: 6 x 5 (100) and 6 x 3 (50): mean 75; s² = (6 x 100² + 6 x 50² - 12 x 75²) / 11 = (75000 - 67500) / 11 = 681.82;
    // ± 1.96 x √(681.82 / 12) = ± 14.77 -> [60.23, 89.77].
    const a = windowScore({ ...EMPTY_SUMS, rating: { n: 12, sum: 900, squares: 75000 } }, E, E, 10);
    expect(a).toMatchObject({ answers: 12, score: 75, low: 60.23, high: 89.77, nps: null, npsAnswers: 0 });
    // 10 NPS answers, all promoters: 100, no spread -> [100, 100]; NPS 100.
    const b = windowScore({ ...EMPTY_SUMS, promoters: 10 }, E, E, 10);
    expect(b).toMatchObject({ answers: 10, score: 100, low: 100, high: 100, nps: 100 });
    // 100 - 75 = 25 ± 1.96 x √(681.82 / 12 + 0) = ± 14.77 -> [10.23, 39.77].
    expect(difference(a, b)).toEqual({ difference: 25, low: 10.23, high: 39.77 });
    // Below the minimum: no score, no difference.
    const c = windowScore({ ...EMPTY_SUMS, detractors: 9 }, E, E, 10);
    expect(c).toMatchObject({ answers: 9, score: null, low: null, nps: null, npsAnswers: 9 });
    expect(difference(c, b)).toEqual({ difference: null, low: null, high: null });
    expect(notEnough(c, b, 10)).toBe("not enough data: 9 before (at least 10 answers on each side)");
    expect(notEnough(a, b, 10)).toBeNull();
  });
});
