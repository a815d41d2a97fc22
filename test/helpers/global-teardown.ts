import { promises as fs } from "node:fs";
import type { EmbeddedDatabase } from "../../src/database/embedded";
import { runRoutabilityCheck } from "../routability/check";

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__EMBEDDED_PG__ as { pg: EmbeddedDatabase; dir: string } | undefined;
  try {
    // Every statement the test files sent names one organization, or an allow-list entry says why not.
    if (process.env.TEST_PG_ADMIN_URL) await runRoutabilityCheck(process.env.TEST_PG_ADMIN_URL);
  } finally {
    if (state) {
      await state.pg.stop();
      await fs.rm(state.dir, { recursive: true, force: true });
    }
  }
}
