import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Outcomes measured from feedback (issue 14, item 4).
 * - A NUMBER question type, with a unit label and an optional range (`number_unit`, `number_min`,
 *   `number_max`); answers' `value_number` widens from numeric(6,2) to numeric(12,2) so that a
 *   number such as a month's spend in shillings fits (the table is rewritten once).
 * - `metric_question_links`: a SOCIAL metric computed from the answers to one question of one
 *   survey, named by its stable key (so the link holds across the survey's versions): the measure
 *   (the mean or the sum of NUMBER or RATING answers, the share answering yes, the share choosing
 *   `option`), fixed when linked. One link per metric.
 */
export class Outcomes1732859000000 implements MigrationInterface {
  name = "Outcomes1732859000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`SET LOCAL statement_timeout = 0`);
    await q.query(`
      ALTER TYPE question_type ADD VALUE IF NOT EXISTS 'NUMBER';
      ALTER TABLE survey_questions
        ADD COLUMN number_unit varchar(40),
        ADD COLUMN number_min numeric(12, 2),
        ADD COLUMN number_max numeric(12, 2),
        ADD CONSTRAINT ck_questions_number_range CHECK (number_min IS NULL OR number_max IS NULL OR number_min <= number_max);
      ALTER TABLE feedback_answers ALTER COLUMN value_number TYPE numeric(12, 2);

      CREATE TABLE metric_question_links (
        organization_id uuid NOT NULL,
        metric_id uuid NOT NULL,
        survey_id uuid NOT NULL,
        question_key varchar(40) NOT NULL,
        measure varchar(20) NOT NULL CONSTRAINT ck_metric_question_links_measure CHECK (measure IN ('MEAN', 'SUM', 'SHARE_YES', 'SHARE_OPTION')),
        option varchar(200),
        CONSTRAINT ck_metric_question_links_option CHECK ((measure = 'SHARE_OPTION') = (option IS NOT NULL)),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_metric_question_links PRIMARY KEY (organization_id, metric_id),
        CONSTRAINT fk_metric_question_links_metric FOREIGN KEY (organization_id, metric_id) REFERENCES metrics (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT fk_metric_question_links_survey FOREIGN KEY (organization_id, survey_id) REFERENCES surveys (organization_id, id) ON DELETE CASCADE
      );
      CREATE INDEX ix_metric_question_links_survey ON metric_question_links (organization_id, survey_id, question_key);
      ALTER TABLE metric_question_links ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON metric_question_links USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      GRANT SELECT, INSERT, UPDATE, DELETE ON metric_question_links TO dbl_app;
      CREATE TRIGGER audit AFTER UPDATE OR DELETE ON metric_question_links FOR EACH ROW EXECUTE FUNCTION audit_row();
      CREATE TRIGGER audit_insert AFTER INSERT ON metric_question_links REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted();
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE metric_question_links;
      DELETE FROM feedback_answers WHERE type::text = 'NUMBER';
      ALTER TABLE feedback_answers ALTER COLUMN value_number TYPE numeric(6, 2);
      DELETE FROM survey_questions WHERE type::text = 'NUMBER';
      ALTER TABLE survey_questions DROP CONSTRAINT ck_questions_number_range, DROP COLUMN number_unit, DROP COLUMN number_min, DROP COLUMN number_max;
    `);
    // The enum keeps its value NUMBER: PostgreSQL cannot drop a value of an enum type.
  }
}
