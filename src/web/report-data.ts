/**
 * Everything the printable report page draws, already computed and already
 * suppressed for the caller (funders see small groups hidden: null values).
 * Built by src/web/reports.ts from the GraphQL services; drawn by src/web/report-page.ts.
 */
export interface ReportPageData {
  /** `id`: the organization's global id, as in the API and the downloads' paths. */
  organization: { id: string; name: string; impactModel: string; currency: string };
  period: { from: string; to: string };
  comparison: { from: string; to: string };
  generatedAt: string;
  /** True when small cells are hidden (the caller is a funder). */
  suppressionApplied: boolean;
  threshold: number;
  /** For a funder: the largest adjustment of a count of people (the cell-key method); null for staff. */
  perturbationMaximum: number | null;
  narrative: { text: string; version: number; updatedAt: string } | null;
  /**
   * Impact at sale vs in use, side by side (current and comparison period). Units given and
   * beneficiaries funded are the exact decimals the downloads carry (beneficiariesFundedExact),
   * fractions included, so that the page and the CSV say the same number.
   */
  impact: {
    atSale: { sales: number; revenue: string; contribution: string; unitsGiven: string; beneficiariesFunded: string };
    atSalePrevious: { sales: number; revenue: string; contribution: string; unitsGiven: string; beneficiariesFunded: string };
    inUse: { stakeholdersInUse: number | null; previous: number | null };
  };
  /** Reportable metrics: a monthly series each (actual vs target), plus the period's figures. */
  metrics: {
    name: string;
    category: "KPI" | "SOCIAL";
    unit: string;
    unitLabel: string | null;
    catalogueCode: string | null;
    estimationNote: string | null;
    direction: "HIGHER_IS_BETTER" | "LOWER_IS_BETTER";
    baseline: string | null;
    target: string | null;
    actual: string | null;
    attainment: number | null;
    /** `hidden`: the month's actual is hidden from the caller (small-cell suppression), not missing. */
    series: { label: string; from: string; to: string; actual: number | null; target: number | null; hidden: boolean }[];
  }[];
  /** NPS and QoE per month. */
  trend: { label: string; from: string; to: string; nps: number | null; qoe: number | null }[];
  /** `qoeParts`: the components of the perspective's QoE, which of them it was made of and which were missing or hidden. */
  experience: {
    customer: { qoe: number | null; qoeParts: QoePartSummary[]; nps: number | null; npsSample: number | null; npsMargin: number | null };
    beneficiary: { qoe: number | null; qoeParts: QoePartSummary[]; nps: number | null; npsSample: number | null; npsMargin: number | null };
    loopsOnTimeRate: number | null;
    loopsDue: number | null;
  };
  /** The customer and beneficiary funnels for the period: entered per stage (null when suppressed). */
  funnels: { kind: "CUSTOMER" | "BENEFICIARY"; stages: { name: string; entered: number | null; inStageAtEnd: number | null; impactMode: string | null }[] }[];
  /**
   * The impact chain of each programme: its steps in order (value as written with its unit, or null
   * when hidden), each step's conversion in words; `group` is what its bar is scaled against.
   */
  chains: {
    programme: string;
    backlog: string;
    unit: string;
    /** `exact`: the value as the downloads write it (money in major units with its minor digits); `unit`: a currency code, the unit of delivery or "people". */
    steps: { label: string; value: number | null; exact: string | null; unit: string; conversion: string | null; group: "money" | "units" | "people" }[];
    experience: { score: number | null; hidden: boolean };
  }[];
  /**
   * What experience is worth: customers by NPS class at their latest answer (PROMOTER, PASSIVE,
   * DETRACTOR, NOT_ASKED), each with its lifetime value per customer (exact major units, null when
   * hidden), and the formula used.
   */
  experienceValue: {
    formula: string;
    currency: string;
    revenueAtRisk: string | null;
    groups: { label: string; customers: number | null; lifetimeValue: string | null; repeatRate: number | null; retention: number | null; hidden: boolean }[];
  };
  /** What was hidden or missing, and why. */
  notes: { section: string; item: string; kind: "SUPPRESSED" | "MISSING" | "ADJUSTED"; reason: string }[];
  /** The reader signed in in the browser (the key is in the sign-in cookie): the page offers to sign out. */
  signedInWithCookie?: boolean;
}

/** One component of a QoE score: left out when `missing` (no data, or every part hidden: `hidden`). */
export interface QoePartSummary {
  kind: "FEEDBACK" | "KPI_ATTAINMENT" | "SOCIAL_ATTAINMENT" | "LOOP_CLOSURE";
  missing: boolean;
  /** Some or all of its parts are hidden from the caller (small-cell suppression). */
  hidden: boolean;
}
