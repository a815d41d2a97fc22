import { EntityManager } from "typeorm";
import { Random } from "./random";
import { contentHash } from "../src/common/batch";

const DAY = 24 * 3600 * 1000;

/** Outcomes measured from feedback: one survey asked twice (at purchase, and six months later), whose NUMBER questions feed social metrics. */
export interface OutcomeSpec {
  survey: string;
  /** The stage the survey is asked at (a customer stage where the product is used). */
  stage: string;
  followUpDays: number;
  questions: {
    key: string;
    text: string;
    unit: string;
    min: number;
    max: number;
    metric: { name: string; description: string; unitLabel: string; unit: "CURRENCY" | "HOURS"; direction: "HIGHER_IS_BETTER" | "LOWER_IS_BETTER" };
    /** A household's baseline (drawn), and its follow-up when it improved, stayed, or worsened. */
    baseline: (rng: Random) => number;
    improved: (rng: Random, baseline: number) => number;
    worse: (rng: Random, baseline: number) => number;
  }[];
  /** Shares of households whose answers improve, stay the same, or worsen between the two. */
  mix: [number, number, number];
}

/**
 * The survey, its two questions linked to two new social metrics (src/modules/outcome), and for every
 * customer's purchase a baseline answer the day after it and a follow-up `followUpDays` later (when
 * that is before the anchor: later purchases have no follow-up yet). Most households improve, some
 * stay where they were, a few get worse. Drawn from its own generator, so the rest of the demo is as
 * it was.
 */
export async function seedOutcomes(em: EntityManager, org: string, anchor: Date, rng: Random, spec: OutcomeSpec, purchases: { customerId: string; at: Date }[], stageId: string): Promise<{ responses: number }> {
  const created = new Date(Math.min(...purchases.map((p) => p.at.getTime())) - DAY);
  const surveyId = rng.uuid();
  const versionId = rng.uuid();
  await em.query(`INSERT INTO surveys (organization_id, id, name, audience, stage_id, created_at, updated_at) VALUES ($1, $2, $3, 'CUSTOMER', $4, $5, $5)`, [org, surveyId, spec.survey, stageId, created]);
  await em.query(`INSERT INTO survey_versions (organization_id, id, survey_id, version, created_at) VALUES ($1, $2, $3, 1, $4)`, [org, versionId, surveyId, created]);
  const questionIds: string[] = [];
  for (const [i, q] of spec.questions.entries()) {
    const id = rng.uuid();
    questionIds.push(id);
    await em.query(
      `INSERT INTO survey_questions (organization_id, id, survey_version_id, key, position, type, text, required, number_unit, number_min, number_max) VALUES ($1, $2, $3, $4, $5, 'NUMBER', $6, true, $7, $8, $9)`,
      [org, id, versionId, q.key, i, q.text, q.unit, q.min, q.max],
    );
    const metricId = rng.uuid();
    await em.query(
      `INSERT INTO metrics (organization_id, id, name, description, category, perspective, kind, unit, unit_label, direction, aggregation, impact_mode, stage_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'SOCIAL', 'CUSTOMER', 'OUTPUT', $5, $6, $7, 'AVERAGE', 'IN_USE', $8, $9, $9)`,
      [org, metricId, q.metric.name, q.metric.description, q.metric.unit, q.metric.unitLabel, q.metric.direction, stageId, created],
    );
    await em.query(`INSERT INTO metric_question_links (organization_id, metric_id, survey_id, question_key, measure, created_at) VALUES ($1, $2, $3, $4, 'MEAN', $5)`, [org, metricId, surveyId, q.key, created]);
  }
  const responses: unknown[][] = [];
  const answers: unknown[][] = [];
  const respond = (customerId: string, at: Date, values: number[], n: number) => {
    const id = rng.uuid();
    const clientId = `outcome-${customerId.slice(0, 8)}-${n}`;
    responses.push([id, surveyId, versionId, customerId, stageId, at, new Date(at.getTime() + 2 * 3600 * 1000), clientId, contentHash({ clientId, values })]);
    values.forEach((v, i) => answers.push([id, questionIds[i], v]));
  };
  // One household per customer: its first purchase.
  const first = new Map<string, Date>();
  for (const p of [...purchases].sort((a, b) => a.at.getTime() - b.at.getTime())) if (!first.has(p.customerId)) first.set(p.customerId, p.at);
  for (const [customerId, at] of first) {
    const baselineAt = new Date(at.getTime() + DAY);
    if (baselineAt >= anchor) continue;
    const baseline = spec.questions.map((q) => q.baseline(rng));
    respond(customerId, baselineAt, baseline, 1);
    const followUpAt = new Date(baselineAt.getTime() + spec.followUpDays * DAY);
    const path = rng.weighted([
      ["improved", spec.mix[0]],
      ["same", spec.mix[1]],
      ["worse", spec.mix[2]],
    ] as const);
    const followUp = spec.questions.map((q, i) => (path === "improved" ? q.improved(rng, baseline[i]) : path === "worse" ? q.worse(rng, baseline[i]) : baseline[i]));
    if (followUpAt < anchor) respond(customerId, followUpAt, followUp.map((v, i) => Math.min(spec.questions[i].max, Math.max(spec.questions[i].min, v))), 2);
  }
  if (responses.length) {
    const col = (rows: unknown[][], i: number) => rows.map((r) => r[i]);
    await em.query(
      `INSERT INTO feedback_responses (organization_id, id, survey_id, survey_version_id, stakeholder_id, kind, stage_id, stage_impact_mode, collected_at, received_at, client_submission_id, content_hash)
       SELECT $1, u.id, u.survey, u.version, u.sid, 'CUSTOMER', u.stage, 'IN_USE', u.at, u.received, u.client, u.hash
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[]) AS u(id, survey, version, sid, stage, at, received, client, hash)`,
      [org, ...Array.from({ length: 9 }, (_, i) => col(responses, i))],
    );
    await em.query(
      `INSERT INTO feedback_answers (organization_id, response_id, question_id, type, value_number) SELECT $1, u.r, u.q, 'NUMBER', u.v FROM unnest($2::uuid[], $3::uuid[], $4::numeric[]) AS u(r, q, v)`,
      [org, ...Array.from({ length: 3 }, (_, i) => col(answers, i))],
    );
  }
  return { responses: responses.length };
}
