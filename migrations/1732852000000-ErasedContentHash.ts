import { MigrationInterface, QueryRunner } from "typeorm";

function triggers(columns: string[]): string[] {
  const args = columns.map((c) => `'${c}'`).join(", ");
  return [
    `DROP TRIGGER audit ON feedback_responses`,
    `CREATE TRIGGER audit AFTER DELETE OR UPDATE ON feedback_responses FOR EACH ROW EXECUTE FUNCTION audit_row(${args})`,
    `DROP TRIGGER audit_insert ON feedback_responses`,
    `CREATE TRIGGER audit_insert AFTER INSERT ON feedback_responses REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_inserted(${args})`,
  ];
}

/**
 * A response's `content_hash` (what a retry of its client submission id is compared with) is an
 * unsalted hash over the item, its comment and free-text answers included: kept after erasure, a
 * retry answering DUPLICATE or CONFLICT would confirm a guess of the erased words. It is now a
 * personal column (src/common/personal-data.ts): erasure sets it to "[erased]" (a retry then
 * answers CONFLICT, saying why), and the audit log redacts it, in new entries and, once, in the
 * entries already written (the append-only guard off for that statement alone). The responses of
 * stakeholders erased before this migration get "[erased]" here.
 *
 * down() puts the triggers back; erased hashes and redacted entries stay as they are.
 */
export class ErasedContentHash1732852000000 implements MigrationInterface {
  name = "ErasedContentHash1732852000000";

  public async up(q: QueryRunner): Promise<void> {
    for (const sql of triggers(["comment", "content_hash"])) await q.query(sql);
    await q.query(
      `UPDATE feedback_responses r SET content_hash = '[erased]'
         FROM stakeholders s
        WHERE s.organization_id = r.organization_id AND s.id = r.stakeholder_id AND s.erased_at IS NOT NULL AND r.content_hash <> '[erased]'`,
    );
    await q.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    for (const side of ["before", "after"]) {
      await q.query(
        `UPDATE audit_log SET ${side} = jsonb_set(${side}, '{content_hash}', '"[redacted]"')
          WHERE entity = 'feedback_responses' AND ${side} ? 'content_hash' AND ${side} -> 'content_hash' NOT IN ('null'::jsonb, '"[redacted]"'::jsonb)`,
      );
    }
    await q.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const sql of triggers(["comment"])) await q.query(sql);
  }
}
