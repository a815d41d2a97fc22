/**
 * The node test environment, plus: when a test file is done (after its last afterAll),
 * the statements it recorded (test/routability/setup.ts) go to
 * test-results/routability/statements/, one JSON file per test file, for the check.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import NodeEnvironment from "jest-environment-node";
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import type { StatementRecorder } from "./record";
import { STATEMENTS_DIR } from "./paths";


export default class RecordingEnvironment extends NodeEnvironment {
  private readonly testPath: string;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.testPath = path.relative(path.resolve(__dirname, "..", ".."), context.testPath);
    this.global.__ROUTABILITY_TEST_PATH__ = this.testPath;
  }

  override async teardown(): Promise<void> {
    const recorder = this.global.__ROUTABILITY__ as StatementRecorder | undefined;
    if (recorder && recorder.total > 0) {
      mkdirSync(STATEMENTS_DIR, { recursive: true });
      const name = `${path.basename(this.testPath)}-${createHash("sha1").update(this.testPath).digest("hex").slice(0, 8)}.json`;
      writeFileSync(path.join(STATEMENTS_DIR, name), JSON.stringify({ file: this.testPath, total: recorder.total, spentMs: recorder.spentMs, statements: [...recorder.statements.values()] }));
    }
    await super.teardown();
  }
}
