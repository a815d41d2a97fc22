import { readGlobalId } from "../src/common/global-ids";
import http from "node:http";
import { DataSource } from "typeorm";
import { Client } from "pg";
import { issueKey } from "../src/modules/access/authenticate";
import { EXAMPLE_ORGANIZATION_ID, EXAMPLE_QUERIES, exampleVariables } from "../src/web/graphiql-examples";
import { get, graphql, Outcome, Tally } from "./http";
import { Service } from "./service";
import { sleep } from "./wait";

/** What the clients need to know about the service they drive. */
export interface Workload {
  service: Service;
  key: string;
  organizationId: string;
  survey: { id: string; version: number; touchpointId: string | null; questions: { key: string; type: string; required: boolean; options: string[] | null }[] };
  stakeholderIds: string[];
  /** Every clientSubmissionId of this run starts with it. */
  prefix: string;
}

/** Whether clients go on making new requests, and until when one with an unanswered batch keeps retrying it. */
export interface Phase {
  running: boolean;
  drainUntil: number;
}

/**
 * A STAFF key of the demo organization Mwanga Solar, made in its database (as the data folder's
 * superuser, with the service's own issueKey), then the survey and customers to send feedback for.
 */
export async function prepareWorkload(service: Service, prefix: string): Promise<Workload> {
  const db = new DataSource({ type: "postgres", url: await service.superuserUrl() });
  await db.initialize();
  let key: string;
  try {
    ({ key } = await issueKey(db, {
      name: "fault suite (staff)",
      kind: "MEMBER",
      // issueKey, like the tables, takes the organization's UUID (the API takes its global id).
      issuerOrganizationId: readGlobalId(EXAMPLE_ORGANIZATION_ID)!.id,
      grants: [{ organizationId: readGlobalId(EXAMPLE_ORGANIZATION_ID)!.id, role: "STAFF" }],
    }));
  } finally {
    await db.destroy();
  }
  const found = await graphql(
    service.baseUrl,
    key,
    `query($org: ID!) {
      surveys(organizationId: $org, first: 100) { edges { node { id active audience currentVersion touchpoint { id } questions { key type required options } } } }
      stakeholders(organizationId: $org, filter: { kind: CUSTOMER }, first: 300) { edges { node { id } } }
    }`,
    { org: EXAMPLE_ORGANIZATION_ID },
    { timeoutMs: 120000 },
  );
  const data = (found.body as { data?: { surveys: { edges: { node: SurveyNode }[] }; stakeholders: { edges: { node: { id: string } }[] } } }).data;
  if (!data) throw new Error(`could not read the demo surveys: ${describe(found)}`);
  const survey = data.surveys.edges
    .map((e) => e.node)
    .find((s) => s.active && s.audience === "CUSTOMER" && s.questions.some((q) => q.type === "NPS"));
  if (!survey) throw new Error("the demo organization has no active customer survey with an NPS question");
  const stakeholderIds = data.stakeholders.edges.map((e) => e.node.id);
  if (stakeholderIds.length === 0) throw new Error("the demo organization has no customers");
  return {
    service,
    key,
    organizationId: EXAMPLE_ORGANIZATION_ID,
    survey: { id: survey.id, version: survey.currentVersion, touchpointId: survey.touchpoint?.id ?? null, questions: survey.questions },
    stakeholderIds,
    prefix,
  };
}

interface SurveyNode {
  id: string;
  active: boolean;
  audience: string;
  currentVersion: number;
  touchpoint: { id: string } | null;
  questions: { key: string; type: string; required: boolean; options: string[] | null }[];
}

export function describe(outcome: Outcome): string {
  if (outcome.kind !== "answered") return `${outcome.kind} (${outcome.error ?? ""})`;
  return `HTTP ${outcome.status} ${typeof outcome.body === "string" ? outcome.body.slice(0, 300) : JSON.stringify(outcome.body).slice(0, 300)}`;
}

/** What the ingest clients saw: every item acknowledged (CREATED or DUPLICATE in a batch answer). */
export class IngestLedger {
  readonly sent = new Set<string>();
  readonly acknowledged = new Set<string>();
  created = 0;
  /** Items answered DUPLICATE: a retry of an item stored before (its first answer was lost). */
  duplicateAnswers = 0;
  rejected = 0;
  conflicts = 0;
  readonly rejectedExamples: string[] = [];
  acknowledgedBatches = 0;
  /** Batches a client gave up on: a 4xx that a retry can't change, or the drain ceiling reached. */
  batchesGivenUp = 0;
  readonly givenUpExamples: string[] = [];
}

const SUBMIT = `mutation Submit($input: SubmitFeedbackInput!) {
  submitFeedback(input: $input) { created duplicates conflicts rejected items { index status errors { field message } } }
}`;

interface SubmitAnswer {
  data?: { submitFeedback?: { items: { index: number; status: string; errors: { field: string; message: string }[] }[] } | null } | null;
}

/**
 * One field app: sends batches of `batchSize` new items (its own clientSubmissionIds), and
 * resends the same batch, unchanged, until it is answered, waiting 0.25 s, doubling to 2 s
 * (or what Retry-After says, at most 5 s) between tries.
 */
export async function ingestClient(
  n: number,
  w: Workload,
  phase: Phase,
  ledger: IngestLedger,
  tally: Tally,
  options: { batchSize: number; agent: http.Agent },
): Promise<void> {
  let seq = 0;
  while (phase.running) {
    const items = Array.from({ length: options.batchSize }, () => feedbackItem(w, `${w.prefix}c${n}-${++seq}`, seq + n));
    for (const item of items) ledger.sent.add(item.clientSubmissionId);
    let wait = 250;
    for (;;) {
      const outcome = await graphql(w.service.baseUrl, w.key, SUBMIT, { input: { organizationId: w.organizationId, items } }, { agent: options.agent, tally });
      const result = outcome.kind === "answered" && outcome.status === 200 ? (outcome.body as SubmitAnswer).data?.submitFeedback : undefined;
      if (result) {
        for (const item of result.items) {
          const id = items[item.index].clientSubmissionId;
          if (item.status === "CREATED" || item.status === "DUPLICATE") {
            ledger.acknowledged.add(id);
            if (item.status === "CREATED") ledger.created += 1;
            else ledger.duplicateAnswers += 1;
          } else {
            if (item.status === "CONFLICT") ledger.conflicts += 1;
            else ledger.rejected += 1;
            if (ledger.rejectedExamples.length < 5) ledger.rejectedExamples.push(`${item.status} ${JSON.stringify(item.errors)}`);
          }
        }
        ledger.acknowledgedBatches += 1;
        break;
      }
      const permanent = outcome.kind === "answered" && outcome.status >= 400 && outcome.status < 500 && ![408, 429].includes(outcome.status);
      if (permanent || (!phase.running && Date.now() > phase.drainUntil)) {
        ledger.batchesGivenUp += 1;
        if (ledger.givenUpExamples.length < 5) ledger.givenUpExamples.push(describe(outcome));
        break;
      }
      const retryAfter = Number(outcome.retryAfter);
      await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 5000) : wait);
      wait = Math.min(wait * 2, 2000);
    }
  }
}

function feedbackItem(w: Workload, clientSubmissionId: string, salt: number) {
  const answers = w.survey.questions.map((q, i) => ({ key: q.key, value: answerFor(q, salt + i) }));
  const minutesAgo = 30 + (salt % 600);
  return {
    clientSubmissionId,
    surveyId: w.survey.id,
    surveyVersion: w.survey.version,
    ...(w.survey.touchpointId ? { touchpointId: w.survey.touchpointId } : {}),
    stakeholderId: w.stakeholderIds[salt % w.stakeholderIds.length],
    collectedAt: new Date(Date.now() - minutesAgo * 60000).toISOString(),
    answers,
    comment: `fault suite item ${clientSubmissionId}: the lamp works, the agent was on time`,
  };
}

function answerFor(q: { type: string; options: string[] | null }, salt: number): unknown {
  switch (q.type) {
    case "NPS":
      return salt % 11;
    case "RATING":
      return 1 + (salt % 5);
    case "EFFORT":
      return 1 + (salt % 7);
    case "YES_NO":
      return salt % 3 !== 0;
    case "CHOICE":
      return q.options?.[salt % q.options.length] ?? null;
    default:
      return `answer ${salt}`;
  }
}

/** The dashboard reads: the heavy example operations GraphiQL offers (src/web/graphiql-examples.ts). */
export function readQueries(titles?: RegExp): { name: string; query: string; variables: Record<string, unknown> }[] {
  return EXAMPLE_QUERIES.filter((e) => !titles || titles.test(e.title)).map((e) => ({ name: e.title, query: e.query, variables: exampleVariables(e) }));
}

/** One dashboard user: reads in a loop (a short pause after a failure). */
export async function readerClient(
  n: number,
  w: Workload,
  phase: Phase,
  tally: Tally,
  options: { agent: http.Agent; queries: ReturnType<typeof readQueries> },
): Promise<void> {
  for (let i = n; phase.running; i++) {
    const q = options.queries[i % options.queries.length];
    const outcome = await graphql(w.service.baseUrl, w.key, q.query, q.variables, { agent: options.agent, tally });
    if (outcome.kind !== "answered" || outcome.status !== 200 || outcome.codes.length) await sleep(outcome.kind === "refused" ? 250 : 100);
  }
}

/** Samples db_pool_waiting from /metrics every second while `phase.running`. */
export async function samplePoolWaiting(service: Service, token: string, phase: Phase, samples: number[]): Promise<void> {
  while (phase.running) {
    const outcome = await get(service.baseUrl, "/metrics", { timeoutMs: 5000, headers: { authorization: `Bearer ${token}` } });
    const match = outcome.kind === "answered" && typeof outcome.body === "string" ? /^db_pool_waiting(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/m.exec(outcome.body) : null;
    if (match) samples.push(Number(match[1]));
    await sleep(1000);
  }
}

/** Probes `path` every `everyMs` while `phase.running`, counting answers in `tally`. */
export async function probe(service: Service, path: string, phase: Phase, tally: Tally, everyMs: number): Promise<void> {
  while (phase.running) {
    await get(service.baseUrl, path, { timeoutMs: 10000, tally });
    await sleep(everyMs);
  }
}

/** Every acknowledged item must be stored exactly once: counted in the database by clientSubmissionId. */
export interface LedgerCheck {
  sent: number;
  acknowledged: number;
  /** Distinct clientSubmissionIds of this run in the database. */
  stored: number;
  /** Acknowledged items stored more than once. */
  duplicated: number;
  /** Acknowledged items not in the database. */
  lost: number;
  /** Stored, but the client never saw them acknowledged (its answer was lost and it stopped before retrying). */
  storedUnacknowledged: number;
  createdAnswers: number;
  duplicateAnswers: number;
  rejected: number;
  conflicts: number;
  batchesGivenUp: number;
  examples: string[];
}

export async function checkLedger(w: Workload, ledger: IngestLedger): Promise<LedgerCheck> {
  const client = new Client({ connectionString: await w.service.superuserUrl() });
  await client.connect();
  let rows: { id: string; n: number }[];
  try {
    ({ rows } = await client.query<{ id: string; n: number }>(
      `SELECT client_submission_id AS id, count(*)::int AS n FROM feedback_responses
        WHERE organization_id = $1 AND starts_with(client_submission_id, $2) GROUP BY 1`,
      [readGlobalId(w.organizationId)!.id, w.prefix],
    ));
  } finally {
    await client.end();
  }
  const counts = new Map(rows.map((r) => [r.id, r.n]));
  let lost = 0;
  let duplicated = 0;
  for (const id of ledger.acknowledged) {
    const n = counts.get(id) ?? 0;
    if (n === 0) lost += 1;
    else if (n > 1) duplicated += 1;
  }
  const storedUnacknowledged = rows.filter((r) => !ledger.acknowledged.has(r.id)).length;
  return {
    sent: ledger.sent.size,
    acknowledged: ledger.acknowledged.size,
    stored: rows.length,
    duplicated,
    lost,
    storedUnacknowledged,
    createdAnswers: ledger.created,
    duplicateAnswers: ledger.duplicateAnswers,
    rejected: ledger.rejected,
    conflicts: ledger.conflicts,
    batchesGivenUp: ledger.batchesGivenUp,
    examples: [...ledger.rejectedExamples, ...ledger.givenUpExamples],
  };
}
