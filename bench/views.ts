import { graphql, log, percentile, post, ratio, round } from "./common";
import { BenchContext } from "./context";
import { superClient } from "./setup";
import { apiArgs, compareFigures, MONTH_VIEWS, ViewArgs, VIEWS } from "./contenders/sql-views";

/**
 * Group 2, every view against the best hand-written SQL for the same figures
 * (bench/contenders/sql-views.ts, served over HTTP by the bare server inside the API's request
 * transaction). The figures are compared first (a mismatch is reported loudly); then N runs each,
 * one request at a time, interleaved (API, SQL, API, SQL, ...). Over the year, and over its last
 * month for some views (cost should follow the period asked, not the history).
 */
export async function runViews(ctx: BenchContext): Promise<void> {
  const { target, api, raw, keys } = ctx;
  const c = await superClient(target.url);
  const metric = (
    await c.query(`SELECT metric_id FROM observations WHERE organization_id = $1 AND dimensions = '{}'::jsonb GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, [target.org])
  ).rows[0]?.metric_id as string | undefined;
  await c.end();
  const periods = [{ label: "year", ...target.year }, ...(ctx.o.month ? [{ label: "month", ...target.month }] : [])];
  for (const period of periods) {
    for (const [index, spec] of VIEWS.entries()) {
      if (period.label === "month" && !MONTH_VIEWS.includes(spec.name)) continue;
      if (ctx.o.views && !ctx.o.views.some((v) => spec.name.startsWith(v))) continue;
      if (spec.name.startsWith("metricSeries") && !metric) {
        ctx.notes.push("metricSeries: no observations in the organization, not run");
        continue;
      }
      const name = `${spec.name}, ${period.label} ${period.from.slice(0, 10)}..${period.to.slice(0, 10)}`;
      const args: ViewArgs = { org: target.org, from: period.from, to: period.to, metricId: metric };
      const key = spec.as === "funder" ? keys.funder : keys.staff;
      const viaApi = async () => graphql(api.port, spec.query, spec.variables(apiArgs(args)), key);
      const viaSql = async () => {
        const r = await post(raw.port, `/views/${index}`, JSON.stringify({ args }));
        if (r.status !== 200) throw new Error(`hand-written SQL for ${spec.name}: HTTP ${r.status} ${r.body.slice(0, 500)}`);
        return { data: JSON.parse(r.body).data, ms: r.ms };
      };
      // The figures first.
      let failed: string | null = null;
      let sqlFailed: string | null = null;
      const a = await viaApi().catch((error: unknown) => void (failed = String(error).slice(0, 400)));
      const h = await viaSql().catch((error: unknown) => void (sqlFailed = String(error).slice(0, 400)));
      if (a && h) {
        const diff = compareFigures(spec.fromApi(a.data), h.data);
        const compared = Object.keys(h.data).length;
        if (diff.length) {
          const msg = `${name}: the API and the hand-written SQL differ in ${diff.length} of ${compared} figures: ${diff.slice(0, 8).join("; ")}`;
          ctx.mismatches.push(msg);
          log(`MISMATCH ${msg}`);
        } else log(`${name}: ${compared} figures equal`);
      } else log(`FAILED ${name}: ${failed ?? ""} ${sqlFailed ?? ""}`);
      const apiMs: number[] = [];
      const sqlMs: number[] = [];
      let errors = 0;
      const started = Date.now();
      for (let i = 0; i < ctx.o.runs && (i < 3 || Date.now() - started < ctx.o.viewBudget * 1000); i++) {
        if (!failed) {
          try {
            apiMs.push((await viaApi()).ms);
          } catch (error) {
            errors++;
            failed = String(error).slice(0, 400);
          }
        }
        if (!sqlFailed) {
          try {
            sqlMs.push((await viaSql()).ms);
          } catch (error) {
            sqlFailed = String(error).slice(0, 400);
          }
        }
        if (failed && sqlFailed) break;
      }
      if (sqlFailed) ctx.notes.push(`${name}: the hand-written SQL failed: ${sqlFailed}`);
      if (failed) ctx.notes.push(`${name}: the API failed: ${failed}`);
      const statements = failed ? null : await ctx.statementsPerRequest(spec.query, spec.variables(apiArgs(args)), key, 1);
      const a50 = apiMs.length ? percentile(apiMs, 50) : null;
      const s50 = sqlMs.length ? percentile(sqlMs, 50) : NaN;
      const limit = spec.name.startsWith("impactReport") ? 500 : 100;
      const r = ratio(a50, s50);
      log(`${name}: API p50 ${a50 === null ? "failed" : round(a50)} ms, SQL p50 ${round(s50)} ms, ${statements ?? "?"} statements`);
      ctx.items.push({
        group: "views",
        name,
        unit: "ms p50",
        api: a50 === null ? null : round(a50),
        contenders: { sql: round(s50) },
        ratio: r,
        ratioAgainst: "sql",
        higherIsBetter: false,
        target: `p50 < ${limit} ms, within 1.5× the hand-written SQL, no timeout`,
        met: a50 !== null && !failed && a50 < limit && r !== null && r <= 1.5,
        extra: {
          p95: { api: apiMs.length ? round(percentile(apiMs, 95)) : null, sql: round(percentile(sqlMs, 95)) },
          runs: apiMs.length,
          statementsPerRequest: statements,
          error: failed,
          sqlError: sqlFailed,
          compared: spec.covers,
        },
      });
    }
  }
}
