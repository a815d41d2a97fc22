import {
  Cell,
  effectiveThreshold,
  suppressCount,
  suppressDerived,
  suppressDerivedForCell,
  suppressRate,
  suppressTable,
  SuppressedTable,
} from "../../src/common/suppression";
import { mulberry32 } from "../helpers/random";

/**
 * Small-cell suppression (src/common/suppression.ts): hand-made tables with the expected result
 * worked out in a comment, then a property-style check over many seeded random tables.
 */

/** The counts of a suppressed table, null where hidden, for compact expectations. */
function counts<K>(t: SuppressedTable<K>): (number | null)[] {
  return t.cells.map((c) => c.count);
}

function reasons<K>(t: SuppressedTable<K>): (string | null)[] {
  return t.cells.map((c) => c.reason);
}

function cells(...ns: number[]): Cell<string>[] {
  return ns.map((count, i) => ({ key: `c${i}`, count }));
}

describe("effectiveThreshold", () => {
  it("defaults to 10 when not set", () => {
    expect(effectiveThreshold()).toBe(10);
    expect(effectiveThreshold(undefined)).toBe(10);
    expect(effectiveThreshold(null)).toBe(10);
  });

  it("is never below 5", () => {
    expect(effectiveThreshold(0)).toBe(5);
    expect(effectiveThreshold(-3)).toBe(5);
    expect(effectiveThreshold(3)).toBe(5);
    expect(effectiveThreshold(4.9)).toBe(5); // floor 4, then max(5, 4)
    expect(effectiveThreshold(5)).toBe(5);
  });

  it("keeps larger values and floors non-integers", () => {
    expect(effectiveThreshold(7.9)).toBe(7);
    expect(effectiveThreshold(12)).toBe(12);
    expect(effectiveThreshold(10)).toBe(10);
  });

  it("rejects non-finite values", () => {
    expect(() => effectiveThreshold(Number.NaN)).toThrow(Error);
    expect(() => effectiveThreshold(Number.POSITIVE_INFINITY)).toThrow(Error);
  });
});

describe("suppressCount (primary rule)", () => {
  it("hides a group of 4 with k = 10", () => {
    expect(suppressCount(4, 10)).toBeNull();
    expect(suppressCount(1, 10)).toBeNull();
    expect(suppressCount(9, 10)).toBeNull();
  });

  it("shows 0: it reveals no person", () => {
    expect(suppressCount(0, 10)).toBe(0);
  });

  it("shows exactly k and above", () => {
    expect(suppressCount(10, 10)).toBe(10);
    expect(suppressCount(11, 10)).toBe(11);
  });

  it("applies the floor of 5 even when given a smaller k", () => {
    // k = 3 is taken as 5: 4 hidden, 5 shown.
    expect(suppressCount(4, 3)).toBeNull();
    expect(suppressCount(5, 3)).toBe(5);
  });

  it("throws on negative or non-integer counts", () => {
    expect(() => suppressCount(-1, 10)).toThrow(Error);
    expect(() => suppressCount(2.5, 10)).toThrow(Error);
    expect(() => suppressCount(Number.NaN, 10)).toThrow(Error);
  });
});

describe("suppressTable", () => {
  it("hides one small cell among large ones and, with the total shown, the smallest other non-zero cell", () => {
    // F 40, M 25, X 3, U 12; total 80; k 10.
    // Primary: X (3) hidden. One hidden cell and the total shown: 80 - 40 - 25 - 12 = 3 would give X.
    // Smallest other visible non-zero cell: U (12) -> COMPLEMENTARY. Hidden: X + U = 15 >= 10: stable.
    const input = [
      { key: "F", count: 40 },
      { key: "M", count: 25 },
      { key: "X", count: 3 },
      { key: "U", count: 12 },
    ];
    const t = suppressTable(input, 80, 10);
    expect(counts(t)).toEqual([40, 25, null, null]);
    expect(reasons(t)).toEqual([null, null, "BELOW_THRESHOLD", "COMPLEMENTARY"]);
    expect(t.cells.map((c) => c.suppressed)).toEqual([false, false, true, true]);
    expect(t.total).toBe(80);
    expect(t.totalSuppressed).toBe(false);
    expect(t.threshold).toBe(10);

    // total - visible = 15, which is neither hidden cell (3 or 12).
    const visible = t.cells.reduce((s, c) => s + (c.count ?? 0), 0);
    const residue = 80 - visible;
    expect(residue).toBe(15);
    const hiddenInputs = input.filter((_, i) => t.cells[i].suppressed).map((c) => c.count);
    expect(hiddenInputs).toEqual([3, 12]);
    for (const h of hiddenInputs) expect(residue).not.toBe(h);
  });

  it("needs no extra suppression when two small cells are hidden and together reach k", () => {
    // F 30, M 28, X 4, U 7; total 69; k 10.
    // Primary: X (4) and U (7). Two hidden, together 11 >= 10: total - visible = 11 gives neither.
    const t = suppressTable(cells(30, 28, 4, 7), 69, 10);
    expect(counts(t)).toEqual([30, 28, null, null]);
    expect(reasons(t)).toEqual([null, null, "BELOW_THRESHOLD", "BELOW_THRESHOLD"]);
    expect(t.total).toBe(69);
  });

  it("hides one more cell when the hidden cells together are still a small group", () => {
    // F 50, M 20, X 1, U 1; total 72; k 10.
    // Primary: X and U. Shown total - visible = 72 - 70 = 2: a group of 2, and since a hidden
    // cell is >= 1 each would be known to be exactly 1. Hide the smallest visible non-zero: M (20).
    // Hidden sum 22 >= 10: stable.
    const t = suppressTable(cells(50, 20, 1, 1), 72, 10);
    expect(counts(t)).toEqual([50, null, null, null]);
    expect(reasons(t)).toEqual([null, "COMPLEMENTARY", "BELOW_THRESHOLD", "BELOW_THRESHOLD"]);
    expect(t.total).toBe(72);
  });

  it("hides the total when a small cell's only sibling is 0", () => {
    // A 3, B 0; total 3; k 10. The total is 3 < 10: hidden; A hidden by the primary rule; B (0) shown.
    // No other non-zero cell could protect A, and the hidden total protects it.
    const t = suppressTable(cells(3, 0), 3, 10);
    expect(counts(t)).toEqual([null, 0]);
    expect(reasons(t)).toEqual(["BELOW_THRESHOLD", null]);
    expect(t.total).toBeNull();
    expect(t.totalSuppressed).toBe(true);
  });

  it("hides a total below k together with its non-zero cells, and nothing more", () => {
    // 4, 3, 0; total 7; k 10. Total hidden (0 < 7 < 10); 4 and 3 hidden (primary); 0 shown.
    const t = suppressTable(cells(4, 3, 0), 7, 10);
    expect(counts(t)).toEqual([null, null, 0]);
    expect(reasons(t)).toEqual(["BELOW_THRESHOLD", "BELOW_THRESHOLD", null]);
    expect(t.total).toBeNull();
    expect(t.totalSuppressed).toBe(true);
  });

  it("shows a total of 0 and its zero cells", () => {
    const t = suppressTable(cells(0, 0, 0), 0, 10);
    expect(counts(t)).toEqual([0, 0, 0]);
    expect(t.total).toBe(0);
    expect(t.totalSuppressed).toBe(false);
  });

  it("shows cells of exactly k", () => {
    // 10, 10, 0; total 20; k 10: nothing below k, nothing hidden.
    const t = suppressTable(cells(10, 10, 0), 20, 10);
    expect(counts(t)).toEqual([10, 10, 0]);
    expect(t.total).toBe(20);
  });

  it("applies only the primary rule to a table without a total", () => {
    // 40, 3, 12; no total; k 10: only 3 hidden, nothing complementary.
    const t = suppressTable(cells(40, 3, 12), null, 10);
    expect(counts(t)).toEqual([40, null, 12]);
    expect(reasons(t)).toEqual([null, "BELOW_THRESHOLD", null]);
    expect(t.total).toBeNull();
    expect(t.totalSuppressed).toBe(false);
  });

  it("breaks ties by input order, skipping zero cells", () => {
    // F 30, Z 0, M 15, X 2, U 15; total 62; k 10.
    // X hidden; the smallest visible non-zero is 15 for M and U: M (first). Z (0) is never picked.
    const t = suppressTable(
      [
        { key: "F", count: 30 },
        { key: "Z", count: 0 },
        { key: "M", count: 15 },
        { key: "X", count: 2 },
        { key: "U", count: 15 },
      ],
      62,
      10,
    );
    expect(counts(t)).toEqual([30, 0, null, null, 15]);
    expect(reasons(t)).toEqual([null, null, "COMPLEMENTARY", "BELOW_THRESHOLD", null]);
  });

  it("treats a cell for an unknown dimension value as an ordinary cell", () => {
    // Gender F 20, M 18, not recorded (null) 4; total 42; k 10.
    // null-key cell (4) hidden; smallest other non-zero: M (18) complementary. Hidden 22 >= 10.
    const t = suppressTable<string | null>(
      [
        { key: "F", count: 20 },
        { key: "M", count: 18 },
        { key: null, count: 4 },
      ],
      42,
      10,
    );
    expect(t.cells.map((c) => c.key)).toEqual(["F", "M", null]);
    expect(counts(t)).toEqual([20, null, null]);
    expect(reasons(t)).toEqual([null, "COMPLEMENTARY", "BELOW_THRESHOLD"]);
  });

  it("uses the effective threshold (a k below 5 is taken as 5)", () => {
    // k = 2 is taken as 5: 4 hidden, 6 complementary (the only other non-zero), total 10 shown.
    const t = suppressTable(cells(4, 6), 10, 2);
    expect(t.threshold).toBe(5);
    expect(counts(t)).toEqual([null, null]);
    expect(t.total).toBe(10);
  });

  it("handles an empty table", () => {
    expect(suppressTable([], null, 10).cells).toEqual([]);
    const t = suppressTable([], 0, 10);
    expect(t.total).toBe(0);
  });

  it("throws on negative or non-integer counts and on cells not adding up to the total", () => {
    expect(() => suppressTable(cells(5, -1), null, 10)).toThrow(Error);
    expect(() => suppressTable(cells(5, 1.5), null, 10)).toThrow(Error);
    expect(() => suppressTable(cells(5, 6), 11.5, 10)).toThrow(Error);
    expect(() => suppressTable(cells(5, 6), -1, 10)).toThrow(Error);
    expect(() => suppressTable(cells(5, 6), 12, 10)).toThrow(/add up/);
  });
});

describe("derived values", () => {
  it("hides a value over a group below k, even where its count is shown elsewhere", () => {
    // median over 3 people, k 10: hidden.
    expect(suppressDerived(4.5, 3, 10)).toBeNull();
    // over 0 people: hidden too (0 < k), though a count of 0 is shown.
    expect(suppressDerived(0, 0, 10)).toBeNull();
    // over exactly k and more: shown.
    expect(suppressDerived(4.5, 10, 10)).toBe(4.5);
    expect(suppressDerived({ nps: 32 }, 40, 10)).toEqual({ nps: 32 });
    // null stays null.
    expect(suppressDerived<number>(null, 40, 10)).toBeNull();
    // k 3 is taken as 5.
    expect(suppressDerived(7, 4, 3)).toBeNull();
    expect(suppressDerived(7, 5, 3)).toBe(7);
    expect(() => suppressDerived(7, -2, 10)).toThrow(Error);
    expect(() => suppressDerived(7, 2.2, 10)).toThrow(Error);
  });

  it("hides a value over a table cell that is hidden, whatever the reason", () => {
    // From the first table: F 40, M 25, X 3 (primary), U 12 (complementary, though 12 >= 10).
    const t = suppressTable(cells(40, 25, 3, 12), 80, 10);
    expect(suppressDerivedForCell(71, t.cells[0], 10)).toBe(71);
    expect(suppressDerivedForCell(60, t.cells[2], 10)).toBeNull();
    expect(suppressDerivedForCell(55, t.cells[3], 10)).toBeNull();
    // A visible cell of 0: nothing to average over, hidden.
    const z = suppressTable(cells(20, 0), 20, 10);
    expect(suppressDerivedForCell(1, z.cells[1], 10)).toBeNull();
  });

  it("hides a rate that would give back a small numerator or remainder", () => {
    expect(suppressRate(20, 50, 10)).toBeCloseTo(0.4); // 20 and 30 both >= 10
    expect(suppressRate(0, 50, 10)).toBe(0); // 0 converted, 50 not: nobody revealed
    expect(suppressRate(50, 50, 10)).toBe(1);
    expect(suppressRate(3, 50, 10)).toBeNull(); // 3 converted: a small group
    expect(suppressRate(48, 50, 10)).toBeNull(); // 2 dropped out: a small group
    expect(suppressRate(4, 8, 10)).toBeNull(); // denominator below k
    expect(suppressRate(0, 0, 10)).toBeNull(); // nothing to divide by
    expect(() => suppressRate(6, 5, 10)).toThrow(Error);
  });
});

describe("suppressTable, property-style over random tables", () => {

  it("never leaves a small cell visible nor a single hidden cell recoverable from a shown total", () => {
    const rand = mulberry32(20240607);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    let withComplementary = 0;
    let withHiddenTotal = 0;

    for (let run = 0; run < 5000; run++) {
      const rawK = rand() < 0.2 ? null : int(0, 15);
      const k = effectiveThreshold(rawK);
      const n = int(1, 7);
      const input: Cell<number>[] = [];
      for (let i = 0; i < n; i++) {
        const r = rand();
        // A mix of zeros, small counts, counts around k and large counts.
        const count = r < 0.2 ? 0 : r < 0.55 ? int(1, k - 1) : r < 0.7 ? int(k - 1, k + 1) : int(k, 200);
        input.push({ key: i, count });
      }
      const sum = input.reduce((s, c) => s + c.count, 0);
      const withTotal = rand() < 0.75;
      const t = suppressTable(input, withTotal ? sum : null, rawK ?? 10); // null k: the default, 10
      const context = JSON.stringify({ run, k, input: input.map((c) => c.count), withTotal });

      expect({ context, threshold: t.threshold }).toEqual({ context, threshold: k });
      expect(t.cells.map((c) => c.key)).toEqual(input.map((c) => c.key));

      const hidden: number[] = [];
      let visibleSum = 0;
      t.cells.forEach((c, i) => {
        const original = input[i].count;
        if (c.suppressed) {
          // Hidden cells carry no count, a reason, and are never 0.
          if (c.count !== null || c.reason === null || original === 0) throw new Error(`bad hidden cell: ${context}`);
          hidden.push(original);
        } else {
          // Visible cells show their own count, and never one in 1..k-1.
          if (c.count !== original || c.reason !== null) throw new Error(`bad visible cell: ${context}`);
          if (original > 0 && original < k) throw new Error(`small cell visible: ${context}`);
          visibleSum += original;
        }
        // Primary cells are exactly the small ones.
        if ((c.reason === "BELOW_THRESHOLD") !== (original > 0 && original < k)) {
          throw new Error(`primary rule not applied exactly: ${context}`);
        }
      });

      if (!withTotal) {
        // Only the primary rule.
        if (t.total !== null || t.totalSuppressed) throw new Error(`total invented: ${context}`);
        if (t.cells.some((c) => c.reason === "COMPLEMENTARY")) throw new Error(`complementary without total: ${context}`);
        continue;
      }

      // The total is hidden exactly when it is itself small.
      if (t.totalSuppressed !== (sum > 0 && sum < k)) throw new Error(`total rule: ${context}`);
      if (t.total !== (t.totalSuppressed ? null : sum)) throw new Error(`total value: ${context}`);
      if (t.totalSuppressed) withHiddenTotal++;
      if (t.cells.some((c) => c.reason === "COMPLEMENTARY")) withComplementary++;

      // Either the total is hidden, or at least two cells are hidden, or none is.
      if (!(t.totalSuppressed || hidden.length >= 2 || hidden.length === 0)) {
        throw new Error(`single hidden cell next to a shown total: ${context}`);
      }
      if (!t.totalSuppressed && hidden.length > 0) {
        const residue = sum - visibleSum;
        // total - visible equals no single hidden cell, and is not itself a small group.
        if (hidden.includes(residue)) throw new Error(`hidden cell recoverable: ${context}`);
        if (residue < k) throw new Error(`hidden cells together a small group: ${context}`);
      }
    }

    // The generator did exercise both branches.
    expect(withComplementary).toBeGreaterThan(100);
    expect(withHiddenTotal).toBeGreaterThan(20);
  });
});
