import { EntityManager } from "typeorm";
import { Metric } from "../metric/metric.entity";
import { MetricAggregation } from "../../common/enums";
import { linkedMetricValues, LinkedValue } from "../outcome/outcome.service";
import { OutcomeMeasure } from "../metric/metric-link.entity";

export interface Bucket {
  from: Date;
  to: Date;
}

export interface MetricValue {
  /** The metric's value for the bucket (exact decimal string), null when missing. */
  actual: string | null;
  /** Observations it was computed from (a metric computed from answers: the answers). */
  observations: number;
  /** Set when the total was summed from one dimension's parts (SUM metrics only). */
  derivedFromDimension: string | null;
  /** Sum of the sample sizes reported with those observations, null when none was. */
  sampleSize: number | null;
  target: string | null;
  /** Sum of the record keys of the observations the value was made from (their cell key, for funders' perturbation); null when missing. */
  keySum: string | null;
  /** Computed from survey answers (a linked metric): `observations` counts answers, about one a person. */
  fromAnswers?: boolean;
}

interface ObsRow {
  metric_id: string;
  i: string;
  keyset: string;
  n: string;
  s: string;
  a: string;
  latest: string;
  sample: string | null;
  keys: string;
}

interface TargetRow {
  metric_id: string;
  i: string;
  inner_n: string;
  inner_sum: string | null;
  inner_avg: string | null;
  inner_latest: string | null;
  cover_value: string | null;
  cover_fraction: string | null;
}

const trim = (v: string | null): string | null => {
  if (v === null || v === undefined) return null;
  const s = String(v);
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
};

/**
 * Values of metrics over time buckets, in two SQL statements whatever the number of
 * metrics and buckets.
 *
 * An observation belongs to the bucket its period starts in (half-open: one starting
 * exactly at a bucket's end belongs to the next). Totals come from observations
 * recorded without dimensions, combined by the metric's aggregation: SUM adds them,
 * AVERAGE averages them, LATEST takes the one with the latest start. When a bucket
 * has none, a SUM metric's total is the sum of the parts of one dimension (the one
 * with the most observations there), and `derivedFromDimension` says which; an
 * AVERAGE or LATEST total cannot be rebuilt from parts and is reported missing.
 *
 * Targets: targets whose periods lie inside the bucket are combined the same way;
 * otherwise the narrowest target covering the whole bucket applies, prorated by time
 * for SUM metrics (a yearly target of 120 gives a 31-day month 120 × 31/365).
 */
export async function metricValues(em: EntityManager, organizationId: string, metrics: Metric[], buckets: Bucket[]): Promise<Map<string, MetricValue[]>> {
  const out = new Map<string, MetricValue[]>();
  if (metrics.length === 0 || buckets.length === 0) return out;
  const ids = metrics.map((m) => m.id);
  const from = buckets.map((b) => b.from);
  const to = buckets.map((b) => b.to);
  const [obs, targets, linked]: [ObsRow[], TargetRow[], Map<string, Map<number, LinkedValue>>] = await Promise.all([
    em.query(
      `WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i))
       SELECT o.metric_id, b.i,
              CASE WHEN o.dimensions = '{}'::jsonb THEN '' ELSE (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(o.dimensions) k) END AS keyset,
              count(*) AS n, sum(o.value)::text AS s, round(avg(o.value), 6)::text AS a,
              (array_agg(o.value ORDER BY o.period_from DESC, o.created_at DESC, o.id DESC))[1]::text AS latest,
              sum(o.sample_size) AS sample, sum(o.record_key) AS keys
         FROM observations o JOIN b ON o.period_from >= b.bf AND o.period_from < b.bt
        WHERE o.organization_id = $1 AND o.metric_id = ANY($4::uuid[])
        GROUP BY 1, 2, 3`,
      [organizationId, from, to, ids],
    ),
    em.query(
      `WITH b AS (SELECT * FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i)),
            m AS (SELECT unnest($4::uuid[]) AS metric_id)
       SELECT m.metric_id, b.i,
              (SELECT count(*) FROM metric_targets t WHERE t.organization_id = $1 AND t.metric_id = m.metric_id AND t.period_from >= b.bf AND t.period_to <= b.bt) AS inner_n,
              (SELECT sum(t.value)::text FROM metric_targets t WHERE t.organization_id = $1 AND t.metric_id = m.metric_id AND t.period_from >= b.bf AND t.period_to <= b.bt) AS inner_sum,
              (SELECT round(avg(t.value), 6)::text FROM metric_targets t WHERE t.organization_id = $1 AND t.metric_id = m.metric_id AND t.period_from >= b.bf AND t.period_to <= b.bt) AS inner_avg,
              (SELECT t.value::text FROM metric_targets t WHERE t.organization_id = $1 AND t.metric_id = m.metric_id AND t.period_from >= b.bf AND t.period_to <= b.bt
                ORDER BY t.period_from DESC LIMIT 1) AS inner_latest,
              c.value::text AS cover_value,
              (extract(epoch FROM b.bt - b.bf) / extract(epoch FROM c.period_to - c.period_from))::text AS cover_fraction
         FROM m CROSS JOIN b
         LEFT JOIN LATERAL (
           SELECT t.value, t.period_from, t.period_to FROM metric_targets t
            WHERE t.organization_id = $1 AND t.metric_id = m.metric_id AND t.period_from <= b.bf AND t.period_to >= b.bt
            ORDER BY t.period_to - t.period_from LIMIT 1
         ) c ON true`,
      [organizationId, from, to, ids],
    ),
    // Metrics computed from survey answers (src/modules/outcome): their values come from the answers, not observations.
    linkedMetricValues(em, organizationId, ids, buckets),
  ]);
  const obsBy = new Map<string, ObsRow[]>();
  for (const r of obs) {
    const key = `${r.metric_id}:${r.i}`;
    obsBy.set(key, [...(obsBy.get(key) ?? []), r]);
  }
  const targetBy = new Map(targets.map((t) => [`${t.metric_id}:${t.i}`, t]));
  for (const metric of metrics) {
    const values: MetricValue[] = buckets.map((_, bi) => {
      const key = `${metric.id}:${bi + 1}`;
      const rows = obsBy.get(key) ?? [];
      const total = rows.find((r) => r.keyset === "");
      let actual: string | null = null;
      let observations = 0;
      let derivedFromDimension: string | null = null;
      let sampleSize: number | null = null;
      let keySum: string | null = null;
      if (total) {
        actual = trim(metric.aggregation === MetricAggregation.SUM ? total.s : metric.aggregation === MetricAggregation.AVERAGE ? total.a : total.latest);
        observations = Number(total.n);
        sampleSize = total.sample === null ? null : Number(total.sample);
        keySum = String(total.keys);
      } else if (metric.aggregation === MetricAggregation.SUM) {
        const single = rows.filter((r) => r.keyset !== "" && !r.keyset.includes(",")).sort((a, b) => Number(b.n) - Number(a.n) || a.keyset.localeCompare(b.keyset));
        if (single.length) {
          actual = trim(single[0].s);
          observations = Number(single[0].n);
          derivedFromDimension = single[0].keyset;
          sampleSize = single[0].sample === null ? null : Number(single[0].sample);
          keySum = String(single[0].keys);
        }
      }
      const fromAnswers = linked.get(metric.id);
      if (fromAnswers) {
        // A linked metric: the answers in the bucket (none: missing), its sample size the people who answered.
        const a = fromAnswers.get(bi);
        actual = a ? (a.measure === OutcomeMeasure.SUM ? a.s : a.mean) : null;
        observations = a ? a.n : 0;
        derivedFromDimension = null;
        sampleSize = a ? a.people : null;
        keySum = a ? a.keys : null;
      }
      const answers = fromAnswers !== undefined;
      const t = targetBy.get(key);
      let target: string | null = null;
      if (t && Number(t.inner_n) > 0) {
        target = trim(metric.aggregation === MetricAggregation.SUM ? t.inner_sum : metric.aggregation === MetricAggregation.AVERAGE ? t.inner_avg : t.inner_latest);
      } else if (t && t.cover_value !== null) {
        target =
          metric.aggregation === MetricAggregation.SUM
            ? trim((Math.round(Number(t.cover_value) * Number(t.cover_fraction) * 1e6) / 1e6).toFixed(6))
            : trim(t.cover_value);
      }
      return { actual, observations, derivedFromDimension, sampleSize, target, keySum, fromAnswers: answers };
    });
    out.set(metric.id, values);
  }
  return out;
}
