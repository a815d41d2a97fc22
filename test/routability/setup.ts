/**
 * jest setupFilesAfterEnv: every test file records the statements the API sends
 * (test/routability/record.ts); the test environment (test/routability/environment.ts)
 * writes them out when the file is done, and the check (test/routability/check.ts) judges
 * them all once every file has run.
 */
import { listenToStatements } from "../../src/database/statement-listeners";
import { EntityManager } from "typeorm";
import { originOf } from "../../src/database/statement-listeners";
import { CALL_SITE, projectFrames, StatementRecorder } from "./record";

const state = globalThis as unknown as { __ROUTABILITY_TEST_PATH__?: string; __ROUTABILITY__?: StatementRecorder };
if (!state.__ROUTABILITY__) {
  const recorder = new StatementRecorder(state.__ROUTABILITY_TEST_PATH__ ?? "unknown");
  state.__ROUTABILITY__ = recorder;
  listenToStatements((sql, params, runner, failed) => recorder.record(sql, params, runner, failed));
}

// A statement sent through an EntityManager outside a request (the seed's transaction, a
// migration's) loses its caller's frames on the way: note them where the manager is called.
const managerQuery = EntityManager.prototype.query;
if (!(managerQuery as { routability?: boolean }).routability) {
  const wrapped = function (this: EntityManager, ...args: Parameters<EntityManager["query"]>) {
    const runner = this.queryRunner as (EntityManager["queryRunner"] & { [CALL_SITE]?: string[] }) | undefined;
    if (runner && !originOf(runner)) runner[CALL_SITE] = projectFrames();
    return managerQuery.apply(this, args);
  };
  (wrapped as { routability?: boolean }).routability = true;
  EntityManager.prototype.query = wrapped as EntityManager["query"];
}
