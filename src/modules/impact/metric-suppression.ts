import { Metric } from "../metric/metric.entity";
import { MetricValue } from "./metric-values";
import { MetricPerspective, MetricUnit } from "../../common/enums";
import { effectiveThreshold, suppressCount } from "../../common/suppression";
import { perturb } from "../../common/perturbation";

/** Whether a metric's value is a count of people: unit COUNT, perspective not ORGANIZATION, a whole number. */
export function countsPeople(metric: Pick<Metric, "unit" | "perspective">, actual: string | null): actual is string {
  return actual !== null && metric.unit === MetricUnit.COUNT && metric.perspective !== MetricPerspective.ORGANIZATION && /^\d+$/.test(actual);
}

/**
 * Whether a funder must not see a metric's value (its actual and everything derived from it,
 * such as its attainment): the one decision every view of metric values makes
 * (`ImpactService.result`, quality of experience).
 *
 * Hidden when the metric counts people (unit COUNT, perspective not ORGANIZATION) and the value
 * is a count 0 < n < k, or when the sample size reported with the observations is below k.
 * A missing value (null) has nothing to hide.
 */
export function metricValueSuppressed(metric: Pick<Metric, "unit" | "perspective">, value: Pick<MetricValue, "actual" | "sampleSize">, k: number): boolean {
  const t = effectiveThreshold(k);
  const actual = value.actual;
  if (actual === null) return false;
  if (countsPeople(metric, actual) && suppressCount(Number(actual), t) === null) return true;
  return value.sampleSize !== null && value.sampleSize < t;
}

/** A metric value as a funder may see it: its actual and sample size, or nothing when hidden. */
export interface FunderMetricValue {
  suppressed: boolean;
  actual: string | null;
  sampleSize: number | null;
}

/**
 * A metric value as a funder sees it (the one place, for every view): hidden by
 * `metricValueSuppressed` (decided on the true figures), its sample size with it; otherwise a count of people, and the
 * sample size reported with the observations (a count of people too), carry the cell-key
 * adjustment picked by the sum of the record keys of the observations they were made from
 * (`observations.record_key`), so the same observations always give the same figure. Values that
 * are not counts of people (money, rates, averages) are shown as they are: they are not made
 * from individual records the method could key.
 */
export function funderMetricValue(metric: Pick<Metric, "unit" | "perspective">, value: Pick<MetricValue, "actual" | "sampleSize" | "keySum">, k: number, maximum: number): FunderMetricValue {
  if (metricValueSuppressed(metric, value, k)) return { suppressed: true, actual: null, sampleSize: null };
  const actual = countsPeople(metric, value.actual) ? String(perturb(Number(value.actual), value.keySum, maximum)) : value.actual;
  const sampleSize = value.sampleSize === null ? null : perturb(value.sampleSize, value.keySum, maximum);
  return { suppressed: false, actual, sampleSize };
}
