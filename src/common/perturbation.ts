/**
 * The cell-key method: the small, bounded, consistent adjustment every count of people a funder
 * sees carries, so that answers to ad-hoc queries can be compared and subtracted without giving a
 * hidden group back (the method of the Australian Bureau of Statistics' TableBuilder, the 2021
 * census outputs of England and Wales and Eurostat's `ptable`/`cellKey` tools). Beside
 * suppression.ts: suppression hides small groups; this blurs what is shown. Plain functions over
 * numbers: no database, no GraphQL.
 *
 * 1. Record keys. Every stakeholder has a random record key, drawn once when it is created
 *    (`stakeholders.record_key`, uniform on 0..2^20-1, never changed, never shown by the API).
 * 2. Cell key. A cell's key is the sum of the record keys of its records, modulo the table's 256
 *    rows (`cellKey`). The records of a count of people are the distinct people in it; the records
 *    of a count of answers (NPS promoters, passives, detractors, its sample size) are the answers,
 *    each carrying the key of the person who gave it (a person who answered twice counts twice in
 *    the count and in the sum). The same records always give the same cell key.
 * 3. The perturbation table (p-table), built here deterministically for a maximum adjustment D
 *    (1..5, set per organization, 2 by default): for every true count c a column of 256 rows, each
 *    an adjustment d with |d| ≤ D. Published count = c + table[c][cell key]. Every column:
 *    - its 256 adjustments add up to 0 exactly (zero mean over a uniform cell key);
 *    - c + d ≥ 0 (no negative count);
 *    - for c = 1 and c = 2, d ≠ 0 (a 1 or a 2 is never published as itself);
 *    - c = 0 is published as 0 (an empty cell holds no one to protect, and a made-up person would
 *      be noise in every empty cell);
 *    - the adjustments follow the distribution of maximum entropy with mean 0 and variance
 *      V = D(D + 1) / 6 (half that of a uniform draw on -D..D) on the adjustments allowed, quantized
 *      to 256 rows; where the allowed adjustments cannot reach V (c = 1, 2 and counts below D) the
 *      column's own variance is what it can be: `pTable(D).variances` gives every column's.
 *    Counts above the last column (max(D, 3)) use the last column: every adjustment is allowed there.
 *    Rows are in ascending order of adjustment, so the cell key reads the column like a quantile.
 * 4. What is perturbed: counts a funder is shown, after small-cell suppression has decided on the
 *    true counts what is hidden (so hidden cells stay hidden exactly as before, complementary
 *    suppression included: what is shown then only carries more noise). Figures derived from counts
 *    (NPS, rates, conversions, QoE feedback components) are computed from the perturbed counts;
 *    means of magnitudes (money per beneficiary) divide the true sum by the perturbed count.
 *    A total is a cell of its own: it is perturbed by its own records, and is in general not the
 *    exact sum of its perturbed parts.
 */

/** Rows of the perturbation table: a cell key is a record-key sum modulo this. */
export const PTABLE_ROWS = 256;
/** Record keys are drawn uniformly on 0..RECORD_KEY_RANGE-1 (a multiple of PTABLE_ROWS, so key sums modulo the rows stay uniform). */
export const RECORD_KEY_RANGE = 1 << 20;
export const DEFAULT_PERTURBATION_MAXIMUM = 2;
export const MIN_PERTURBATION_MAXIMUM = 1;
export const MAX_PERTURBATION_MAXIMUM = 5;

export interface PTable {
  /** Maximum absolute adjustment. */
  maximum: number;
  /** The variance aimed at: D(D + 1) / 6. */
  targetVariance: number;
  /** columns[c][row]: the adjustment of a true count c (the last column for every count beyond). */
  columns: number[][];
  /** Each column's variance over its 256 rows (its mean is 0). */
  variances: number[];
}

/** D for an organization: the default when not set; otherwise an integer in 1..5 (anything else throws: the column's check keeps it so). */
export function effectiveMaximum(d?: number | null): number {
  if (d === null || d === undefined) return DEFAULT_PERTURBATION_MAXIMUM;
  if (!Number.isInteger(d) || d < MIN_PERTURBATION_MAXIMUM || d > MAX_PERTURBATION_MAXIMUM) {
    throw new Error(`maximum adjustment must be an integer in ${MIN_PERTURBATION_MAXIMUM}..${MAX_PERTURBATION_MAXIMUM}, got ${String(d)}`);
  }
  return d;
}

/** The adjustments allowed for a true count c with maximum D, ascending. */
export function allowedAdjustments(c: number, maximum: number): number[] {
  if (c === 0) return [0];
  const out: number[] = [];
  for (let d = -maximum; d <= maximum; d++) {
    if (c + d < 0) continue;
    if ((c === 1 || c === 2) && d === 0) continue;
    out.push(d);
  }
  return out;
}

/** p_d ∝ exp(a·d + b·d²) on the support: the maximum-entropy form under a mean and a variance constraint. */
function gibbs(support: number[], a: number, b: number): number[] {
  const logits = support.map((d) => a * d + b * d * d);
  const top = Math.max(...logits);
  const w = logits.map((l) => Math.exp(l - top));
  const s = w.reduce((x, y) => x + y, 0);
  return w.map((x) => x / s);
}

const moments = (support: number[], p: number[]) => {
  const mean = support.reduce((s, d, i) => s + d * p[i], 0);
  const second = support.reduce((s, d, i) => s + d * d * p[i], 0);
  return { mean, variance: second - mean * mean };
};

/** For a given b, the a that makes the mean 0 (the mean grows with a), by bisection. */
function centred(support: number[], b: number): number[] {
  let lo = -60;
  let hi = 60;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (moments(support, gibbs(support, mid, b)).mean < 0) lo = mid;
    else hi = mid;
  }
  return gibbs(support, (lo + hi) / 2, b);
}

/** The maximum-entropy distribution with mean 0 and variance as near V as the support allows. */
function maxEntropy(support: number[], v: number): number[] {
  if (support.length === 1) return [1];
  // The variance of the centred distribution grows with b: bisection on b.
  let lo = -40;
  let hi = 10;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (moments(support, centred(support, mid)).variance < v) lo = mid;
    else hi = mid;
  }
  return centred(support, (lo + hi) / 2);
}

/**
 * Row counts m_d (adding up to 256) near 256·p_d with Σ d·m_d = 0 exactly: rounded, then the total
 * put right at the adjustments rounded furthest, then the sum of adjustments moved to 0 one row
 * at a time between neighbouring allowed adjustments (never by more than what is left to correct).
 */
function quantize(support: number[], p: number[]): number[] {
  if (support.length > 1 && support.every((d, i) => d === -support[support.length - 1 - i])) {
    // Every adjustment -D..D allowed: d and -d get the same rows, 0 what is left (the mean is then 0 exactly).
    const m = support.map((d, i) => (d === 0 ? 0 : Math.round(((p[i] + p[support.length - 1 - i]) / 2) * PTABLE_ROWS)));
    m[support.indexOf(0)] = PTABLE_ROWS - m.reduce((s, x) => s + x, 0);
    return m;
  }
  const target = p.map((x) => x * PTABLE_ROWS);
  const m = target.map((x) => Math.round(x));
  const error = (i: number) => m[i] - target[i];
  let total = m.reduce((s, x) => s + x, 0);
  while (total !== PTABLE_ROWS) {
    const up = total < PTABLE_ROWS;
    let pick = -1;
    for (let i = 0; i < m.length; i++) {
      if (!up && m[i] === 0) continue;
      if (pick < 0 || (up ? error(i) < error(pick) : error(i) > error(pick))) pick = i;
    }
    m[pick] += up ? 1 : -1;
    total += up ? 1 : -1;
  }
  let e = support.reduce((s, d, i) => s + d * m[i], 0);
  while (e !== 0) {
    const down = e > 0; // rows to move towards smaller adjustments
    let best: { from: number; to: number; cost: number } | null = null;
    for (let i = 0; i < support.length; i++) {
      const j = down ? i - 1 : i + 1;
      if (j < 0 || j >= support.length || m[i] === 0) continue;
      const step = Math.abs(support[i] - support[j]);
      if (step > Math.abs(e)) continue;
      const cost = (m[i] - 1 - target[i]) ** 2 + (m[j] + 1 - target[j]) ** 2 - error(i) ** 2 - error(j) ** 2;
      if (!best || cost < best.cost) best = { from: i, to: j, cost };
    }
    if (!best) throw new Error(`cannot centre the adjustments ${support.join(",")}`);
    m[best.from] -= 1;
    m[best.to] += 1;
    e += support[best.to] - support[best.from];
  }
  return m;
}

/** Builds the p-table for maximum adjustment D (deterministic: the same D always gives the same table). */
export function buildPTable(maximum: number): PTable {
  const D = effectiveMaximum(maximum);
  const v = (D * (D + 1)) / 6;
  const last = Math.max(D, 3);
  const columns: number[][] = [];
  const variances: number[] = [];
  for (let c = 0; c <= last; c++) {
    const support = allowedAdjustments(c, D);
    const m = quantize(support, maxEntropy(support, v));
    const column: number[] = [];
    support.forEach((d, i) => {
      for (let r = 0; r < m[i]; r++) column.push(d);
    });
    columns.push(column);
    variances.push(column.reduce((s, d) => s + d * d, 0) / PTABLE_ROWS);
  }
  return { maximum: D, targetVariance: v, columns, variances };
}

const tables = new Map<number, PTable>();
/** The p-table for D, built once per process. */
export function pTable(maximum: number): PTable {
  const D = effectiveMaximum(maximum);
  let t = tables.get(D);
  if (!t) tables.set(D, (t = buildPTable(D)));
  return t;
}

/** A cell key: the sum of its records' keys (an integer, or its decimal text as PostgreSQL returns a bigint sum) modulo the rows. */
export function cellKey(keySum: number | string | bigint | null): number {
  if (keySum === null) return 0;
  const s = BigInt(keySum);
  if (s < 0n) throw new Error(`a key sum is never negative, got ${String(keySum)}`);
  return Number(s % BigInt(PTABLE_ROWS));
}

/** The adjustment of true count c at a cell key. */
export function adjustment(table: PTable, count: number, key: number): number {
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${String(count)}`);
  const column = table.columns[Math.min(count, table.columns.length - 1)];
  return column[key];
}

/** A count as a funder sees it: the true count plus the adjustment its records' key sum picks, with maximum adjustment D. */
export function perturb(count: number, keySum: number | string | bigint | null, maximum: number): number {
  return count + adjustment(pTable(maximum), count, cellKey(keySum));
}

/** A count and the sum of its records' keys: what a funder's figure is made from. */
export interface KeyedCount {
  count: number;
  keySum: number | string | bigint | null;
}

/**
 * How a view applies the method: `perturb` for a funder (the organization's D), the true count
 * for everyone else. Built once per answer, so a view never asks twice whose figures these are.
 */
export interface Perturber {
  /** Whether counts are perturbed (funders). */
  readonly applied: boolean;
  readonly maximum: number;
  count(c: KeyedCount): number;
}

export function perturber(applied: boolean, maximum?: number | null): Perturber {
  const D = effectiveMaximum(maximum);
  return { applied, maximum: D, count: (c) => (applied ? perturb(c.count, c.keySum, D) : c.count) };
}

/** The organization's D, read from its row (the default when it has none). */
export async function organizationMaximum(em: { query(sql: string, params: unknown[]): Promise<any[]> }, organizationId: string): Promise<number> {
  const [row] = await em.query(`SELECT perturbation_maximum FROM organizations WHERE id = $1`, [organizationId]);
  return effectiveMaximum(row?.perturbation_maximum ?? null);
}

/** Said to funders wherever perturbed figures are shown (answers' notes, the printable report). */
export const PERTURBATION_NOTE =
  "Counts of people are adjusted by a small random amount (at most the organization's maximum adjustment, zero on average), the same every time for the same people; a total is adjusted on its own, so it may differ slightly from the sum of its parts. Rates and scores are computed from the adjusted counts.";
