import path from "node:path";

/** Where the routability check keeps what the tests recorded and its report (test-results/ is not committed). */
export const RESULTS_DIR = path.resolve(__dirname, "..", "..", "test-results", "routability");
export const STATEMENTS_DIR = path.join(RESULTS_DIR, "statements");
