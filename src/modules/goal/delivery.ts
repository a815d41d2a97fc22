import { InterventionStatus } from "../../common/enums";
import { feedbackComponent } from "../qoe/score";

/**
 * Whether an experience goal is delivered: the pure rules (no database), unit-tested.
 *
 * Interventions, judged at the period's end E (an instant; an intervention's dates are calendar
 * days in the organization's time zone, a start day beginning at its midnight, an end day ending at
 * the next midnight):
 * - CANCELLED: cancelled (counted apart, never late);
 * - its start day not begun before E: NOT_STARTED, whatever its status (by its plan it had not started);
 * - DONE: ON_TIME (the record holds no completion date, so a done intervention is not judged late);
 * - IN_PROGRESS: LATE when its end day was over before E (it should be done), else ON_TIME;
 * - PLANNED: LATE (its start day began before E: it should have started).
 * The status is the current one (the record keeps no history of statuses).
 */
export enum Timeliness {
  ON_TIME = "ON_TIME",
  LATE = "LATE",
  NOT_STARTED = "NOT_STARTED",
  CANCELLED = "CANCELLED",
}

export function classifyIntervention(status: InterventionStatus, startAt: Date, endAt: Date, periodEnd: Date, startsOn: string, endsOn: string): { timeliness: Timeliness; reason: string } {
  const e = periodEnd.getTime();
  if (status === InterventionStatus.CANCELLED) return { timeliness: Timeliness.CANCELLED, reason: "cancelled" };
  if (startAt.getTime() >= e) return { timeliness: Timeliness.NOT_STARTED, reason: `planned to start on ${startsOn}` };
  if (status === InterventionStatus.DONE) return { timeliness: Timeliness.ON_TIME, reason: "done" };
  if (status === InterventionStatus.IN_PROGRESS) {
    return endAt.getTime() <= e
      ? { timeliness: Timeliness.LATE, reason: `in progress after its end date ${endsOn}` }
      : { timeliness: Timeliness.ON_TIME, reason: `in progress, due to end on ${endsOn}` };
  }
  return { timeliness: Timeliness.LATE, reason: `still planned though due to start on ${startsOn}` };
}

/** Whether the experience before and after its start is compared: it has started (in progress or done) by the period's end. */
export function hasStarted(status: InterventionStatus, startAt: Date, periodEnd: Date): boolean {
  return (status === InterventionStatus.IN_PROGRESS || status === InterventionStatus.DONE) && startAt.getTime() < periodEnd.getTime();
}

/** The answers of one window, as SQL sums them: per part, count, sum and sum of squares of the per-answer scores (0..100). */
export interface WindowSums {
  promoters: number;
  passives: number;
  detractors: number;
  rating: { n: number; sum: number; squares: number };
  effort: { n: number; sum: number; squares: number };
}

export const EMPTY_SUMS: WindowSums = { promoters: 0, passives: 0, detractors: 0, rating: { n: 0, sum: 0, squares: 0 }, effort: { n: 0, sum: 0, squares: 0 } };

export interface WindowScore {
  from: Date;
  to: Date;
  /** Answers (NPS, rating and effort answers together). */
  answers: number;
  /** The feedback component's value (src/modules/qoe/score.ts), null below the minimum. */
  score: number | null;
  low: number | null;
  high: number | null;
  /** NPS (−100..100) of the window's NPS answers, null below the minimum. */
  nps: number | null;
  npsAnswers: number;
  /** Variance of the mean (s²/n), for the difference's interval; null below the minimum. */
  varianceOfMean: number | null;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const Z95 = 1.96;

/**
 * One window's score with its 95 % interval. Each answer is one score on 0..100: an NPS answer 100
 * (promoter), 50 (passive) or 0 (detractor), whose mean is (NPS + 100) / 2; a rating r on 1..5
 * (r − 1) / 4 × 100; an effort e on 1..7 (e − 1) / 6 × 100. The score is the feedback component's
 * (the answer-weighted mean of the parts, as QoE computes it); the interval is the normal
 * approximation mean ± 1.96 × s / √n, with s the sample standard deviation of the per-answer
 * scores (answers of one response counted as independent), clipped to 0..100. Below `minimum`
 * answers: no score.
 */
export function windowScore(sums: WindowSums, from: Date, to: Date, minimum: number): WindowScore {
  const npsN = sums.promoters + sums.passives + sums.detractors;
  const n = npsN + sums.rating.n + sums.effort.n;
  const base = { from, to, answers: n, npsAnswers: npsN };
  if (n < minimum || n < 2) return { ...base, score: null, low: null, high: null, nps: null, varianceOfMean: null };
  const f = feedbackComponent({
    promoters: sums.promoters,
    passives: sums.passives,
    detractors: sums.detractors,
    ratingMean: sums.rating.n ? sums.rating.sum / sums.rating.n : null,
    ratingN: sums.rating.n,
    effortMean: sums.effort.n ? sums.effort.sum / sums.effort.n : null,
    effortN: sums.effort.n,
  });
  const sum = sums.promoters * 100 + sums.passives * 50 + sums.rating.sum + sums.effort.sum;
  const squares = sums.promoters * 10000 + sums.passives * 2500 + sums.rating.squares + sums.effort.squares;
  const mean = sum / n;
  const variance = Math.max(0, (squares - n * mean * mean) / (n - 1));
  const half = Z95 * Math.sqrt(variance / n);
  return {
    ...base,
    score: f.value,
    low: round2(Math.max(0, mean - half)),
    high: round2(Math.min(100, mean + half)),
    nps: npsN ? round2(((sums.promoters - sums.detractors) / npsN) * 100) : null,
    varianceOfMean: variance / n,
  };
}

/** After − before with its 95 % interval (± 1.96 × √(s₁²/n₁ + s₂²/n₂)); null when either side has too few answers. */
export function difference(before: WindowScore, after: WindowScore): { difference: number | null; low: number | null; high: number | null } {
  if (before.score === null || after.score === null || before.varianceOfMean === null || after.varianceOfMean === null) return { difference: null, low: null, high: null };
  const d = after.score - before.score;
  const half = Z95 * Math.sqrt(before.varianceOfMean + after.varianceOfMean);
  return { difference: round2(d), low: round2(d - half), high: round2(d + half) };
}

/** Why there is no difference, or null. */
export function notEnough(before: WindowScore, after: WindowScore, minimum: number): string | null {
  const short = [before.score === null ? `${before.answers} before` : null, after.score === null ? `${after.answers} after` : null].filter(Boolean);
  return short.length ? `not enough data: ${short.join(", ")} (at least ${minimum} answers on each side)` : null;
}
