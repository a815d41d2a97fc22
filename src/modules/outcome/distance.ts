/**
 * Distance travelled, the arithmetic (pure: no database). Per person, the change from their first
 * answer (baseline) to their latest (follow-up), signed so that a positive change is an improvement
 * in the metric's direction; over the people with both: how many improved, stayed, worsened, and
 * the mean change (follow-up − baseline, in the answers' unit) with a 95 % interval from Student's
 * t distribution with n − 1 degrees of freedom.
 */

/** Below this many people with both answers, no mean change or interval ("not enough data"). */
export const MIN_PEOPLE_FOR_MEAN = 5;

/** The regularized incomplete beta function I_x(a, b) (continued fraction, Numerical Recipes 6.4). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betacf(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betacf(1 - x, b, a)) / b;
}

function betacf(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) (Lanczos, g = 7). */
function lgamma(x: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  x -= 1;
  let a = g[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += g[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The quantile of Student's t: the t with P(T ≤ t) = p (bisection on the CDF, to 1e-10). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new Error("tQuantile needs 0 < p < 1 and df > 0");
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** What SQL gives for a group of people with both answers: counts by direction and the sums of the changes. */
export interface ChangeSums {
  /** People with both answers. */
  n: number;
  /** Σ (follow-up − baseline) and Σ of its square, in the answers' unit. */
  sum: number;
  sumSquares: number;
}

export interface MeanChange {
  mean: number | null;
  low: number | null;
  high: number | null;
  /** Null when there is a mean; otherwise why not. */
  notEnoughData: string | null;
}

const round4 = (v: number) => Math.round(v * 10000) / 10000;

/** The mean change and its 95 % t interval: mean ± t(0.975, n − 1) · s / √n; nothing below MIN_PEOPLE_FOR_MEAN people. */
export function meanChange(c: ChangeSums): MeanChange {
  if (c.n < MIN_PEOPLE_FOR_MEAN) return { mean: null, low: null, high: null, notEnoughData: `fewer than ${MIN_PEOPLE_FOR_MEAN} people with a baseline and a follow-up answer` };
  const mean = c.sum / c.n;
  const variance = Math.max(0, (c.sumSquares - c.n * mean * mean) / (c.n - 1));
  const half = tQuantile(0.975, c.n - 1) * Math.sqrt(variance / c.n);
  return { mean: round4(mean), low: round4(mean - half), high: round4(mean + half), notEnoughData: null };
}
