import http from "node:http";
import { promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { get, graphql, OutcomeRecord, percentile, Tally } from "./http";
import { alive, freePort, Service } from "./service";
import { sleep, waitFor } from "./wait";
import {
  checkLedger,
  describe,
  ingestClient,
  IngestLedger,
  LedgerCheck,
  Phase,
  prepareWorkload,
  probe,
  readerClient,
  readQueries,
  samplePoolWaiting,
  Workload,
} from "./workload";

export interface SuiteOptions {
  /** The project folder (dist/ built). */
  root: string;
  /** A temporary folder for the data folders and logs. */
  tmp: string;
  rounds: number;
  soakSeconds: number;
  production: boolean;
}

/** One fault and what followed it. */
export interface FaultRecord {
  round: number;
  fault: string;
  /** From the fault to /readyz answering 200 again (null: never, within the ceiling). */
  readyMs: number | null;
  /** From ready to the next acknowledged batches (null: not seen, or no ingest). */
  resumedMs: number | null;
  detail: Record<string, string | number | boolean | null>;
}

export interface RequestSummary {
  sent: number;
  answered: number;
  refused: number;
  withoutAnswer: number;
  timeouts: number;
  byAnswer: Record<string, number>;
  serverErrors: Record<string, number>;
  unavailable: number;
  unavailableWithRetryAfter: number;
  okP50Ms: number | null;
  okP95Ms: number | null;
  okMaxMs: number | null;
  noAnswerExamples: string[];
}

export interface ScenarioResult {
  name: string;
  title: string;
  /** The suite could not run it to the end (the service didn't start, a ceiling passed, ...). */
  error?: string;
  ledger?: LedgerCheck;
  requests: Record<string, RequestSummary>;
  faults: FaultRecord[];
  /** Further figures, in order: [what, value]. */
  figures: [string, string][];
  logFile: string;
  seconds: number;
}

export function summarize(tally: Tally): RequestSummary {
  return {
    sent: tally.sent,
    answered: tally.answered,
    refused: tally.refused,
    withoutAnswer: tally.noAnswer,
    timeouts: tally.timeouts,
    byAnswer: tally.byAnswer,
    serverErrors: tally.serverErrors(),
    unavailable: tally.unavailable,
    unavailableWithRetryAfter: tally.unavailableWithRetryAfter,
    okP50Ms: percentile(tally.okMs, 50),
    okP95Ms: percentile(tally.okMs, 95),
    okMaxMs: percentile(tally.okMs, 100),
    noAnswerExamples: tally.noAnswerExamples,
  };
}

/** Ceilings: generous, the machine may be busy. None is a correctness condition. */
const START_CEILING_MS = 300000;
const READY_AFTER_FAULT_CEILING_MS = 180000;
const PROGRESS_CEILING_MS = 180000;
const DRAIN_CEILING_MS = 120000;

interface Run {
  name: string;
  service: Service;
  workload: Workload;
  metricsToken: string;
  logFile: string;
  started: number;
  startMs: number;
  figures: [string, string][];
  faults: FaultRecord[];
}

/** A fresh data folder and free ports; the service started (demo data loaded), ready, and a staff key made. */
async function launch(name: string, options: SuiteOptions, env: Record<string, string> = {}): Promise<Run> {
  const started = Date.now();
  const dir = path.join(options.tmp, name);
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, 0o755);
  const logFile = path.join(dir, "service.log");
  const metricsToken = randomBytes(24).toString("base64url");
  const service = new Service({
    root: options.root,
    dataDir: path.join(dir, "pg"),
    port: await freePort(),
    pgPort: await freePort(),
    logFile,
    metricsToken,
    production: options.production,
    env,
  });
  service.start();
  const startMs = await service.waitReady(START_CEILING_MS);
  const workload = await prepareWorkload(service, `faults-${name}-${Date.now().toString(36)}-`);
  return { name, service, workload, metricsToken, logFile, started, startMs, figures: [["first start on an empty folder (initdb, migrations, demo data), s", secs(startMs)]], faults: [] };
}

function secs(ms: number | null): string {
  return ms === null ? "never" : (ms / 1000).toFixed(1);
}

/** Keep-alive connections, as a field app or a dashboard keeps them. */
function keepAlive(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets });
}

/**
 * Waits until `count()` has grown by `by` (ingest or reads made progress); resolves with the
 * milliseconds waited or null when the ceiling passed.
 */
async function progress(count: () => number, by: number, what: string): Promise<number | null> {
  const from = count();
  try {
    return await waitFor(() => count() >= from + by, { ceilingMs: PROGRESS_CEILING_MS, everyMs: 50, what });
  } catch {
    return null;
  }
}

/**
 * When the service could not come back on its own, the suite does what a person would (stop a
 * PostgreSQL left on the folder, start again) so that the ledger can still be checked; the fault
 * record says so.
 */
async function restartByHand(run: Run, record: FaultRecord): Promise<void> {
  record.detail["needed a person"] = true;
  if (!run.service.exited) {
    run.service.signal("SIGKILL");
    await run.service.waitExit(30000);
  }
  const pid = await run.service.postmasterPid();
  if (pid !== null && alive(pid)) {
    process.kill(pid, "SIGQUIT");
    await waitFor(() => !alive(pid), { ceilingMs: 30000, everyMs: 100, what: "PostgreSQL to stop" }).catch(() => process.kill(pid, "SIGKILL"));
  }
  run.service.start();
  await run.service.waitReady(START_CEILING_MS);
}

async function finish(run: Run, title: string, parts: { ledger?: IngestLedger; requests: Record<string, Tally>; error?: string }): Promise<ScenarioResult> {
  let ledger: LedgerCheck | undefined;
  let error = parts.error;
  if (parts.ledger) {
    try {
      if (run.service.exited) {
        run.service.start();
        await run.service.waitReady(START_CEILING_MS);
      }
      ledger = await checkLedger(run.workload, parts.ledger);
    } catch (e) {
      error = [error, `ledger not checked: ${e instanceof Error ? e.message : String(e)}`].filter(Boolean).join("; ");
    }
  }
  const requests: Record<string, RequestSummary> = {};
  for (const [name, tally] of Object.entries(parts.requests)) requests[name] = summarize(tally);
  return { name: run.name, title, error, ledger, requests, faults: run.faults, figures: run.figures, logFile: run.logFile, seconds: Math.round((Date.now() - run.started) / 1000) };
}

/** Runs a scenario body with its service always stopped afterwards (and its PostgreSQL). */
async function scenario(
  name: string,
  title: string,
  options: SuiteOptions,
  body: (run: Run) => Promise<{ ledger?: IngestLedger; requests: Record<string, Tally> }>,
  env: Record<string, string> = {},
): Promise<ScenarioResult> {
  const started = Date.now();
  let run: Run | undefined;
  try {
    run = await launch(name, options, env);
    let parts: { ledger?: IngestLedger; requests: Record<string, Tally> } | undefined;
    let error: string | undefined;
    try {
      parts = await body(run);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    return await finish(run, title, { ...(parts ?? { requests: {} }), error });
  } catch (e) {
    const logFile = run?.logFile ?? path.join(options.tmp, name, "service.log");
    return { name, title, error: e instanceof Error ? e.message : String(e), requests: {}, faults: run?.faults ?? [], figures: run?.figures ?? [], logFile, seconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    await run?.service.shutdown().catch(() => undefined);
  }
}

/** Starts `ingest` field apps (batches of 100) and `readers` dashboard users on one phase. */
function startClients(run: Run, counts: { ingest: number; readers: number; batchSize?: number }) {
  const phase: Phase = { running: true, drainUntil: 0 };
  const ledger = new IngestLedger();
  const writes = new Tally();
  const reads = new Tally();
  const ingestAgent = keepAlive(counts.ingest);
  const readAgent = keepAlive(Math.max(1, counts.readers));
  const queries = readQueries();
  const clients = [
    ...Array.from({ length: counts.ingest }, (_, i) => ingestClient(i, run.workload, phase, ledger, writes, { batchSize: counts.batchSize ?? 100, agent: ingestAgent })),
    ...Array.from({ length: counts.readers }, (_, i) => readerClient(i, run.workload, phase, reads, { agent: readAgent, queries })),
  ];
  return {
    phase,
    ledger,
    writes,
    reads,
    /** Stops new batches and reads; a batch not yet answered is retried for up to the drain ceiling. */
    async stop(): Promise<void> {
      phase.drainUntil = Date.now() + DRAIN_CEILING_MS;
      phase.running = false;
      await Promise.all(clients);
      ingestAgent.destroy();
      readAgent.destroy();
    },
  };
}

// 1. kill -9 of the API process during ingest, then start again (as a process manager would).
export function apiKill(options: SuiteOptions): Promise<ScenarioResult> {
  return scenario("api-kill", "kill -9 of the API process during 8-client ingest, then start again", options, async (run) => {
    const clients = startClients(run, { ingest: 8, readers: 0 });
    try {
      for (let round = 1; round <= options.rounds; round++) {
        if ((await progress(() => clients.ledger.acknowledgedBatches, 3, "ingest to make progress")) === null) throw new Error("ingest made no progress before the fault");
        const killedAt = Date.now();
        run.service.signal("SIGKILL");
        await run.service.waitExit(30000);
        const pgPid = await run.service.postmasterPid();
        const record: FaultRecord = { round, fault: "kill -9 API", readyMs: null, resumedMs: null, detail: { "PostgreSQL left running (orphan)": pgPid !== null && alive(pgPid) } };
        run.faults.push(record);
        run.service.start(); // at once, as systemd/Docker/Kubernetes would
        try {
          record.detail["from start to ready, s"] = secs(await run.service.waitReady(READY_AFTER_FAULT_CEILING_MS));
          record.readyMs = Date.now() - killedAt;
        } catch (e) {
          record.detail["restart failed"] = e instanceof Error ? e.message : String(e);
          await restartByHand(run, record);
        }
        record.resumedMs = await progress(() => clients.ledger.acknowledgedBatches, 2, "ingest to resume");
      }
    } finally {
      await clients.stop();
    }
    return { ledger: clients.ledger, requests: { ingest: clients.writes } };
  });
}

// 2. kill -9 of the embedded PostgreSQL during ingest: the service is to bring it back on its own.
export function pgKill(options: SuiteOptions): Promise<ScenarioResult> {
  return scenario("pg-kill", "kill -9 of the embedded PostgreSQL during 8-client ingest", options, async (run) => {
    const clients = startClients(run, { ingest: 8, readers: 0 });
    const healthz = new Tally();
    const readyz = new Tally();
    try {
      for (let round = 1; round <= options.rounds; round++) {
        if ((await progress(() => clients.ledger.acknowledgedBatches, 3, "ingest to make progress")) === null) throw new Error("ingest made no progress before the fault");
        const pid = await run.service.postmasterPid();
        if (pid === null) throw new Error("no postmaster.pid in the data folder");
        const startsBefore = run.service.starts;
        const killedAt = Date.now();
        process.kill(pid, "SIGKILL");
        const record: FaultRecord = { round, fault: "kill -9 PostgreSQL", readyMs: null, resumedMs: null, detail: {} };
        run.faults.push(record);
        // Ready again: a new postmaster serves the folder and /readyz answers 200. /healthz is asked alongside.
        const roundHealth = new Tally();
        try {
          await waitFor(
            async () => {
              await get(run.service.baseUrl, "/healthz", { timeoutMs: 5000, tally: roundHealth });
              const now = await run.service.postmasterPid();
              if (now === null || now === pid || !alive(now)) return false;
              const ready = await get(run.service.baseUrl, "/readyz", { timeoutMs: 5000, tally: readyz });
              return ready.status === 200;
            },
            { ceilingMs: READY_AFTER_FAULT_CEILING_MS, everyMs: 200, what: "/readyz 200 after PostgreSQL was killed" },
          );
          record.readyMs = Date.now() - killedAt;
        } catch (e) {
          record.detail["not ready again"] = e instanceof Error ? e.message : String(e);
          record.detail["/healthz during the outage"] = labels(roundHealth);
          healthz.merge(roundHealth);
          await restartByHand(run, record);
          continue;
        }
        record.detail["/healthz during the outage"] = labels(roundHealth);
        record.detail["API process still the same"] = !run.service.exited && run.service.starts === startsBefore;
        healthz.merge(roundHealth);
        record.resumedMs = await progress(() => clients.ledger.acknowledgedBatches, 2, "ingest to resume");
      }
    } finally {
      await clients.stop();
    }
    return { ledger: clients.ledger, requests: { ingest: clients.writes, "/healthz probes": healthz, "/readyz probes": readyz } };
  });
}

function labels(tally: Tally): string {
  const parts = Object.entries(tally.byAnswer).map(([label, n]) => `${label}×${n}`);
  if (tally.noAnswer) parts.push(`no answer×${tally.noAnswer}`);
  if (tally.refused) parts.push(`refused×${tally.refused}`);
  if (tally.timeouts) parts.push(`timeout×${tally.timeouts}`);
  return parts.join(", ") || "none";
}

function countBy(records: OutcomeRecord[], key: (r: OutcomeRecord) => string): string {
  const counts: Record<string, number> = {};
  for (const r of records) counts[key(r)] = (counts[key(r)] ?? 0) + 1;
  return Object.entries(counts).map(([k, n]) => `${k}×${n}`).join(", ") || "none";
}

// 3. SIGTERM under load (8 field apps + 8 dashboard users), then start again.
export function sigterm(options: SuiteOptions): Promise<ScenarioResult> {
  return scenario("sigterm", "SIGTERM under load (16 clients: 8 ingest, 8 heavy reads), then start again", options, async (run) => {
    const clients = startClients(run, { ingest: 8, readers: 8 });
    try {
      for (let round = 1; round <= options.rounds; round++) {
        const readsBefore = () => clients.reads.answered;
        if ((await progress(() => clients.ledger.acknowledgedBatches, 3, "ingest to make progress")) === null) throw new Error("ingest made no progress before the fault");
        await progress(readsBefore, 4, "reads to make progress");
        const signalAt = Date.now();
        run.service.signal("SIGTERM");
        const exit = await run.service.waitExit(120000);
        const exitedAt = Date.now();
        const record: FaultRecord = {
          round,
          fault: "SIGTERM",
          readyMs: null,
          resumedMs: null,
          detail: { "exit code": exit.code, "exit signal": exit.signal, "killed by the suite after 120 s": exit.forced, "time to exit, s": secs(exitedAt - signalAt) },
        };
        run.faults.push(record);
        run.service.start();
        try {
          record.detail["from start to ready, s"] = secs(await run.service.waitReady(READY_AFTER_FAULT_CEILING_MS));
          record.readyMs = Date.now() - signalAt;
        } catch (e) {
          record.detail["restart failed"] = e instanceof Error ? e.message : String(e);
          await restartByHand(run, record);
        }
        record.resumedMs = await progress(() => clients.ledger.acknowledgedBatches, 2, "ingest to resume");
        // Every request of the round has ended by now (answered, cut off or refused).
        const records = [...clients.writes.records, ...clients.reads.records];
        const inFlight = records.filter((r) => r.sentAt <= signalAt && r.endAt > signalAt);
        const after = records.filter((r) => r.sentAt > signalAt && r.sentAt <= exitedAt);
        const accepted = (r: OutcomeRecord) => run.service.requests.has(r.requestId);
        record.detail["in flight at SIGTERM"] = inFlight.length;
        record.detail["  of them answered"] = countBy(inFlight.filter((r) => r.kind === "answered"), (r) => r.label);
        record.detail["  of them without an answer"] = inFlight.filter((r) => r.kind !== "answered").length;
        record.detail["sent between SIGTERM and exit"] = countBy(after, (r) => r.label);
        record.detail["  503 with Retry-After and Connection: close"] = after.filter((r) => r.label.startsWith("503") && r.retryAfter && r.connectionClose).length;
        const dropped = [...inFlight, ...after].filter((r) => r.kind === "no-answer" || r.kind === "timeout");
        record.detail["without an answer, logged by the service (accepted, then dropped)"] = dropped.filter(accepted).length;
        record.detail["without an answer, not in the service's log"] = dropped.filter((r) => !accepted(r)).length;
      }
    } finally {
      await clients.stop();
    }
    return { ledger: clients.ledger, requests: { ingest: clients.writes, reads: clients.reads } };
  });
}

// 4. A burst of 200 concurrent heavy reads; /readyz asked during it.
export function burst(options: SuiteOptions): Promise<ScenarioResult> {
  return scenario("burst", "200 concurrent heavy reads (impactReport, qualityOfExperience by touchpoint)", options, async (run) => {
    const queries = readQueries(/Impact report|Quality of experience/);
    const warm = new Tally();
    for (const q of queries) {
      const outcome = await graphql(run.service.baseUrl, run.workload.key, q.query, q.variables, { tally: warm, timeoutMs: 120000 });
      if (outcome.status !== 200 || outcome.codes.length) throw new Error(`${q.name} fails alone: ${describe(outcome)}`);
      run.figures.push([`${q.name}, alone, ms`, String(outcome.ms)]);
    }
    const reads = new Tally();
    const readyz = new Tally();
    for (let round = 1; round <= options.rounds; round++) {
      const phase: Phase = { running: true, drainUntil: 0 };
      const prober = probe(run.service, "/readyz", phase, readyz, 500);
      const started = Date.now();
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => {
          const q = queries[i % queries.length];
          return graphql(run.service.baseUrl, run.workload.key, q.query, q.variables, { tally: reads, timeoutMs: 180000 });
        }),
      );
      phase.running = false;
      await prober;
      run.figures.push([`round ${round}: burst took, s`, secs(Date.now() - started)]);
    }
    run.figures.push(["/readyz during the bursts", labels(readyz)]);
    run.figures.push(["/readyz slowest answer, ms", String(percentile(readyz.answeredMs, 100) ?? "-")]);
    return { requests: { reads, "/readyz probes": readyz } };
  });
}

// 5. Ingest starving reads: 6 field apps and 14 dashboard users for `soakSeconds`.
export function starve(options: SuiteOptions): Promise<ScenarioResult> {
  return scenario("starve", `ingest and reads together for ${options.soakSeconds} s (6 ingest clients, 14 readers)`, options, async (run) => {
    const clients = startClients(run, { ingest: 6, readers: 14 });
    const samples: number[] = [];
    const sampler = samplePoolWaiting(run.service, run.metricsToken, clients.phase, samples);
    const started = Date.now();
    await sleep(options.soakSeconds * 1000); // the soak's length is what is asked for, not a condition
    await clients.stop();
    await sampler;
    const seconds = (Date.now() - started) / 1000;
    const failed = clients.reads.sent - (clients.reads.byAnswer["200"] ?? 0);
    run.figures.push(["reads that failed", `${failed} of ${clients.reads.sent} (${pct(failed, clients.reads.sent)})`]);
    run.figures.push(["read p50 / p95 / max, ms", `${percentile(clients.reads.okMs, 50) ?? "-"} / ${percentile(clients.reads.okMs, 95) ?? "-"} / ${percentile(clients.reads.okMs, 100) ?? "-"}`]);
    run.figures.push(["batch p50 / p95, ms", `${percentile(clients.writes.okMs, 50) ?? "-"} / ${percentile(clients.writes.okMs, 95) ?? "-"}`]);
    run.figures.push(["items acknowledged per second", (clients.ledger.acknowledged.size / seconds).toFixed(0)]);
    const waiting = samples.filter((s) => s > 0).length;
    run.figures.push([
      "db_pool_waiting (1 sample/s)",
      samples.length ? `max ${Math.max(...samples)}, mean ${(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(1)}, > 0 in ${pct(waiting, samples.length)} of ${samples.length} samples` : "no samples",
    ]);
    return { ledger: clients.ledger, requests: { ingest: clients.writes, reads: clients.reads } };
  });
}

function pct(n: number, of: number): string {
  return of === 0 ? "-" : `${((100 * n) / of).toFixed(1)} %`;
}

export const SCENARIOS: Record<string, (options: SuiteOptions) => Promise<ScenarioResult>> = {
  "api-kill": apiKill,
  "pg-kill": pgKill,
  sigterm,
  burst,
  starve,
};
