import { EntityManager } from "typeorm";
import { ROLES } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { MetricAggregation, MetricCategory, MetricUnit, QuestionType } from "../../common/enums";
import { effectiveMaximum, perturb } from "../../common/perturbation";
import { effectiveThreshold, suppressTable } from "../../common/suppression";
import type { ServiceContext } from "../../context";
import { Metric } from "../metric/metric.entity";
import { MetricService } from "../metric/metric.service";
import { OutcomeMeasure } from "../metric/metric-link.entity";
import { meanChange } from "./distance";
import { LinkMetricToQuestionInput } from "./outcome.inputs";
import { DistanceRow, distanceSql, LINKED_VALUES_SQL } from "./outcome.sql";
import { DistanceTravelled } from "./outcome.types";

/** A linked metric's figures for one bucket, from its answers. */
export interface LinkedValue {
  measure: OutcomeMeasure;
  /** Answers, distinct people, the sum of their record keys. */
  n: number;
  people: number;
  keys: string;
  /** The sum and the mean of the values (a share: its percentage), exact decimal text. */
  s: string;
  mean: string;
}

/**
 * Values of linked metrics per bucket (metric id → bucket index from 0 → value), in one statement:
 * what `metricValues` shows for a metric computed from answers.
 */
export async function linkedMetricValues(em: EntityManager, organizationId: string, metricIds: string[], buckets: { from: Date; to: Date }[]): Promise<Map<string, Map<number, LinkedValue>>> {
  const out = new Map<string, Map<number, LinkedValue>>();
  if (metricIds.length === 0 || buckets.length === 0) return out;
  const rows: (LinkedValue & { metric_id: string; i: string })[] = await em.query(LINKED_VALUES_SQL, [organizationId, buckets.map((b) => b.from), buckets.map((b) => b.to), metricIds]);
  for (const r of rows) {
    const m = out.get(r.metric_id) ?? new Map<number, LinkedValue>();
    m.set(Number(r.i) - 1, { measure: r.measure, n: r.n, people: r.people, keys: r.keys, s: r.s, mean: r.mean });
    out.set(r.metric_id, m);
  }
  return out;
}

/** Distance travelled rows per metric (src/modules/outcome/outcome.sql.ts), optionally over some people only. */
export async function distanceRows(em: EntityManager, organizationId: string, metricIds: string[], from: Date | null, to: Date | null, people?: { sql: string; params: unknown[] }): Promise<Map<string, DistanceRow>> {
  if (metricIds.length === 0) return new Map();
  const rows: DistanceRow[] = await em.query(distanceSql(people?.sql ?? "true"), [organizationId, metricIds, from, to, ...(people?.params ?? [])]);
  return new Map(rows.map((r) => [r.metric_id, r]));
}

/** The measure a question of `type` gives a metric, or the problem (field and message). */
export function measureFor(type: QuestionType, metric: Pick<Metric, "aggregation" | "unit" | "category">, option: string | null | undefined, options: string[] | null): OutcomeMeasure | { field: string; message: string } {
  if (metric.category !== MetricCategory.SOCIAL) return { field: "metricId", message: "only a SOCIAL metric can be computed from answers (an outcome)" };
  if (type !== QuestionType.CHOICE && option !== null && option !== undefined) return { field: "option", message: "option is for a CHOICE question only" };
  const share = (m: OutcomeMeasure) => {
    if (metric.unit !== MetricUnit.PERCENT || metric.aggregation !== MetricAggregation.AVERAGE) return { field: "metricId", message: `a ${type} question gives a share: the metric must be a PERCENT metric with aggregation AVERAGE` };
    return m;
  };
  switch (type) {
    case QuestionType.NUMBER:
    case QuestionType.RATING:
      if (metric.aggregation === MetricAggregation.AVERAGE) return OutcomeMeasure.MEAN;
      if (metric.aggregation === MetricAggregation.SUM) return OutcomeMeasure.SUM;
      return { field: "metricId", message: "a LATEST metric cannot be computed from answers: answers are averaged (AVERAGE) or added up (SUM)" };
    case QuestionType.YES_NO:
      return share(OutcomeMeasure.SHARE_YES);
    case QuestionType.CHOICE:
      if (option === null || option === undefined || !(options ?? []).includes(option)) return { field: "option", message: `a CHOICE question needs the option to count, one of: ${(options ?? []).join(", ")}` };
      return share(OutcomeMeasure.SHARE_OPTION);
    default:
      return { field: "questionKey", message: `a ${type} question cannot give a metric's value: link a NUMBER, RATING, YES_NO or CHOICE question` };
  }
}

/**
 * Outcomes measured from feedback (issue 14, item 4): a SOCIAL metric linked to a survey question
 * is computed from the answers (metric-values.ts reads `linkedMetricValues`), and each person's
 * first and latest answers give the distance travelled.
 */
export class OutcomeService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  /** Links a metric to a question (admins), replacing its link if it had one. Check, load, write. */
  async link(input: LinkMetricToQuestionInput): Promise<Metric> {
    const metric = await new MetricService(this.sc).get(input.metricId, ROLES.admin, "metricId");
    const org = metric.organizationId;
    const [survey] = await this.em.query(`SELECT id, current_version FROM surveys WHERE organization_id = $1 AND id = $2`, [org, input.surveyId]);
    if (!survey) throw new NotFoundError("Survey", "surveyId");
    const [question] = await this.em.query(
      `SELECT q.type, q.options FROM survey_questions q JOIN survey_versions v ON v.organization_id = q.organization_id AND v.id = q.survey_version_id
        WHERE v.organization_id = $1 AND v.survey_id = $2 AND v.version = $3 AND q.key = $4`,
      [org, survey.id, survey.current_version, input.questionKey],
    );
    if (!question) throw new BadInputError("questionKey", `the survey's current version has no question "${input.questionKey}"`);
    const option = input.option === null || input.option === undefined ? null : input.option.trim();
    const measure = measureFor(question.type, metric, option, question.options);
    if (typeof measure !== "string") throw new BadInputError(measure.field, measure.message);
    await this.em.query(
      `INSERT INTO metric_question_links (organization_id, metric_id, survey_id, question_key, measure, option) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (organization_id, metric_id) DO UPDATE SET survey_id = excluded.survey_id, question_key = excluded.question_key, measure = excluded.measure, option = excluded.option, created_at = now()`,
      [org, metric.id, survey.id, input.questionKey, measure, measure === OutcomeMeasure.SHARE_OPTION ? option : null],
    );
    return metric;
  }

  /** Removes a metric's link (admins): its values come from observations again. */
  async unlink(metricId: string): Promise<Metric> {
    const metric = await new MetricService(this.sc).get(metricId, ROLES.admin, "metricId");
    await this.em.query(`DELETE FROM metric_question_links WHERE organization_id = $1 AND metric_id = $2`, [metric.organizationId, metric.id]);
    return metric;
  }

  /** Distance travelled on one linked metric over [from, to) (either may be open): admins, staff, funders (suppressed, adjusted). */
  async distanceTravelled(metricId: string, from: Date | null, to: Date | null): Promise<DistanceTravelled> {
    // Check.
    const metric = await new MetricService(this.sc).get(metricId, ROLES.aggregates, "metricId");
    if (from && to && !(from < to)) throw new BadInputError("to", "to must be after from (periods are [from, to))");
    const org = metric.organizationId;
    // Load.
    const [[link], [orgRow], rows] = await Promise.all([
      this.em.query(`SELECT 1 FROM metric_question_links WHERE organization_id = $1 AND metric_id = $2`, [org, metric.id]),
      this.em.query(`SELECT suppression_threshold, perturbation_maximum FROM organizations WHERE id = $1`, [org]),
      distanceRows(this.em, org, [metric.id], from, to),
    ]);
    if (!link) throw new BadInputError("metricId", "this metric is not computed from survey answers: link it to a question first (linkMetricToQuestion)");
    // Compute.
    const funder = this.sc.access.roleIn(org) === "FUNDER";
    return distanceOf(metric, rows.get(metric.id) ?? null, funder ? { k: effectiveThreshold(orgRow.suppression_threshold), maximum: effectiveMaximum(orgRow.perturbation_maximum) } : null);
  }
}

const round4 = (v: number) => Math.round(v * 10000) / 10000;
const share = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round4(a / b));

/**
 * The answer from the SQL row: staff see it as it is; funders (`funder`) through small-cell
 * suppression at k (improved, same and worse as one table with `measured` as its total; with a
 * baseline and lacking a follow-up as another) and the cell-key adjustment of every count shown,
 * the shares from the adjusted counts; the means only when `measured` is shown, as the true sums over
 * the adjusted `measured`.
 */
export function distanceOf(metric: Metric, r: DistanceRow | null, funder: { k: number; maximum: number } | null): DistanceTravelled {
  const row = r ?? { with_baseline: 0, baseline_keys: "0", measured: 0, measured_keys: "0", improved: 0, improved_keys: "0", same: 0, same_keys: "0", worse: 0, worse_keys: "0", lacking: 0, lacking_keys: "0", change_sum: 0, change_squares: 0, baseline_mean: null, follow_up_mean: null };
  let counts = { withBaseline: row.with_baseline as number | null, measured: row.measured as number | null, lacking: row.lacking as number | null, improved: row.improved as number | null, same: row.same as number | null, worse: row.worse as number | null };
  let suppressed = false;
  if (funder) {
    const classes = suppressTable(
      [
        { key: "improved", count: row.improved },
        { key: "same", count: row.same },
        { key: "worse", count: row.worse },
      ],
      row.measured,
      funder.k,
    );
    const follow = suppressTable(
      [
        { key: "measured", count: row.measured },
        { key: "lacking", count: row.lacking },
      ],
      row.with_baseline,
      funder.k,
    );
    const adjust = (c: number | null, keys: string) => (c === null ? null : perturb(c, keys, funder.maximum));
    const measuredShown = classes.totalSuppressed || follow.cells[0].suppressed ? null : row.measured;
    counts = {
      withBaseline: adjust(follow.total, row.baseline_keys),
      measured: adjust(measuredShown, row.measured_keys),
      lacking: adjust(follow.cells[1].count, row.lacking_keys),
      improved: measuredShown === null ? null : adjust(classes.cells[0].count, row.improved_keys),
      same: measuredShown === null ? null : adjust(classes.cells[1].count, row.same_keys),
      worse: measuredShown === null ? null : adjust(classes.cells[2].count, row.worse_keys),
    };
    suppressed = Object.values(counts).some((c) => c === null) && row.with_baseline > 0;
  }
  const showMeans = counts.measured !== null;
  let mean = showMeans ? meanChange({ n: row.measured, sum: row.change_sum, sumSquares: row.change_squares }) : { mean: null, low: null, high: null, notEnoughData: "hidden: fewer people than the threshold" };
  // Funders: means of magnitudes are the true sums over the adjusted count (perturbation.ts), so that a mean
  // times the count shown does not give the true count back; the interval keeps its width around that mean.
  const n = funder && counts.measured !== null && counts.measured > 0 ? counts.measured : row.measured;
  let baselineMean = row.baseline_mean;
  let followUpMean = row.follow_up_mean;
  if (funder && showMeans && n !== row.measured) {
    if (baselineMean !== null) baselineMean = (baselineMean * row.measured) / n;
    if (followUpMean !== null) followUpMean = (followUpMean * row.measured) / n;
    if (mean.mean !== null && mean.low !== null && mean.high !== null) {
      const half = (mean.high - mean.low) / 2;
      const m = row.change_sum / n;
      mean = { mean: round4(m), low: round4(m - half), high: round4(m + half), notEnoughData: null };
    }
  }
  return {
    metric,
    withBaseline: counts.withBaseline,
    measured: counts.measured,
    lackingFollowUp: counts.lacking,
    improved: counts.improved,
    same: counts.same,
    worse: counts.worse,
    improvedShare: share(counts.improved, counts.measured),
    sameShare: share(counts.same, counts.measured),
    worseShare: share(counts.worse, counts.measured),
    baselineMean: showMeans && baselineMean !== null ? round4(baselineMean) : null,
    followUpMean: showMeans && followUpMean !== null ? round4(followUpMean) : null,
    meanChange: mean.mean,
    meanChangeLow: mean.low,
    meanChangeHigh: mean.high,
    notEnoughData: mean.notEnoughData,
    suppressed,
  };
}
