import { Pool } from "pg";
import { startTestApp, TestApp } from "../helpers/app";
import { DEMO_SHOES_ID as DEMO_SHOES_UUID, DEMO_SOLAR_ID as DEMO_SOLAR_UUID, seedDemo } from "../../seeds/demo";

/** The demo organizations by their UUIDs, as the hand-written SQL takes them (the API gets them as global ids: apiArgs). */
const DEMO_SOLAR_ID = DEMO_SOLAR_UUID;
const DEMO_SHOES_ID = DEMO_SHOES_UUID;
import { apiArgs, compareFigures, VIEWS } from "../../bench/contenders/sql-views";
import { inRequestTx } from "../../bench/contenders/request-tx";

const ANCHOR = new Date("2026-11-01T00:00:00Z");
const PERIODS = [
  { from: "2025-11-01T00:00:00.000Z", to: "2026-11-01T00:00:00.000Z" },
  { from: "2026-10-01T00:00:00.000Z", to: "2026-11-01T00:00:00.000Z" },
];

/**
 * The benchmark's hand-written SQL (bench/contenders/sql-views.ts) must give the API's figures, or
 * its timings compare different work: on the demo data, for both organizations, over a year and
 * over a month, every figure it computes equals the API's answer, for staff and for a funder
 * (whose suppressed figures, null in the API's answer, are not compared).
 */
describe("the benchmark's hand-written SQL gives the API's figures", () => {
  let app: TestApp;
  let pool: Pool;

  beforeAll(async () => {
    app = await startTestApp();
    await seedDemo(app.db, ANCHOR);
    const url = (app.db.options as { url: string }).url;
    pool = new Pool({ connectionString: url, max: 2, options: "-c timezone=UTC" });
  });
  afterAll(async () => {
    await pool.end();
    await app.close();
  });

  for (const org of [DEMO_SHOES_ID, DEMO_SOLAR_ID]) {
    it(`every view, ${org === DEMO_SHOES_ID ? "Hatua Shoes" : "Mwanga Solar"}`, async () => {
      const staff = app.as(await app.issue("MEMBER", [{ organizationId: org, role: "ADMIN" }]));
      const funder = app.as(await app.issue("FUNDER", [{ organizationId: org, role: "FUNDER" }]));
      const [m] = await app.db.query(`SELECT metric_id FROM observations WHERE organization_id = $1 AND dimensions = '{}'::jsonb GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, [org]);
      for (const period of PERIODS) {
        for (const spec of VIEWS) {
          const args = { org, ...period, metricId: m.metric_id };
          const api = spec.fromApi(await (spec.as === "funder" ? funder : staff).ok(spec.query, spec.variables(apiArgs(args))));
          const hand = await inRequestTx(pool, org, spec.as === "funder" ? "FUNDER" : "MEMBER", (c) => spec.hand(c, args));
          expect({ view: spec.name, period, differences: compareFigures(api, hand) }).toEqual({ view: spec.name, period, differences: [] });
          // Something was compared: the demo data has figures in every view over the year.
          if (period === PERIODS[0]) expect({ view: spec.name, nonZero: Object.values(hand).filter((v) => v !== null && v !== 0).length > 0 }).toEqual({ view: spec.name, nonZero: true });
        }
      }
    });
  }

  it("compareFigures reports a different figure and ignores what a funder sees suppressed", () => {
    expect(compareFigures({ a: 1, b: 2 }, { a: 1, b: 3 })).toEqual(["b: API 2, SQL 3"]);
    expect(compareFigures({ a: null }, { a: 4 })).toEqual([]);
    expect(compareFigures({}, { a: 4 })).toEqual(["a: API (absent), SQL 4"]);
    expect(compareFigures({ a: 0.005 }, { a: 0.01 })).toEqual([]);
  });
});
