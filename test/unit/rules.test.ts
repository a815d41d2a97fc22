import { attainment } from "../../src/modules/impact/attainment";
import { impactOfSale } from "../../src/modules/sales/sales.service";
import { npsOf } from "../../src/modules/feedback/feedback.service";
import { feedbackComponent, scoreOverall, scorePerspective, DEFAULT_WEIGHTS } from "../../src/modules/qoe/score";
import { divRoundHalfUp, fromFixed, toFixed } from "../../src/common/decimal";
import { formatMinor, normalizeDecimal } from "../../src/common/scalars";
import { buckets } from "../../src/modules/impact/impact.service";
import { Interval, MetricDirection } from "../../src/common/enums";
import { QoePerspective } from "../../src/modules/qoe/qoe.types";

const { HIGHER_IS_BETTER: UP, LOWER_IS_BETTER: DOWN } = MetricDirection;

describe("attainment", () => {
  it("measures progress from baseline to target", () => {
    expect(attainment(50, 60, 20, UP)).toBe(75); // (50-20)/(60-20)
    expect(attainment(15, 10, 20, DOWN)).toBe(50); // (15-20)/(10-20)
    expect(attainment(70, 60, 20, UP)).toBe(100); // clamped
    expect(attainment(10, 60, 20, UP)).toBe(0); // below the baseline: clamped at 0
    expect(attainment(25, 10, 20, DOWN)).toBe(0); // worse than the baseline
  });
  it("handles missing values and a missing baseline", () => {
    expect(attainment(null, 60, 20, UP)).toBeNull();
    expect(attainment(50, null, 20, UP)).toBeNull();
    expect(attainment(30, 60, null, UP)).toBe(50); // 30 / 60
    expect(attainment(12, 10, null, DOWN)).toBe(83.33); // 10 / 12
    expect(attainment(8, 10, null, DOWN)).toBe(100);
    expect(attainment(10, 10, 10, UP)).toBe(100); // target = baseline, reached
    expect(attainment(9, 10, 10, UP)).toBe(0);
  });
});

describe("what a sale creates", () => {
  const rule = { revenueShareBps: 0, unitsGivenPerUnit: "0", fixedAmountPerSaleMinor: "0", beneficiariesPerUnitGiven: null, amountPerBeneficiaryMinor: null };
  it("one for one", () => {
    expect(impactOfSale({ ...rule, unitsGivenPerUnit: "1", beneficiariesPerUnitGiven: "1" }, 2, 700000n)).toEqual({ contributionMinor: 0n, unitsGiven: "2", beneficiariesFunded: "2" });
  });
  it("5 % of 1,234.56 is 61.73 (half up, per sale, to the minor unit)", () => {
    expect(impactOfSale({ ...rule, revenueShareBps: 500 }, 1, 123456n).contributionMinor).toBe(6173n);
    // 5 % of 0.10 = 0.005 -> 0.01 (half up); 5 % of 0.09 = 0.0045 -> 0.00
    expect(impactOfSale({ ...rule, revenueShareBps: 500 }, 1, 10n).contributionMinor).toBe(1n);
    expect(impactOfSale({ ...rule, revenueShareBps: 500 }, 1, 9n).contributionMinor).toBe(0n);
  });
  it("funds beneficiaries from an amount and adds a fixed amount per sale", () => {
    // 61.73 + 10.00 fixed = 71.73; / 25.00 per child = 2.8692
    expect(impactOfSale({ ...rule, revenueShareBps: 500, fixedAmountPerSaleMinor: "1000", amountPerBeneficiaryMinor: "2500" }, 1, 123456n)).toEqual({
      contributionMinor: 7173n,
      unitsGiven: "0",
      beneficiariesFunded: "2.8692",
    });
    // 3 units x 0.5 given per unit = 1.5 units; x 2 children per unit = 3
    expect(impactOfSale({ ...rule, unitsGivenPerUnit: "0.5", beneficiariesPerUnitGiven: "2" }, 3, 0n).beneficiariesFunded).toBe("3");
  });
});

describe("NPS and the feedback component", () => {
  it("5 promoters, 3 passives, 2 detractors: NPS 30, margin 48.41, feedback component 65", () => {
    expect(npsOf(5, 3, 2)).toEqual({ score: 30, marginOfError95: 48.41 });
    expect(feedbackComponent({ promoters: 5, passives: 3, detractors: 2, ratingMean: null, ratingN: 0, effortMean: null, effortN: 0 })).toMatchObject({ value: 65, sampleSize: 10 });
    expect(npsOf(0, 0, 0)).toEqual({ score: null, marginOfError95: null });
    expect(npsOf(4, 0, 0)).toEqual({ score: 100, marginOfError95: 0 });
  });
  it("maps ratings (r-1)/(k-1)*100 and weights parts by their answers", () => {
    // ratings 5 and 3 on 1..5 -> 100 and 50 -> mean 75 (2 answers); NPS 0 -> 50 (2 answers): (75*2 + 50*2)/4 = 62.5
    expect(feedbackComponent({ promoters: 1, passives: 0, detractors: 1, ratingMean: 75, ratingN: 2, effortMean: null, effortN: 0 }).value).toBe(62.5);
  });
});

describe("QoE arithmetic", () => {
  const W = DEFAULT_WEIGHTS;
  it("leaves a missing component out instead of counting it as 0", () => {
    const p = scorePerspective(QoePerspective.CUSTOMER, { feedback: { promoters: 5, passives: 3, detractors: 2, ratingMean: null, ratingN: 0, effortMean: null, effortN: 0 } }, W);
    expect(p.score).toBe(65);
    expect(p.missing).toEqual(["KPI_ATTAINMENT", "LOOP_CLOSURE"]);
  });
  it("weights components and perspectives", () => {
    const c = scorePerspective(QoePerspective.CUSTOMER, { attainments: [{ name: "a", attainment: 100 }, { name: "b", attainment: 50 }], loops: { onTime: 1, due: 4 } }, { ...W, kpiAttainment: 3 });
    // KPI mean 75 (weight 3), loops 25 (weight 1): (225 + 25) / 4 = 62.5
    expect(c.score).toBe(62.5);
    const b = scorePerspective(QoePerspective.BENEFICIARY, { loops: { onTime: 3, due: 3 } }, W);
    expect(b.score).toBe(100);
    const u = scorePerspective(QoePerspective.USER, {}, W);
    expect(scoreOverall([c, b, u])).toEqual({ score: 81.25, missing: ["USER"] }); // (62.5 + 100) / 2
    expect(scoreOverall([{ ...c, weight: 3 }, b])).toEqual({ score: 71.88, missing: [] }); // (187.5 + 100) / 4 = 71.875
  });
});

describe("exact numbers", () => {
  it("scaled decimals and money formatting", () => {
    expect(fromFixed(toFixed("1.25") * 3n)).toBe("3.75");
    expect(toFixed("0.00005")).toBe(1n); // rounded half up at 4 decimals
    expect(divRoundHalfUp(5n, 2n)).toBe(3n);
    expect(formatMinor(123456, "KES")).toBe("1234.56");
    expect(formatMinor(5, "USD")).toBe("0.05");
    expect(formatMinor(500, "JPY")).toBe("500");
    expect(formatMinor(-1, "KES")).toBe("-0.01");
    expect(normalizeDecimal("061.7300")).toBe("61.73");
    expect(normalizeDecimal("-0.000")).toBe("0");
  });
  it("calendar buckets, clipped to the period", () => {
    const b = buckets(new Date("2026-01-15T00:00:00Z"), new Date("2026-04-10T00:00:00Z"), Interval.MONTH);
    expect(b.map((x) => [x.from.toISOString().slice(0, 10), x.to.toISOString().slice(0, 10)])).toEqual([
      ["2026-01-15", "2026-02-01"],
      ["2026-02-01", "2026-03-01"],
      ["2026-03-01", "2026-04-01"],
      ["2026-04-01", "2026-04-10"],
    ]);
    // 2026-01-01 is a Thursday: the first week starts on Monday 2025-12-29, clipped to Jan 1.
    expect(buckets(new Date("2026-01-01T00:00:00Z"), new Date("2026-01-12T00:00:00Z"), Interval.WEEK).map((x) => x.from.toISOString().slice(0, 10))).toEqual(["2026-01-01", "2026-01-05"]);
    expect(buckets(new Date("2026-02-10T00:00:00Z"), new Date("2026-08-01T00:00:00Z"), Interval.QUARTER)).toHaveLength(3);
  });
});
