import { EntityManager } from "typeorm";

/**
 * Opens an action for every response that matches an active rule of its
 * organization, once per (rule, response): DETRACTOR (NPS 0..6), LOW_RATING (a RATING
 * answer at or below the rule's maxRating), KEYWORD (the comment contains a keyword,
 * case-insensitively). Owner: the rule's functional area, else the touchpoint's owner,
 * else "Customer service" (or the first area). Due: the action's creation (now) + the
 * organization's follow-up time. For a response just submitted that is its receipt + the
 * follow-up time (received_at is now() of the same transaction); for older responses matched
 * retroactively (`applyToExisting`) the clock starts when the action is opened, so it isn't
 * overdue the moment it exists. One statement.
 */
export async function applyRules(em: EntityManager, org: string, scope: { responseIds?: string[]; ruleId?: string }): Promise<number> {
  const rows = await em.query(
    `INSERT INTO actions (organization_id, title, rule_id, response_id, stakeholder_id, kind, touchpoint_id, stage_id, owner_area_id, due_at)
     SELECT r.organization_id, 'Follow up: ' || ru.name, ru.id, r.id, r.stakeholder_id, r.kind, r.touchpoint_id, r.stage_id,
            coalesce(ru.owner_area_id, tp.functional_area_id,
                     (SELECT a.id FROM functional_areas a WHERE a.organization_id = r.organization_id ORDER BY (lower(a.name) = 'customer service') DESC, a.created_at, a.id LIMIT 1)),
            now() + o.follow_up_hours * interval '1 hour'
       FROM feedback_responses r
       JOIN organizations o ON o.id = r.organization_id
       JOIN action_rules ru ON ru.organization_id = r.organization_id AND ru.active AND ($3::uuid IS NULL OR ru.id = $3)
       LEFT JOIN touchpoints tp ON tp.organization_id = r.organization_id AND tp.id = r.touchpoint_id
      WHERE r.organization_id = $1 AND ($2::uuid[] IS NULL OR r.id = ANY($2::uuid[]))
        AND ((ru.kind = 'DETRACTOR' AND r.nps <= 6)
          OR (ru.kind = 'LOW_RATING' AND EXISTS (SELECT 1 FROM feedback_answers a WHERE a.organization_id = r.organization_id AND a.response_id = r.id
                                                   AND a.type = 'RATING' AND a.value_number <= ru.max_rating))
          OR (ru.kind = 'KEYWORD' AND r.comment IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(ru.keywords) kw WHERE strpos(lower(r.comment), lower(kw)) > 0)))
     ON CONFLICT (organization_id, rule_id, response_id) DO NOTHING
     RETURNING id`,
    [org, scope.responseIds ?? null, scope.ruleId ?? null],
  );
  return rows.length;
}
