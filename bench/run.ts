import "reflect-metadata";
import os from "node:os";
import { log, parseOptions, Results } from "./common";
import { BenchContext, startRaw, statementCounter } from "./context";
import { createKey, prepareTarget, startApi } from "./setup";
import { runLists } from "./lists";
import { runViews } from "./views";
import { runIngest } from "./ingest";
import { writeResults } from "./report";

/**
 * `npm run bench -- [--url <postgres url>] [--only lists,views,ingest] [--duration s] [--quick]`:
 * the side-by-side benchmark of issue 10. This API is started from the compiled build the way
 * `npm start` starts it, driven only over HTTP (POST /graphql with an API key); its contenders
 * (the bare node:http + pg server, PostGraphile 5, hand-written SQL, raw inserts) run on the same
 * database in the same run, interleaved. Writes bench/results.json and bench/RESULTS.md.
 */
async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const groups = o.only ?? new Set(["lists", "views", "ingest"]);
  log(o.url ? `database ${new URL(o.url).pathname.slice(1)} on ${new URL(o.url).host}` : `no --url: embedded PostgreSQL with the demo data ×${o.scale}`);
  const target = await prepareTarget(o);
  const stops: (() => Promise<void>)[] = [() => target.close()];
  try {
    const api = await startApi(target.url); // runs pending migrations first
    stops.unshift(() => api.stop());
    log(`API on port ${api.port} (pid ${api.proc.pid}); organization ${target.org}: ${JSON.stringify(target.dataSize)}`);
    const keys = { staff: await createKey(target.url, target.org, "ADMIN"), funder: await createKey(target.url, target.org, "FUNDER") };
    const raw = await startRaw(target);
    stops.unshift(() => raw.stop());
    const counter = statementCounter(target);
    stops.unshift(() => counter.stop());
    const ctx: BenchContext = {
      o,
      target,
      api,
      keys,
      raw,
      items: [],
      mismatches: [],
      notes: [],
      statementsPerRequest: counter.count,
      stop: async () => undefined,
    };
    if (groups.has("lists")) await runLists(ctx);
    if (groups.has("views")) await runViews(ctx);
    if (groups.has("ingest")) await runIngest(ctx); // last: it adds rows
    const results: Results = {
      command: `npm run bench -- ${process.argv.slice(2).map((a) => (a.startsWith("postgres") ? "<url>" : a)).join(" ")}`.trim(),
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} at the end`,
      node: process.version,
      database: o.url ? `${new URL(o.url).pathname.slice(1)} (--url)` : `embedded, demo data ×${o.scale}`,
      dataSize: target.dataSize,
      options: { duration: o.duration, rounds: o.rounds, runs: o.runs, batches: o.batches, batchSize: o.batchSize, quick: o.quick, only: o.only ? ([...o.only] as never) : undefined },
      items: ctx.items,
      mismatches: ctx.mismatches,
      notes: ctx.notes,
    };
    writeResults(o.out, results);
    if (ctx.mismatches.length) {
      log(`${ctx.mismatches.length} MISMATCH(ES) between the API and a contender:`);
      for (const m of ctx.mismatches) log(`  ${m}`);
      process.exitCode = 2;
    }
  } finally {
    for (const stop of stops) await stop().catch((e: unknown) => log(`stopping: ${String(e)}`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
