import "reflect-metadata";
import { BeneficiaryInfo, CheckContext, checkDeliveryItem, DeliveryLookups } from "../../src/modules/delivery/delivery.record";
import { deliveryStatus, divideHalfUp, FundedRow } from "../../src/modules/delivery/delivery.funded";
import { DeliveryItemInput } from "../../src/modules/delivery/delivery.inputs";
import { Programme } from "../../src/modules/programme/programme.entity";
import { BatchItemStatus, classifyKeyed } from "../../src/common/batch";
import { StakeholderKind } from "../../src/common/enums";
import { ERASED_MESSAGE } from "../../src/common/personal-data";
import { pTable } from "../../src/common/perturbation";

// The check step of recordDeliveries and the shaping of funded versus delivered, without a database.
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const SHOES = id(1); // delivered by P, active [2026-01-01, 2026-07-01)
const LAMPS = id(2); // delivered by nobody
const CHILD = id(21); // registered by P
const OTHER_CHILD = id(22); // registered by Q
const CUSTOMER = id(23);
const ERASED = id(24); // registered by P, erased
const P = id(41);
const Q = id(42);
const NOW = Date.parse("2026-08-01T00:00:00Z");

function lookups(): DeliveryLookups {
  const b = (sid: string, kind: StakeholderKind, partner: string | null, erased = false): BeneficiaryInfo => ({ id: sid, kind, currentStageId: null, registeredByPartnerId: partner, erased });
  return {
    programmes: new Map([
      [SHOES, { id: SHOES, activeFrom: Date.parse("2026-01-01T00:00:00Z"), activeTo: Date.parse("2026-07-01T00:00:00Z"), partners: new Set([P]) }],
      [LAMPS, { id: LAMPS, activeFrom: Date.parse("2026-01-01T00:00:00Z"), activeTo: null, partners: new Set<string>() }],
    ]),
    stakeholders: new Map([
      [CHILD, b(CHILD, StakeholderKind.BENEFICIARY, P)],
      [OTHER_CHILD, b(OTHER_CHILD, StakeholderKind.BENEFICIARY, Q)],
      [CUSTOMER, b(CUSTOMER, StakeholderKind.CUSTOMER, null)],
      [ERASED, b(ERASED, StakeholderKind.BENEFICIARY, P, true)],
    ]),
    beneficiariesByRef: new Map([["HS-1", b(CHILD, StakeholderKind.BENEFICIARY, P)]]),
    partners: new Set([P, Q]),
    taken: new Map(),
  };
}
const asPartner: CheckContext = { lookups: lookups(), partner: P, now: NOW };
const asStaff: CheckContext = { lookups: lookups(), partner: null, now: NOW };
const item = (extra: Partial<DeliveryItemInput> = {}): DeliveryItemInput => ({ clientKey: "k-1", programmeId: SHOES, deliveredAt: "2026-03-01T10:00:00Z", units: 2, beneficiaryId: CHILD, ...extra });
const reasons = (extra: Partial<DeliveryItemInput>, ctx = asPartner) => checkDeliveryItem(item(extra), 0, ctx).rejected?.errors.map((e) => [e.field, e.code ?? "BAD_USER_INPUT"]);

describe("checkDeliveryItem", () => {
  it("makes a ready delivery of a good item: a field partner's own partner, the date to the millisecond", () => {
    expect(checkDeliveryItem(item({ clientKey: "  k-1 ", evidenceNote: "  signed  " }), 3, asPartner).ready).toMatchObject({
      index: 3,
      clientKey: "k-1",
      programmeId: SHOES,
      deliveredAt: "2026-03-01T10:00:00.000Z",
      units: 2,
      beneficiaryId: CHILD,
      siteName: null,
      peopleReached: null,
      partnerId: P,
      evidenceNote: "signed",
    });
  });

  it("keeps the active period half-open: activeFrom is in, activeTo is out", () => {
    expect(reasons({ deliveredAt: "2026-01-01T00:00:00Z" })).toBeUndefined();
    expect(reasons({ deliveredAt: "2025-12-31T23:59:59Z" })).toEqual([["deliveredAt", "BAD_USER_INPUT"]]);
    expect(reasons({ deliveredAt: "2026-07-01T00:00:00Z" })).toEqual([["deliveredAt", "BAD_USER_INPUT"]]);
    expect(checkDeliveryItem(item({ deliveredAt: "2026-07-01T00:00:00Z" }), 0, asPartner).rejected!.errors[0].message).toBe(
      "deliveredAt is not before the programme ended (2026-07-01T00:00:00.000Z)",
    );
  });

  it("refuses what a field partner may not do, with FORBIDDEN or NOT_FOUND, and another partner's people as missing", () => {
    expect(reasons({ programmeId: LAMPS })).toEqual([["programmeId", "FORBIDDEN"]]);
    expect(reasons({ partnerId: Q })).toEqual([["partnerId", "FORBIDDEN"]]);
    expect(reasons({ partnerId: P.toUpperCase() })).toBeUndefined(); // its own, in any case
    expect(reasons({ beneficiaryId: OTHER_CHILD })).toEqual([["beneficiaryId", "NOT_FOUND"]]);
    expect(reasons({ beneficiaryId: undefined, newBeneficiary: { externalRef: "HS-1" } }, { ...asPartner, partner: Q })).toEqual([
      ["programmeId", "FORBIDDEN"],
      ["newBeneficiary.externalRef", "BAD_USER_INPUT"],
    ]);
    expect(reasons({ programmeId: id(99) })).toEqual([["programmeId", "NOT_FOUND"]]);
  });

  it("lets staff name a partner of the programme or none, and says why another is refused", () => {
    expect(checkDeliveryItem(item({ partnerId: P, beneficiaryId: OTHER_CHILD }), 0, asStaff).ready!.partnerId).toBe(P);
    expect(checkDeliveryItem(item(), 0, asStaff).ready!.partnerId).toBeNull();
    expect(reasons({ partnerId: Q }, asStaff)).toEqual([["partnerId", "BAD_USER_INPUT"]]);
    expect(reasons({ partnerId: id(77) }, asStaff)).toEqual([["partnerId", "NOT_FOUND"]]);
    expect(reasons({ partnerId: "nope" }, asStaff)).toEqual([["partnerId", "BAD_USER_INPUT"]]);
  });

  it("takes one recipient: a beneficiary (not a customer) or a site with the people reached", () => {
    expect(reasons({ beneficiaryId: CUSTOMER }, asStaff)).toEqual([["beneficiaryId", "BAD_USER_INPUT"]]);
    expect(reasons({ beneficiaryId: undefined })).toEqual([["beneficiaryId", "BAD_USER_INPUT"]]);
    expect(reasons({ site: { name: "School", peopleReached: 3 } })).toEqual([["beneficiaryId", "BAD_USER_INPUT"]]);
    const site = checkDeliveryItem(item({ beneficiaryId: undefined, site: { name: " Kisumu Primary ", peopleReached: 0 } }), 0, asPartner).ready!;
    expect(site).toMatchObject({ beneficiaryId: null, siteName: "Kisumu Primary", peopleReached: 0 });
    expect(reasons({ beneficiaryId: undefined, site: { name: "x".repeat(201), peopleReached: 1.5 } })).toEqual([
      ["site.name", "BAD_USER_INPUT"],
      ["site.peopleReached", "BAD_USER_INPUT"],
    ]);
  });

  it("counts a delivery to an erased person but takes no note about them", () => {
    expect(checkDeliveryItem(item({ beneficiaryId: ERASED }), 0, asPartner).ready).toBeDefined();
    expect(checkDeliveryItem(item({ beneficiaryId: ERASED, evidenceNote: "her aunt" }), 0, asPartner).rejected!.errors).toEqual([{ field: "evidenceNote", message: ERASED_MESSAGE }]);
  });

  it("hashes the content a retry is compared by: the partner a field partner defaults to and the trimmed note count, the key does not", () => {
    const hash = (extra: Partial<DeliveryItemInput>, ctx = asPartner) => checkDeliveryItem(item(extra), 0, ctx).ready!.hash;
    expect(hash({ clientKey: "other" })).toBe(hash({}));
    expect(hash({ partnerId: P })).toBe(hash({})); // the same delivery, the partner named or not
    expect(hash({ evidenceNote: " signed " })).toBe(hash({ evidenceNote: "signed" }));
    expect(hash({ units: 3 })).not.toBe(hash({}));
    expect(hash({ deliveredAt: "2026-03-01T13:00:00+03:00" })).toBe(hash({})); // the same instant
  });
});

describe("classifyKeyed", () => {
  it("answers a dry run VALID, DUPLICATE or CONFLICT against what is stored and earlier items; a real run stores the rest", () => {
    const ready = [
      { index: 0, clientKey: "a", hash: "h1" },
      { index: 1, clientKey: "a", hash: "h1" },
      { index: 2, clientKey: "a", hash: "h2" },
      { index: 3, clientKey: "s", hash: "h3" },
      { index: 4, clientKey: "s", hash: "h4" },
    ];
    const taken = new Map([["s", { id: id(500), content_hash: "h3" }]]);
    const dry = classifyKeyed(ready, taken, true, "clientKey");
    expect(dry.toStore).toEqual([]);
    expect(dry.results.map((r) => [r.index, r.status, r.id])).toEqual([
      [0, BatchItemStatus.VALID, null],
      [1, BatchItemStatus.DUPLICATE, null],
      [2, BatchItemStatus.CONFLICT, null],
      [3, BatchItemStatus.DUPLICATE, id(500)],
      [4, BatchItemStatus.CONFLICT, id(500)],
    ]);
    const real = classifyKeyed(ready, taken, false, "clientKey");
    // Items 0 to 2 share a key that is not stored: all go to the insert, which stores the first and answers the others.
    expect(real.toStore.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(real.results.map((r) => [r.index, r.status])).toEqual([
      [3, BatchItemStatus.DUPLICATE],
      [4, BatchItemStatus.CONFLICT],
    ]);
  });
});

describe("funded versus delivered: one programme's figures from its row", () => {
  const programme = Object.assign(new Programme(), { id: SHOES, name: "Shoes" });
  // Units in ten-thousandths, as the statement gives them: 6 funded, 9 delivered, 6 allocated.
  const row: FundedRow = {
    f_units: "60000",
    f_contribution: "30000",
    f_to_date: "60000",
    d_units: "90000",
    d_to_date: "90000",
    d_people: 2,
    d_at_sites: 4,
    d_people_keys: "100",
    d_site_keys: "156",
    d_to_date_keys: "37",
    y_units: "60000",
    y_median: 25,
    y_p90: 30.004999,
  };

  it("shows delivered beyond funded as its own figure, never a negative backlog; cost = contribution ÷ people reached", () => {
    expect(deliveryStatus(programme, row, "KES", false, 10, 2)).toMatchObject({
      unitsFunded: "6",
      unitsDelivered: 9,
      fundedToDate: "6",
      deliveredToDate: 9,
      backlog: "0",
      deliveredBeyondFunded: "3",
      daysToDelivery: { units: "6", median: 25, p90: 30 },
      beneficiariesReached: { people: 2, atSites: 4, total: 6, suppressed: false },
      // 300.00 KES ÷ 6 = 50.00.
      costPerBeneficiaryReached: { amountMinor: 5000, amount: "50.00" },
    });
    // Fractional units given (0.5 a pair): 7.5 funded against 4 delivered, a backlog of 3.5.
    expect(deliveryStatus(programme, { ...row, f_to_date: "75000", d_to_date: "40000" }, "KES", false, 10, 2)).toMatchObject({ backlog: "3.5", deliveredBeyondFunded: "0" });
  });

  it("hides for funders the people counts below the threshold with a complement, and what is derived from them", () => {
    // 2 people and 40 at sites, 42 in all, k = 10: the 2 are hidden, and the 40 too (42 − 40 = 2).
    const funder = deliveryStatus(programme, { ...row, d_at_sites: 40 }, "KES", true, 10, 2);
    // The total shown is adjusted (D = 2) by the cell key of its records, the people's and the sites' keys:
    // (100 + 156) mod 256 = 0, the first row of the p-table, whose adjustment is the lowest, −2: 42 → 40.
    expect(pTable(2).columns[3][0]).toBe(-2);
    expect(funder.beneficiariesReached).toEqual({ people: null, atSites: null, total: 40, suppressed: true });
    expect(funder.daysToDelivery).toEqual({ units: "6", median: 25, p90: 30 });
    // The true contribution over the adjusted total: 30000 ÷ 40 = 750.
    expect(funder.costPerBeneficiaryReached).toMatchObject({ amountMinor: 750 });
    // Key sum 255 (the last row, +2): 44, and 30000 ÷ 44 = 681.8… → 682.
    const up = deliveryStatus(programme, { ...row, d_at_sites: 40, d_site_keys: "155" }, "KES", true, 10, 2);
    expect(up.beneficiariesReached.total).toBe(44);
    expect(up.costPerBeneficiaryReached).toMatchObject({ amountMinor: 682 });
    // 20 people and 40 at sites: nothing hidden; each count adjusted by its own records' keys (rows 100 and 156).
    const shown = deliveryStatus(programme, { ...row, d_people: 20, d_at_sites: 40 }, "KES", true, 10, 2).beneficiariesReached;
    expect(shown).toEqual({ people: 20 + pTable(2).columns[3][100], atSites: 40 + pTable(2).columns[3][156], total: 60 - 2, suppressed: false });
    // 6 in all, below 10: everything about the people hidden.
    const small = deliveryStatus(programme, row, "KES", true, 10, 2);
    expect(small).toMatchObject({ beneficiariesReached: { people: null, atSites: null, total: null, suppressed: true }, daysToDelivery: { median: null, p90: null }, costPerBeneficiaryReached: null });
    // The units delivered to date, 9, are adjusted by the keys of every delivery so far (37: row 37 of the last
    // column, for counts of 3 and more, is −1): 8; the 6 funded to date then leave no backlog and 2 beyond what was
    // funded (not the true 3), so that two periods' figures cannot be subtracted to give a hidden period's units.
    expect(pTable(2).columns[3][37]).toBe(-1);
    expect(small).toMatchObject({ unitsDelivered: null, deliveredToDate: 8, backlog: "0", deliveredBeyondFunded: "2" });
    // Staff see it all.
    expect(deliveryStatus(programme, row, "KES", false, 10, 2).beneficiariesReached.suppressed).toBe(false);
    expect(deliveryStatus(programme, row, "KES", false, 10, 2)).toMatchObject({ deliveredToDate: 9, deliveredBeyondFunded: "3" });
  });

  it("rounds a cost half up to the minor unit", () => {
    expect(divideHalfUp(10n, 4n)).toBe(3n); // 2.5 → 3
    expect(divideHalfUp(9n, 4n)).toBe(2n); // 2.25 → 2
    expect(divideHalfUp(0n, 7n)).toBe(0n);
  });
});
