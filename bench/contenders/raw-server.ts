import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import { PoolClient } from "pg";
import { inRequestTx, makePool } from "./request-tx";
import { VIEWS } from "./sql-views";

/**
 * The bare contender: node:http + pg, one pool like the API's, every request in the API's request
 * transaction (BEGIN, set_config of role dbl_app and the caller's organizations, COMMIT) so
 * row-level security applies as it does to the API. No GraphQL, no authentication lookup.
 *   POST /lists/stakeholders, /lists/feedback   the list pages, JSON built by one SQL statement
 *   POST /views/<index>                         the hand-written SQL of VIEWS[index] ({ args, as } in the body)
 *   POST /ingest/<feedback|sales|observations>  the same items as the API's batch input, INSERT … SELECT FROM unnest
 * Started by the harness as a child process: DATABASE_URL, ORG, PORT (0: any); prints "raw ready on <port>".
 */

const url = process.env.DATABASE_URL!;
const ORG = process.env.ORG!;
const pool = makePool(url);

const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export const STAKEHOLDERS_SQL = `
  SELECT json_build_object('data', json_build_object('stakeholders', json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object(
           'id', s.id, 'externalRef', s.external_ref, 'kind', s.kind,
           'currentStage', CASE WHEN cs.id IS NULL THEN NULL ELSE json_build_object('id', cs.id, 'name', cs.name) END,
           'journey', json_build_object('edges', coalesce(j.edges, '[]'::json))
         )) ORDER BY s.created_at, s.id), '[]'::json))))::text AS body
    FROM (SELECT * FROM stakeholders WHERE organization_id = $1 ORDER BY created_at, id LIMIT 100) s
    LEFT JOIN stages cs ON cs.organization_id = s.organization_id AND cs.id = s.current_stage_id
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('node', json_build_object('id', t.id, 'occurredAt', ${ISO("t.occurred_at")}, 'toStage', json_build_object('id', ts.id, 'name', ts.name)))
                      ORDER BY t.occurred_at, t.id) AS edges
        FROM (SELECT * FROM stage_transitions t WHERE t.organization_id = s.organization_id AND t.stakeholder_id = s.id ORDER BY t.occurred_at, t.id LIMIT 5) t
        JOIN stages ts ON ts.organization_id = t.organization_id AND ts.id = t.to_stage_id
    ) j ON true`;

export const FEEDBACK_SQL = `
  SELECT json_build_object('data', json_build_object('feedbackResponses', json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object(
           'id', r.id, 'collectedAt', ${ISO("r.collected_at")}, 'nps', r.nps, 'comment', r.comment, 'answers', coalesce(a.answers, '[]'::json)
         )) ORDER BY r.collected_at DESC, r.id DESC), '[]'::json))))::text AS body
    FROM (SELECT * FROM feedback_responses WHERE organization_id = $1 ORDER BY collected_at DESC, id DESC LIMIT 100) r
    LEFT JOIN LATERAL (
      SELECT json_agg(json_build_object('question', json_build_object('key', q.key), 'value', coalesce(to_json(a.value_number::float8), to_json(a.value_bool), to_json(a.value_text)))
                      ORDER BY q.position) AS answers
        FROM feedback_answers a JOIN survey_questions q ON q.organization_id = a.organization_id AND q.id = a.question_id
       WHERE a.organization_id = r.organization_id AND a.response_id = r.id
    ) a ON true`;

const sha = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex");

/** submitFeedback's rows by hand: the survey's current questions, then responses and answers, one INSERT … SELECT FROM unnest each. */
async function insertFeedback(c: PoolClient, org: string, items: any[]): Promise<number> {
  const surveyId = items[0].surveyId;
  const questions: { version_id: string; stage_id: string | null; id: string; key: string; type: string }[] = (
    await c.query(
      `SELECT v.id AS version_id, s.stage_id, q.id, q.key, q.type FROM surveys s
         JOIN survey_versions v ON v.organization_id = s.organization_id AND v.survey_id = s.id AND v.version = s.current_version
         JOIN survey_questions q ON q.organization_id = v.organization_id AND q.survey_version_id = v.id
        WHERE s.organization_id = $1 AND s.id = $2`,
      [org, surveyId],
    )
  ).rows;
  const byKey = new Map(questions.map((q) => [q.key, q]));
  const ids = items.map(() => randomUUID());
  const nps = items.map((it) => {
    const a = it.answers.find((x: any) => byKey.get(x.key)?.type === "NPS");
    return a ? a.value : null;
  });
  await c.query(
    `INSERT INTO feedback_responses (organization_id, id, survey_id, survey_version_id, stakeholder_id, kind, stage_id, stage_impact_mode, collected_at, comment, nps, client_submission_id, content_hash)
     SELECT $1, u.id, $2, $3, s.id, s.kind, coalesce($4::uuid, s.current_stage_id), st.impact_mode, u.at, u.comment, u.nps, u.ck, u.hash
       FROM unnest($5::uuid[], $6::uuid[], $7::timestamptz[], $8::text[], $9::int[], $10::text[], $11::text[]) AS u(id, stakeholder, at, comment, nps, ck, hash)
       JOIN stakeholders s ON s.organization_id = $1 AND s.id = u.stakeholder
       LEFT JOIN stages st ON st.organization_id = $1 AND st.id = coalesce($4::uuid, s.current_stage_id)`,
    [
      org,
      surveyId,
      questions[0].version_id,
      questions[0].stage_id,
      ids,
      items.map((i) => i.stakeholderId),
      items.map((i) => i.collectedAt),
      items.map((i) => i.comment ?? null),
      nps,
      items.map((i) => i.clientSubmissionId),
      items.map((i) => sha(i)),
    ],
  );
  const r: string[] = [];
  const q: string[] = [];
  const t: string[] = [];
  const n: (number | null)[] = [];
  const x: (string | null)[] = [];
  const b: (boolean | null)[] = [];
  items.forEach((it, i) => {
    for (const a of it.answers) {
      const question = byKey.get(a.key)!;
      r.push(ids[i]);
      q.push(question.id);
      t.push(question.type);
      n.push(typeof a.value === "number" ? a.value : null);
      x.push(typeof a.value === "string" ? a.value : null);
      b.push(typeof a.value === "boolean" ? a.value : null);
    }
  });
  await c.query(
    `INSERT INTO feedback_answers (organization_id, response_id, question_id, type, value_number, value_text, value_bool)
     SELECT $1, u.r, u.q, u.t::question_type, u.n, u.x, u.b FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::numeric[], $6::text[], $7::boolean[]) AS u(r, q, t, n, x, b)`,
    [org, r, q, t, n, x, b],
  );
  return items.length;
}

/** recordSales' rows by hand: what the sale created computed from the offering's rule in the same statement. */
async function insertSales(c: PoolClient, org: string, items: any[]): Promise<number> {
  await c.query(
    `INSERT INTO sales (organization_id, offering_id, customer_id, occurred_at, units, amount_minor, contribution_minor, units_given, beneficiaries_funded, client_key, content_hash)
     SELECT $1, o.id, u.customer, u.at, u.units, u.amount,
            round(u.amount * o.revenue_share_bps / 10000.0) + o.fixed_amount_per_sale_minor,
            u.units * o.units_given_per_unit,
            coalesce(u.units * o.units_given_per_unit * o.beneficiaries_per_unit_given, 0)
            , u.ck, u.hash
       FROM unnest($2::uuid[], $3::uuid[], $4::timestamptz[], $5::int[], $6::bigint[], $7::text[], $8::text[]) AS u(offering, customer, at, units, amount, ck, hash)
       JOIN offerings o ON o.organization_id = $1 AND o.id = u.offering`,
    [
      org,
      items.map((i) => i.offeringId),
      items.map((i) => i.customerId ?? null),
      items.map((i) => i.occurredAt),
      items.map((i) => i.units),
      items.map((i) => i.amountMinor),
      items.map((i) => i.clientKey ?? null),
      items.map((i) => sha(i)),
    ],
  );
  return items.length;
}

async function insertObservations(c: PoolClient, org: string, items: any[]): Promise<number> {
  await c.query(
    `INSERT INTO observations (organization_id, metric_id, period_from, period_to, value, sample_size, dimensions, source, client_key, content_hash)
     SELECT $1, u.metric, u.f, u.t, u.v, u.n, u.d, u.src, u.ck, u.hash
       FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::numeric[], $6::int[], $7::jsonb[], $8::text[], $9::text[], $10::text[]) AS u(metric, f, t, v, n, d, src, ck, hash)`,
    [
      org,
      items.map((i) => i.metricId),
      items.map((i) => i.from),
      items.map((i) => i.to),
      items.map((i) => i.value),
      items.map((i) => i.sampleSize ?? null),
      items.map((i) => JSON.stringify(i.dimensions ?? {})),
      items.map((i) => i.source ?? null),
      items.map((i) => i.clientKey ?? null),
      items.map((i) => sha(i)),
    ],
  );
  return items.length;
}

const INGEST: Record<string, (c: PoolClient, org: string, items: any[]) => Promise<number>> = { feedback: insertFeedback, sales: insertSales, observations: insertObservations };

async function handle(pathname: string, body: string): Promise<string> {
  if (pathname === "/lists/stakeholders" || pathname === "/lists/feedback") {
    const sql = pathname === "/lists/stakeholders" ? STAKEHOLDERS_SQL : FEEDBACK_SQL;
    return inRequestTx(pool, ORG, "MEMBER", async (c) => (await c.query(sql, [ORG])).rows[0].body);
  }
  const view = /^\/views\/(\d+)$/.exec(pathname);
  if (view) {
    const spec = VIEWS[Number(view[1])];
    const { args } = JSON.parse(body);
    const figures = await inRequestTx(pool, ORG, spec.as === "funder" ? "FUNDER" : "MEMBER", (c) => spec.hand(c, args));
    return JSON.stringify({ data: figures });
  }
  const ingest = /^\/ingest\/(\w+)$/.exec(pathname);
  if (ingest && INGEST[ingest[1]]) {
    const { items } = JSON.parse(body);
    const n = await inRequestTx(pool, ORG, "MEMBER", (c) => INGEST[ingest[1]](c, ORG, items));
    return JSON.stringify({ data: { created: n } });
  }
  throw Object.assign(new Error(`no route ${pathname}`), { status: 404 });
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    handle(req.url ?? "/", Buffer.concat(chunks).toString()).then(
      (out) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(out);
      },
      (error: Error & { status?: number }) => {
        res.writeHead(error.status ?? 500, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ message: error.message }] }));
      },
    );
  });
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`raw ready on ${(server.address() as { port: number }).port}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
