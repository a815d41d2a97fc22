import "reflect-metadata";
import { loadConfig } from "../src/config";
import { connect } from "../src/database/connect";
import { jsonLog } from "../src/server";
import { seedDemo, seedDemoIfEmpty } from "./demo";
import { savedDemoKeys, writeDemoKeysFile } from "./demo-keys";

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
      // Everything that hangs off organizations goes with them (the audit log stays: it is append-only).
      await database.db.query(`TRUNCATE organizations CASCADE`);
      const { keys, ...r } = await seedDemo(database.db);
      await writeDemoKeysFile(config.demoKeysFile, keys);
      jsonLog({ level: "info", msg: "database reset and demo data loaded", ...r, demoKeys: config.demoKeysFile });
    } else {
      const seeded = await seedDemoIfEmpty(database.db);
      if (seeded) {
        const { keys, ...r } = seeded;
        await writeDemoKeysFile(config.demoKeysFile, keys);
        jsonLog({ level: "info", msg: "demo data loaded", ...r, demoKeys: config.demoKeysFile });
      }
      else jsonLog({ level: "info", msg: "the database already holds organizations; nothing loaded (use --reset to replace everything)" });
    }
    for (const { variable, key, label } of await savedDemoKeys(database.db, config.demoKeysFile)) {
      process.stdout.write(`  ${variable.padEnd(9)} ${key}  ${label}\n`);
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
