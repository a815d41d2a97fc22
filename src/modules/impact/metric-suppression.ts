import { Metric } from "../metric/metric.entity";
import { MetricValue } from "./metric-values";
import { MetricPerspective, MetricUnit } from "../../common/enums";
import { effectiveThreshold, suppressCount } from "../../common/suppression";

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
  const peopleCount = metric.unit === MetricUnit.COUNT && metric.perspective !== MetricPerspective.ORGANIZATION && /^\d+$/.test(actual);
  if (peopleCount && suppressCount(Number(actual), t) === null) return true;
  return value.sampleSize !== null && value.sampleSize < t;
}
