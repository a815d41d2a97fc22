import { organizationGlobalId, readGlobalId } from "../src/common/global-ids";
import { cpuSeconds, graphql, HttpAnswer, load, LoadResult, log, percentile, post, ratio, round, RssSampler } from "./common";
import { BenchContext, startPostGraphile } from "./context";

/**
 * Group 1, list pages over HTTP with 16 connections: this API, the bare node:http + pg server
 * (one SQL statement builds the JSON), PostGraphile 5. Interleaved: in each round every contender
 * gets its slice of load in turn, so machine noise hits all alike. The same rows are checked first.
 */

const CONNECTIONS = 16;

/** The API's global id as the row's UUID the other contenders answer. */
const rowKey = (id: string): string => readGlobalId(id)?.id ?? id;

const API_STAKEHOLDERS = `query($org: ID!) { stakeholders(organizationId: $org, first: 100) { edges { node {
  id externalRef kind currentStage { id name } journey(first: 5) { edges { node { id occurredAt toStage { id name } } } } } } } }`;
const API_FEEDBACK = `query($org: ID!) { feedbackResponses(organizationId: $org, first: 100) { edges { node {
  id collectedAt nps comment answers { question { key } value } } } } }`;

interface Shape {
  /** Stakeholder id -> "stage|journey ids"; response id -> number of answers. */
  rows: Map<string, string>;
}

function stakeholderShape(nodes: { id: string; stage: string | null; journey: string[] }[]): Shape {
  return { rows: new Map(nodes.map((n) => [n.id, `${n.stage}|${n.journey.join(",")}`])) };
}

/** PostGraphile's field names, read from its schema (they follow the tables' foreign keys). */
async function pgNames(port: number): Promise<Record<string, string>> {
  const type = async (name: string) =>
    (await graphql(port, `{ __type(name: "${name}") { fields { name args { name } } } }`)).data.__type.fields as { name: string; args: { name: string }[] }[];
  const q = await type("Query");
  const s = await type("Stakeholder");
  const r = await type("FeedbackResponse");
  const a = await type("FeedbackAnswer");
  const t = await type("StageTransition");
  const find = (fields: { name: string }[], re: RegExp, what: string) => {
    const f = fields.find((x) => re.test(x.name));
    if (!f) throw new Error(`PostGraphile has no ${what} (fields: ${fields.map((x) => x.name).join(", ")})`);
    return f.name;
  };
  return {
    stakeholders: find(q, /^allStakeholders$/, "allStakeholders"),
    responses: find(q, /^allFeedbackResponses$/, "allFeedbackResponses"),
    currentStage: find(s, /^stageBy.*CurrentStageId/, "Stakeholder.current stage"),
    journey: find(s, /^stageTransitionsBy.*StakeholderId/, "Stakeholder.stage transitions"),
    answers: find(r, /^feedbackAnswersBy.*ResponseId/, "FeedbackResponse.answers"),
    toStage: find(t, /^stageBy.*ToStageId/, "StageTransition.to stage"),
    question: find(a, /^surveyQuestionBy.*QuestionId/, "FeedbackAnswer.question"),
  };
}

function pgQueries(n: Record<string, string>, org: string) {
  return {
    stakeholders: `{ ${n.stakeholders}(condition: { organizationId: "${org}" }, first: 100, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) { nodes {
      rowId externalRef kind ${n.currentStage} { rowId name }
      ${n.journey}(first: 5, orderBy: [OCCURRED_AT_ASC, ROW_ID_ASC]) { nodes { rowId occurredAt ${n.toStage} { rowId name } } } } } }`,
    feedback: `{ ${n.responses}(condition: { organizationId: "${org}" }, first: 100, orderBy: [COLLECTED_AT_DESC, ROW_ID_DESC]) { nodes {
      rowId collectedAt nps comment ${n.answers}(orderBy: [PRIMARY_KEY_ASC]) { nodes { valueNumber valueText valueBool ${n.question} { key position } } } } } }`,
  };
}

interface Contender {
  name: string;
  pid: number;
  send(): Promise<HttpAnswer>;
  shape(): Promise<Shape>;
}

interface Tally {
  runs: LoadResult[];
  cpu: number;
  rss: number;
}

export async function runLists(ctx: BenchContext): Promise<void> {
  const { target, api, raw, keys } = ctx;
  const pg = await startPostGraphile(target);
  try {
    const names = await pgNames(pg.port);
    const pgq = pgQueries(names, target.org);
    const auth = { authorization: `Bearer ${keys.staff}` };
    const lists = [
      {
        name: "stakeholders(first: 100) with current stage and first 5 journey entries",
        apiQuery: API_STAKEHOLDERS,
        contenders: [
          {
            name: "api",
            pid: api.proc.pid!,
            send: () => post(api.port, "/graphql", JSON.stringify({ query: API_STAKEHOLDERS, variables: { org: organizationGlobalId(target.org) } }), auth),
            shape: async () =>
              stakeholderShape(
                (await graphql(api.port, API_STAKEHOLDERS, { org: organizationGlobalId(target.org) }, keys.staff)).data.stakeholders.edges.map((e: any) => ({
                  id: rowKey(e.node.id),
                  stage: e.node.currentStage ? rowKey(e.node.currentStage.id) : null,
                  journey: e.node.journey.edges.map((j: any) => rowKey(j.node.id)),
                })),
              ),
          },
          {
            name: "raw",
            pid: raw.proc.pid!,
            send: () => post(raw.port, "/lists/stakeholders", "{}"),
            shape: async () =>
              stakeholderShape(
                JSON.parse((await post(raw.port, "/lists/stakeholders", "{}")).body).data.stakeholders.edges.map((e: any) => ({
                  id: rowKey(e.node.id),
                  stage: e.node.currentStage ? rowKey(e.node.currentStage.id) : null,
                  journey: e.node.journey.edges.map((j: any) => rowKey(j.node.id)),
                })),
              ),
          },
          {
            name: "postgraphile",
            pid: pg.proc.pid!,
            send: () => post(pg.port, "/graphql", JSON.stringify({ query: pgq.stakeholders })),
            shape: async () =>
              stakeholderShape(
                (await graphql(pg.port, pgq.stakeholders)).data[names.stakeholders].nodes.map((n: any) => ({
                  id: n.rowId,
                  stage: n[names.currentStage]?.rowId ?? null,
                  journey: n[names.journey].nodes.map((j: any) => j.rowId),
                })),
              ),
          },
        ] as Contender[],
      },
      {
        name: "feedbackResponses(first: 100) with answers",
        apiQuery: API_FEEDBACK,
        contenders: [
          {
            name: "api",
            pid: api.proc.pid!,
            send: () => post(api.port, "/graphql", JSON.stringify({ query: API_FEEDBACK, variables: { org: organizationGlobalId(target.org) } }), auth),
            shape: async () => ({
              rows: new Map((await graphql(api.port, API_FEEDBACK, { org: organizationGlobalId(target.org) }, keys.staff)).data.feedbackResponses.edges.map((e: any) => [rowKey(e.node.id), String(e.node.answers.length)])),
            }),
          },
          {
            name: "raw",
            pid: raw.proc.pid!,
            send: () => post(raw.port, "/lists/feedback", "{}"),
            shape: async () => ({
              rows: new Map(JSON.parse((await post(raw.port, "/lists/feedback", "{}")).body).data.feedbackResponses.edges.map((e: any) => [rowKey(e.node.id), String(e.node.answers.length)])),
            }),
          },
          {
            name: "postgraphile",
            pid: pg.proc.pid!,
            send: () => post(pg.port, "/graphql", JSON.stringify({ query: pgq.feedback })),
            shape: async () => ({
              rows: new Map((await graphql(pg.port, pgq.feedback)).data[names.responses].nodes.map((n: any) => [n.rowId, String(n[names.answers].nodes.length)])),
            }),
          },
        ] as Contender[],
      },
    ];

    for (const list of lists) {
      // Same rows from every contender, before any timing.
      const shapes = await Promise.all(list.contenders.map((c) => c.shape()));
      const reference = shapes[0];
      for (let i = 1; i < shapes.length; i++) {
        const s = shapes[i];
        const diff = [...reference.rows].filter(([id, v]) => s.rows.get(id) !== v).length + (s.rows.size !== reference.rows.size ? 1 : 0);
        if (diff > 0) {
          const msg = `${list.name}: ${list.contenders[i].name} answers different rows than the API (${diff} differ; sizes ${reference.rows.size} vs ${s.rows.size})`;
          ctx.mismatches.push(msg);
          log(`MISMATCH ${msg}`);
        }
      }
      log(`${list.name}: ${reference.rows.size} rows, same in every contender: ${!ctx.mismatches.some((m) => m.startsWith(list.name))}`);

      for (const c of list.contenders) await load(1, 4, c.send); // warm-up
      const tally = new Map<string, Tally>(list.contenders.map((c) => [c.name, { runs: [], cpu: 0, rss: 0 }]));
      const slice = ctx.o.duration / ctx.o.rounds;
      for (let round_ = 0; round_ < ctx.o.rounds; round_++) {
        for (const c of list.contenders) {
          const t = tally.get(c.name)!;
          const rss = new RssSampler(c.pid);
          rss.start();
          const cpu0 = cpuSeconds(c.pid);
          t.runs.push(await load(slice, CONNECTIONS, c.send));
          t.cpu += cpuSeconds(c.pid) - cpu0;
          rss.stop();
          t.rss = Math.max(t.rss, rss.peak);
        }
      }
      const summary = new Map(
        [...tally].map(([name, t]) => {
          const requests = t.runs.reduce((s, r) => s + r.requests, 0);
          const seconds = t.runs.reduce((s, r) => s + r.seconds, 0);
          const lat = t.runs.flatMap((r) => r.latencies);
          const errors = t.runs.reduce((s, r) => s + r.errors, 0);
          const firstError = t.runs.find((r) => r.firstError)?.firstError ?? null;
          if (errors) ctx.notes.push(`${list.name}, ${name}: ${errors} failed requests (first: ${firstError})`);
          return [name, { rps: requests / seconds, p50: percentile(lat, 50), p95: percentile(lat, 95), cpuMs: (t.cpu / Math.max(1, requests)) * 1000, rss: t.rss, requests, errors }];
        }),
      );
      const a = summary.get("api")!;
      const r = summary.get("raw")!;
      const p = summary.get("postgraphile")!;
      const statements = await ctx.statementsPerRequest(list.apiQuery, { org: organizationGlobalId(target.org) }, keys.staff);
      log(`${list.name}: api ${round(a.rps)} req/s, raw ${round(r.rps)}, postgraphile ${round(p.rps)}; api ${statements} statements/request, ${round(a.cpuMs, 2)} ms CPU/request, peak RSS ${round(a.rss)} MB`);
      const extra = Object.fromEntries([...summary].map(([n, s]) => [n, { reqPerS: round(s.rps), p50Ms: round(s.p50), p95Ms: round(s.p95), cpuMsPerRequest: round(s.cpuMs, 2), peakRssMb: round(s.rss), requests: s.requests, errors: s.errors }]));
      ctx.items.push(
        {
          group: "lists",
          name: `${list.name}: requests/s (16 connections)`,
          unit: "req/s",
          api: round(a.rps),
          contenders: { raw: round(r.rps), postgraphile: round(p.rps) },
          ratio: ratio(a.rps, p.rps),
          ratioAgainst: "postgraphile",
          higherIsBetter: true,
          target: "≥ PostGraphile's req/s",
          met: a.rps >= p.rps && a.errors === 0,
          extra,
        },
        {
          group: "lists",
          name: `${list.name}: p50 latency`,
          unit: "ms",
          api: round(a.p50),
          contenders: { raw: round(r.p50), postgraphile: round(p.p50) },
          ratio: ratio(a.p50, p.p50),
          ratioAgainst: "postgraphile",
          higherIsBetter: false,
          target: "(reported)",
          met: null,
          extra: { p95: { api: round(a.p95), raw: round(r.p95), postgraphile: round(p.p95) } },
        },
        {
          group: "lists",
          name: `${list.name}: SQL statements per request (incl. BEGIN, set-up, COMMIT)`,
          unit: "statements",
          api: statements,
          contenders: { raw: 4, postgraphile: null },
          ratio: null,
          ratioAgainst: null,
          higherIsBetter: false,
          target: "≤ 6",
          met: statements <= 6,
        },
        {
          group: "lists",
          name: `${list.name}: Node CPU per request`,
          unit: "ms",
          api: round(a.cpuMs, 2),
          contenders: { raw: round(r.cpuMs, 2), postgraphile: round(p.cpuMs, 2) },
          ratio: ratio(a.cpuMs, p.cpuMs),
          ratioAgainst: "postgraphile",
          higherIsBetter: false,
          target: "(reported)",
          met: null,
        },
        {
          group: "lists",
          name: `${list.name}: peak resident memory under load`,
          unit: "MB",
          api: round(a.rss),
          contenders: { raw: round(r.rss), postgraphile: round(p.rss) },
          ratio: ratio(a.rss, p.rss),
          ratioAgainst: "postgraphile",
          higherIsBetter: false,
          target: "≤ 300 MB",
          met: a.rss <= 300,
        },
      );
    }
  } finally {
    await pg.stop();
  }
}
