import { EntityManager } from "typeorm";
import { Random } from "./random";
import { contentHash } from "../src/common/batch";
import { applyRules } from "../src/modules/action/rules";

const HOUR = 3600 * 1000;

export interface QuestionSpec {
  key: string;
  type: "NPS" | "RATING" | "EFFORT" | "YES_NO" | "CHOICE" | "TEXT";
  text: string;
  options?: string[];
}

export interface SurveySpec {
  name: string;
  audience: "CUSTOMER" | "BENEFICIARY";
  touchpoint: string;
  questions: QuestionSpec[];
  /** Share of interactions at the touchpoint that get a response. */
  responseRate: number;
  /** Promoter / passive / detractor shares. */
  mix: [number, number, number];
  /** Collected by the touchpoint's partner's app, received after a few days offline. */
  viaPartner?: boolean;
  comments: { promoter: string[]; passive: string[]; detractor: string[] };
  /** From this many days before the anchor on, this mix instead (an intervention that worked). */
  improvedFrom?: { daysAgo: number; mix: [number, number, number] };
}

export interface GoalSpec {
  statement: string;
  touchpoint: string;
  metrics: string[];
  interventions: { title: string; owner: string; startDaysAgo: number; lengthDays: number; status: "PLANNED" | "IN_PROGRESS" | "DONE" | "CANCELLED" }[];
}

export interface FeedbackSpec {
  surveys: SurveySpec[];
  goals: GoalSpec[];
  /**
   * Loops closed on time go with recovery: a detractor whose next answer is a promoter or passive
   * had the loop closed on time more often than one whose next answer is a detractor again. The
   * outcome of each action is still one draw of the same generator (the weights change, not the
   * number of draws before it).
   */
  loopsGoWithRecovery?: boolean;
}

interface Interaction {
  stakeholderId: string;
  touchpointId: string;
  at: Date;
}

/**
 * Surveys after the main touchpoints, a year of responses with comments (one
 * touchpoint made worse on purpose), the "every detractor" rule with its actions
 * (most loops closed on time, some late, some not yet), goals and interventions.
 */
export async function seedFeedback(
  em: EntityManager,
  org: string,
  anchor: Date,
  rng: Random,
  spec: FeedbackSpec,
  interactions: Interaction[],
  touchpoints: Map<string, { id: string; partnerId: string | null; stageId: string; kind: string }>,
  stageModes: Map<string, string | null>,
  areaId: (name: string) => string,
): Promise<{ responses: number; actions: number }> {
  const responses: unknown[][] = [];
  const answers: unknown[][] = [];
  for (const s of spec.surveys) {
    const tp = touchpoints.get(s.touchpoint);
    if (!tp) throw new Error(`demo data: no touchpoint "${s.touchpoint}"`);
    const surveyId = rng.uuid();
    const versionId = rng.uuid();
    const created = new Date(anchor.getTime() - 400 * 24 * HOUR);
    await em.query(`INSERT INTO surveys (organization_id, id, name, audience, stage_id, touchpoint_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, [
      org,
      surveyId,
      s.name,
      s.audience,
      tp.stageId,
      tp.id,
      created,
    ]);
    await em.query(`INSERT INTO survey_versions (organization_id, id, survey_id, version, created_at) VALUES ($1, $2, $3, 1, $4)`, [org, versionId, surveyId, created]);
    const questionIds = new Map<string, string>();
    for (const [i, q] of s.questions.entries()) {
      const id = rng.uuid();
      questionIds.set(q.key, id);
      await em.query(`INSERT INTO survey_questions (organization_id, id, survey_version_id, key, position, type, text, options, required) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        org,
        id,
        versionId,
        q.key,
        i,
        q.type,
        q.text,
        q.options ?? null,
        q.type === "NPS",
      ]);
    }
    for (const it of interactions.filter((x) => x.touchpointId === tp.id)) {
      if (!rng.chance(s.responseRate)) continue;
      const collectedAt = new Date(it.at.getTime() + rng.int(1, 48) * HOUR);
      const receivedAt = new Date(collectedAt.getTime() + (s.viaPartner ? rng.int(2, 120) : rng.int(0, 2)) * HOUR);
      if (receivedAt >= anchor) continue;
      // One draw whatever the weights: a mix that changes with time keeps every later draw where it was.
      const mix = s.improvedFrom && collectedAt.getTime() >= anchor.getTime() - s.improvedFrom.daysAgo * 24 * HOUR ? s.improvedFrom.mix : s.mix;
      const cls = rng.weighted([
        ["promoter", mix[0]],
        ["passive", mix[1]],
        ["detractor", mix[2]],
      ] as const);
      const nps = cls === "promoter" ? rng.int(9, 10) : cls === "passive" ? rng.int(7, 8) : rng.weighted([[0, 1], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 5]] as const);
      const id = rng.uuid();
      const comment = rng.chance(0.7) ? rng.pick(s.comments[cls]) : null;
      const clientId = `demo-${id.slice(0, 8)}`;
      responses.push([id, surveyId, versionId, it.stakeholderId, s.audience, tp.id, tp.stageId, stageModes.get(tp.stageId) ?? null, collectedAt, receivedAt, comment, nps, clientId, contentHash({ id, nps }), s.viaPartner ? tp.partnerId : null]);
      for (const q of s.questions) {
        const qid = questionIds.get(q.key)!;
        let n: number | null = null;
        let t: string | null = null;
        let b: boolean | null = null;
        if (q.type === "NPS") n = nps;
        else if (q.type === "RATING") n = Math.max(1, Math.min(5, Math.round(nps / 2.2) + rng.int(-1, 1)));
        else if (q.type === "EFFORT") n = Math.max(1, Math.min(7, Math.round(nps / 1.6) + rng.int(-1, 1)));
        else if (q.type === "YES_NO") b = nps >= 7 ? rng.chance(0.9) : rng.chance(0.4);
        else if (q.type === "CHOICE") t = rng.pick(q.options!);
        else if (q.type === "TEXT") {
          if (!rng.chance(0.3)) continue;
          t = rng.pick(s.comments[cls]);
        }
        answers.push([id, qid, q.type, n, t, b]);
      }
    }
  }
  const col = (rows: unknown[][], i: number) => rows.map((r) => r[i]);
  if (responses.length) {
    await em.query(
      `INSERT INTO feedback_responses (organization_id, id, survey_id, survey_version_id, stakeholder_id, kind, touchpoint_id, stage_id, stage_impact_mode,
                                       collected_at, received_at, comment, nps, client_submission_id, content_hash, submitted_by_partner_id)
       SELECT $1, u.* FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::stakeholder_kind[], $7::uuid[], $8::uuid[], $9::impact_mode[],
                                  $10::timestamptz[], $11::timestamptz[], $12::text[], $13::int[], $14::text[], $15::text[], $16::uuid[]) AS u`,
      [org, ...Array.from({ length: 15 }, (_, i) => col(responses, i))],
    );
    await em.query(
      `INSERT INTO feedback_answers (organization_id, response_id, question_id, type, value_number, value_text, value_bool)
       SELECT $1, u.* FROM unnest($2::uuid[], $3::uuid[], $4::question_type[], $5::numeric[], $6::text[], $7::boolean[]) AS u`,
      [org, ...Array.from({ length: 6 }, (_, i) => col(answers, i))],
    );
  }

  // The "every detractor" rule, on: an action for each detractor, then most loops closed.
  await em.query(`INSERT INTO action_rules (organization_id, id, name, kind, created_at) VALUES ($1, $2, 'Every detractor', 'DETRACTOR', $3)`, [
    org,
    rng.uuid(),
    new Date(anchor.getTime() - 400 * 24 * HOUR),
  ]);
  await applyRules(em, org, {});
  // History: the rule was on when each response arrived, so each action was opened on receipt and
  // is due then + the follow-up time (applyRules, run now, starts the clock now).
  await em.query(
    `UPDATE actions a SET due_at = r.received_at + o.follow_up_hours * interval '1 hour'
       FROM feedback_responses r, organizations o
      WHERE a.organization_id = $1 AND r.organization_id = a.organization_id AND r.id = a.response_id AND o.id = a.organization_id`,
    [org],
  );
  const actions: { id: string; due_at: Date; created: Date; next_nps: number | null }[] = await em.query(
    `SELECT a.id, a.due_at, r.received_at AS created,
            (SELECT n.nps FROM feedback_responses n WHERE n.organization_id = r.organization_id AND n.stakeholder_id = r.stakeholder_id AND n.nps IS NOT NULL
                AND (n.collected_at, n.id) > (r.collected_at, r.id) ORDER BY n.collected_at, n.id LIMIT 1) AS next_nps
       FROM actions a JOIN feedback_responses r ON r.organization_id = a.organization_id AND r.id = a.response_id
      WHERE a.organization_id = $1 ORDER BY r.collected_at, a.id`,
    [org],
  );
  const updates: unknown[][] = [];
  for (const a of actions) {
    const weights: [number, number, number] =
      !spec.loopsGoWithRecovery || a.next_nps === null ? [65, 20, 15] : a.next_nps >= 7 ? [85, 10, 5] : [10, 45, 45];
    const outcome = rng.weighted([
      ["onTime", weights[0]],
      ["late", weights[1]],
      ["open", weights[2]],
    ] as const);
    const due = new Date(a.due_at).getTime();
    const created = new Date(a.created).getTime();
    let closedAt: Date | null = outcome === "onTime" ? new Date(created + rng.next() * (due - created)) : outcome === "late" ? new Date(due + rng.int(2, 240) * HOUR) : null;
    if (closedAt && closedAt >= anchor) closedAt = null;
    const message = closedAt ? rng.pick(["We called back and fixed the problem", "A technician visited and replaced the part", "We apologised and explained what we changed"]) : null;
    const status = closedAt ? "DONE" : rng.chance(0.5) ? "IN_PROGRESS" : "OPEN";
    updates.push([a.id, status, closedAt, closedAt, message, closedAt ? rng.pick(["PHONE", "SMS", "FIELD_VISIT"]) : null, closedAt ? rng.pick(["Late delivery", "Faulty unit", "Wrong size", "Unclear instructions"]) : null]);
  }
  if (updates.length) {
    await em.query(
      `UPDATE actions a SET status = u.status::action_status, closed_at = u.closed, loop_closed_at = u.loop, loop_message = u.message,
              loop_channel = u.channel::touchpoint_channel, root_cause = u.cause, created_at = r.received_at, updated_at = coalesce(u.closed, r.received_at)
         FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::text[]) AS u(id, status, closed, loop, message, channel, cause),
              feedback_responses r
        WHERE a.organization_id = $1 AND a.id = u.id AND r.organization_id = a.organization_id AND r.id = a.response_id`,
      [org, ...Array.from({ length: 7 }, (_, i) => col(updates, i))],
    );
  }

  // Experience goals and interventions.
  for (const g of spec.goals) {
    const goalId = rng.uuid();
    await em.query(`INSERT INTO experience_goals (organization_id, id, statement, touchpoint_id, stage_id) VALUES ($1, $2, $3, $4, $5)`, [
      org,
      goalId,
      g.statement,
      touchpoints.get(g.touchpoint)!.id,
      touchpoints.get(g.touchpoint)!.stageId,
    ]);
    await em.query(
      `INSERT INTO experience_goal_metrics (organization_id, goal_id, metric_id) SELECT $1, $2, id FROM metrics WHERE organization_id = $1 AND name = ANY($3::text[])`,
      [org, goalId, g.metrics],
    );
    for (const i of g.interventions) {
      const start = new Date(anchor.getTime() - i.startDaysAgo * 24 * HOUR);
      const end = new Date(start.getTime() + i.lengthDays * 24 * HOUR);
      await em.query(`INSERT INTO interventions (organization_id, id, goal_id, title, owner_area_id, starts_on, ends_on, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        org,
        rng.uuid(),
        goalId,
        i.title,
        areaId(i.owner),
        start.toISOString().slice(0, 10),
        end.toISOString().slice(0, 10),
        i.status,
      ]);
    }
  }
  return { responses: responses.length, actions: actions.length };
}
