import path from "node:path";
import { ConfigError, loadConfig } from "../../src/config";

/** What a start with no settings does, in development and in production (issue 11: safe by default). */
describe("configuration defaults", () => {
  const TOKEN = "t".repeat(24);

  it("loads the demo data on an empty database in development, never by default in production", () => {
    expect(loadConfig({}).seedOnEmpty).toBe(true);
    expect(loadConfig({ NODE_ENV: "development" }).seedOnEmpty).toBe(true);
    expect(loadConfig({ NODE_ENV: "production" }).seedOnEmpty).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", SEED_ON_EMPTY: "true" }).seedOnEmpty).toBe(true); // asked for explicitly
    expect(loadConfig({ SEED_ON_EMPTY: "false" }).seedOnEmpty).toBe(false);
  });

  it("keeps the demo keys in .data/demo-keys.env unless DEMO_KEYS_FILE says otherwise", () => {
    expect(loadConfig({}).demoKeysFile).toBe(path.resolve(".data/demo-keys.env"));
    expect(loadConfig({ DEMO_KEYS_FILE: "/tmp/k.env" }).demoKeysFile).toBe("/tmp/k.env");
  });

  it("serves /metrics open in development, only behind a token in production", () => {
    expect(loadConfig({}).metricsEnabled).toBe(true);
    expect(loadConfig({ NODE_ENV: "production" }).metricsEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", METRICS_TOKEN: TOKEN })).toMatchObject({ metricsEnabled: true, metricsToken: TOKEN });
    expect(loadConfig({ NODE_ENV: "production", METRICS_ENABLED: "false", METRICS_TOKEN: TOKEN }).metricsEnabled).toBe(false);
    expect(() => loadConfig({ NODE_ENV: "production", METRICS_ENABLED: "true" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production", METRICS_ENABLED: "true" })).toThrow(/needs METRICS_TOKEN/);
  });
});
