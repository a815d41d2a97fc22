import "reflect-metadata";
import { meanChange, tCdf, tQuantile } from "../../src/modules/outcome/distance";
import { distanceOf } from "../../src/modules/outcome/outcome.service";
import { Metric } from "../../src/modules/metric/metric.entity";
import { pTable } from "../../src/common/perturbation";

describe("distance travelled: the arithmetic", () => {
  it("has Student's t quantiles of the tables: 12.7062 (1 df), 2.7764 (4), 2.0452 (29), and a symmetric CDF", () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.7764, 3);
    expect(tQuantile(0.975, 29)).toBeCloseTo(2.0452, 3);
    expect(tCdf(0, 7)).toBeCloseTo(0.5, 10);
    expect(tCdf(-1.5, 7) + tCdf(1.5, 7)).toBeCloseTo(1, 10);
  });

  it("gives the mean change with its t interval, and nothing below 5 people", () => {
    // Changes −600, 0, −1000, +100, −300: sum −1800, squares 1,460,000; variance (1,460,000 − 5 × 360²) / 4 = 203,000;
    // half-width 2.776445 × √(203,000 / 5) = 559.4382.
    expect(meanChange({ n: 5, sum: -1800, sumSquares: 1460000 })).toEqual({ mean: -360, low: -919.4382, high: 199.4382, notEnoughData: null });
    expect(meanChange({ n: 4, sum: -1800, sumSquares: 1460000 })).toMatchObject({ mean: null, notEnoughData: "fewer than 5 people with a baseline and a follow-up answer" });
  });

  it("shows a funder the means as true sums over the adjusted count", () => {
    const metric = Object.assign(new Metric(), { id: "m", name: "Spend" });
    // 10 measured (5 improved, 5 the same), none lacking; key sums ≡ 0 (mod 256) pick the first row, the lowest
    // adjustment: −2 for counts of 3 or more (D = 2). Measured 10 → 8; the true change sum −100 → −100 / 8 = −12.5;
    // the true baseline mean 50 (sum 500) → 500 / 8 = 62.5.
    expect(pTable(2).columns[3][0]).toBe(-2);
    const row = {
      metric_id: "m", with_baseline: 10, baseline_keys: "512", measured: 10, measured_keys: "256", improved: 5, improved_keys: "768", same: 5, same_keys: "1024",
      worse: 0, worse_keys: "0", lacking: 0, lacking_keys: "0", change_sum: -100, change_squares: 2000, baseline_mean: 50, follow_up_mean: 40,
    };
    const d = distanceOf(metric, row, { k: 5, maximum: 2 });
    expect(d).toMatchObject({ withBaseline: 8, measured: 8, improved: 3, same: 3, worse: 0, lackingFollowUp: 0, improvedShare: 0.375, meanChange: -12.5, baselineMean: 62.5, followUpMean: 50 });
    // Staff: the true figures.
    expect(distanceOf(metric, row, null)).toMatchObject({ measured: 10, improved: 5, meanChange: -10, baselineMean: 50, followUpMean: 40 });
  });
});
