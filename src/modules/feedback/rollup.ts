/**
 * Reading the feedback rollups (migrations/1732830000000-FeedbackRollup.ts): per organization and
 * UTC day, responses per NPS answer and the sums behind the rating and effort means, keyed by
 * kind, survey, touchpoint, stage and IN_USE (`feedback_daily`), or by a disaggregation dimension
 * of the stakeholder (`feedback_daily_dimension`). A period [from, to) is read as its whole UTC
 * days from a rollup, and the rest (the part of a day before the first whole day and after the
 * last) from the tables, so a figure is exactly what the tables give, whatever the period; the
 * cost grows with the days asked for, not with the history held.
 */

/** Where a view reads feedback figures: the rollups (and the tables for the edges of the period), or the tables only. */
export type FeedbackSource = "rollup" | "tables";

/** The measures of a rollup row, in the migration's order. */
export const MEASURES = [
  "responses",
  ...Array.from({ length: 11 }, (_, v) => `nps_${v}`),
  "rating_n",
  "rating_sum",
  "rating_sum_n",
  "effort_n",
  "effort_sum",
  "effort_sum_n",
] as const;

export interface PeriodSplit {
  /** The whole UTC days [from, to) of the period, as dates (YYYY-MM-DD), or null when there is none. */
  days: { from: string; to: string } | null;
  /** What is left: at most two spans, each shorter than a day, read from the tables. */
  edges: { from: Date; to: Date }[];
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Splits [from, to) into its whole UTC days and the edges around them. */
export function splitPeriod(from: Date, to: Date): PeriodSplit {
  const first = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const last = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  if (first >= last) return { days: null, edges: [{ from, to }] };
  const edges: { from: Date; to: Date }[] = [];
  if (from.getTime() < first) edges.push({ from, to: new Date(first) });
  if (last < to.getTime()) edges.push({ from: new Date(last), to });
  return { days: { from: isoDay(first), to: isoDay(last) }, edges };
}

/**
 * SQL condition: `column` (a timestamptz) falls in one of the edges. `param(value)` adds a
 * parameter and returns its placeholder. FALSE when there is no edge.
 */
export function inEdges(column: string, edges: PeriodSplit["edges"], param: (value: unknown) => string): string {
  if (edges.length === 0) return "FALSE";
  return `(${edges.map((e) => `(${column} >= ${param(e.from)} AND ${column} < ${param(e.to)})`).join(" OR ")})`;
}

/** SQL condition on a rollup row (alias `d`): its day is one of the whole days. FALSE when there is none. */
export function inDays(alias: string, days: PeriodSplit["days"], param: (value: unknown) => string): string {
  if (!days) return "FALSE";
  return `${alias}.day >= ${param(days.from)}::date AND ${alias}.day < ${param(days.to)}::date`;
}

/**
 * A response's own measures (alias r), as a rollup row holds them: the same expressions as the
 * triggers' (a test compares the rollups with these over random writes).
 */
export const RESPONSE_MEASURES = MEASURES.map((m) => {
  if (m === "responses") return `1 AS responses`;
  if (m.startsWith("nps_")) return `CASE WHEN r.nps = ${m.slice(4)} THEN 1 ELSE 0 END AS ${m}`;
  return `0 AS ${m}`;
}).join(", ");

/** An answer's measures (alias a): the rating and effort sums are of the values mapped to 0..100. */
export const ANSWER_MEASURES = MEASURES.map((m) => {
  if (m === "responses" || m.startsWith("nps_")) return `0 AS ${m}`;
  const [type, divisor] = m.startsWith("rating") ? ["RATING", 4] : ["EFFORT", 6];
  if (m.endsWith("_sum")) return `CASE WHEN a.type = '${type}' AND a.value_number IS NOT NULL THEN (a.value_number - 1) / ${divisor} * 100 ELSE 0 END AS ${m}`;
  if (m.endsWith("_sum_n")) return `CASE WHEN a.type = '${type}' AND a.value_number IS NOT NULL THEN 1 ELSE 0 END AS ${m}`;
  return `CASE WHEN a.type = '${type}' THEN 1 ELSE 0 END AS ${m}`;
}).join(", ");

/** Whether a response (alias r) was given at an IN_USE stage. */
export const IN_USE = `r.stage_impact_mode IS NOT DISTINCT FROM 'IN_USE'`;

/**
 * Rows shaped like a rollup's (the given key columns, then every measure) for the responses
 * matching `where` (alias r) and their rating and effort answers: the tables' side of a period.
 * `keys` are SQL expressions over r (and over s, the response's stakeholder, when `stakeholder` is set).
 */
export function tableFacts(keys: string, where: string, stakeholder = false): string {
  const join = stakeholder ? `JOIN stakeholders s ON s.organization_id = r.organization_id AND s.id = r.stakeholder_id` : "";
  return `SELECT ${keys}, ${RESPONSE_MEASURES} FROM feedback_responses r ${join} WHERE ${where}
          UNION ALL
          SELECT ${keys}, ${ANSWER_MEASURES} FROM feedback_responses r ${join}
            JOIN feedback_answers a ON a.organization_id = r.organization_id AND a.response_id = r.id AND a.type IN ('RATING', 'EFFORT')
           WHERE ${where}`;
}

/** The NPS values (0..10) a filter keeps: by class, minimum and maximum score. */
export function npsValues(filter: { npsClass?: string | null; minScore?: number | null; maxScore?: number | null }): number[] {
  return Array.from({ length: 11 }, (_, v) => v).filter((v) => {
    if (filter.npsClass === "PROMOTER" && v < 9) return false;
    if (filter.npsClass === "PASSIVE" && (v < 7 || v > 8)) return false;
    if (filter.npsClass === "DETRACTOR" && v > 6) return false;
    if (filter.minScore !== undefined && filter.minScore !== null && v < filter.minScore) return false;
    if (filter.maxScore !== undefined && filter.maxScore !== null && v > filter.maxScore) return false;
    return true;
  });
}

/** Sum of the rollup columns of the NPS values given (alias d), 0 when none. */
export function npsSum(alias: string, values: number[]): string {
  return values.length ? values.map((v) => `${alias}.nps_${v}`).join(" + ") : "0";
}
