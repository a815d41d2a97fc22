import {
  adjustment,
  allowedAdjustments,
  buildPTable,
  cellKey,
  effectiveMaximum,
  perturb,
  perturber,
  pTable,
  PTABLE_ROWS,
  RECORD_KEY_RANGE,
} from "../../src/common/perturbation";
import { mulberry32 } from "../helpers/random";

/**
 * The perturbation table of the cell-key method (src/common/perturbation.ts): its properties for
 * every maximum adjustment D allowed, then the adjustment over random record keys.
 */

const DS = [1, 2, 3, 4, 5];

describe("the p-table", () => {
  it.each(DS)("D = %i: 256 rows per column, |adjustment| ≤ D, zero mean, no negative count, 1 and 2 never published as themselves", (D) => {
    const t = buildPTable(D);
    expect(t.maximum).toBe(D);
    // Columns 0..max(D, 3): beyond, every adjustment -D..D is allowed and the last column is used.
    expect(t.columns).toHaveLength(Math.max(D, 3) + 1);
    for (let c = 0; c < 60; c++) {
      const column = t.columns[Math.min(c, t.columns.length - 1)];
      expect(column).toHaveLength(PTABLE_ROWS);
      let sum = 0;
      for (let key = 0; key < PTABLE_ROWS; key++) {
        const d = adjustment(t, c, key);
        expect(Math.abs(d)).toBeLessThanOrEqual(D);
        expect(c + d).toBeGreaterThanOrEqual(0);
        if (c === 1 || c === 2) expect(c + d).not.toBe(c);
        sum += d;
      }
      // Zero mean over the 256 cell keys, exactly (a sum of integers).
      expect(sum).toBe(0);
    }
    // An empty cell stays empty.
    expect(t.columns[0].every((d) => d === 0)).toBe(true);
  });

  it.each(DS)("D = %i: the variance is the stated V = D(D+1)/6 where every adjustment is allowed (within the 1/256 quantization)", (D) => {
    const t = buildPTable(D);
    expect(t.targetVariance).toBeCloseTo((D * (D + 1)) / 6, 10);
    const last = t.columns.length - 1;
    // The last column holds every adjustment -D..D: its variance is V up to rounding to 256 rows.
    expect(Math.abs(t.variances[last] - t.targetVariance)).toBeLessThan(0.05);
    // Each column's stated variance is that of its rows.
    t.columns.forEach((col, c) => expect(t.variances[c]).toBeCloseTo(col.reduce((s, d) => s + d * d, 0) / PTABLE_ROWS, 10));
    // Symmetric where nothing is ruled out: d and -d equally often.
    const col = t.columns[last];
    for (let d = 1; d <= D; d++) expect(col.filter((x) => x === d).length).toBe(col.filter((x) => x === -d).length);
  });

  it("the default D (2), worked out: counts ≥ 3 use 16/63/98/63/16 rows for -2..2; 1 and 2 go down or up by one, half the keys each", () => {
    const t = pTable(2);
    // Max entropy on -2..2 with mean 0 and V = 1: p ∝ exp(b·d²), b ≈ -0.47: 0.061, 0.247, 0.382, ... × 256 ≈ 16, 63, 98, 63, 16.
    const histogram = (col: number[]) => [-2, -1, 0, 1, 2].map((d) => col.filter((x) => x === d).length);
    expect(histogram(t.columns[3])).toEqual([16, 63, 98, 63, 16]);
    // Count 1: only -1 and +1 (not 0; -2 would be negative; +2 would need -1 twice as often, more variance than V).
    expect(histogram(t.columns[1])).toEqual([0, 128, 0, 128, 0]);
    expect(histogram(t.columns[2])).toEqual([0, 128, 0, 128, 0]);
    // Rows in ascending order: key 0 gives the lowest adjustment, key 255 the highest.
    expect(adjustment(t, 50, 0)).toBe(-2);
    expect(adjustment(t, 50, 255)).toBe(2);
    expect(adjustment(t, 50, 16 + 63)).toBe(0); // row 79 is the first of the 98 zeros
  });

  it("is deterministic: built twice, the same table", () => {
    for (const D of DS) expect(buildPTable(D)).toEqual(buildPTable(D));
  });

  it("allows no adjustment outside what the rules leave", () => {
    expect(allowedAdjustments(0, 2)).toEqual([0]);
    expect(allowedAdjustments(1, 2)).toEqual([-1, 1, 2]);
    expect(allowedAdjustments(2, 2)).toEqual([-2, -1, 1, 2]);
    expect(allowedAdjustments(3, 2)).toEqual([-2, -1, 0, 1, 2]);
  });

  it("takes D in 1..5 only", () => {
    expect(effectiveMaximum(null)).toBe(2);
    expect(effectiveMaximum(undefined)).toBe(2);
    expect(() => effectiveMaximum(0)).toThrow();
    expect(() => effectiveMaximum(6)).toThrow();
    expect(() => effectiveMaximum(2.5)).toThrow();
  });
});

describe("cell keys and adjustments", () => {
  it("a cell key is the key sum modulo 256, whatever form the sum comes in", () => {
    expect(cellKey(0)).toBe(0);
    expect(cellKey(257)).toBe(1);
    expect(cellKey("1099511627776")).toBe(0); // 2^40
    expect(cellKey("1099511627781")).toBe(5);
    expect(cellKey(null)).toBe(0);
    expect(() => cellKey(-1)).toThrow();
  });

  it("the same count and key sum always give the same figure; staff (not applied) get the true count", () => {
    expect(perturb(40, 123456, 2)).toBe(perturb(40, 123456, 2));
    const staff = perturber(false, 2);
    expect(staff.count({ count: 40, keySum: 123456 })).toBe(40);
    const funder = perturber(true, 2);
    // 123456 mod 256 = 64: row 64 of a column for counts ≥ 3 is -1 (rows 16..78 are -1).
    expect(funder.count({ count: 40, keySum: 123456 })).toBe(39);
  });

  it.each(DS)("D = %i: over many random cells of random people, the mean adjustment is near 0 and never more than D", (D) => {
    const random = mulberry32(1000 + D);
    let sum = 0;
    let sumSq = 0;
    const cells = 20000;
    for (let i = 0; i < cells; i++) {
      const people = 1 + Math.floor(random() * 60);
      let keySum = 0;
      for (let p = 0; p < people; p++) keySum += Math.floor(random() * RECORD_KEY_RANGE);
      const d = perturb(people, keySum, D) - people;
      expect(Math.abs(d)).toBeLessThanOrEqual(D);
      sum += d;
      sumSq += d * d;
    }
    const mean = sum / cells;
    // The adjustments' standard deviation is at most D, so the mean of 20000 is within 4·D/√20000 ≈ 0.03·D of 0 (a 4-sigma bound).
    expect(Math.abs(mean)).toBeLessThan((4 * D) / Math.sqrt(cells));
    // And the noise is there: the variance is of the order of V (not 0).
    expect(sumSq / cells).toBeGreaterThan(pTable(D).targetVariance / 2);
  });
});
