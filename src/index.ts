import "reflect-metadata";
import { loadConfig } from "./config";
import { connect } from "./database/connect";
import { createApp, jsonLog } from "./server";
import { Route } from "./web/routes";
import { healthRoutes } from "./web/health";
import { Metrics, metricsRoutes } from "./web/metrics";
import { graphiqlRoutes } from "./web/graphiql";
import { exportRoutes } from "./web/exports";
import { reportRoutes } from "./web/reports";
import { ReportSessions } from "./web/session-token";
import { seedDemoIfEmpty } from "../seeds/demo";
import { savedDemoKeys, writeDemoKeysFile } from "../seeds/demo-keys";

/** Bootstrap: config -> database (+ migrations, + demo data when empty) -> HTTP; graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = jsonLog;
  const database = await connect(config, log);
  const { db } = database;
  if (config.seedOnEmpty) {
    const seeded = await seedDemoIfEmpty(db);
    if (seeded) {
      await writeDemoKeysFile(config.demoKeysFile, seeded.keys);
      log({ level: "info", msg: "demo data loaded", organizations: seeded.organizations, stakeholders: seeded.stakeholders, demoKeys: config.demoKeysFile });
    }
  }
  const metrics = config.metricsEnabled ? new Metrics({ defaultMetrics: true }) : undefined;
  // One signer for the sign-in and every page and download that reads its cookie.
  const sessions = config.reportSessionSecret ? new ReportSessions({ secret: config.reportSessionSecret }) : ReportSessions.withRandomSecret();
  if (!config.reportSessionSecret) {
    log({
      level: config.nodeEnv === "production" ? "warn" : "info",
      msg: "REPORT_SESSION_SECRET is not set: using a random one, so report sign-ins end when this process stops and other replicas don't accept them",
    });
  }
  const routes: Route[] = [
    ...healthRoutes({ liveness: database.liveness }),
    ...(metrics ? metricsRoutes(metrics, { token: config.metricsToken }) : []),
    ...graphiqlRoutes(),
    ...exportRoutes({ sessions }),
    ...reportRoutes({ sessions }), // the report pages and their browser sign-in (/reports/session)
  ];
  const app = await createApp(db, {
    production: config.nodeEnv === "production",
    limits: config.limits,
    rateLimitPerMinute: config.rateLimitPerMinute,
    metrics,
    routes,
    batchWrites: { size: config.batchWritesMax, maxWaitMs: config.batchWritesWaitMs, maxQueue: config.batchWritesQueue },
    shutdownGraceMs: config.shutdownGraceMs,
  });
  await new Promise<void>((resolve, reject) => {
    app.http.once("error", reject);
    app.http.listen(config.port, config.host, () => resolve());
  });
  const address = app.http.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  log({ level: "info", msg: `GraphQL ready at http://localhost:${port}/graphql`, database: database.embedded ? "embedded" : "DATABASE_URL" });
  log({ level: "info", msg: `GraphiQL at http://localhost:${port}/graphiql`, metrics: metrics ? (config.metricsToken ? "/metrics (token)" : "/metrics") : "off" });
  log({ level: "info", msg: `Printable reports at http://localhost:${port}/reports/ (sign in with an API key in the browser)` });
  if (config.printDemoKeys) {
    const keys = await savedDemoKeys(db, config.demoKeysFile);
    if (keys.length) {
      process.stdout.write(`\nDemo API keys of this installation (demo data only; in ${config.demoKeysFile}; send as "Authorization: Bearer <key>"):\n`);
      for (const { variable, key, label } of keys) process.stdout.write(`  ${variable.padEnd(9)} ${key}  ${label}\n`);
      process.stdout.write("\n");
    }
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ level: "info", msg: "shutting down", signal });
    // A last resort, past the grace given to requests and the time to stop the database.
    const force = setTimeout(() => {
      log({ level: "error", msg: "shutdown took too long; exiting" });
      process.exit(1);
    }, config.shutdownGraceMs + 15000);
    force.unref();
    try {
      await app.stop(); // stop accepting, answer late arrivals 503, let requests in flight finish (SHUTDOWN_GRACE_MS)
      await database.close(); // close the pool, stop embedded PostgreSQL
      log({ level: "info", msg: "stopped" });
      process.exit(0);
    } catch (error) {
      log({ level: "error", msg: "error during shutdown", error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGHUP", () => void shutdown("SIGHUP"));
}

main().catch((error: unknown) => {
  jsonLog({ level: "fatal", msg: "could not start", error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
