import { promises as fs } from "node:fs";
import type { EmbeddedDatabase } from "../../src/database/embedded";

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__EMBEDDED_PG__ as { pg: EmbeddedDatabase; dir: string } | undefined;
  if (!state) return;
  await state.pg.stop();
  await fs.rm(state.dir, { recursive: true, force: true });
}
