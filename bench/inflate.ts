import { DataSource } from "typeorm";

/**
 * Makes an organization's data `copies + 1` times larger for the benchmark: every
 * stakeholder is copied with its journey, interactions, sales, feedback (responses,
 * answers) and the actions raised on it, each copy with new ids and the same times,
 * stages, touchpoints and offerings. Triggers and foreign-key checks are off while
 * it runs (session_replication_role = replica: the rows are consistent by
 * construction and the audit log is not what is measured); what triggers keep ready
 * (stage_stays) is then refreshed for the organization in one statement.
 */
export async function inflate(db: DataSource, organizationId: string, copies: number): Promise<void> {
  if (copies <= 0) return;
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    const q = (sql: string, params: unknown[] = []) => runner.query(sql, params);
    const columns = async (table: string): Promise<string[]> =>
      (await q(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`, [table])).map(
        (r: { column_name: string }) => r.column_name,
      );
    /** INSERT … SELECT with every column copied from `t` unless `replace` says otherwise. */
    const copy = async (table: string, from: string, replace: Record<string, string>, params: unknown[]) => {
      const cols = await columns(table);
      await q(`INSERT INTO ${table} (${cols.join(", ")}) SELECT ${cols.map((c) => replace[c] ?? `t.${c}`).join(", ")} ${from}`, params);
    };
    await q(`SET session_replication_role = replica`);
    await q(`CREATE TEMP TABLE o_s AS SELECT id FROM stakeholders WHERE organization_id = $1`, [organizationId]);
    await q(`CREATE TEMP TABLE o_sa AS SELECT id FROM sales WHERE organization_id = $1`, [organizationId]);
    await q(`CREATE TEMP TABLE o_r AS SELECT id FROM feedback_responses WHERE organization_id = $1`, [organizationId]);
    await q(`CREATE TEMP TABLE ms (old uuid PRIMARY KEY, new uuid NOT NULL)`);
    await q(`CREATE TEMP TABLE mr (old uuid PRIMARY KEY, new uuid NOT NULL)`);
    for (let c = 1; c <= copies; c++) {
      await q(`TRUNCATE ms, mr`);
      await q(`INSERT INTO ms SELECT id, gen_random_uuid() FROM o_s`);
      await q(`INSERT INTO mr SELECT id, gen_random_uuid() FROM o_r`);
      const p = [organizationId, `~${c}`];
      await copy("stakeholders", `FROM stakeholders t JOIN ms ON ms.old = t.id WHERE t.organization_id = $1`, { id: "ms.new", external_ref: "t.external_ref || $2", record_key: "floor(random() * 1048576)::integer" }, p);
      await copy("stage_transitions", `FROM stage_transitions t JOIN ms ON ms.old = t.stakeholder_id WHERE t.organization_id = $1 AND $2 <> ''`, { id: "gen_random_uuid()", stakeholder_id: "ms.new" }, p);
      await copy("interactions", `FROM interactions t JOIN ms ON ms.old = t.stakeholder_id WHERE t.organization_id = $1 AND $2 <> ''`, { id: "gen_random_uuid()", stakeholder_id: "ms.new" }, p);
      await copy(
        "sales",
        `FROM sales t JOIN o_sa ON o_sa.id = t.id LEFT JOIN ms ON ms.old = t.customer_id WHERE t.organization_id = $1`,
        { id: "gen_random_uuid()", customer_id: "ms.new", client_key: "t.client_key || $2" },
        p,
      );
      await copy(
        "feedback_responses",
        `FROM feedback_responses t JOIN mr ON mr.old = t.id JOIN ms ON ms.old = t.stakeholder_id WHERE t.organization_id = $1`,
        { id: "mr.new", stakeholder_id: "ms.new", client_submission_id: "t.client_submission_id || $2" },
        p,
      );
      await copy("feedback_answers", `FROM feedback_answers t JOIN mr ON mr.old = t.response_id WHERE t.organization_id = $1 AND $2 <> ''`, { response_id: "mr.new" }, p);
      await copy(
        "actions",
        `FROM actions t JOIN mr ON mr.old = t.response_id LEFT JOIN ms ON ms.old = t.stakeholder_id WHERE t.organization_id = $1 AND $2 <> ''`,
        { id: "gen_random_uuid()", response_id: "mr.new", stakeholder_id: "ms.new" },
        p,
      );
    }
    await q(`DROP TABLE o_s, o_sa, o_r, ms, mr`);
    await q(`SET session_replication_role = DEFAULT`);
    // Triggers were off: bring what they keep up to date (stage stays) for the copies.
    await q(`SELECT stage_stays_refresh(array_agg(organization_id), array_agg(id)) FROM stakeholders WHERE organization_id = $1`, [organizationId]);
  } finally {
    await runner.release();
  }
}
