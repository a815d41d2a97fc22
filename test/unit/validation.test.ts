import { isCalendarDate } from "../../src/common/validation";

describe("isCalendarDate (every date-only input)", () => {
  it("accepts dates that exist, leap days only in leap years", () => {
    for (const d of ["2026-01-01", "2026-12-31", "2026-04-30", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"]) expect(isCalendarDate(d)).toBe(true);
  });
  it("rejects what matches YYYY-MM-DD but is no date, and anything else", () => {
    for (const d of ["2027-02-30", "2026-13-01", "2026-00-10", "2026-04-31", "2026-01-00", "2027-02-29", "1900-02-29", "2100-02-29", "0000-01-01"]) expect(isCalendarDate(d)).toBe(false);
    for (const d of ["2026-1-01", "2026-01-01T00:00:00Z", " 2026-01-01", "20260101", "", null, undefined, 20260101]) expect(isCalendarDate(d)).toBe(false);
  });
});
