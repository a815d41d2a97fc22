/**
 * Small-cell suppression: the one mechanism every aggregated view shown to a funder goes
 * through (the lifecycle funnel now; impact views, quality of experience and reports later).
 * Plain functions over numbers: no database, no GraphQL.
 *
 * Rules
 * 1. Threshold. Each organization has a threshold k: 10 when not set, never below 5; a
 *    non-integer k is floored (`effectiveThreshold`). Every function below that takes k passes
 *    it through `effectiveThreshold` first, so a caller can never go below 5 by mistake.
 * 2. Primary suppression. A count of distinct stakeholders n with 0 < n < k is hidden.
 *    A count of 0 is shown: it reveals no person.
 * 3. Derived values. A value computed from a group (an average, median, rate, score) is hidden
 *    whenever that group's count is hidden or below k, even where the count itself is shown
 *    elsewhere (`suppressDerived`, `suppressDerivedForCell`). A derived value over 0 people is
 *    hidden too (0 < k). A rate num/den is hidden unless den, num and den − num all pass the
 *    primary rule, since with den shown it gives num and den − num back (`suppressRate`).
 * 4. Complementary (secondary) suppression, in a table whose cells add up to a shown total
 *    (e.g. a stage's entrants split by gender, plus the stage total). Cells for an unknown
 *    dimension value (gender not recorded) are ordinary cells; they must be included, so that
 *    the cells add up to the total (a mismatch throws).
 *    a. A total with 0 < total < k is hidden (and then every non-zero cell, necessarily below k,
 *       is hidden by rule 2). With the total hidden the cells cannot be recovered from it, so
 *       nothing more is needed.
 *    b. With the total shown, total − (visible cells) = the sum of the hidden cells. While that
 *       would reveal something, hide one more cell: the smallest visible cell with n > 0 (ties:
 *       the first in input order), or, if there is none, the total. "Reveal something" means
 *         - exactly one cell is hidden (its count would be recovered exactly), or
 *         - the hidden cells together count 0 < s < k people: s is itself the count of a small
 *           group (e.g. "non-binary or not recorded"), and since a hidden primary cell is ≥ 1,
 *           hidden cells [1, 1] with s = 2 would each be known to be exactly 1.
 *       This is repeated until stable (a loop to a fixed point). It follows that the total of a
 *       table is hidden exactly when 0 < total < k, i.e. the same as `suppressCount(total, k)`:
 *       a total shown alone elsewhere stays consistent with this table.
 * 5. A table with no total shown (total = null): only rule 2 applies. Callers must then not show
 *    that total anywhere else next to this table, or must pass it here.
 * 6. Linked tables (`Cell.hidden`). A cell already hidden for another reason (its group is hidden
 *    in another table over the same people, e.g. the people who gave feedback per gender, then
 *    those who answered NPS per gender) starts hidden, whatever its count, and counts as a hidden
 *    cell in rule 4b, so that the other table's hidden cells cannot be recovered from this one.
 *    Such a cell with a count of 0 hides nothing here and is not counted. With such cells the
 *    total can also be hidden when it is at least k: when no visible cell is left to hide (it
 *    would equal the one hidden cell).
 * 7. Overlapping cells (`overlapping`). When one person can be in several cells (a person who
 *    answered in two months counts in both), the cells add up to at least the total, and each is
 *    at most the total. What total − (visible cells) gives away is then a group of people known
 *    only to be at least max(largest hidden cell, total − visible cells): rule 4b is applied to
 *    that lower bound instead of the sum. With disjoint cells the bound is the sum of the hidden
 *    cells, so the result is the same as without the option.
 *
 * Not covered here (the caller's job): consistency across tables that share cells or margins
 * (e.g. nested funnel stages, or the same split shown per stage and per period); pass the same k
 * everywhere; and do not expose `reason` to funders if it would narrow what a hidden cell can be.
 *
 * Negative or non-integer counts are programming errors and throw a plain Error.
 */

export const DEFAULT_SUPPRESSION_THRESHOLD = 10;
export const MIN_SUPPRESSION_THRESHOLD = 5;

export interface Cell<K = string> {
  key: K;
  count: number;
  /** Hidden already, for another reason (rule 6): counted among the hidden cells from the start. */
  hidden?: boolean;
}

export interface SuppressTableOptions {
  /** The cells may share people: they add up to at least the total (rule 7). */
  overlapping?: boolean;
}

export type SuppressionReason = "BELOW_THRESHOLD" | "COMPLEMENTARY";

export interface SuppressedCell<K = string> {
  key: K;
  /** null when suppressed */
  count: number | null;
  suppressed: boolean;
  reason: SuppressionReason | null;
}

export interface SuppressedTable<K = string> {
  /** In input order. */
  cells: SuppressedCell<K>[];
  /** null when suppressed or when no total is shown */
  total: number | null;
  totalSuppressed: boolean;
  /** The effective threshold applied. */
  threshold: number;
}

/** 10 when not set; otherwise k floored, and never below 5. */
export function effectiveThreshold(k?: number | null): number {
  if (k === null || k === undefined) return DEFAULT_SUPPRESSION_THRESHOLD;
  if (typeof k !== "number" || !Number.isFinite(k)) {
    throw new Error(`suppression threshold must be a finite number, got ${String(k)}`);
  }
  return Math.max(MIN_SUPPRESSION_THRESHOLD, Math.floor(k));
}

/** The organization's effective threshold k, read from its row (the default when it has none). */
export async function organizationThreshold(em: { query(sql: string, params: unknown[]): Promise<any[]> }, organizationId: string): Promise<number> {
  const [row] = await em.query(`SELECT suppression_threshold FROM organizations WHERE id = $1`, [organizationId]);
  return effectiveThreshold(row?.suppression_threshold);
}

function assertCount(count: number, what: string): void {
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
    throw new Error(`${what} must be a non-negative integer, got ${String(count)}`);
  }
}

function isSmall(count: number, k: number): boolean {
  return count > 0 && count < k;
}

/** Primary rule for a single count: null when 0 < count < k, else the count. */
export function suppressCount(count: number, k: number): number | null {
  assertCount(count, "count");
  const t = effectiveThreshold(k);
  return isSmall(count, t) ? null : count;
}

/**
 * A value derived from a group of `groupCount` distinct stakeholders: null when the group has
 * fewer than k members (including 0), else the value unchanged.
 */
export function suppressDerived<T>(value: T | null, groupCount: number, k: number): T | null {
  assertCount(groupCount, "groupCount");
  const t = effectiveThreshold(k);
  return groupCount < t ? null : value;
}

/**
 * A value derived from the group of a table cell after `suppressTable`: null when that cell is
 * hidden (for whatever reason) or its count is below k.
 */
export function suppressDerivedForCell<T, K>(value: T | null, cell: SuppressedCell<K>, k: number): T | null {
  const t = effectiveThreshold(k);
  if (cell.suppressed || cell.count === null) return null;
  return cell.count < t ? null : value;
}

/**
 * numerator / denominator (a conversion or response rate), or null when it would reveal a small
 * group: the denominator below k, or the numerator or the remainder (denominator − numerator)
 * in 1..k-1. Throws when numerator > denominator.
 */
export function suppressRate(numerator: number, denominator: number, k: number): number | null {
  assertCount(numerator, "numerator");
  assertCount(denominator, "denominator");
  if (numerator > denominator) {
    throw new Error(`numerator (${numerator}) exceeds denominator (${denominator})`);
  }
  const t = effectiveThreshold(k);
  if (denominator < t) return null;
  if (isSmall(numerator, t) || isSmall(denominator - numerator, t)) return null;
  return numerator / denominator;
}

/**
 * Primary and complementary suppression of one row of cells and its total (see the rules at the
 * top). `total` null means no total is shown: only the primary rule applies (and cells already
 * hidden stay hidden). When a total is given, the cells must add up to it, or, with
 * `overlapping`, to at least it, each being at most it. Output cells keep the input order.
 */
export function suppressTable<K>(cells: Cell<K>[], total: number | null, k: number, options: SuppressTableOptions = {}): SuppressedTable<K> {
  const t = effectiveThreshold(k);
  const overlapping = options.overlapping === true;
  let sum = 0;
  cells.forEach((c, i) => {
    assertCount(c.count, `cells[${i}].count`);
    sum += c.count;
  });
  if (total !== null) {
    assertCount(total, "total");
    if (!overlapping && sum !== total) {
      throw new Error(`cells add up to ${sum}, not to the total ${total}`);
    }
    if (overlapping) {
      if (sum < total) throw new Error(`cells add up to ${sum}, less than the total ${total}`);
      cells.forEach((c, i) => {
        if (c.count > total) throw new Error(`cells[${i}].count (${c.count}) exceeds the total ${total}`);
      });
    }
  }

  // Rule 2: primary; rule 6: hidden already.
  const reasons: (SuppressionReason | null)[] = cells.map((c) => (isSmall(c.count, t) ? "BELOW_THRESHOLD" : c.hidden === true ? "COMPLEMENTARY" : null));
  // Rule 4a.
  let totalSuppressed = total !== null && isSmall(total, t);

  // Rule 4b, to a fixed point. Each pass hides one more cell or the total, so it ends.
  if (total !== null) {
    for (;;) {
      if (totalSuppressed) break;
      let hiddenCount = 0;
      let hiddenSum = 0;
      let hiddenMax = 0;
      let visibleSum = 0;
      reasons.forEach((r, i) => {
        if (r === null) visibleSum += cells[i].count;
        else if (cells[i].count > 0) {
          hiddenCount += 1;
          hiddenSum += cells[i].count;
          hiddenMax = Math.max(hiddenMax, cells[i].count);
        }
      });
      if (hiddenCount === 0) break;
      // Rule 7: with overlapping cells, only a lower bound of the people hidden is known.
      const revealed = overlapping ? Math.max(hiddenMax, total - visibleSum) : hiddenSum;
      const reveals = hiddenCount === 1 || isSmall(revealed, t);
      if (!reveals) break;
      let pick = -1;
      cells.forEach((c, i) => {
        if (reasons[i] === null && c.count > 0 && (pick < 0 || c.count < cells[pick].count)) pick = i;
      });
      if (pick < 0) {
        totalSuppressed = true;
      } else {
        reasons[pick] = "COMPLEMENTARY";
      }
    }
  }

  return {
    cells: cells.map((c, i) => ({
      key: c.key,
      count: reasons[i] === null ? c.count : null,
      suppressed: reasons[i] !== null,
      reason: reasons[i],
    })),
    total: total === null || totalSuppressed ? null : total,
    totalSuppressed,
    threshold: t,
  };
}

/** The rank of a small real matrix (Gaussian elimination). */
export function rank(m: number[][], columns: number): number {
  const a = m.map((r) => [...r]);
  let r = 0;
  for (let col = 0; col < columns && r < a.length; col++) {
    const pivot = a.findIndex((row, i) => i >= r && Math.abs(row[col]) > 1e-9);
    if (pivot < 0) continue;
    [a[r], a[pivot]] = [a[pivot], a[r]];
    for (let i = 0; i < a.length; i++) {
      if (i === r) continue;
      const f = a[i][col] / a[r][col];
      for (let j = col; j < columns; j++) a[i][j] -= f * a[r][j];
    }
    r++;
  }
  return r;
}

/** Whether `v` is a linear combination of `rows` (small real vectors): a value those sums determine exactly. */
export function inSpan(v: number[], rows: number[][]): boolean {
  return rank([...rows, v], v.length) === rank(rows, v.length);
}


export interface TwoWayTable {
  /** (n + 1) × (m + 1): the n rows with their totals in column m, then the column totals in row n (the grand total at [n][m]). */
  counts: number[][];
  /** Per cell of `counts`: null when shown. */
  reasons: (SuppressionReason | null)[][];
}

/**
 * Small-cell suppression of a two-way table with its margins: n rows of m cells (here the
 * owners of actions × closed on time / closed late / not closed), each row's total (an owner's
 * actions due), each column's total (the organization's count) and the grand total (the
 * organization's actions due). Every row and every column, margins included, is a table whose
 * cells add up to its total; all of them can be shown at once (actionSummary and impactReport
 * fit in one request), so no hidden cell may be worked out exactly from any combination of lines.
 *
 * 1. Primary: every count (margins too) with 0 < n < k is hidden.
 * 2. Each line whose total is shown goes through `suppressTable`, the cells hidden so far marked
 *    `hidden` (rule 6 of suppression.ts): never one hidden cell alone, never hidden cells adding
 *    up to 1..k-1; a total it hides is then a hidden cell of the crossing line. Repeated over
 *    rows and columns to a fixed point.
 * 3. Line by line is not enough in two dimensions: a hidden cell is still worked out exactly when
 *    it is a bridge of the graph whose nodes are the lines and whose edges are the hidden non-zero
 *    cells (it lies on no cycle of hidden cells; e.g. a line whose total is hidden but whose cells
 *    are all shown gives that total back). For each such cell, the smallest shown non-zero cell
 *    across that cut is hidden too (one that closes a cycle through it first); there always is
 *    one, since the lines add up. Then back to 2, until neither changes anything.
 *
 * Every pass hides one more cell, so it ends. What this does not rule out: bounds (not exact
 * values) obtained by combining several lines with the fact that counts are never negative.
 */
export function suppressTwoWay(rows: number[][], columns: number, k: number): TwoWayTable {
  const t = effectiveThreshold(k);
  const n = rows.length;
  const m = columns;
  const counts: number[][] = rows.map((r) => {
    if (r.length !== m) throw new Error(`every row must have ${m} cells`);
    return [...r, r.reduce((s, x) => s + x, 0)];
  });
  counts.push(Array.from({ length: m + 1 }, (_, j) => counts.reduce((s, r) => s + r[j], 0)));
  const small = (x: number) => x > 0 && x < t;
  const reasons: (SuppressionReason | null)[][] = counts.map((r) => r.map((x) => (small(x) ? "BELOW_THRESHOLD" : null)));

  // The lines: each row (its cells, then its total in column m), each column (its cells, then its total in row n).
  type At = [number, number];
  const lines: { cells: At[]; total: At }[] = [];
  for (let i = 0; i <= n; i++) lines.push({ cells: Array.from({ length: m }, (_, j): At => [i, j]), total: [i, m] });
  for (let j = 0; j <= m; j++) lines.push({ cells: Array.from({ length: n }, (_, i): At => [i, j]), total: [n, j] });

  const lineFixedPoint = (): void => {
    for (;;) {
      let changed = false;
      for (const line of lines) {
        const [ti, tj] = line.total;
        if (reasons[ti][tj] !== null) continue; // a hidden total: step 3 looks after it
        const table = suppressTable(
          line.cells.map(([i, j]) => ({ key: `${i},${j}`, count: counts[i][j], hidden: reasons[i][j] !== null })),
          counts[ti][tj],
          t,
        );
        table.cells.forEach((c, x) => {
          const [i, j] = line.cells[x];
          if (c.suppressed && reasons[i][j] === null) {
            reasons[i][j] = "COMPLEMENTARY";
            changed = true;
          }
        });
        if (table.totalSuppressed) {
          reasons[ti][tj] = "COMPLEMENTARY";
          changed = true;
        }
      }
      if (!changed) return;
    }
  };

  // Nodes: rows 0..n, then columns as n + 1 + j. Edges: hidden non-zero cells.
  const hiddenEdge = (i: number, j: number) => reasons[i][j] !== null && counts[i][j] > 0;
  const reach = (start: number, without: At): Set<number> => {
    const seen = new Set([start]);
    const todo = [start];
    while (todo.length) {
      const v = todo.pop()!;
      const next: number[] = [];
      if (v <= n) {
        for (let j = 0; j <= m; j++) if (hiddenEdge(v, j) && !(v === without[0] && j === without[1])) next.push(n + 1 + j);
      } else {
        const j = v - n - 1;
        for (let i = 0; i <= n; i++) if (hiddenEdge(i, j) && !(i === without[0] && j === without[1])) next.push(i);
      }
      for (const w of next) {
        if (seen.has(w)) continue;
        seen.add(w);
        todo.push(w);
      }
    }
    return seen;
  };
  /** A shown cell to hide so that some bridge is no longer one, or null when there is no bridge. */
  const bridgeBreaker = (): At | null => {
    for (let i = 0; i <= n; i++) {
      for (let j = 0; j <= m; j++) {
        if (!hiddenEdge(i, j)) continue;
        const side = reach(i, [i, j]);
        if (side.has(n + 1 + j)) continue; // on a cycle
        const other = reach(n + 1 + j, [i, j]);
        let best: At | null = null;
        let bestCloses = false;
        for (let a = 0; a <= n; a++) {
          for (let b = 0; b <= m; b++) {
            if (reasons[a][b] !== null || counts[a][b] === 0) continue;
            const inRow = side.has(a);
            const inCol = side.has(n + 1 + b);
            if (inRow === inCol) continue; // not across the cut
            const closes = (inRow && other.has(n + 1 + b)) || (inCol && other.has(a));
            if (best === null || (closes && !bestCloses) || (closes === bestCloses && counts[a][b] < counts[best[0]][best[1]])) {
              best = [a, b];
              bestCloses = closes;
            }
          }
        }
        // The lines add up, so the cut holds another non-zero cell; all hidden ones are on this side.
        if (best === null) throw new Error(`cell ${i},${j} can be worked out and nothing is left to hide`);
        return best;
      }
    }
    return null;
  };

  for (;;) {
    lineFixedPoint();
    const pick = bridgeBreaker();
    if (pick === null) break;
    reasons[pick[0]][pick[1]] = "COMPLEMENTARY";
  }
  return { counts, reasons };
}
