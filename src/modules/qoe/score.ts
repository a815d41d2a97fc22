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

export type FeedbackPartName = "NPS" | "RATING" | "EFFORT";

export interface PerspectiveInputs {
  feedback?: FeedbackStats;
  /** Feedback parts hidden from a funder (small-cell suppression): listed, left out of the score. */
  hiddenFeedback?: ReadonlySet<FeedbackPartName>;
  /** Attainments (0..100) of the metrics that count: KPIs for customers, social metrics for beneficiaries; `hidden` for a funder. */
  attainments?: { name: string; attainment: number; hidden?: boolean }[];
  loops?: { onTime: number; due: number; hidden?: boolean };
}

export const DEFAULT_WEIGHTS: QoeWeights = { customer: 1, user: 1, beneficiary: 1, feedback: 1, kpiAttainment: 1, socialAttainment: 1, loopClosure: 1 };

export const COMPONENTS: Record<QoePerspective, QoeComponentKind[]> = {
  CUSTOMER: [QoeComponentKind.FEEDBACK, QoeComponentKind.KPI_ATTAINMENT, QoeComponentKind.LOOP_CLOSURE],
  USER: [QoeComponentKind.FEEDBACK],
  BENEFICIARY: [QoeComponentKind.FEEDBACK, QoeComponentKind.SOCIAL_ATTAINMENT, QoeComponentKind.LOOP_CLOSURE],
};

const round2 = (v: number) => Math.round(v * 100) / 100;

export function componentWeight(kind: QoeComponentKind, w: QoeWeights): number {
  return kind === "FEEDBACK" ? w.feedback : kind === "KPI_ATTAINMENT" ? w.kpiAttainment : kind === "SOCIAL_ATTAINMENT" ? w.socialAttainment : w.loopClosure;
}

export function perspectiveWeight(p: QoePerspective, w: QoeWeights): number {
  return p === "CUSTOMER" ? w.customer : p === "USER" ? w.user : w.beneficiary;
}

/** A part hidden from a funder: its name only. */
export function hiddenPart(name: string): QoePart {
  return { name, raw: null, value: null, sampleSize: null, suppressed: true };
}

/** The parts shown (not hidden), and whether any is hidden. */
function shown(parts: QoePart[]): { visible: QoePart[]; suppressed: boolean } {
  const visible = parts.filter((p) => !p.suppressed);
  return { visible, suppressed: visible.length < parts.length };
}

/**
 * The feedback component: NPS mapped (NPS+100)/2, ratings and effort mapped to 0..100, weighted by
 * their answer counts. Hidden parts are listed without numbers and left out of the value.
 */
export function feedbackComponent(f: FeedbackStats | undefined, hidden?: ReadonlySet<FeedbackPartName>): { value: number | null; sampleSize: number | null; parts: QoePart[]; suppressed: boolean } {
  const parts: QoePart[] = [];
  const add = (part: QoePart & { name: FeedbackPartName }) => parts.push(hidden?.has(part.name) ? hiddenPart(part.name) : part);
  if (f) {
    const n = f.promoters + f.passives + f.detractors;
    if (n > 0) {
      const nps = ((f.promoters - f.detractors) / n) * 100;
      add({ name: "NPS", raw: round2(nps), value: round2((nps + 100) / 2), sampleSize: n, suppressed: false });
    }
    if (f.ratingN > 0 && f.ratingMean !== null) add({ name: "RATING", raw: round2(f.ratingMean / 25 + 1), value: round2(f.ratingMean), sampleSize: f.ratingN, suppressed: false });
    if (f.effortN > 0 && f.effortMean !== null) add({ name: "EFFORT", raw: round2((f.effortMean / 100) * 6 + 1), value: round2(f.effortMean), sampleSize: f.effortN, suppressed: false });
  }
  const { visible, suppressed } = shown(parts);
  const n = visible.reduce((s, p) => s + (p.sampleSize as number), 0);
  const value = n === 0 ? null : round2(visible.reduce((s, p) => s + (p.value as number) * (p.sampleSize as number), 0) / n);
  return { value, sampleSize: suppressed && visible.length === 0 ? null : n, parts, suppressed };
}

/**
 * One perspective's score: the weighted mean of the components that have data; the others are
 * listed as missing. Parts hidden from a funder are listed without numbers and left out: a
 * component, and so the score, is then computed from what is shown.
 */
export function scorePerspective(perspective: QoePerspective, inputs: PerspectiveInputs, w: QoeWeights): QoePerspectiveScore {
  const components: QoeComponent[] = COMPONENTS[perspective].map((kind) => {
    const weight = componentWeight(kind, w);
    if (kind === QoeComponentKind.FEEDBACK) {
      const f = feedbackComponent(inputs.feedback, inputs.hiddenFeedback);
      return { kind, weight, value: f.value, sampleSize: f.sampleSize, missing: f.value === null, parts: f.parts, suppressed: f.suppressed };
    }
    if (kind === QoeComponentKind.LOOP_CLOSURE) {
      const l = inputs.loops;
      if (!l || l.due === 0) return { kind, weight, value: null, sampleSize: 0, missing: true, parts: [], suppressed: false };
      const name = "closed on time";
      if (l.hidden) return { kind, weight, value: null, sampleSize: null, missing: true, parts: [hiddenPart(name)], suppressed: true };
      const value = round2((l.onTime / l.due) * 100);
      return { kind, weight, value, sampleSize: l.due, missing: false, parts: [{ name, raw: l.onTime, value, sampleSize: l.due, suppressed: false }], suppressed: false };
    }
    const parts: QoePart[] = (inputs.attainments ?? []).map((a) => (a.hidden ? hiddenPart(a.name) : { name: a.name, raw: a.attainment, value: a.attainment, sampleSize: 1, suppressed: false }));
    const { visible, suppressed } = shown(parts);
    const value = visible.length ? round2(visible.reduce((s, p) => s + (p.value as number), 0) / visible.length) : null;
    return { kind, weight, value, sampleSize: suppressed && visible.length === 0 ? null : visible.length, missing: value === null, parts, suppressed };
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
