import { suppressActions } from "../../src/modules/action/action.service";
import { rank, suppressTwoWay } from "../../src/common/suppression";

/** actionSummary as a funder sees one owner (k = 10), worked out by hand. */
/** One owner as a funder sees it when it is the organization's only owner (its row is then the organization's). */
const suppressOwnerActions = (c: Parameters<typeof suppressActions>[0][number], k: number) => suppressActions([c], k).owners[0];

describe("suppressOwnerActions", () => {
  it("shows everything when no count is 1..9", () => {
    // open 30 = overdue 10 + 20; due 40 = 20 on time + 10 late + 10 not closed -> 50 %.
    expect(suppressOwnerActions({ open: 30, overdue: 10, onTime: 20, late: 10, notClosed: 10 }, 10)).toEqual({
      open: 30,
      overdue: 10,
      closedOnTime: 20,
      closedLate: 10,
      notClosed: 10,
      onTimeRate: 50,
      suppressed: [],
    });
  });
  it("hides a small cell and its complement; the rate stays when its parts are all 0 or >= k", () => {
    // open 13 = 10 + 3: the 3 hidden, so is the 10. 13 + 3 + 10: late 3 hidden, notClosed 10 with it; 13 / 26.
    expect(suppressOwnerActions({ open: 13, overdue: 10, onTime: 13, late: 3, notClosed: 10 }, 10)).toEqual({
      open: 13,
      overdue: null,
      closedOnTime: 13,
      closedLate: null,
      notClosed: null,
      onTimeRate: 50,
      suppressed: ["overdue", "closedLate", "notClosed"],
    });
  });
  it("hides the rate when on time is small, or when the rest is", () => {
    // 30 + 5 + 0: late 5 hidden; the one other non-zero cell, on time 30, is hidden with it (0 is never
    // a complement; the hidden cells add up to 35); the rate goes with on time.
    expect(suppressOwnerActions({ open: 0, overdue: 0, onTime: 30, late: 5, notClosed: 0 }, 10)).toMatchObject({
      closedOnTime: null,
      closedLate: null,
      notClosed: 0,
      onTimeRate: null,
      suppressed: ["closedOnTime", "closedLate", "onTimeRate"],
    });
    // 4 + 20 + 20 = 44: on time 4 hidden, then late 20 with it (24 hidden); the rate would give 4 back.
    expect(suppressOwnerActions({ open: 20, overdue: 20, onTime: 4, late: 20, notClosed: 20 }, 10)).toMatchObject({
      open: 20,
      overdue: 20,
      closedOnTime: null,
      closedLate: null,
      notClosed: 20,
      onTimeRate: null,
    });
  });
  it("shows zeros, and no rate when nothing was due", () => {
    expect(suppressOwnerActions({ open: 0, overdue: 0, onTime: 0, late: 0, notClosed: 0 }, 10)).toEqual({
      open: 0,
      overdue: 0,
      closedOnTime: 0,
      closedLate: 0,
      notClosed: 0,
      onTimeRate: null,
      suppressed: [],
    });
  });
});

/**
 * Several owners: the owners' counts and the organization's (impactReport.loops) are shown
 * together, so the owners are the rows of a table whose column totals are the organization's.
 * k = 10 throughout.
 */
describe("suppressActions across owners", () => {
  const owner = (onTime: number, late: number, notClosed: number, open = 0, overdue = 0) => ({ open, overdue, onTime, late, notClosed });
  const loopsOf = (o: { closedOnTime: number | null; closedLate: number | null; notClosed: number | null }) => [o.closedOnTime, o.closedLate, o.notClosed];

  it("hides an owner's count that the organization's total would give back", () => {
    //            on time  late  not closed | due
    //   A             20    10          10 |  40
    //   B              3     0           0 |   3
    //   total         23    10          10 |  43
    // B's 3 (and its due 3) below 10. On time: 23 - 20 = 3 -> A's 20 hidden too. Due: 43 - 40 = 3
    // -> A's due 40 hidden too, so A's rate. The organization's row: nothing hidden, 23 / 43 = 53.49.
    const s = suppressActions([owner(20, 10, 10, 10, 10), owner(3, 0, 0)], 10);
    expect(s.owners.map(loopsOf)).toEqual([
      [null, 10, 10],
      [null, 0, 0],
    ]);
    expect(s.owners.map((o) => [o.open, o.overdue, o.onTimeRate, o.suppressed])).toEqual([
      [10, 10, null, ["closedOnTime", "onTimeRate"]],
      [0, 0, null, ["closedOnTime", "onTimeRate"]],
    ]);
    expect(s.organization).toEqual({ due: 43, closedOnTime: 23, closedLate: 10, notClosed: 10, onTimeRate: 53.49, suppressed: [], reasons: {} });
  });

  it("hides a cell that lies on no cycle of hidden cells, though every row and column looks safe", () => {
    //            on time  late  not closed | due
    //   A              0     0          14 |  14
    //   B              0     2           0 |   2
    //   C              0     0          16 |  16
    //   total          0     2          30 |  32
    // Below 10: B's late 2, B's due 2, the total late 2. Row by row and column by column: the total
    // row hides 30 with its 2; the due column hides A's 14 with B's 2 (hidden 16). Every line is then
    // fine, yet A's due is 0 + 0 + 14 from its row, and B's due = 32 - 14 - 16 = 2. A's due is a
    // bridge: it lies on no cycle of hidden cells. Hiding A's not closed 14 as well (the only
    // non-zero cell across that cut) closes the cycle A.notClosed - total.notClosed - total.late -
    // B.late - B.due - A.due: B's 2 is then known only to be 16 - A's not closed, anything in 0..16.
    const s = suppressActions([owner(0, 0, 14), owner(0, 2, 0), owner(0, 0, 16)], 10);
    expect(s.owners.map(loopsOf)).toEqual([
      [0, 0, null],
      [0, null, 0],
      [0, 0, 16],
    ]);
    // The organization: 0 of 32 on time, a rate of 0 (0 and 32 reveal no one).
    expect(s.organization).toMatchObject({ due: 32, closedOnTime: 0, closedLate: null, notClosed: null, onTimeRate: 0 });
    expect(s.organization.reasons).toEqual({ closedLate: "BELOW_THRESHOLD", notClosed: "COMPLEMENTARY" });
  });

  it("leaves no hidden cell that the shown ones determine, and no line whose hidden cells add up to 1..9", () => {
    // Random tables; each result checked by linear algebra: a hidden cell is worked out exactly iff
    // its unit vector lies in the span of the line equations restricted to the hidden cells.
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const count = () => {
      const r = rand();
      return r < 0.3 ? 0 : r < 0.6 ? 1 + Math.floor(rand() * 9) : 10 + Math.floor(rand() * 20);
    };
    for (let run = 0; run < 400; run++) {
      const n = 1 + Math.floor(rand() * 5);
      const m = 2 + Math.floor(rand() * 3);
      const rows = Array.from({ length: n }, () => Array.from({ length: m }, count));
      const { counts, reasons } = suppressTwoWay(rows, m, 10);
      const hidden: [number, number][] = [];
      counts.forEach((r, i) => r.forEach((x, j) => {
        expect(x === 0 ? reasons[i][j] : "ok").not.toBe("COMPLEMENTARY"); // 0 is never hidden
        if (x > 0 && x < 10) expect(reasons[i][j]).toBe("BELOW_THRESHOLD");
        if (reasons[i][j] !== null && x > 0) hidden.push([i, j]);
      }));
      // Lines: rows (cells, then the total at column m) and columns (cells, then the total at row n).
      const lines: [number, number][][] = [];
      for (let i = 0; i <= n; i++) lines.push([...Array.from({ length: m }, (_, j): [number, number] => [i, j]), [i, m]]);
      for (let j = 0; j <= m; j++) lines.push([...Array.from({ length: n }, (_, i): [number, number] => [i, j]), [n, j]]);
      for (const line of lines) {
        const [ti, tj] = line[line.length - 1];
        if (reasons[ti][tj] !== null) continue;
        const inLine = line.slice(0, -1).filter(([i, j]) => reasons[i][j] !== null && counts[i][j] > 0);
        const sum = inLine.reduce((s, [i, j]) => s + counts[i][j], 0);
        expect(inLine.length === 1 || (sum > 0 && sum < 10) ? { rows, line } : "ok").toBe("ok");
      }
      const index = new Map(hidden.map(([i, j], x) => [`${i},${j}`, x]));
      const equations = lines.map((line) => {
        const v = new Array(hidden.length).fill(0);
        line.forEach(([i, j], x) => {
          const at = index.get(`${i},${j}`);
          if (at !== undefined) v[at] += x === line.length - 1 ? -1 : 1;
        });
        return v;
      });
      const base = rank(equations, hidden.length);
      hidden.forEach(([i, j], x) => {
        const unit = new Array(hidden.length).fill(0);
        unit[x] = 1;
        expect(rank([...equations, unit], hidden.length) === base ? { rows, determined: [i, j] } : "ok").toBe("ok");
      });
    }
  });
});
