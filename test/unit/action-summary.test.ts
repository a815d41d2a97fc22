import { suppressOwnerActions } from "../../src/modules/action/action.service";

/** actionSummary as a funder sees one owner (k = 10), worked out by hand. */
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
