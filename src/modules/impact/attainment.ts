import { MetricDirection } from "../../common/enums";

/**
 * Attainment on 0..100: progress from the baseline to the target, in the metric's
 * direction, clamped. Baseline 20, target 60, actual 50 -> (50-20)/(60-20) = 75.
 * Lower-is-better works the same way: baseline 20, target 10, actual 15 -> 50.
 * - No actual or no target: null (missing, never 0).
 * - No baseline: progress is measured from 0 for higher-is-better metrics
 *   (actual / target); for lower-is-better metrics, target / actual (100 when at or below target).
 * - Target equal to baseline: 100 when the actual is at or beyond it in the metric's direction, else 0.
 * Rounded to 2 decimals.
 */
export function attainment(actual: number | null, target: number | null, baseline: number | null, direction: MetricDirection): number | null {
  if (actual === null || target === null || !Number.isFinite(actual) || !Number.isFinite(target)) return null;
  const higher = direction === MetricDirection.HIGHER_IS_BETTER;
  let raw: number;
  if (baseline === null) {
    if (higher) raw = target === 0 ? (actual >= 0 ? 1 : 0) : actual / target;
    else raw = actual <= target ? 1 : actual === 0 ? 1 : target / actual;
  } else if (target === baseline) {
    raw = higher ? (actual >= target ? 1 : 0) : actual <= target ? 1 : 0;
  } else {
    raw = (actual - baseline) / (target - baseline);
  }
  return Math.round(Math.min(1, Math.max(0, raw)) * 10000) / 100;
}
