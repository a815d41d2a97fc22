import { correlationsFromPairs, fisherInterval, PairSums, pearson, positiveSemiDefinite, ranks, round, shapleyR2, spearman, wilson } from "../../src/common/statistics";

/** Correlations and intervals worked out by hand (figures in the comments). */
describe("statistics", () => {
  // Six periods: x = 1..6, y = 2, 1, 4, 3, 6, 5. Means 3.5 and 3.5; deviations
  // dx = −2.5 −1.5 −0.5 0.5 1.5 2.5, dy = −1.5 −2.5 0.5 −0.5 2.5 1.5;
  // Σdx·dy = 3.75 + 3.75 − 0.25 − 0.25 + 3.75 + 3.75 = 14.5; Σdx² = Σdy² = 17.5; r = 14.5 / 17.5 = 0.828571.
  const x = [1, 2, 3, 4, 5, 6];
  const y = [2, 1, 4, 3, 6, 5];

  it("Pearson's r on 6 periods", () => {
    expect(pearson(x, y)).toBeCloseTo(0.828571, 6);
    // y = x² but 100 for the last: Σdx·dy = 282.5, Σdy² = 6974.8333, r = 282.5 / sqrt(17.5 × 6974.8333) = 0.808598.
    expect(pearson(x, [1, 4, 9, 16, 25, 100])).toBeCloseTo(0.808598, 6);
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNull(); // a constant side has no correlation
    expect(pearson([1], [2])).toBeNull();
  });

  it("Spearman's ρ: Pearson's r of the ranks, ties at their mean rank", () => {
    expect(ranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(spearman(x, y)).toBeCloseTo(0.828571, 6); // the values are their ranks
    expect(spearman(x, [1, 4, 9, 16, 25, 100])).toBe(1); // monotone: ρ = 1 where r = 0.81
  });

  it("Fisher's z interval: atanh(r) ± 1.959964 / sqrt(n − 3), back with tanh", () => {
    // z = atanh(0.828571) = ½ ln(1.828571 / 0.171429) = ½ ln(10.6667) = 1.183562; se = 1/sqrt(3) = 0.577350;
    // 1.183562 ∓ 1.131579 = 0.051983 and 2.315141; tanh: 0.051929 and 0.980685.
    const i = fisherInterval(0.828571428571, 6)!;
    expect(i.low).toBeCloseTo(0.051929, 5);
    expect(i.high).toBeCloseTo(0.980685, 5);
    expect(fisherInterval(0.5, 3)).toBeNull(); // n − 3 = 0: no interval
    expect(fisherInterval(1, 10)).toBeNull();
  });

  it("Wilson's interval for a proportion", () => {
    // 4/7: p = 0.571429, z² = 3.841459, 1 + z²/n = 1.548780; centre (0.571429 + 0.274390) / 1.548780 = 0.546119;
    // half 1.959964 × sqrt(0.034985 + 0.019599) / 1.548780 = 0.295658 -> [0.250461, 0.841777].
    const w = wilson(4, 7)!;
    expect(w.low).toBeCloseTo(0.250461, 5);
    expect(w.high).toBeCloseTo(0.841777, 5);
    // 0/2: z²/n = 1.920730; centre = half = (1.920730 / 2) / 2.920730 = 0.328810: [0, 0.657620].
    expect(wilson(0, 2)!.low).toBe(0);
    expect(wilson(0, 2)!.high).toBeCloseTo(0.65762, 5);
    expect(wilson(2, 2)!.high).toBe(1);
    expect(wilson(0, 0)).toBeNull();
    expect(() => wilson(3, 2)).toThrow();
  });

  it("rounds half away from zero", () => {
    expect(round(0.12345, 4)).toBe(0.1235);
    expect(round(-0.5, 0)).toBe(-1);
  });
});

describe("relative importance: the Shapley decomposition of R² (LMG)", () => {
  it("two drivers, by hand", () => {
    // r(y, x1) = 0.6, r(y, x2) = 0.5, r(x1, x2) = 0.4: R²(x1) = 0.36, R²(x2) = 0.25,
    // R²(x1, x2) = (0.36 + 0.25 − 2 × 0.6 × 0.5 × 0.4) / (1 − 0.16) = 0.37 / 0.84 = 0.440476.
    // x1: ½ × 0.36 + ½ × (0.440476 − 0.25) = 0.275238; x2: ½ × 0.25 + ½ × (0.440476 − 0.36) = 0.165238.
    const corr = [
      [1, 0.6, 0.5],
      [0.6, 1, 0.4],
      [0.5, 0.4, 1],
    ];
    const { rSquared: r2, shares } = shapleyR2(corr);
    expect(r2).toBeCloseTo(0.440476, 6);
    expect(shares[0]).toBeCloseTo(0.275238, 6);
    expect(shares[1]).toBeCloseTo(0.165238, 6);
  });

  it("a duplicated driver shares its importance and adds no R²", () => {
    const corr = [
      [1, 0.5, 0.5],
      [0.5, 1, 1],
      [0.5, 1, 1],
    ];
    const { rSquared: r2, shares } = shapleyR2(corr);
    expect(r2).toBeCloseTo(0.25, 9);
    expect(shares[0]).toBeCloseTo(0.125, 9);
    expect(shares[1]).toBeCloseTo(0.125, 9);
  });

  it("correlations from sums of complete cases", () => {
    // The six periods above as sums: Σx = Σy = 21, Σx² = Σy² = 91, Σxy = 2 + 2 + 12 + 12 + 30 + 30 = 88;
    // cov = 88 − 21 × 21 / 6 = 14.5, var = 91 − 73.5 = 17.5: r = 0.828571.
    const c = correlationsFromPairs(2, () => ({ n: 6, sa: 21, sb: 21, qa: 91, qb: 91, p: 88 }))!;
    expect(c[0][1]).toBeCloseTo(0.828571, 6);
    expect(correlationsFromPairs(2, () => ({ n: 3, sa: 3, sb: 6, qa: 3, qb: 14, p: 6 }))).toBeNull(); // the first is constant (1, 1, 1)
    expect(correlationsFromPairs(2, () => ({ n: 2, sa: 3, sb: 3, qa: 5, qb: 5, p: 5 }))).toBeNull(); // two cases: no correlation
  });

  it("correlations with pairwise deletion, and none from an inconsistent matrix", () => {
    // Five people (y, a, b), "-" missing: (1, 0, -), (2, 1, 0), (3, 2, 1), (4, -, 3), (5, 3, 2).
    // (y, a) over P1, P2, P3, P5: Σy 11, Σa 6, Σy² 39, Σa² 14, Σya 23: cov 23 − 16.5 = 6.5, var 8.75 and 5: r = 0.982708.
    // (y, b) over P2..P5: Σy 14, Σb 6, Σy² 54, Σb² 14, Σyb 25: cov 4, var 5 and 5: r = 0.8.
    // (a, b) over P2, P3, P5: (1, 0), (2, 1), (3, 2): r = 1.
    const sums: Record<string, PairSums> = {
      "0,1": { n: 4, sa: 11, sb: 6, qa: 39, qb: 14, p: 23 },
      "0,2": { n: 4, sa: 14, sb: 6, qa: 54, qb: 14, p: 25 },
      "1,2": { n: 3, sa: 6, sb: 3, qa: 14, qb: 5, p: 8 },
    };
    const two = correlationsFromPairs(2, (i, j) => sums[`${i},${j}`])!;
    expect(two[0][1]).toBeCloseTo(0.982708, 6);
    // All three: [[1, .9827, .8], [.9827, 1, 1], [.8, 1, 1]] has determinant 0 − .9827 × .1827 + .8 × .1827 = −0.0334 < 0:
    // no set of people has these correlations, so no regression is computed on it.
    expect(positiveSemiDefinite([[1, 0.982708, 0.8], [0.982708, 1, 1], [0.8, 1, 1]])).toBe(false);
    expect(correlationsFromPairs(3, (i, j) => sums[`${i},${j}`])).toBeNull();
    // A consistent one is kept: a, b uncorrelated and each 0.6 with y (determinant 1 − 0.72 = 0.28).
    expect(positiveSemiDefinite([[1, 0.6, 0.6], [0.6, 1, 0], [0.6, 0, 1]])).toBe(true);
  });
});
