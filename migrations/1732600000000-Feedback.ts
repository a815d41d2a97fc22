import { MigrationInterface, QueryRunner } from "typeorm";

const TABLES = [
  "surveys",
  "survey_versions",
  "survey_questions",
  "feedback_responses",
  "feedback_answers",
  "action_rules",
  "actions",
  "experience_goals",
  "experience_goal_metrics",
  "interventions",
];

/**
 * Surveys (versioned: answers always point at the version they answered), feedback
 * responses with their answers (a client submission id, unique per organization, makes
 * a retry harmless), follow-up actions opened by hand or by rules, closing the loop,
 * experience goals with their input metrics and interventions; QoE settings.
 */
export class Feedback1732600000000 implements MigrationInterface {
  name = "Feedback1732600000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TYPE question_type AS ENUM ('NPS', 'RATING', 'EFFORT', 'YES_NO', 'CHOICE', 'TEXT');
      CREATE TYPE action_status AS ENUM ('OPEN', 'IN_PROGRESS', 'DONE', 'WONT_DO');
      CREATE TYPE action_rule_kind AS ENUM ('DETRACTOR', 'LOW_RATING', 'KEYWORD');
      CREATE TYPE intervention_status AS ENUM ('PLANNED', 'IN_PROGRESS', 'DONE', 'CANCELLED');

      ALTER TABLE organizations
        ADD COLUMN follow_up_hours integer NOT NULL DEFAULT 48 CONSTRAINT ck_organizations_follow_up CHECK (follow_up_hours BETWEEN 1 AND 8760),
        ADD COLUMN qoe_weights jsonb NOT NULL DEFAULT '{}'::jsonb CONSTRAINT ck_organizations_qoe_weights CHECK (jsonb_typeof(qoe_weights) = 'object');

      CREATE TABLE surveys (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        audience stakeholder_kind NOT NULL,
        stage_id uuid,
        touchpoint_id uuid,
        current_version integer NOT NULL DEFAULT 1,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_surveys PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_surveys_id_audience UNIQUE (organization_id, id, audience),
        CONSTRAINT fk_surveys_stage FOREIGN KEY (organization_id, stage_id, audience) REFERENCES stages (organization_id, id, kind),
        CONSTRAINT fk_surveys_touchpoint FOREIGN KEY (organization_id, touchpoint_id, audience) REFERENCES touchpoints (organization_id, id, kind)
      );
      CREATE UNIQUE INDEX uq_surveys_name ON surveys (organization_id, lower(name));
      CREATE INDEX ix_surveys_list ON surveys (organization_id, created_at, id);
      CREATE INDEX ix_surveys_id ON surveys (id);

      CREATE TABLE survey_versions (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        survey_id uuid NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_survey_versions PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_survey_versions UNIQUE (organization_id, survey_id, version),
        CONSTRAINT fk_versions_survey FOREIGN KEY (organization_id, survey_id) REFERENCES surveys (organization_id, id) ON DELETE CASCADE
      );

      CREATE TABLE survey_questions (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        survey_version_id uuid NOT NULL,
        key varchar(40) NOT NULL,
        position integer NOT NULL,
        type question_type NOT NULL,
        text varchar(500) NOT NULL,
        options text[],
        required boolean NOT NULL DEFAULT false,
        CONSTRAINT pk_survey_questions PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_survey_questions_key UNIQUE (organization_id, survey_version_id, key),
        CONSTRAINT fk_questions_version FOREIGN KEY (organization_id, survey_version_id) REFERENCES survey_versions (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT ck_questions_options CHECK ((type = 'CHOICE') = (options IS NOT NULL AND cardinality(options) >= 2))
      );

      CREATE TABLE feedback_responses (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        survey_id uuid NOT NULL,
        survey_version_id uuid NOT NULL,
        stakeholder_id uuid NOT NULL,
        kind stakeholder_kind NOT NULL,
        touchpoint_id uuid,
        stage_id uuid,
        stage_impact_mode impact_mode,
        collected_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        comment varchar(4000),
        nps smallint CHECK (nps BETWEEN 0 AND 10),
        client_submission_id varchar(120) NOT NULL,
        content_hash char(64) NOT NULL,
        submitted_by_key_id uuid,
        submitted_by_partner_id uuid,
        CONSTRAINT pk_feedback_responses PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_feedback_client_submission UNIQUE (organization_id, client_submission_id),
        CONSTRAINT fk_responses_survey FOREIGN KEY (organization_id, survey_id, kind) REFERENCES surveys (organization_id, id, audience),
        CONSTRAINT fk_responses_version FOREIGN KEY (organization_id, survey_version_id) REFERENCES survey_versions (organization_id, id),
        CONSTRAINT fk_responses_stakeholder FOREIGN KEY (organization_id, stakeholder_id, kind) REFERENCES stakeholders (organization_id, id, kind),
        CONSTRAINT fk_responses_touchpoint FOREIGN KEY (organization_id, touchpoint_id, kind) REFERENCES touchpoints (organization_id, id, kind),
        CONSTRAINT fk_responses_stage FOREIGN KEY (organization_id, stage_id, kind) REFERENCES stages (organization_id, id, kind),
        CONSTRAINT fk_responses_partner FOREIGN KEY (organization_id, submitted_by_partner_id) REFERENCES partners (organization_id, id)
      );
      CREATE INDEX ix_responses_time ON feedback_responses (organization_id, collected_at, id) INCLUDE (kind, stage_id, touchpoint_id, nps, stakeholder_id);
      CREATE INDEX ix_responses_survey ON feedback_responses (organization_id, survey_id, collected_at);
      CREATE INDEX ix_responses_touchpoint ON feedback_responses (organization_id, touchpoint_id, collected_at);
      CREATE INDEX ix_responses_stage ON feedback_responses (organization_id, stage_id, collected_at);
      CREATE INDEX ix_responses_kind_nps ON feedback_responses (organization_id, kind, nps, collected_at);
      CREATE INDEX ix_responses_stakeholder ON feedback_responses (organization_id, stakeholder_id, collected_at);
      CREATE INDEX ix_responses_partner ON feedback_responses (organization_id, submitted_by_partner_id, collected_at) WHERE submitted_by_partner_id IS NOT NULL;
      CREATE INDEX ix_responses_comment ON feedback_responses USING gin (to_tsvector('simple', coalesce(comment, '')));

      CREATE TABLE feedback_answers (
        organization_id uuid NOT NULL,
        response_id uuid NOT NULL,
        question_id uuid NOT NULL,
        type question_type NOT NULL,
        value_number numeric(6, 2),
        value_text varchar(2000),
        value_bool boolean,
        CONSTRAINT pk_feedback_answers PRIMARY KEY (organization_id, response_id, question_id),
        CONSTRAINT fk_answers_response FOREIGN KEY (organization_id, response_id) REFERENCES feedback_responses (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_answers_question FOREIGN KEY (organization_id, question_id) REFERENCES survey_questions (organization_id, id)
      );
      CREATE INDEX ix_answers_question ON feedback_answers (organization_id, question_id) INCLUDE (value_number);

      CREATE TABLE action_rules (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        kind action_rule_kind NOT NULL,
        max_rating smallint CHECK (max_rating BETWEEN 1 AND 7),
        keywords text[],
        owner_area_id uuid,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_action_rules PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_rules_area FOREIGN KEY (organization_id, owner_area_id) REFERENCES functional_areas (organization_id, id),
        CONSTRAINT ck_rules_params CHECK ((kind <> 'LOW_RATING' OR max_rating IS NOT NULL) AND (kind <> 'KEYWORD' OR cardinality(keywords) >= 1))
      );
      CREATE UNIQUE INDEX uq_action_rules_name ON action_rules (organization_id, lower(name));
      CREATE INDEX ix_action_rules_list ON action_rules (organization_id, created_at, id);

      CREATE TABLE actions (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        title varchar(300) NOT NULL,
        description varchar(4000),
        rule_id uuid,
        response_id uuid,
        stakeholder_id uuid,
        kind stakeholder_kind,
        touchpoint_id uuid,
        stage_id uuid,
        owner_area_id uuid NOT NULL,
        owner_person varchar(200),
        due_at timestamptz NOT NULL,
        status action_status NOT NULL DEFAULT 'OPEN',
        root_cause varchar(2000),
        notes varchar(4000),
        closed_at timestamptz,
        loop_closed_at timestamptz,
        loop_message varchar(2000),
        loop_channel touchpoint_channel,
        loop_delivered_by_partner_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_actions PRIMARY KEY (organization_id, id),
        CONSTRAINT uq_actions_rule_response UNIQUE (organization_id, rule_id, response_id),
        CONSTRAINT fk_actions_rule FOREIGN KEY (organization_id, rule_id) REFERENCES action_rules (organization_id, id),
        CONSTRAINT fk_actions_response FOREIGN KEY (organization_id, response_id) REFERENCES feedback_responses (organization_id, id),
        CONSTRAINT fk_actions_stakeholder FOREIGN KEY (organization_id, stakeholder_id, kind) REFERENCES stakeholders (organization_id, id, kind),
        CONSTRAINT fk_actions_touchpoint FOREIGN KEY (organization_id, touchpoint_id) REFERENCES touchpoints (organization_id, id),
        CONSTRAINT fk_actions_stage FOREIGN KEY (organization_id, stage_id) REFERENCES stages (organization_id, id),
        CONSTRAINT fk_actions_area FOREIGN KEY (organization_id, owner_area_id) REFERENCES functional_areas (organization_id, id),
        CONSTRAINT fk_actions_loop_partner FOREIGN KEY (organization_id, loop_delivered_by_partner_id) REFERENCES partners (organization_id, id),
        CONSTRAINT ck_actions_loop CHECK ((loop_closed_at IS NULL) = (loop_message IS NULL))
      );
      CREATE INDEX ix_actions_list ON actions (organization_id, created_at, id);
      CREATE INDEX ix_actions_status ON actions (organization_id, status, due_at);
      CREATE INDEX ix_actions_due ON actions (organization_id, due_at) INCLUDE (loop_closed_at, owner_area_id, kind, stage_id, touchpoint_id);
      CREATE INDEX ix_actions_owner ON actions (organization_id, owner_area_id, status);
      CREATE INDEX ix_actions_response ON actions (organization_id, response_id);
      CREATE INDEX ix_actions_id ON actions (id);

      CREATE TABLE experience_goals (
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        statement varchar(500) NOT NULL,
        stage_id uuid,
        touchpoint_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_experience_goals PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_goals_stage FOREIGN KEY (organization_id, stage_id) REFERENCES stages (organization_id, id),
        CONSTRAINT fk_goals_touchpoint FOREIGN KEY (organization_id, touchpoint_id) REFERENCES touchpoints (organization_id, id),
        CONSTRAINT ck_goals_place CHECK (stage_id IS NOT NULL OR touchpoint_id IS NOT NULL)
      );
      CREATE INDEX ix_goals_list ON experience_goals (organization_id, created_at, id);
      CREATE INDEX ix_goals_id ON experience_goals (id);

      CREATE TABLE experience_goal_metrics (
        organization_id uuid NOT NULL,
        goal_id uuid NOT NULL,
        metric_id uuid NOT NULL,
        CONSTRAINT pk_goal_metrics PRIMARY KEY (organization_id, goal_id, metric_id),
        CONSTRAINT fk_goal_metrics_goal FOREIGN KEY (organization_id, goal_id) REFERENCES experience_goals (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_goal_metrics_metric FOREIGN KEY (organization_id, metric_id) REFERENCES metrics (organization_id, id)
      );

      CREATE TABLE interventions (
        organization_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        goal_id uuid NOT NULL,
        title varchar(300) NOT NULL,
        owner_area_id uuid NOT NULL,
        owner_person varchar(200),
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        status intervention_status NOT NULL DEFAULT 'PLANNED',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_interventions PRIMARY KEY (organization_id, id),
        CONSTRAINT fk_interventions_goal FOREIGN KEY (organization_id, goal_id) REFERENCES experience_goals (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_interventions_area FOREIGN KEY (organization_id, owner_area_id) REFERENCES functional_areas (organization_id, id),
        CONSTRAINT ck_interventions_dates CHECK (starts_on <= ends_on)
      );
      CREATE INDEX ix_interventions_goal ON interventions (organization_id, goal_id, starts_on, id);
      CREATE INDEX ix_interventions_id ON interventions (id);
    `);
    const redacted: Record<string, string[]> = { feedback_responses: ["comment"], feedback_answers: ["value_text"], actions: ["loop_message"] };
    for (const table of TABLES) {
      const args = (redacted[table] ?? []).map((c) => `'${c}'`).join(", ");
      await q.query(`CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_row(${args})`);
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY tenant_isolation ON ${table} USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()))`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO dbl_app`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE interventions, experience_goal_metrics, experience_goals, actions, action_rules, feedback_answers, feedback_responses, survey_questions, survey_versions, surveys;
      ALTER TABLE organizations DROP COLUMN follow_up_hours, DROP COLUMN qoe_weights;
      DROP TYPE intervention_status, action_rule_kind, action_status, question_type;
    `);
  }
}
