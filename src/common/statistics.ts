/**
 * Small, exact statistics for the views that put experience and money together (src/modules/value):
 * intervals for proportions and correlations. Plain functions over numbers: no database, no GraphQL.
 *
 * - Wilson score interval for a proportion x/n at 95 % (z = 1.959964): centre (p + z²/2n) / (1 + z²/n),
 *   half-width z·sqrt(p(1 − p)/n + z²/4n²) / (1 + z²/n). It stays inside [0, 1] and is sensible for
 *   small n and for p = 0 or 1, where the plain normal interval is not.
 * - Pearson's r, and Spearman's ρ (Pearson's r of the ranks, ties given their mean rank).
 * - Fisher's z interval for a correlation: z = atanh(r), se = 1/sqrt(n − 3), back with tanh.
 *   Needs n ≥ 4; the views ask for more (MIN_CORRELATION_N) before they give a number.
 */

/** The 97.5 % quantile of the standard normal: a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/** Below this many pairs a correlation is "not enough data", not a number. */
export const MIN_CORRELATION_N = 5;

export interface Interval95 {
  low: number;
  high: number;
}

/** The Wilson score interval of x successes out of n (95 %); null when n = 0. */
export function wilson(x: number, n: number, z = Z95): Interval95 | null {
  if (!Number.isFinite(x) || !Number.isFinite(n) || x < 0 || n < 0 || x > n) throw new Error(`wilson needs 0 ≤ x ≤ n, got ${x}/${n}`);
  if (n === 0) return null;
  const p = x / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Pearson's correlation of paired values; null when fewer than 2 pairs or either side is constant. */
export function pearson(xs: number[], ys: number[]): number | null {
  if (xs.length !== ys.length) throw new Error("pearson needs pairs");
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Ranks 1..n, ties given the mean of the ranks they span. */
export function ranks(xs: number[]): number[] {
  const order = xs.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(xs.length);
  for (let a = 0; a < order.length; ) {
    let b = a;
    while (b + 1 < order.length && order[b + 1].v === order[a].v) b++;
    const mean = (a + b) / 2 + 1;
    for (let j = a; j <= b; j++) out[order[j].i] = mean;
    a = b + 1;
  }
  return out;
}

/** Spearman's rank correlation: Pearson's r of the ranks. */
export function spearman(xs: number[], ys: number[]): number | null {
  return pearson(ranks(xs), ranks(ys));
}

/** The 95 % interval of a correlation r over n pairs by Fisher's z; null when n < 4 or r is ±1. */
export function fisherInterval(r: number, n: number, z = Z95): Interval95 | null {
  if (n < 4 || Math.abs(r) >= 1) return null;
  const f = Math.atanh(r);
  const se = 1 / Math.sqrt(n - 3);
  return { low: Math.tanh(f - z * se), high: Math.tanh(f + z * se) };
}

/** Rounds to `digits` decimals (half away from zero), for figures shown to people. */
export function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.sign(v) * Math.round(Math.abs(v) * f) / f;
}

/**
 * R² of the linear regression of y on the predictors in `subset`, from correlations: r_yS' R_SS⁻¹ r_yS
 * (`corr[0]` is y, `corr[1..p]` the predictors). Gaussian elimination with partial pivoting; a predictor
 * that is a linear combination of the others (pivot below 1e-10) adds nothing and is skipped.
 */
export function rSquared(corr: number[][], subset: number[]): number {
  const m = subset.length;
  if (m === 0) return 0;
  const a = subset.map((i) => [...subset.map((j) => corr[i][j]), corr[i][0]]);
  const used: boolean[] = new Array(m).fill(false);
  const pivotRow: number[] = new Array(m).fill(-1);
  for (let col = 0; col < m; col++) {
    let best = -1;
    for (let r = 0; r < m; r++) if (!used[r] && (best < 0 || Math.abs(a[r][col]) > Math.abs(a[best][col]))) best = r;
    if (best < 0 || Math.abs(a[best][col]) < 1e-10) continue;
    used[best] = true;
    pivotRow[col] = best;
    for (let r = 0; r < m; r++) {
      if (r === best) continue;
      const f = a[r][col] / a[best][col];
      if (f !== 0) for (let c = col; c <= m; c++) a[r][c] -= f * a[best][c];
    }
  }
  // β_col = a[pivot][m] / a[pivot][col]; R² = Σ β_j r_yj.
  let r2 = 0;
  for (let col = 0; col < m; col++) {
    const r = pivotRow[col];
    if (r < 0) continue;
    r2 += (a[r][m] / a[r][col]) * corr[subset[col]][0];
  }
  return Math.max(0, Math.min(1, r2));
}

/**
 * The Shapley decomposition of R² (Lindeman, Merenda and Gold's LMG): each predictor's share is the
 * mean, over all orders in which predictors can enter the regression, of the R² it adds when it
 * enters; the shares add up to the full model's R². `corr` as in `rSquared`; at most 12 predictors.
 */
export function shapleyR2(corr: number[][]): { rSquared: number; shares: number[] } {
  const p = corr.length - 1;
  if (p > 12) throw new Error("at most 12 predictors");
  const r2 = new Map<number, number>();
  const of = (mask: number) => {
    let v = r2.get(mask);
    if (v === undefined) {
      const subset: number[] = [];
      for (let j = 0; j < p; j++) if (mask & (1 << j)) subset.push(j + 1);
      r2.set(mask, (v = rSquared(corr, subset)));
    }
    return v;
  };
  const fact = [1];
  for (let i = 1; i <= p; i++) fact.push(fact[i - 1] * i);
  const shares = new Array<number>(p).fill(0);
  for (let mask = 0; mask < 1 << p; mask++) {
    let size = 0;
    for (let j = 0; j < p; j++) if (mask & (1 << j)) size++;
    for (let j = 0; j < p; j++) {
      if (mask & (1 << j)) continue;
      const w = (fact[size] * fact[p - size - 1]) / fact[p];
      shares[j] += w * (of(mask | (1 << j)) - of(mask));
    }
  }
  return { rSquared: of((1 << p) - 1), shares };
}

/** Sums over the cases where both of two variables are present: n, Σa, Σb, Σa², Σb², Σab. */
export interface PairSums {
  n: number;
  sa: number;
  sb: number;
  qa: number;
  qb: number;
  p: number;
}

/**
 * Correlation matrix with pairwise deletion: r_ij from the cases where both v_i and v_j are present
 * (`pair(i, j)` gives their sums, i < j). Null where a pair has fewer than 3 cases or a variable is
 * constant over a pair's cases, or when the matrix is not positive semi-definite (pairwise matrices
 * can be inconsistent: then no regression on it means anything).
 */
export function correlationsFromPairs(k: number, pair: (i: number, j: number) => PairSums): number[][] | null {
  const corr: number[][] = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (__, j) => (i === j ? 1 : 0)));
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const { n, sa, sb, qa, qb, p } = pair(i, j);
      if (n < 3) return null;
      const va = qa - (sa * sa) / n;
      const vb = qb - (sb * sb) / n;
      if (va < 1e-9 || vb < 1e-9) return null;
      const r = Math.max(-1, Math.min(1, (p - (sa * sb) / n) / Math.sqrt(va * vb)));
      corr[i][j] = corr[j][i] = r;
    }
  }
  return positiveSemiDefinite(corr) ? corr : null;
}

/** Whether a symmetric matrix is positive semi-definite (Cholesky with a small tolerance). */
export function positiveSemiDefinite(m: number[][]): boolean {
  const n = m.length;
  const l: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = m[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (sum < -1e-9) return false;
        l[i][i] = Math.sqrt(Math.max(0, sum));
      } else {
        l[i][j] = l[j][j] > 1e-9 ? sum / l[j][j] : 0;
        if (l[j][j] <= 1e-9 && Math.abs(sum) > 1e-6) return false;
      }
    }
  }
  return true;
}
