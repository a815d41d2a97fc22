import { Cell, suppressTable, SuppressedTable } from "../../src/common/suppression";
import { qoeSuppression } from "../../src/modules/qoe/qoe.service";

/**
 * suppressTable's options for linked tables (cells hidden already) and overlapping cells (one
 * person in several cells), and how quality of experience uses them; expected results worked out
 * in the comments. k = 10 throughout.
 */

const counts = <K>(t: SuppressedTable<K>) => t.cells.map((c) => c.count);
const cells = (...ns: number[]): Cell<string>[] => ns.map((count, i) => ({ key: `c${i}`, count }));

describe("suppressTable with cells hidden already (linked tables)", () => {
  it("counts a cell hidden elsewhere as hidden: alone, it gets a complement", () => {
    // 15 is hidden in another table. Alone it would be 57 - 30 - 12 = 15: hide the smallest, 12.
    const t = suppressTable([...cells(30), { key: "h", count: 15, hidden: true }, ...cells(12)], 57, 10);
    expect(counts(t)).toEqual([30, null, null]);
    expect(t.cells.map((c) => c.reason)).toEqual([null, "COMPLEMENTARY", "COMPLEMENTARY"]);
    expect(t.total).toBe(57);
  });

  it("does not count a hidden cell of 0: it hides no one here", () => {
    const t = suppressTable([...cells(30), { key: "h", count: 0, hidden: true }, ...cells(12)], 42, 10);
    expect(counts(t)).toEqual([30, null, 12]);
  });

  it("keeps the total shown when every cell is hidden and the total is at least k", () => {
    const t = suppressTable([{ key: "a", count: 12, hidden: true }, ...cells(3)], 15, 10);
    expect(counts(t)).toEqual([null, null]);
    expect(t.total).toBe(15);
  });

  it("hides the total when its only non-zero cell is hidden: the total would be that cell", () => {
    const t = suppressTable([{ key: "a", count: 12, hidden: true }, ...cells(0)], 12, 10);
    expect(t.total).toBeNull();
    expect(t.totalSuppressed).toBe(true);
  });

  it("with no total, only hides what is small or hidden already", () => {
    const t = suppressTable([{ key: "a", count: 12, hidden: true }, ...cells(3, 40)], null, 10);
    expect(counts(t)).toEqual([null, null, 40]);
  });
});

describe("suppressTable with overlapping cells", () => {
  it("works on the people a subtraction can give back, not on the sum of the hidden cells", () => {
    // 20 people at one touchpoint; the same 6 others at two more: cells 20, 6, 6; total 26.
    // The two 6s are hidden; they add up to 12, but total - 20 = 6 people: hide the 20 too.
    const t = suppressTable(cells(20, 6, 6), 26, 10, { overlapping: true });
    expect(counts(t)).toEqual([null, null, null]);
    expect(t.total).toBe(26);
    // Read as disjoint cells (they are not), 6 + 6 = 12 would have been enough.
    expect(counts(suppressTable(cells(20, 6, 6), 32, 10))).toEqual([20, null, null]);
  });

  it("stops once a hidden cell has k people: the hidden ones cover at least that many", () => {
    // 4 hidden; complement 12; at least max(12, 40 - 30) = 12 people behind the hidden cells.
    const t = suppressTable(cells(30, 4, 12), 40, 10, { overlapping: true });
    expect(counts(t)).toEqual([30, null, null]);
  });

  it("gives the same answer as without the option when the cells are in fact disjoint", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let n = 0; n < 500; n++) {
      const cs = cells(...Array.from({ length: 1 + Math.floor(rand() * 6) }, () => Math.floor(rand() * 25)));
      const total = cs.reduce((s, c) => s + c.count, 0);
      expect(suppressTable(cs, total, 10, { overlapping: true })).toEqual(suppressTable(cs, total, 10));
    }
  });

  it("refuses cells that cannot overlap into the total", () => {
    expect(() => suppressTable(cells(20, 30), 26, 10, { overlapping: true })).toThrow(/exceeds the total/);
    expect(() => suppressTable(cells(5, 6), 26, 10, { overlapping: true })).toThrow(/less than the total/);
  });
});

describe("qoeSuppression", () => {
  const people = (entries: Record<string, number>) => new Map(Object.entries(entries));
  const none = new Map();

  it("treats the responses in no group (the residual) as a cell: a small residual needs a complement", () => {
    // Touchpoint A: 15 people; 3 more answered with no touchpoint; overall 18. The residual is never
    // shown, but 18 - 15 would be those 3: A is hidden as well.
    const h = qoeSuppression(10, ["A", "null"], people({ A: 15, null: 3, all: 18 }), none, none);
    expect(h.groups.has("A")).toBe(true);
    expect(h.groups.has("all")).toBe(false);
  });

  it("hides nothing for a residual of at least k, and may use it as the complement", () => {
    expect(qoeSuppression(10, ["A", "null"], people({ A: 15, null: 12, all: 27 }), none, none).groups.has("A")).toBe(false);
    // B (3) hidden; the smallest other cell is the residual (12), hidden anyway: A stays shown.
    const h = qoeSuppression(10, ["A", "B", "null"], people({ A: 15, B: 3, null: 12, all: 30 }), none, none);
    expect([...h.groups].sort()).toEqual(["B", "null"]);
  });

  it("hides the overall, and every group with anyone in it, when fewer than k people gave feedback", () => {
    const h = qoeSuppression(10, ["A", "B"], people({ A: 5, B: 3, all: 8 }), none, none);
    expect([...h.groups].sort()).toEqual(["A", "B", "all"]);
  });

  it("with no groups, hides the overall only when it is small", () => {
    expect(qoeSuppression(10, [], people({ all: 8 }), none, none).groups.has("all")).toBe(true);
    expect(qoeSuppression(10, [], people({ all: 10 }), none, none).groups.size).toBe(0);
    expect(qoeSuppression(10, [], people({ all: 0 }), none, none).groups.size).toBe(0);
  });

  it("hides a group's user part when its customers answered elsewhere are fewer than k", () => {
    // Group A: 15 customers with NPS, 12 of them at an IN_USE stage, 3 elsewhere. B: 20 and 20, none elsewhere.
    const fb = new Map([
      ["A|CUSTOMER", { NPS: 15, RATING: 0, EFFORT: 0 }],
      ["A|USER", { NPS: 12, RATING: 0, EFFORT: 0 }],
      ["B|CUSTOMER", { NPS: 20, RATING: 0, EFFORT: 0 }],
      ["B|USER", { NPS: 20, RATING: 0, EFFORT: 0 }],
      ["all|CUSTOMER", { NPS: 35, RATING: 0, EFFORT: 0 }],
      ["all|USER", { NPS: 32, RATING: 0, EFFORT: 0 }],
    ]);
    const elsewhere = new Map([
      ["A|CUSTOMER", { NPS: 3, RATING: 0, EFFORT: 0 }],
      ["all|CUSTOMER", { NPS: 3, RATING: 0, EFFORT: 0 }],
    ]);
    const h = qoeSuppression(10, ["A", "B"], people({ A: 15, B: 20, all: 35 }), fb, none, elsewhere);
    expect(h.groups.size).toBe(0);
    // A's user part (and the overall's: 35 - 32 = 3) hidden; then B's user part alone would be the
    // overall's... which is hidden, so B's stays.
    expect([...h.feedback.entries()].map(([g, ps]) => [g, [...ps]]).sort()).toEqual([
      ["A|USER", ["NPS"]],
      ["all|USER", ["NPS"]],
    ]);
  });

  it("hides a loop-closure rate over enough actions but too few people", () => {
    const loops = new Map([
      ["all|CUSTOMER", { onTime: 12, due: 12, people: 3 }],
      ["A|CUSTOMER", { onTime: 12, due: 12, people: 3 }],
    ]);
    const h = qoeSuppression(10, ["A"], people({ A: 0, all: 0 }), none, loops);
    expect([...h.loops].sort()).toEqual(["A|CUSTOMER", "all|CUSTOMER"]);
  });
});
