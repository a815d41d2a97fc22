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
