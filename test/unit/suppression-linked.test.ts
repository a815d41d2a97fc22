import { Cell, suppressTable, SuppressedTable } from "../../src/common/suppression";
import { emptyPartPeople, PartPeople, QoeCellCounts, QoeCellHidden, qoeSuppression } from "../../src/modules/qoe/qoe.service";

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
  type Part = Partial<Omit<PartPeople, "inUse" | "elsewhere">> & { inUse?: Partial<PartPeople["inUse"]>; elsewhere?: Partial<PartPeople["elsewhere"]> };
  /** A cell: people who gave feedback, the NPS part's people, loops per kind. */
  const cell = (people: number, nps: Part = {}, loops: QoeCellCounts["loops"] = {}): QoeCellCounts => {
    const e = emptyPartPeople();
    return { people, feedback: { NPS: { ...e, ...nps, inUse: { ...e.inUse, ...nps.inUse }, elsewhere: { ...e.elsewhere, ...nps.elsewhere } } }, loops };
  };
  const hiddenNps = (h: QoeCellHidden) => (["CUSTOMER", "USER", "BENEFICIARY"] as const).filter((p) => h.feedback[p].has("NPS"));
  const loops = (onTime: number, late: number, notClosed: number, people: number) => ({ onTime, late, notClosed, people });

  it("treats the responses in no group (the residual) as a cell: a small residual needs a complement", () => {
    // Touchpoint A: 15 people; 3 more answered with no touchpoint; overall 18. The residual is never
    // shown, but 18 - 15 would be those 3: A is hidden as well.
    const h = qoeSuppression(10, [cell(15), cell(3)], cell(18));
    expect(h.cells[0].whole).toBe(true);
    expect(h.overall.whole).toBe(false);
  });

  it("hides nothing for a residual of at least k, and may use it as the complement", () => {
    expect(qoeSuppression(10, [cell(15), cell(12)], cell(27)).cells[0].whole).toBe(false);
    // B (3) hidden; the smallest other cell is the residual (12), hidden anyway: A stays shown.
    const h = qoeSuppression(10, [cell(15), cell(3), cell(12)], cell(30));
    expect(h.cells.map((c) => c.whole)).toEqual([false, true, true]);
  });

  it("hides the overall, and every group with anyone in it, when fewer than k people gave feedback", () => {
    const h = qoeSuppression(10, [cell(5), cell(3)], cell(8));
    expect([...h.cells, h.overall].map((c) => c.whole)).toEqual([true, true, true]);
  });

  it("with no groups, hides the overall only when it is small", () => {
    expect(qoeSuppression(10, [], cell(8)).overall.whole).toBe(true);
    expect(qoeSuppression(10, [], cell(10)).overall.whole).toBe(false);
    expect(qoeSuppression(10, [], cell(0)).overall.whole).toBe(false);
  });

  it("hides a group's user part when its customers answered elsewhere are fewer than k", () => {
    // Group A: 15 customers with NPS, 12 of them at an IN_USE stage, 3 elsewhere. B: 20 and 20, none elsewhere.
    const h = qoeSuppression(
      10,
      [cell(15, { CUSTOMER: 15, USER: 12, inUse: { CUSTOMER: 12 }, elsewhere: { CUSTOMER: 3 } }), cell(20, { CUSTOMER: 20, USER: 20, inUse: { CUSTOMER: 20 } })],
      cell(35, { CUSTOMER: 35, USER: 32, inUse: { CUSTOMER: 32 }, elsewhere: { CUSTOMER: 3 } }),
    );
    expect(h.cells.map((c) => c.whole)).toEqual([false, false]);
    // A's user part (and the overall's: 35 - 32 = 3) hidden; then B's user part alone would be the
    // overall's... which is hidden, so B's stays.
    expect([...h.cells, h.overall].map(hiddenNps)).toEqual([["USER"], [], ["USER"]]);
  });

  it("hides the user part where it is the same answers as a customer part hidden as a complement, and its own complements", () => {
    // The reviewer's case, by stage: Purchase 3 customers, Use (IN_USE) 12, Support 30; 45 overall, 12 of them users.
    // Customer table: Purchase (3) hidden; alone it would be 45 - 12 - 30, so Use (12) is hidden too.
    // Use's user part is the same 12 answers: hidden (a). The user table: Use hidden, its only cell,
    // so the overall user part (12, the same answers again) is hidden too.
    const h = qoeSuppression(
      10,
      [
        cell(13, { CUSTOMER: 3, elsewhere: { CUSTOMER: 3 } }),
        cell(12, { CUSTOMER: 12, USER: 12, inUse: { CUSTOMER: 12 } }),
        cell(30, { CUSTOMER: 30, elsewhere: { CUSTOMER: 30 } }),
      ],
      cell(55, { CUSTOMER: 45, USER: 12, inUse: { CUSTOMER: 12 }, elsewhere: { CUSTOMER: 33 } }),
    );
    expect([...h.cells, h.overall].map(hiddenNps)).toEqual([["CUSTOMER"], ["CUSTOMER", "USER"], [], ["USER"]]);
  });

  it("hides the customer part where it is the same answers as a user part hidden as a complement", () => {
    // Customers: A 24 (4 of them at an IN_USE stage, 20 elsewhere), B 15 and C 40 (all at IN_USE).
    // Users: A 4, B 15, C 40; 59 overall. The user table hides A (4) and, as its complement, B (15).
    // B's customer part is the same 15 answers (b): hidden, and then the customer table needs a
    // complement for it, the smallest other: A (24). C and the overall stay: what can be worked out
    // is 79 - 40 = 39 customers, 59 - 40 = 19 users, and 39 - 19 = 20 answers given elsewhere.
    const h = qoeSuppression(
      10,
      [
        cell(24, { CUSTOMER: 24, USER: 4, inUse: { CUSTOMER: 4 }, elsewhere: { CUSTOMER: 20 } }),
        cell(15, { CUSTOMER: 15, USER: 15, inUse: { CUSTOMER: 15 } }),
        cell(40, { CUSTOMER: 40, USER: 40, inUse: { CUSTOMER: 40 } }),
      ],
      cell(79, { CUSTOMER: 79, USER: 59, inUse: { CUSTOMER: 59 }, elsewhere: { CUSTOMER: 20 } }),
    );
    expect([...h.cells, h.overall].map(hiddenNps)).toEqual([["CUSTOMER", "USER"], ["CUSTOMER", "USER"], [], []]);
  });

  it("hides the overall user part where users minus customers would be a few beneficiaries' answers", () => {
    // Customers 55, all at IN_USE; beneficiaries 24, 4 of them at IN_USE: users 59. 59 - 55 = 4.
    const h = qoeSuppression(10, [], cell(79, { CUSTOMER: 55, BENEFICIARY: 24, USER: 59, inUse: { CUSTOMER: 55, BENEFICIARY: 4 }, elsewhere: { BENEFICIARY: 20 } }));
    expect(hiddenNps(h.overall)).toEqual(["USER"]);
  });

  it("starts again when a total ends up hidden, so that no cell stays hidden as its complement", () => {
    // Loops by month: January 3 actions (hidden), February 12 of 12, March 10 of 20; customers'
    // quarter 35. The beneficiaries' quarter (12 actions, 3 people) is hidden, so the customers'
    // quarter is too (their sum is the organization's); then February and March need no complement.
    const h = qoeSuppression(
      10,
      [cell(0, {}, { CUSTOMER: loops(2, 1, 0, 3) }), cell(0, {}, { CUSTOMER: loops(12, 0, 0, 12), BENEFICIARY: loops(12, 0, 0, 3) }), cell(0, {}, { CUSTOMER: loops(10, 10, 0, 20) })],
      cell(0, {}, { CUSTOMER: loops(24, 11, 0, 35), BENEFICIARY: loops(12, 0, 0, 3) }),
    );
    expect([...h.cells, h.overall].map((c) => [...c.loops].sort())).toEqual([["CUSTOMER"], ["BENEFICIARY"], [], ["BENEFICIARY", "CUSTOMER"]]);
  });

  it("hides a loop-closure rate over enough actions but too few people", () => {
    const h = qoeSuppression(10, [cell(0, {}, { CUSTOMER: loops(12, 0, 0, 3) })], cell(0, {}, { CUSTOMER: loops(12, 0, 0, 3) }));
    expect([...h.cells[0].loops]).toEqual(["CUSTOMER"]);
    expect([...h.overall.loops]).toEqual(["CUSTOMER"]);
  });

  it("shows loop closure over actions about no one (0 people), by their counts alone", () => {
    const h = qoeSuppression(10, [], cell(0, {}, { CUSTOMER: loops(12, 10, 0, 0) }));
    expect(h.overall.loops.size).toBe(0);
  });

  it("hides one kind's overall loop closure when the other's is hidden: together they are the organization's loops", () => {
    // Customers 35 actions (24 on time) for 35 people; beneficiaries 12 for 3 people: hidden. The
    // organization's 47 (impactReport.loops) minus the customers' 35 would give them back.
    const h = qoeSuppression(10, [], cell(0, {}, { CUSTOMER: loops(24, 11, 0, 35), BENEFICIARY: loops(12, 0, 0, 3) }));
    expect([...h.overall.loops].sort()).toEqual(["BENEFICIARY", "CUSTOMER"]);
    // With the beneficiaries' shown (12 people), both are shown.
    expect(qoeSuppression(10, [], cell(0, {}, { CUSTOMER: loops(24, 11, 0, 35), BENEFICIARY: loops(12, 0, 0, 12) })).overall.loops.size).toBe(0);
  });
});
