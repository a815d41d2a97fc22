import { MigrationInterface, QueryRunner } from "typeorm";

/** The columns of `actions` the audit log redacts: every one that can hold a stakeholder's words or name (src/common/personal-data.ts). */
const REDACTED = ["title", "description", "notes", "root_cause", "loop_message"];

function triggers(columns: string[]): string[] {
  const args = columns.map((c) => `'${c}'`).join(", ");
  return [
    `DROP TRIGGER audit ON actions`,
    `CREATE TRIGGER audit AFTER DELETE OR UPDATE ON actions FOR EACH ROW EXECUTE FUNCTION audit_row(${args})`,
    `DROP TRIGGER audit_insert ON actions`,
    `CREATE TRIGGER audit_insert AFTER INSERT ON actions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted(${args})`,
  ];
}

/**
 * An action's title, description, notes and root cause are a person's words as much as its loop
 * message: the audit log now redacts them like contact data (a change shows as "[redacted]"),
 * in new entries and, once, in the entries already written. The audit log is append-only; this
 * one-time redaction of its past is the only change made to it, with its guard off for this
 * statement alone, inside the migration's transaction.
 *
 * down() puts the triggers back as they were; what was redacted stays redacted.
 */
export class ActionTextRedacted1732847000000 implements MigrationInterface {
  name = "ActionTextRedacted1732847000000";

  public async up(q: QueryRunner): Promise<void> {
    for (const sql of triggers(REDACTED)) await q.query(sql);
    const redact = (side: string) =>
      `CASE WHEN ${side} IS NULL THEN NULL
            ELSE ${side} || coalesce((SELECT jsonb_object_agg(k, '"[redacted]"'::jsonb) FROM unnest($1::text[]) AS k WHERE ${side} ? k AND ${side} -> k <> 'null'::jsonb), '{}'::jsonb) END`;
    await q.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await q.query(
      `UPDATE audit_log SET before = ${redact("before")}, after = ${redact("after")}
        WHERE entity = 'actions'
          AND EXISTS (SELECT 1 FROM unnest($1::text[]) AS k
                       WHERE (before ? k AND before -> k NOT IN ('null'::jsonb, '"[redacted]"'::jsonb))
                          OR (after ? k AND after -> k NOT IN ('null'::jsonb, '"[redacted]"'::jsonb)))`,
      [REDACTED],
    );
    await q.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const sql of triggers(["loop_message"])) await q.query(sql);
  }
}
