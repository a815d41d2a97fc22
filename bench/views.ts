import "reflect-metadata";
import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startEmbeddedPostgres } from "../src/database/embedded";
import { openDatabase } from "../src/database/data-source";
import { createApollo } from "../src/server";
import { createContext } from "../src/context";
import { authenticate } from "../src/modules/access/authenticate";
import { DEMO_SHOES_ID, DEMO_SOLAR_ID, seedDemo } from "../seeds/demo";
import { inflate } from "./inflate";

/**
 * `npm run bench`: latency of the main dashboard and report queries on the demo data,
 * in process (no HTTP), against an embedded PostgreSQL of its own. Prints p50/p95/max
 * per query; the numbers go to bench/RESULTS.md with the date and machine.
 */
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40);
/** Each demo organization is made this many times larger (copies of every stakeholder and what hangs on it). */
const SCALE = Math.max(1, Number(process.env.BENCH_SCALE ?? 1));
const YEAR = `from: "2025-11-01T00:00:00Z", to: "2026-11-01T00:00:00Z"`;

const QUERIES: { name: string; key: RegExp; query: string }[] = [
  {
    name: "stakeholders(first: 100) with stage, lifecycle, journey",
    key: /Mwanga Solar staff/,
    query: `{ stakeholders(organizationId: "${DEMO_SOLAR_ID}", first: 100) { totalCount edges { node { externalRef currentStage { name } lifecycle { name } journey(first: 10) { edges { node { occurredAt toStage { name } } } } } } } }`,
  },
  {
    name: "stakeholders(first: 100) of one gender and kind",
    key: /Hatua Shoes staff/,
    query: `{ stakeholders(organizationId: "${DEMO_SHOES_ID}", first: 100, filter: { kind: BENEFICIARY, gender: FEMALE }) { totalCount edges { cursor node { externalRef currentStage { name } } } } }`,
  },
  {
    name: "feedbackResponses(first: 100) of detractors, with answers and actions",
    key: /Hatua Shoes staff/,
    query: `{ feedbackResponses(organizationId: "${DEMO_SHOES_ID}", first: 100, filter: { npsClass: DETRACTOR }) { totalCount edges { node { nps comment answers { __typename } actions { status } } } } }`,
  },
  { name: "nps over the year", key: /Hatua Shoes staff/, query: `{ nps(organizationId: "${DEMO_SHOES_ID}", ${YEAR}) { score sampleSize marginOfError95 } }` },
  { name: "actionSummary", key: /Hatua Shoes staff/, query: `{ actionSummary(organizationId: "${DEMO_SHOES_ID}", ${YEAR}) { owners { __typename } } }` },
  { name: "lifecycleFunnel by gender", key: /Mwanga Solar staff/, query: `{ lifecycleFunnel(organizationId: "${DEMO_SOLAR_ID}", kind: CUSTOMER, ${YEAR}, dimension: GENDER) { stages { entered groups { value entered } } } }` },
  { name: "lifecycleFunnel by gender (funder, suppressed)", key: /Green Light Fund/, query: `{ lifecycleFunnel(organizationId: "${DEMO_SOLAR_ID}", kind: CUSTOMER, ${YEAR}, dimension: GENDER) { stages { entered groups { value entered } } } }` },
  { name: "impactAtSale", key: /Hatua Shoes admin/, query: `{ impactAtSale(organizationId: "${DEMO_SHOES_ID}", ${YEAR}) { totals { sales unitsGiven } offerings { sales } socialMetrics { actual attainment } } }` },
  { name: "doubleBottomLine", key: /Hatua Shoes admin/, query: `{ doubleBottomLine(organizationId: "${DEMO_SHOES_ID}", ${YEAR}) { business { revenue { change { amount } } kpis { change } } social { socialMetrics { change } } } }` },
  { name: "qualityOfExperience by touchpoint", key: /Hatua Shoes admin/, query: `{ qualityOfExperience(organizationId: "${DEMO_SHOES_ID}", ${YEAR}, groupBy: TOUCHPOINT) { overall { score } groups { label score } } }` },
  { name: "qualityOfExperience by month", key: /Hatua Shoes admin/, query: `{ qualityOfExperience(organizationId: "${DEMO_SHOES_ID}", ${YEAR}, groupBy: PERIOD, interval: MONTH) { groups { label score } } }` },
  { name: "impactReport (funder)", key: /Green Light Fund/, query: `{ impactReport(organizationId: "${DEMO_SOLAR_ID}", ${YEAR}) { metrics { actual attainment } disaggregations { cells { count } } notes { item } } }` },
];

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dbl-bench-"));
  chmodSync(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port: 54600 + Math.floor(Math.random() * 300), database: "bench" });
  try {
    const db = await openDatabase({ url: pg.url, poolMax: 4, connectTimeoutMs: 5000, statementTimeoutMs: 60000 });
    const { keys } = await seedDemo(db, new Date("2026-11-01T00:00:00Z"));
    for (const org of [DEMO_SOLAR_ID, DEMO_SHOES_ID]) await inflate(db, org, SCALE - 1);
    await db.query("ANALYZE");
    const [rows] = await db.query(
      `SELECT (SELECT count(*) FROM stakeholders WHERE organization_id = $1) AS stakeholders, (SELECT count(*) FROM stage_transitions WHERE organization_id = $1) AS transitions,
              (SELECT count(*) FROM sales WHERE organization_id = $1) AS sales, (SELECT count(*) FROM feedback_responses WHERE organization_id = $1) AS responses,
              (SELECT count(*) FROM feedback_answers WHERE organization_id = $1) AS answers, (SELECT count(*) FROM actions WHERE organization_id = $1) AS actions`,
      [DEMO_SHOES_ID],
    );
    process.stdout.write(`scale ${SCALE}: Hatua Shoes holds ${Object.entries(rows).map(([k, v]) => `${v} ${k}`).join(", ")}\n\n| query | p50 | p95 | max |\n|---|---|---|---|\n`);
    const apollo = await createApollo({ production: false, log: () => undefined });
    await apollo.start();
    const lines: string[] = [];
    for (const q of QUERIES) {
      const key = keys.find((k) => q.key.test(k.spec.label))!.key;
      const run = async () => {
        const contextValue = await createContext(db, await authenticate(db, key));
        const r = await apollo.executeOperation({ query: q.query }, { contextValue });
        await contextValue.finish(false).catch(() => undefined);
        if (r.body.kind !== "single" || r.body.singleResult.errors) throw new Error(`${q.name}: ${JSON.stringify(r.body)}`);
      };
      for (let i = 0; i < 5; i++) await run(); // warm up
      const times: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const line = `| ${q.name} | ${pct(times, 50).toFixed(1)} | ${pct(times, 95).toFixed(1)} | ${times[times.length - 1].toFixed(1)} |`;
      lines.push(line);
      process.stdout.write(`${line}\n`);
    }
    await apollo.stop();
    await db.destroy();
    process.stdout.write(`\n${ITERATIONS} runs each after 5 warm-up runs; milliseconds, one request at a time, including authentication and the request transaction.\n`);
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
