import { globalId, NodeType, organizationGlobalId } from "../src/common/global-ids";
import { Client } from "pg";
import { graphql, log, percentile, post, ratio, round } from "./common";
import { BenchContext } from "./context";
import { superClient } from "./setup";
import { performance } from "node:perf_hooks";

/**
 * Group 3, ingest: submitFeedback (four answers per response), recordSales, recordObservations in
 * batches, with 1 and with 4 concurrent clients, through GraphQL, against the bare server inserting
 * the same items with INSERT … SELECT FROM unnest as dbl_app (the same triggers fire). Interleaved
 * per batch round. How long a batch holds its connection: pg_stat_activity sampled every 10 ms
 * (the longest open transaction seen, per backend and transaction start).
 */

interface Fixtures {
  survey: { id: string; questions: { key: string; type: string; options: string[] | null; required: boolean }[] };
  respondents: string[];
  offering: string;
  customers: string[];
  metric: string;
}

async function fixtures(c: Client, org: string): Promise<Fixtures> {
  const [s] = (
    await c.query(
      `SELECT s.id, s.audience, s.current_version FROM surveys s WHERE s.organization_id = $1 AND s.active
        ORDER BY (SELECT count(*) FROM feedback_responses r WHERE r.organization_id = s.organization_id AND r.survey_id = s.id) DESC LIMIT 1`,
      [org],
    )
  ).rows;
  const questions = (
    await c.query(
      `SELECT q.key, q.type, q.options, q.required FROM survey_versions v JOIN survey_questions q ON q.organization_id = v.organization_id AND q.survey_version_id = v.id
        WHERE v.organization_id = $1 AND v.survey_id = $2 AND v.version = $3 ORDER BY q.required DESC, (q.type IN ('NPS', 'RATING', 'EFFORT')) DESC, q.position`,
      [org, s.id, s.current_version],
    )
  ).rows;
  const picked = questions.filter((q, i) => q.required || i < 4);
  const respondents = (await c.query(`SELECT id FROM stakeholders WHERE organization_id = $1 AND kind = $2 AND erased_at IS NULL LIMIT 5000`, [org, s.audience])).rows.map((r) => r.id);
  const customers = (await c.query(`SELECT id FROM stakeholders WHERE organization_id = $1 AND kind = 'CUSTOMER' AND erased_at IS NULL LIMIT 5000`, [org])).rows.map((r) => r.id);
  const [o] = (await c.query(`SELECT id FROM offerings WHERE organization_id = $1 AND active ORDER BY created_at LIMIT 1`, [org])).rows;
  const [m] = (await c.query(`SELECT id FROM metrics WHERE organization_id = $1 ORDER BY created_at LIMIT 1`, [org])).rows;
  return { survey: { id: s.id, questions: picked }, respondents, offering: o.id, customers, metric: m.id };
}

/** Answers that open no follow-up action (no detractor, no low rating, no comment), so both sides write the same rows. */
function answer(q: Fixtures["survey"]["questions"][number], i: number): unknown {
  switch (q.type) {
    case "NPS":
      return 7 + (i % 4);
    case "RATING":
      return 4 + (i % 2);
    case "EFFORT":
      return 5 + (i % 3);
    case "YES_NO":
      return i % 2 === 0;
    case "CHOICE":
      return q.options?.[i % q.options.length] ?? "a";
    default:
      return `fine ${i % 10}`;
  }
}

type Kind = "feedback" | "sales" | "observations";

function batch(kind: Kind, f: Fixtures, org: string, tag: string, size: number): { items: unknown[] } {
  const now = Date.now();
  const items = Array.from({ length: size }, (_, i) => {
    const at = new Date(now - ((i * 7919) % (28 * 86400)) * 1000 - 3600_000).toISOString();
    if (kind === "feedback")
      return {
        surveyId: f.survey.id,
        stakeholderId: f.respondents[i % f.respondents.length],
        collectedAt: at,
        clientSubmissionId: `${tag}-${i}`,
        answers: f.survey.questions.map((q) => ({ key: q.key, value: answer(q, i) })),
      };
    if (kind === "sales") return { offeringId: f.offering, customerId: f.customers[i % f.customers.length], occurredAt: at, units: 1 + (i % 3), amountMinor: 1000 + i, clientKey: `${tag}-${i}` };
    const day = new Date(Date.UTC(2020, 0, 1) + ((i * 31 + tag.length) % 2000) * 86400_000);
    return { metricId: f.metric, from: day.toISOString(), to: new Date(day.getTime() + 86400_000).toISOString(), value: String(10 + (i % 50)), clientKey: `${tag}-${i}` };
  });
  return { items: items.map((x) => ({ ...x })), ...(org ? {} : {}) };
}

/** A batch as the API takes it: the organization and every id of its items as global ids (the raw contender takes the UUIDs). */
function apiBody(kind: Kind, body: { items: unknown[] }, org: string): Record<string, unknown> {
  const ids: Record<Kind, [string, NodeType][]> = {
    feedback: [["surveyId", "Survey"], ["stakeholderId", "Stakeholder"]],
    sales: [["offeringId", "Offering"], ["customerId", "Stakeholder"]],
    observations: [["metricId", "Metric"]],
  };
  const items = (body.items as Record<string, unknown>[]).map((item) => {
    const out = { ...item };
    for (const [field, type] of ids[kind]) if (typeof out[field] === "string") out[field] = globalId(type, org, out[field] as string);
    return out;
  });
  return { organizationId: organizationGlobalId(org), items };
}

const MUTATION: Record<Kind, string> = {
  feedback: `mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { created rejected conflicts duplicates } }`,
  sales: `mutation($input: RecordSalesInput!) { recordSales(input: $input) { created rejected conflicts duplicates } }`,
  observations: `mutation($input: RecordObservationsInput!) { recordObservations(input: $input) { created rejected conflicts duplicates } }`,
};
const FIELD: Record<Kind, string> = { feedback: "submitFeedback", sales: "recordSales", observations: "recordObservations" };

/** Samples pg_stat_activity: the longest each transaction (backend, start) was seen open, in ms. */
class XactSampler {
  private seen = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  constructor(private readonly c: Client) {}
  start(): void {
    this.seen.clear();
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.c
        .query(
          `SELECT pid, xact_start, extract(epoch FROM clock_timestamp() - xact_start) * 1000 AS ms FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND backend_type = 'client backend'`,
        )
        .then((r) => {
          for (const row of r.rows) {
            const k = `${row.pid}:${row.xact_start.toISOString?.() ?? row.xact_start}`;
            this.seen.set(k, Math.max(this.seen.get(k) ?? 0, Number(row.ms)));
          }
        })
        .catch(() => undefined)
        .finally(() => (this.busy = false));
    }, 10);
  }
  stop(): number[] {
    if (this.timer) clearInterval(this.timer);
    return [...this.seen.values()].filter((ms) => ms >= 5);
  }
}

export async function runIngest(ctx: BenchContext): Promise<void> {
  const { target, api, raw, keys, o } = ctx;
  const c = await superClient(target.url);
  try {
    const f = await fixtures(c, target.org);
    const run = `b${Date.now().toString(36)}`;
    log(`ingest: survey ${f.survey.id} with ${f.survey.questions.length} answers per response (${f.survey.questions.map((q) => q.type).join(", ")})`);
    if (f.survey.questions.length !== 4) ctx.notes.push(`ingest: the survey asks ${f.survey.questions.length} questions (required ones included), so responses carry ${f.survey.questions.length} answers, not 4`);
    const sampler = new XactSampler(c);
    for (const kind of ["feedback", "sales", "observations"] as Kind[]) {
      for (const clients of [1, 4]) {
        const totals = { api: { items: 0, s: 0, xact: [] as number[] }, raw: { items: 0, s: 0, xact: [] as number[] } };
        let failure: string | null = null;
        for (let b = 0; b < o.batches && !failure; b++) {
          for (const who of ["api", "raw"] as const) {
            const bodies = Array.from({ length: clients }, (_, ci) => batch(kind, f, target.org, `${run}-${kind}-${clients}-${b}-${ci}-${who}`, o.batchSize));
            sampler.start();
            const t = performance.now();
            const out = await Promise.all(
              bodies.map(async (body) => {
                if (who === "raw") {
                  const r = await post(raw.port, `/ingest/${kind}`, JSON.stringify(body));
                  if (r.status !== 200) throw new Error(`raw ${kind}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
                  return o.batchSize;
                }
                const input = apiBody(kind, body, target.org);
                const r = await graphql(api.port, MUTATION[kind], { input }, keys.staff);
                const res = r.data[FIELD[kind]];
                if (res.created !== o.batchSize) {
                  const detail = await graphql(
                    api.port,
                    MUTATION[kind].replace("created rejected", "created rejected items { status errors { field message } }"),
                    { input: { ...input, dryRun: kind === "feedback" ? true : undefined } },
                    keys.staff,
                  ).catch((e: unknown) => ({ data: String(e) }));
                  throw new Error(`api ${kind}: created ${res.created} of ${o.batchSize} (${JSON.stringify(res)}): ${JSON.stringify(detail.data).slice(0, 600)}`);
                }
                return res.created as number;
              }),
            ).catch((e: unknown) => {
              failure = String(e).slice(0, 800);
              return [0];
            });
            const seconds = (performance.now() - t) / 1000;
            const xact = sampler.stop();
            totals[who].items += out.reduce((s, n) => s + n, 0);
            totals[who].s += seconds;
            totals[who].xact.push(...xact);
            if (failure) break;
          }
        }
        const a = totals.api.items / totals.api.s;
        const r = totals.raw.items / totals.raw.s;
        const holdP50 = totals.api.xact.length ? percentile(totals.api.xact, 50) : null;
        const holdMax = totals.api.xact.length ? Math.max(...totals.api.xact) : null;
        log(`ingest ${kind}, ${clients} client(s): api ${round(a)} items/s, raw ${round(r)} items/s; api batch holds its connection p50 ${round(holdP50 ?? NaN)} ms, max ${round(holdMax ?? NaN)} ms${failure ? `; FAILED: ${failure}` : ""}`);
        if (failure) ctx.notes.push(`ingest ${kind} with ${clients} client(s) failed: ${failure}`);
        const isTarget = kind === "feedback" && clients === 4;
        ctx.items.push({
          group: "ingest",
          name: `${FIELD[kind]}, ${o.batchSize}-item batches, ${clients} client${clients > 1 ? "s" : ""}: items/s`,
          unit: "items/s",
          api: failure ? null : round(a),
          contenders: { raw: round(r) },
          ratio: failure ? null : ratio(a, r),
          ratioAgainst: "raw",
          higherIsBetter: true,
          target: isTarget ? "≥ 10,000 responses/s and ≥ 0.8× the raw insert" : "(reported)",
          met: isTarget ? !failure && a >= 10_000 && a >= 0.8 * r : null,
          extra: { batches: totals.api.xact.length, rawXactP50Ms: totals.raw.xact.length ? round(percentile(totals.raw.xact, 50)) : null },
        });
        ctx.items.push({
          group: "ingest",
          name: `${FIELD[kind]}, ${o.batchSize}-item batches, ${clients} client${clients > 1 ? "s" : ""}: connection held per batch (max)`,
          unit: "ms",
          api: holdMax === null ? null : round(holdMax),
          contenders: { raw: totals.raw.xact.length ? round(Math.max(...totals.raw.xact)) : null },
          ratio: null,
          ratioAgainst: null,
          higherIsBetter: false,
          target: o.batchSize >= 1000 ? "< 200 ms" : "(< 200 ms at 1000 items; smaller batches here)",
          met: o.batchSize >= 1000 ? holdMax !== null && !failure && holdMax < 200 : null,
          extra: { p50: holdP50 === null ? null : round(holdP50) },
        });
      }
    }
  } finally {
    await c.end();
  }
}
