import DataLoader from "dataloader";
import { EntityManager } from "typeorm";
import { Access } from "../../common/access";
import { batchOrganizations, TenantKey } from "../../common/loaders";
import { hydrate } from "../../database/rows";
import { SurveyQuestion } from "../survey/survey.entity";

/** One answer of a response as the API shows it: its question and its value. */
export interface AnswerView {
  question: SurveyQuestion;
  /** A number (NPS, RATING, EFFORT), true/false (YES_NO) or text (CHOICE, TEXT). */
  value: unknown;
}

const tenantKey = (k: TenantKey) => `${k.organizationId}:${k.id}`;

/**
 * The answers of many responses in one statement, each with its question (joined in
 * the same statement, and primed into `questionById`), in the order of the
 * questions' positions. Person-level data: funders never.
 */
export function answersByResponseLoader(em: EntityManager, access: Access, questionById: DataLoader<TenantKey, SurveyQuestion | null, string>) {
  return new DataLoader<TenantKey, AnswerView[], string>(
    async (keys) => {
      access.requirePersonLevel();
      const rows: Record<string, unknown>[] = await em.query(
        // The answers first (one index range per response), then their questions: left to itself,
        // the planner may pair every key with every question of the organization and probe the
        // answers' index once per pair (17 times the buffers on the benchmark's data).
        `WITH a AS MATERIALIZED (
           SELECT a.organization_id, a.response_id, a.question_id, a.value_number, a.value_bool, a.value_text
             FROM unnest($1::uuid[], $2::uuid[]) AS k(org, id)
             JOIN feedback_answers a ON a.organization_id = k.org AND a.response_id = k.id
            WHERE a.organization_id = ANY($3::uuid[])
         )
         SELECT a.response_id AS __response, a.value_number AS __number, a.value_bool AS __bool, a.value_text AS __text, q.*
           FROM a JOIN survey_questions q ON q.organization_id = a.organization_id AND q.id = a.question_id
          ORDER BY a.organization_id, a.response_id, q.position, a.question_id`,
        [keys.map((k) => k.organizationId), keys.map((k) => k.id), batchOrganizations(access, keys)],
      );
      const questions = new Map<string, SurveyQuestion>();
      const groups = new Map<string, AnswerView[]>();
      for (const r of rows) {
        const questionKey = `${r.organization_id}:${r.id}`;
        let question = questions.get(questionKey);
        if (!question) {
          question = hydrate(em, SurveyQuestion, r);
          questions.set(questionKey, question);
          questionById.prime({ organizationId: question.organizationId, id: question.id }, question);
        }
        const value = r.__number !== null ? Number(r.__number) : r.__bool !== null ? r.__bool : r.__text;
        const key = `${r.organization_id}:${r.__response}`;
        const list = groups.get(key);
        if (list) list.push({ question, value });
        else groups.set(key, [{ question, value }]);
      }
      return keys.map((k) => groups.get(tenantKey(k)) ?? []);
    },
    { cacheKeyFn: tenantKey },
  );
}
