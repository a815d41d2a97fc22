import { QoeComponent, QoeComponentKind, QoePart, QoePerspective, QoePerspectiveScore, QoeWeights } from "./qoe.types";

/** What one group's feedback for one perspective amounts to. */
export interface FeedbackStats {
  promoters: number;
  passives: number;
  detractors: number;
  /** Mean of ratings mapped to 0..100, and how many ratings. */
  ratingMean: number | null;
  ratingN: number;
  effortMean: number | null;
  effortN: number;
}

export interface PerspectiveInputs {
  feedback?: FeedbackStats;
  /** Attainments (0..100) of the metrics that count: KPIs for customers, social metrics for beneficiaries. */
  attainments?: { name: string; attainment: number }[];
  loops?: { onTime: number; due: number };
}

export const DEFAULT_WEIGHTS: QoeWeights = { customer: 1, user: 1, beneficiary: 1, feedback: 1, kpiAttainment: 1, socialAttainment: 1, loopClosure: 1 };

export const COMPONENTS: Record<QoePerspective, QoeComponentKind[]> = {
  CUSTOMER: [QoeComponentKind.FEEDBACK, QoeComponentKind.KPI_ATTAINMENT, QoeComponentKind.LOOP_CLOSURE],
  USER: [QoeComponentKind.FEEDBACK],
  BENEFICIARY: [QoeComponentKind.FEEDBACK, QoeComponentKind.SOCIAL_ATTAINMENT, QoeComponentKind.LOOP_CLOSURE],
};

const round2 = (v: number) => Math.round(v * 100) / 100;

function componentWeight(kind: QoeComponentKind, w: QoeWeights): number {
  return kind === "FEEDBACK" ? w.feedback : kind === "KPI_ATTAINMENT" ? w.kpiAttainment : kind === "SOCIAL_ATTAINMENT" ? w.socialAttainment : w.loopClosure;
}

export function perspectiveWeight(p: QoePerspective, w: QoeWeights): number {
  return p === "CUSTOMER" ? w.customer : p === "USER" ? w.user : w.beneficiary;
}

/** The feedback component: NPS mapped (NPS+100)/2, ratings and effort mapped to 0..100, weighted by their answer counts. */
export function feedbackComponent(f: FeedbackStats | undefined): { value: number | null; sampleSize: number; parts: QoePart[] } {
  const parts: QoePart[] = [];
  if (f) {
    const n = f.promoters + f.passives + f.detractors;
    if (n > 0) {
      const nps = ((f.promoters - f.detractors) / n) * 100;
      parts.push({ name: "NPS", raw: round2(nps), value: round2((nps + 100) / 2), sampleSize: n });
    }
    if (f.ratingN > 0 && f.ratingMean !== null) parts.push({ name: "RATING", raw: round2(f.ratingMean / 25 + 1), value: round2(f.ratingMean), sampleSize: f.ratingN });
    if (f.effortN > 0 && f.effortMean !== null) parts.push({ name: "EFFORT", raw: round2((f.effortMean / 100) * 6 + 1), value: round2(f.effortMean), sampleSize: f.effortN });
  }
  const n = parts.reduce((s, p) => s + p.sampleSize, 0);
  const value = n === 0 ? null : round2(parts.reduce((s, p) => s + (p.value as number) * p.sampleSize, 0) / n);
  return { value, sampleSize: n, parts };
}

/** One perspective's score: the weighted mean of the components that have data; the others are listed as missing. */
export function scorePerspective(perspective: QoePerspective, inputs: PerspectiveInputs, w: QoeWeights): QoePerspectiveScore {
  const components: QoeComponent[] = COMPONENTS[perspective].map((kind) => {
    const weight = componentWeight(kind, w);
    if (kind === QoeComponentKind.FEEDBACK) {
      const f = feedbackComponent(inputs.feedback);
      return { kind, weight, value: f.value, sampleSize: f.sampleSize, missing: f.value === null, parts: f.parts };
    }
    if (kind === QoeComponentKind.LOOP_CLOSURE) {
      const l = inputs.loops;
      const value = l && l.due > 0 ? round2((l.onTime / l.due) * 100) : null;
      return { kind, weight, value, sampleSize: l?.due ?? 0, missing: value === null, parts: l && l.due > 0 ? [{ name: "closed on time", raw: l.onTime, value, sampleSize: l.due }] : [] };
    }
    const list = inputs.attainments ?? [];
    const value = list.length ? round2(list.reduce((s, a) => s + a.attainment, 0) / list.length) : null;
    return { kind, weight, value, sampleSize: list.length, missing: value === null, parts: list.map((a) => ({ name: a.name, raw: a.attainment, value: a.attainment, sampleSize: 1 })) };
  });
  const present = components.filter((c) => !c.missing && c.weight > 0);
  const total = present.reduce((s, c) => s + c.weight, 0);
  return {
    perspective,
    weight: perspectiveWeight(perspective, w),
    score: total > 0 ? round2(present.reduce((s, c) => s + (c.value as number) * c.weight, 0) / total) : null,
    components,
    missing: components.filter((c) => c.missing).map((c) => c.kind),
  };
}

/** The overall score: the weighted mean of the perspectives that have a score. */
export function scoreOverall(perspectives: QoePerspectiveScore[]): { score: number | null; missing: QoePerspective[] } {
  const present = perspectives.filter((p) => p.score !== null && p.weight > 0);
  const total = present.reduce((s, p) => s + p.weight, 0);
  return {
    score: total > 0 ? round2(present.reduce((s, p) => s + (p.score as number) * p.weight, 0) / total) : null,
    missing: perspectives.filter((p) => p.score === null).map((p) => p.perspective),
  };
}
