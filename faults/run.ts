import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SCENARIOS, ScenarioResult, SuiteOptions } from "./scenarios";
import { scenarioTable, summaryTable } from "./report";
import { Service } from "./service";

/**
 * The fault suite (`npm run faults`): starts the real service as a child process on fresh
 * embedded data folders and drives it over HTTP through the faults of issue 11 (kill -9 of the
 * API and of PostgreSQL during ingest, SIGTERM under load, a burst of heavy reads, ingest
 * beside reads), then checks in the database that every item a client saw acknowledged is
 * stored exactly once. Prints one table per scenario and a summary, writes faults/results.json.
 * Exit code 1 when an acknowledged item is lost or duplicated, 2 when a scenario could not run
 * to the end; the other figures are reported, not judged.
 *
 *   npm run faults -- [--only api-kill,pg-kill,sigterm,burst,starve | 1,2,3,4,5] [--rounds 2] [--soak 60] [--production] [--keep]
 */
const USAGE = `usage: npm run faults -- [--only <scenario,...>] [--rounds <n>] [--soak <seconds>] [--production] [--keep]
  scenarios: ${Object.keys(SCENARIOS).map((name, i) => `${i + 1} ${name}`).join(", ")}
  --rounds      faults per scenario (kills, SIGTERMs, bursts); default 2
  --soak        length of the ingest-and-reads scenario in seconds; default 60 (300 for the 5-minute soak)
  --production  run the service with NODE_ENV=production
  --keep        keep the data folders and service logs (in the temporary folder printed at the end)`;

interface Args {
  only: string[];
  rounds: number;
  soak: number;
  production: boolean;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const names = Object.keys(SCENARIOS);
  const args: Args = { only: names, rounds: 2, soak: 60, production: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const positive = (v: string, max: number) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${arg} must be a whole number from 1 to ${max}, got "${v}"`);
      return n;
    };
    if (arg === "--only") {
      args.only = value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => (/^\d+$/.test(s) ? names[Number(s) - 1] ?? s : s));
      const unknown = args.only.filter((s) => !names.includes(s));
      if (unknown.length || args.only.length === 0) throw new Error(`--only takes ${names.join(", ")} (or 1 to ${names.length}); got "${unknown.join(",")}"`);
    } else if (arg === "--rounds") args.rounds = positive(value(), 100);
    else if (arg === "--soak") args.soak = positive(value(), 86400);
    else if (arg === "--production") args.production = true;
    else if (arg === "--keep") args.keep = true;
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const root = path.resolve(__dirname, "..", "..");
  await fs.access(path.join(root, "dist", "src", "index.js")).catch(() => {
    throw new Error("dist/src/index.js is missing: run `npm run faults`, which builds it first");
  });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "dbl-faults-"));
  await fs.chmod(tmp, 0o755); // embedded PostgreSQL runs as user postgres when we are root
  const options: SuiteOptions = { root, tmp, rounds: args.rounds, soakSeconds: args.soak, production: args.production };
  process.stdout.write(`fault suite: ${args.only.join(", ")}; ${args.rounds} round(s); soak ${args.soak} s; NODE_ENV=${args.production ? "production" : "development"}; folders in ${tmp}\n`);

  const results: ScenarioResult[] = [];
  for (const name of args.only) {
    const n = Object.keys(SCENARIOS).indexOf(name) + 1;
    process.stdout.write(`\n[${new Date().toISOString()}] ${n}. ${name} ...\n`);
    const result = await SCENARIOS[name](options);
    results.push(result);
    process.stdout.write(`${scenarioTable(n, result)}\n`);
  }

  process.stdout.write(
    `\nSummary\n${summaryTable(results)}\n` +
      "refused: no connection (nothing listening), so never accepted. Without answer: sent on a connection that was then closed, or no answer within the client's ceiling;\n" +
      "after kill -9 the requests in flight can't get one, after SIGTERM none should. 5xx by code: status and extensions.code (INTERNAL_SERVER_ERROR inside a 200 counted too).\n" +
      "Ready after fault: from the fault to /readyz 200; a killed or stopped API is started again at once, as a process manager would.\n",
  );
  const file = path.join(root, "faults", "results.json");
  await fs.writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), options: { ...args, tmp }, results }, null, 2)}\n`);
  process.stdout.write(`\nwritten: ${path.relative(process.cwd(), file) || file}\n`);
  // The data folders go (unless --keep); the service logs stay when something needs looking at.
  const needsLook = results.some((r) => r.error || r.faults.some((f) => f.readyMs === null || f.detail["needed a person"]));
  if (args.keep) process.stdout.write(`kept: ${tmp}\n`);
  else if (needsLook) {
    for (const r of results) await fs.rm(path.join(tmp, r.name, "pg"), { recursive: true, force: true });
    process.stdout.write(`service logs kept (a scenario needs a look): ${tmp}/<scenario>/service.log\n`);
  } else await fs.rm(tmp, { recursive: true, force: true });

  const broken = results.filter((r) => r.ledger && (r.ledger.lost > 0 || r.ledger.duplicated > 0));
  if (broken.length) {
    process.stdout.write(`\nFAILED: acknowledged items lost or duplicated in ${broken.map((r) => r.name).join(", ")}\n`);
    return 1;
  }
  const unfinished = results.filter((r) => r.error);
  if (unfinished.length) {
    process.stdout.write(`\nINCOMPLETE: ${unfinished.map((r) => r.name).join(", ")} did not run to the end (see above)\n`);
    return 2;
  }
  process.stdout.write("\nNo acknowledged item lost or duplicated.\n");
  return 0;
}

// Ctrl-C: stop the services (and any PostgreSQL they left) before leaving.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stdout.write(`\n${signal}: stopping the services started by the suite\n`);
    Service.closing = true;
    void Promise.all([...Service.all].map((s) => s.shutdown(20000).catch(() => undefined))).then(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fault suite: ${error instanceof Error ? error.message : String(error)}\n`);
    Service.closing = true;
    void Promise.all([...Service.all].map((s) => s.shutdown(20000).catch(() => undefined))).then(() => process.exit(2));
  },
);
