import "reflect-metadata";
import { loadConfig } from "../src/config";
import { connect } from "../src/database/connect";
import { jsonLog } from "../src/server";
import { seedDemo, seedDemoIfEmpty } from "./demo";

/**
 * `npm run seed`: loads the demo organizations into an empty database.
 * `npm run seed -- --reset`: deletes every organization first (all data!), then loads them.
 */
async function main(): Promise<void> {
  const reset = process.argv.includes("--reset");
  const config = loadConfig();
  const database = await connect(config, jsonLog);
  try {
    if (reset) {
      await database.db.query(`DELETE FROM organizations`);
      const r = await seedDemo(database.db);
      jsonLog({ level: "info", msg: "database reset and demo data loaded", ...r });
    } else {
      const r = await seedDemoIfEmpty(database.db);
      if (r) jsonLog({ level: "info", msg: "demo data loaded", ...r });
      else jsonLog({ level: "info", msg: "the database already holds organizations; nothing loaded (use --reset to replace everything)" });
    }
  } finally {
    await database.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    jsonLog({ level: "fatal", msg: "seed failed", error: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  },
);
