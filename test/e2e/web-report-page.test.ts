import { PERTURBATION_NOTE } from "../../src/common/perturbation";
import { promises as fs } from "node:fs";
import path from "node:path";
import { AddressInfo } from "node:net";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { startTestApp, TestApp } from "../helpers/app";
import { parseCsv } from "../helpers/csv";
import { browserIt, withBrowser } from "../helpers/browser";
import { createApp, App } from "../../src/server";
import { exportRoutes, REPORT_CSV_COLUMNS } from "../../src/web/exports";
import { formatDecimal } from "../../src/web/charts";
import { reportRoutes } from "../../src/web/reports";
import { ReportSessions } from "../../src/web/session-token";
import { DEMO_SHOES_ID as DEMO_SHOES_UUID, DEMO_SOLAR_ID as DEMO_SOLAR_UUID, seedDemo } from "../../seeds/demo";
import { organizationGlobalId } from "../../src/common/global-ids";

/** The demo organizations, by their global ids (as the API writes them). */
const DEMO_SOLAR_ID = organizationGlobalId(DEMO_SOLAR_UUID);
const DEMO_SHOES_ID = organizationGlobalId(DEMO_SHOES_UUID);

/**
 * What a funder does with the demo data: download the report of the organization
 * it funds (CSV, JSON, IATI XML), open the printable page in a browser, and be
 * refused everything of the organization it does not fund.
 */

const SCREENSHOTS = path.join(__dirname, "..", "..", "test-results");

/** The default report period: the twelve whole months before this month (UTC). */
function defaultPeriod(now = new Date()): { from: string; to: string } {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const from = new Date(Date.UTC(to.getUTCFullYear() - 1, to.getUTCMonth(), 1));
  return { from: from.toISOString(), to: to.toISOString() };
}

describe("the printable report and a funder's downloads, on the demo data", () => {
  let test: TestApp;
  let server: App;
  let base: string;
  let funderKey: string;
  let staffKey: string;

  const get = (p: string, key?: string) => fetch(`${base}${p}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  beforeAll(async () => {
    test = await startTestApp();
    const { keys } = await seedDemo(test.db);
    funderKey = keys.find((k) => k.spec.role === "FUNDER")!.key;
    staffKey = keys.find((k) => /Mwanga Solar staff/.test(k.spec.label))!.key;
    const sessions = ReportSessions.withRandomSecret();
    server = await createApp(test.db, { production: false, log: () => undefined, routes: [...exportRoutes({ sessions }), ...reportRoutes({ sessions })] });
    await new Promise<void>((resolve) => server.http.listen(0, "127.0.0.1", () => resolve()));
    base = `http://127.0.0.1:${(server.http.address() as AddressInfo).port}`;
    await fs.mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await server?.stop();
    if (server?.http.listening) await new Promise<void>((resolve) => server.http.close(() => resolve()));
    await test?.close();
  });

  it("the funder downloads Mwanga Solar's report as CSV, JSON and IATI XML, for the default period (the last twelve whole months)", async () => {
    const period = defaultPeriod();

    const json = await get(`/exports/${DEMO_SOLAR_ID}/report.json`, funderKey);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-disposition")).toBe('attachment; filename="impact-report.json"');
    const { report }: any = await json.json();
    expect(report.organization.name).toBe("Mwanga Solar");
    expect(report.period).toEqual(period);
    expect(report.narrative.text.length).toBeGreaterThan(100);
    expect(report.metrics.length).toBeGreaterThan(0);
    // The download says that counts of people are adjusted for a funder, and by how much at most.
    expect(report.suppression).toEqual({ applied: true, threshold: 10, perturbationMaximum: 2, note: PERTURBATION_NOTE });

    const csv = await get(`/exports/${DEMO_SOLAR_ID}/report.csv`, funderKey);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const [header, ...rows] = parseCsv(await csv.text());
    expect(header).toEqual([...REPORT_CSV_COLUMNS]);
    const col = (name: string) => header.indexOf(name);
    expect(rows.length).toBeGreaterThan(report.metrics.length);
    for (const r of rows) {
      expect(r).toHaveLength(header.length);
      expect([r[col("period_from")], r[col("period_to")]]).toEqual([period.from, period.to]);
    }
    // Every reportable metric is a row of section kpi or social_metric.
    const metricRows = rows.filter((r) => r[col("section")] === "kpi" || r[col("section")] === "social_metric");
    expect(metricRows.map((r) => r[col("metric_id")]).sort()).toEqual(report.metrics.map((m: any) => m.metric.id).sort());
    for (const m of report.metrics) {
      const r = metricRows.find((x) => x[col("metric_id")] === m.metric.id)!;
      expect([r[col("section")], r[col("catalogue_code")], r[col("actual")]]).toEqual([m.metric.category === "KPI" ? "kpi" : "social_metric", m.metric.catalogueCode ?? "", m.actual ?? ""]);
    }
    // The loops' rate: hidden from the funder exactly when a part of it is (due > 0 and the rate null), and marked so.
    const loops = rows.find((r) => r[col("item")] === "loops_closed_on_time")!;
    const rateHidden = report.loops.onTimeRate === null && report.loops.due !== 0;
    expect([loops[col("actual")], loops[col("suppressed")]]).toEqual([rateHidden ? "" : String(report.loops.onTimeRate), String(rateHidden)]);

    const xml = await get(`/exports/${DEMO_SOLAR_ID}/iati.xml`, funderKey);
    expect(xml.status).toBe(200);
    const text = await xml.text();
    expect(XMLValidator.validate(text)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(text);
    const results = [parsed["iati-activities"]["iati-activity"].result].flat();
    // One result per reportable metric, then one output (type 1) per programme: its deliveries.
    expect(results.length).toBe(report.metrics.length + report.impactChain.length);
    for (const r of results) expect(r.indicator).toBeDefined();
    const deliveries = results.slice(report.metrics.length);
    expect(deliveries.map((r: any) => [r["@type"], r.title.narrative])).toEqual(report.impactChain.map((c: any) => ["1", `${c.programme.name}: deliveries`]));
    // The chain is in the JSON and the CSV: every step of every programme, with the same figures.
    expect(report.impactChain.length).toBeGreaterThan(0);
    const chainRows = rows.filter((r) => r[col("section")] === "impact_chain");
    for (const c of report.impactChain) {
      for (const st of c.steps) {
        const r = chainRows.find((x) => x[col("item")] === `${c.programme.name}: ${st.label}`)!;
        expect([r[col("actual")], r[col("suppressed")]]).toEqual([st.value ?? "", String(st.suppressed)]);
      }
    }
  });

  it("the same key gets FORBIDDEN for Hatua Shoes, page and downloads alike; no key gets 401", async () => {
    for (const p of [`/reports/${DEMO_SHOES_ID}`, `/exports/${DEMO_SHOES_ID}/report.csv`, `/exports/${DEMO_SHOES_ID}/report.json`, `/exports/${DEMO_SHOES_ID}/iati.xml`]) {
      const res = await get(p, funderKey);
      expect({ p, status: res.status }).toEqual({ p, status: 403 });
      expect(((await res.json()) as any).errors[0].extensions.code).toBe("FORBIDDEN");
    }
    const none = await get(`/reports/${DEMO_SOLAR_ID}`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("refuses a malformed id, a malformed date and a period over 36 months with BAD_USER_INPUT naming the field", async () => {
    const cases: [string, string][] = [
      [`/reports/not-an-id`, "organizationId"],
      [`/reports/${DEMO_SOLAR_ID}?from=yesterday`, "from"],
      [`/reports/${DEMO_SOLAR_ID}?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, "to"],
    ];
    for (const [p, field] of cases) {
      const res = await get(p, staffKey);
      expect({ p, status: res.status }).toEqual({ p, status: 400 });
      expect(((await res.json()) as any).errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", field });
    }
  });

  it("serves the page as HTML with print CSS for A4, a strict content security policy, the narrative and the small-cell note", async () => {
    const res = await get(`/reports/${DEMO_SOLAR_ID}`, funderKey);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const html = await res.text();
    expect(html).toContain("@page { size: A4");
    expect(html).toContain("@media print");
    expect(html).toContain("Mwanga Solar");
    expect(html).toContain("Small groups hidden: fewer than 10 people.");
    expect(html).not.toMatch(/<script/i);
    // Staff see the same page without suppression.
    const staff = await (await get(`/reports/${DEMO_SOLAR_ID}`, staffKey)).text();
    expect(staff).not.toContain("Small groups hidden");
  });

  browserIt("report page")(
    "renders in headless Chromium, offline, with its charts and no console error; a screenshot and an A4 PDF are made",
    async () => {
      const report: any = ((await (await get(`/exports/${DEMO_SOLAR_ID}/report.json`, funderKey)).json()) as any).report;
      await withBrowser(
        async (page) => {
          const response = await page.goto(`${base}/reports/${DEMO_SOLAR_ID}`, { waitUntil: "load" });
          expect(response?.status()).toBe(200);
          expect(await page.title()).toMatch(/Mwanga Solar/);

          const visible = async (selector: string) => {
            const boxes = await page.$$eval(selector, (els) => els.map((e) => (e as unknown as { getBoundingClientRect(): { width: number; height: number } }).getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height })));
            expect(boxes.length).toBeGreaterThan(0);
            for (const b of boxes) {
              expect(b.w).toBeGreaterThan(100);
              expect(b.h).toBeGreaterThan(40);
            }
            return boxes.length;
          };
          expect(await visible("svg#chart-impact")).toBe(1);
          expect(await visible("svg#chart-trend")).toBe(1);
          expect(await visible("svg.chart-metric")).toBe(report.metrics.length);
          // The demo's beneficiaries entered no stage in the period: their funnel is said, not drawn (issue 13).
          expect(await visible("svg.chart-funnel")).toBe(1);
          expect(await page.$$eval("p.funnel-empty", (els) => els.length)).toBe(1);
          // The charts carry drawn marks, not empty frames.
          expect(await page.$$eval("svg#chart-trend path, svg#chart-trend polyline, svg#chart-trend circle", (els) => els.length)).toBeGreaterThan(0);
          expect(await page.$$eval("svg.chart-funnel rect", (els) => els.length)).toBeGreaterThan(4);
          // The impact chain: one chart per programme, a bar per step (drawn, or hatched when hidden from the funder).
          expect(await visible("svg.chart-chain")).toBe(report.impactChain.length);
          const bars = await page.$$eval("svg.chart-chain g.bar", (els) => els.length);
          expect(bars).toBe(report.impactChain.reduce((n: number, c: any) => n + c.steps.length, 0));
          // What experience is worth: one chart, a bar per NPS class (hatched where hidden from the funder).
          expect(await visible("svg.chart-value")).toBe(1);
          expect(await page.$$eval("svg.chart-value g.bar", (els) => els.length)).toBe(report.experienceValue.byNpsClass.length);

          const png = path.join(SCREENSHOTS, "report-page-funder.png");
          await page.screenshot({ path: png, fullPage: true });
          expect((await fs.stat(png)).size).toBeGreaterThan(20000);

          await page.emulateMedia({ media: "print" });
          const pdf = await page.pdf({ format: "A4", preferCSSPageSize: true });
          await fs.writeFile(path.join(SCREENSHOTS, "report-page-funder.pdf"), pdf);
          const text = pdf.toString("latin1");
          expect(text.startsWith("%PDF-")).toBe(true);
          // A4 is 595.28 x 841.89 points; Chromium rounds the media box.
          expect(text).toMatch(/\/MediaBox \[0 0 59[45]\.\d+ 84[12]\.\d+\]/);
          const pages = (text.match(/\/Type \/Page\b/g) ?? []).length;
          expect(pages).toBeGreaterThanOrEqual(2);
          expect(pages).toBeLessThanOrEqual(8);
        },
        { extraHTTPHeaders: { authorization: `Bearer ${funderKey}` } },
      );
    },
    120000,
  );

  browserIt("report page on a phone")(
    "fits a 390 px phone without horizontal scroll, and a 1440 px screen; screenshots of both, for the funder and for staff",
    async () => {
      await withBrowser(async (page) => {
        for (const [who, key] of [
          ["funder", funderKey],
          ["staff", staffKey],
        ] as const) {
          await page.setExtraHTTPHeaders({ authorization: `Bearer ${key}` });
          for (const width of [390, 1440]) {
            await page.setViewportSize({ width, height: 844 });
            const response = await page.goto(`${base}/reports/${DEMO_SOLAR_ID}`, { waitUntil: "load" });
            expect(response?.status()).toBe(200);
            if (width === 390) await fs.writeFile(path.join(SCREENSHOTS, `report-page-${who}.html`), await page.content());
            // What sticks out past the right edge, if anything (for the failure message). Run in the
            // page as a string: this project's TypeScript has no DOM types.
            const sticking = await page.evaluate<string[]>(`(() => {
              const out = [];
              for (const el of document.querySelectorAll("body *")) {
                if (el.closest("svg") && el.tagName.toLowerCase() !== "svg") continue;
                const r = el.getBoundingClientRect();
                if (r.right > ${width} + 0.5) out.push(el.tagName.toLowerCase() + "." + (el.getAttribute("class") || "") + " right=" + Math.round(r.right) + " " + (el.textContent || "").replace(/\\s+/g, " ").slice(0, 50));
              }
              return out.slice(0, 20);
            })()`);
            const scrollWidth = await page.evaluate<number>("document.documentElement.scrollWidth");
            expect({ who, width, scrollWidth: scrollWidth <= width ? "fits" : scrollWidth, sticking }).toEqual({ who, width, scrollWidth: "fits", sticking: [] });
            const png = path.join(SCREENSHOTS, `report-page-${who}-${width}.png`);
            await page.screenshot({ path: png, fullPage: true });
            expect((await fs.stat(png)).size).toBeGreaterThan(20000);
          }
        }
      });
    },
    600000,
  );

  it("says, for the funder, what the demo's flaws of issue 13 were drawn as: no comparison data, hidden actuals, QoE's parts, an empty funnel", async () => {
    const html = await (await get(`/reports/${DEMO_SOLAR_ID}`, funderKey)).text();
    // The demo holds twelve months of data: the comparison period (the twelve before) is empty.
    expect(html).toContain("<strong>No data for the comparison period</strong>");
    const impact = /<table class="impact-summary">[\s\S]*?<\/table>/.exec(html)![0];
    expect(impact).not.toContain("+");
    // Classrooms lit is counted per classroom, fewer than 10 a month: every month's actual is hidden from the funder.
    expect(html).toMatch(/<g class="notice">.*?>Actual: hidden in every period \(fewer than 10 people\)<\/text>/);
    // No beneficiary answered: their QoE comes from social metrics only, and says so.
    expect(html).toMatch(/<tr><th scope="row">Beneficiaries<\/th><td class="num">[\d.]+<span class="made-of">From social metrics only; no feedback, no follow-up due\.<\/span>/);
    expect(html).toContain('<p class="absent funnel-empty">No one entered any of the 6 stages during the period.</p>');
    // Units once, in the header.
    expect(html).toContain('<th scope="colgroup" colspan="3" class="unit-span">in KES per household per month</th>');
    expect(html).not.toMatch(/<td class="num">[\d.,]+ KES per household per month<\/td>/);
  });

  it("gives beneficiaries funded and units given on the page exactly as the CSV does", async () => {
    const [header, ...rows] = parseCsv(await (await get(`/exports/${DEMO_SOLAR_ID}/report.csv`, funderKey)).text());
    const actual = (item: string) => rows.find((r) => r[header.indexOf("section")] === "impact_at_sale" && r[header.indexOf("item")] === item)![header.indexOf("actual")];
    const html = await (await get(`/reports/${DEMO_SOLAR_ID}`, funderKey)).text();
    const cell = (name: string) => new RegExp(`<tr><th scope="row">${name}</th><td class="num">([^<]*)</td>`).exec(html)![1];
    // The demo's Home Kit sales fund fractions of a classroom: the CSV's exact figure (e.g. 11.68), not its floor.
    expect(actual("beneficiaries_funded")).toMatch(/^\d+(\.\d{1,4})?$/);
    expect(cell("Beneficiaries funded")).toBe(formatDecimal(actual("beneficiaries_funded"), 4));
    expect(cell("Units given")).toBe(formatDecimal(actual("units_given"), 4));
  });
});
