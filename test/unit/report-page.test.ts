import { ReportPageData } from "../../src/web/report-data";
import { madeOf, renderReportPage } from "../../src/web/report-page";
import { escapeXml, formatDecimal, formatNumber, formatTicks, funnelChart, labelStep, metricChart, niceTicks } from "../../src/web/charts";

/**
 * The printable report page (src/web/report-page.ts) and its charts (src/web/charts.ts), from a
 * hand-made ReportPageData: hostile names, suppressed (null) values, a metric series with gaps.
 */

const HOSTILE = `<script>alert(1)</script> & "quotes"`;

function sample(): ReportPageData {
  const months = ["Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024"];
  const point = (i: number, actual: number | null, target: number | null, hidden = false) => ({
    label: months[i],
    from: new Date(Date.UTC(2024, i, 1)).toISOString(),
    to: new Date(Date.UTC(2024, i + 1, 1)).toISOString(),
    actual,
    target,
    hidden,
  });
  return {
    organization: { id: "00000000-0000-4000-8000-000000000001", name: `Lamps ${HOSTILE}`, impactModel: `Hybrid <b>model</b> & more`, currency: "KES" },
    period: { from: "2024-01-01T00:00:00.000Z", to: "2024-07-01T00:00:00.000Z" },
    comparison: { from: "2023-07-01T00:00:00.000Z", to: "2024-01-01T00:00:00.000Z" },
    generatedAt: "2024-07-02T08:30:00.000Z",
    suppressionApplied: true,
    threshold: 5,
    perturbationMaximum: 2,
    narrative: { text: `First paragraph ${HOSTILE}.\nSame paragraph, next line.\n\nSecond paragraph.`, version: 3, updatedAt: "2024-07-01T12:00:00.000Z" },
    impact: {
      atSale: { sales: 1234, revenue: "1234567.50", contribution: "12345.00", unitsGiven: "310.5000", beneficiariesFunded: "11.68" },
      atSalePrevious: { sales: 1000, revenue: "1000000.00", contribution: "10000.00", unitsGiven: "250", beneficiariesFunded: "10.5" },
      inUse: { stakeholdersInUse: null, previous: 42 },
    },
    metrics: [
      {
        name: `Households with clean light ${HOSTILE}`,
        category: "SOCIAL",
        unit: "COUNT",
        unitLabel: "households",
        catalogueCode: `PI<1>&"2"`,
        estimationNote: `Estimated from <sales> & "surveys"`,
        direction: "HIGHER_IS_BETTER",
        baseline: "100",
        target: "500",
        actual: "420.25",
        attainment: 80.06,
        // Gaps: Mar (suppressed) and May; the target is missing in Jun.
        series: [point(0, 50, 80), point(1, 70, 80), point(2, null, 90, true), point(3, 90, 90), point(4, null, 100), point(5, 120, null)],
      },
      {
        name: "Days to repair",
        category: "KPI",
        unit: "DAYS",
        unitLabel: null,
        catalogueCode: null,
        estimationNote: null,
        direction: "LOWER_IS_BETTER",
        baseline: "10",
        target: "3",
        actual: null,
        attainment: null,
        // Hidden from the funder in every month (the notes say so for the period too).
        series: months.map((_, i) => point(i, null, 3, true)),
      },
    ],
    trend: months.map((label, i) => ({
      label,
      from: new Date(Date.UTC(2024, i, 1)).toISOString(),
      to: new Date(Date.UTC(2024, i + 1, 1)).toISOString(),
      nps: i === 2 ? null : -20 + i * 10,
      qoe: i === 4 ? null : 60 + i,
    })),
    experience: {
      customer: {
        qoe: 71.5,
        qoeParts: [
          { kind: "FEEDBACK", missing: false, hidden: false },
          { kind: "KPI_ATTAINMENT", missing: false, hidden: false },
          { kind: "LOOP_CLOSURE", missing: false, hidden: false },
        ],
        nps: 32,
        npsSample: 140,
        npsMargin: 8.4,
      },
      beneficiary: { qoe: null, qoeParts: [], nps: null, npsSample: null, npsMargin: null },
      loopsOnTimeRate: 87.5,
      loopsDue: 16,
    },
    funnels: [
      {
        kind: "CUSTOMER",
        stages: [
          { name: "need", entered: 2000, inStageAtEnd: 100, impactMode: null },
          { name: `research ${HOSTILE}`, entered: 1500, inStageAtEnd: 90, impactMode: null },
          { name: "purchase", entered: 1234, inStageAtEnd: 50, impactMode: "AT_SALE" },
          { name: "use", entered: 1200, inStageAtEnd: 1100, impactMode: "IN_USE" },
          { name: "support", entered: null, inStageAtEnd: null, impactMode: null },
          { name: "renew-or-exit", entered: 12, inStageAtEnd: 12, impactMode: null },
        ],
      },
      {
        kind: "BENEFICIARY",
        stages: [
          { name: "identified", entered: 300, inStageAtEnd: 10, impactMode: null },
          { name: "enrolled", entered: null, inStageAtEnd: null, impactMode: null },
          { name: "receives", entered: null, inStageAtEnd: null, impactMode: "AT_SALE" },
        ],
      },
    ],
    chains: [
      {
        programme: `School shoes ${HOSTILE}`,
        backlog: "12.5",
        unit: "pair of shoes",
        steps: [
          { label: "Revenue", value: 20000, exact: "20000.00", unit: "KES", conversion: null, group: "money" },
          { label: "Contribution", value: 1000, exact: "1000.00", unit: "KES", conversion: "5.0 % of revenue", group: "money" },
          { label: "Pair of shoes funded", value: 20, exact: "20", unit: "pair of shoes", conversion: "50.00 KES contributed per pair of shoes funded", group: "units" },
          { label: "Pair of shoes delivered", value: 20, exact: "20", unit: "pair of shoes", conversion: "1 delivered per pair of shoes funded in the period", group: "units" },
          { label: "Beneficiaries reached", value: 52, exact: "52", unit: "people", conversion: "2.6 people per pair of shoes delivered", group: "people" },
          { label: "Beneficiaries in use", value: null, exact: null, unit: "people", conversion: null, group: "people" },
        ],
        experience: { score: null, hidden: true },
      },
    ],
    experienceValue: {
      formula: "lifetime value = historic revenue per customer + margin × revenue per customer × r / (1 + d − r)",
      currency: "KES",
      revenueAtRisk: "1200.00",
      groups: [
        { label: "Promoters", customers: 40, lifetimeValue: "18500.00", repeatRate: 0.45, retention: 0.9, hidden: false },
        { label: "Passives", customers: 22, lifetimeValue: "9250.00", repeatRate: 0.2, retention: 0.8, hidden: false },
        { label: `Detractors ${HOSTILE}`, customers: null, lifetimeValue: null, repeatRate: null, retention: null, hidden: true },
        { label: "Never asked", customers: 30, lifetimeValue: "4625.50", repeatRate: null, retention: 0.7, hidden: false },
      ],
    },
    notes: [
      { section: "Metrics", item: "Days to repair", kind: "SUPPRESSED", reason: "computed from fewer than 5 people" },
      { section: "Experience", item: "beneficiary NPS", kind: "SUPPRESSED", reason: `fewer than 5 people answered ${HOSTILE}` },
      { section: "Impact in use", item: "use: stakeholdersInUse", kind: "MISSING", reason: "no data in the period" },
    ],
  };
}

/**
 * A tiny well-formedness checker for the SVG we write: tags balance (a stack of open names),
 * attributes are quoted once each with no raw `<` inside, text holds no raw `<` and every `&`
 * starts an entity. Throws with the position of the first problem.
 */
function checkWellFormed(xml: string): void {
  const stack: string[] = [];
  const entity = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at ${i}: ${JSON.stringify(xml.slice(Math.max(0, i - 40), i + 40))}`);
  };
  const checkText = (s: string, at: number) => {
    for (let j = s.indexOf("&"); j !== -1; j = s.indexOf("&", j + 1)) {
      if (!entity.test(s.slice(j))) {
        i = at + j;
        fail("bare &");
      }
    }
  };
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    if (lt === -1) {
      checkText(xml.slice(i), i);
      break;
    }
    checkText(xml.slice(i, lt), i);
    i = lt;
    if (xml.startsWith("<!--", i)) {
      const end = xml.indexOf("-->", i);
      if (end === -1) fail("unclosed comment");
      i = end + 3;
      continue;
    }
    const gt = xml.indexOf(">", i);
    if (gt === -1) fail("unclosed tag");
    const tag = xml.slice(i + 1, gt);
    if (tag.includes("<")) fail("< inside a tag");
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) fail(`</${name}> closes <${open ?? "nothing"}>`);
    } else {
      const selfClosing = tag.endsWith("/");
      const m = /^([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*\/?$/.exec(tag);
      if (!m) fail(`malformed tag <${tag}>`);
      const names = [...m![2].matchAll(/([A-Za-z_:][\w:.-]*)="([^"]*)"/g)].map((a) => {
        checkText(a[2], i);
        return a[1];
      });
      if (new Set(names).size !== names.length) fail(`duplicate attribute in <${m![1]}>`);
      if (!selfClosing) stack.push(m![1]);
    }
    i = gt + 1;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join("> <")}>`);
}

function svgs(html: string): string[] {
  return html.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];
}

function classesOf(svg: string): string[] {
  return /^<svg\b[^>]*\sclass="([^"]*)"/.exec(svg)?.[1].split(/\s+/) ?? [];
}

describe("renderReportPage", () => {
  const data = sample();
  const html = renderReportPage(data);

  it("is a complete HTML5 page in English with a title and utf-8", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/<title>Impact report: Lamps &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quotes&quot;, 1 Jan 2024 – 30 Jun 2024<\/title>/);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
  });

  it("runs no script and escapes every string from the data", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<b>model</b>");
    expect(html).not.toContain("<sales>");
    expect(html).not.toMatch(/\son[a-z]+=/i); // no event handler attributes
    expect(html).toContain("Lamps &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;");
    expect(html).toContain("Hybrid &lt;b&gt;model&lt;/b&gt; &amp; more");
    expect(html).toContain("PI&lt;1&gt;&amp;&quot;2&quot;");
  });

  it("fetches nothing: no URL, no external resource", () => {
    expect(html).not.toContain("http://");
    expect(html).not.toContain("https://");
    expect(html).not.toMatch(/<(link|img|iframe|object|embed|script)\b/i);
    expect(html).not.toMatch(/@import|url\((?!#)/);
  });

  it("has print CSS for A4 that keeps charts whole", () => {
    expect(html).toMatch(/@page\s*\{\s*size:\s*A4;\s*margin:\s*15mm;?\s*\}/);
    expect(html).toContain("size: A4");
    expect(html).toMatch(/figure[^{]*\{[^}]*break-inside:\s*avoid/);
    expect(html).toMatch(/svg\.chart\s*\{[^}]*width:\s*100%/);
  });

  it("shows the header: organization, model, periods, generated at, suppression", () => {
    // Periods are half-open: [2024-01-01, 2024-07-01) ends on 30 Jun 2024.
    expect(html).toContain("1 Jan 2024 – 30 Jun 2024");
    expect(html).toContain("1 Jul 2023 – 31 Dec 2023");
    expect(html).toContain("2 Jul 2024, 08:30 UTC");
    expect(html).toContain("Small groups hidden: fewer than 5 people.");
    const unsuppressed = renderReportPage({ ...data, suppressionApplied: false });
    expect(unsuppressed).not.toContain("Small groups hidden");
  });

  it("keeps the narrative's paragraphs and line breaks", () => {
    const section = /<section class="narrative"[\s\S]*?<\/section>/.exec(html)![0];
    expect(section.match(/<p>/g)).toHaveLength(2);
    expect(section).toContain("First paragraph &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;.<br>Same paragraph, next line.");
  });

  it("summarises impact at sale vs in use with the change", () => {
    const table = /<table class="impact-summary">[\s\S]*?<\/table>/.exec(html)![0];
    // Sales 1234 against 1000: +234, +23.4%.
    expect(table).toContain("1,234");
    expect(table).toContain("+234 <span class=\"pct\">(+23.4%)</span>");
    // Revenue keeps its minor digits: 1,234,567.50 KES against 1,000,000.00 KES.
    expect(table).toContain("1,234,567.50 KES");
    expect(table).toContain("1,000,000.00 KES");
    // Units given "310.5000" is shown as 310.5.
    expect(table).toContain("310.5");
    // People in use: hidden now, so no change.
    expect(table).toMatch(/not shown[\s\S]*42/);
  });

  it("shows experience with NPS, its sample size and margin", () => {
    const table = /<table class="experience">[\s\S]*?<\/table>/.exec(html)![0];
    expect(table).toContain("+32");
    expect(table).toContain("± 8.4");
    expect(table).toContain("140");
    expect(table).toContain('<span class="absent">hidden</span>'); // beneficiary NPS is suppressed per the notes
    expect(html).toContain("87.5%</strong> of 16 due");
  });

  it("draws one impact chart, one trend chart, one chart per metric and per funnel", () => {
    const all = svgs(html);
    expect((html.match(/<svg\b/g) ?? []).length).toBe(all.length);
    const count = (cls: string) => all.filter((s) => classesOf(s).includes(cls)).length;
    expect(count("chart")).toBe(all.length);
    expect(count("chart-impact")).toBe(1);
    expect(count("chart-trend")).toBe(1);
    expect(count("chart-metric")).toBe(data.metrics.length);
    expect(count("chart-funnel")).toBe(data.funnels.length);
    expect(count("chart-chain")).toBe(data.chains.length);
    expect(count("chart-value")).toBe(1);
    expect(all).toHaveLength(3 + data.metrics.length + data.funnels.length + data.chains.length);
  });

  it("says what experience is worth: a bar per NPS class with its lifetime value, the hidden one hatched, the formula and the revenue at risk", () => {
    const [chart] = svgs(html).filter((s) => classesOf(s).includes("chart-value"));
    expect(chart.match(/<g class="bar">/g)).toHaveLength(3);
    expect(chart.match(/<g class="bar bar-suppressed">/g)).toHaveLength(1);
    expect(chart).toContain(">18,500.00 KES</text>");
    expect(chart).toContain(">40 customers, 45 % bought again, 90 % still active</text>");
    expect(chart).toContain("Detractors &lt;script&gt;");
    expect(html).toContain('<h2 id="h-value">What experience is worth</h2>');
    expect(html).toContain("lifetime value = historic revenue per customer");
    expect(html).toContain("Revenue at risk from detractors: 1,200.00 KES.");
  });

  it("draws each programme's impact chain: a bar per step with its conversion, hidden steps hatched and labelled", () => {
    const [chain] = svgs(html).filter((s) => classesOf(s).includes("chart-chain"));
    expect(chain.match(/<g class="bar">/g)).toHaveLength(5);
    const hidden = chain.match(/<g class="bar bar-suppressed">[\s\S]*?<\/g>/g) ?? [];
    expect(hidden).toHaveLength(1);
    expect(hidden[0]).toMatch(/class="suppressed-label"[^>]*>hidden \(fewer than 5\)<\/text>/);
    expect(chain).toContain("5.0 % of revenue");
    // Conversions are written whole, under their bar.
    expect(chain).toContain(">50.00 KES contributed per pair of shoes funded</text>");
    expect(chain).toContain(">1 delivered per pair of shoes funded in the period</text>");
    expect(chain).toContain("52 people");
    expect(chain).toContain(">20,000.00 KES</text>"); // money as the rest of the page writes it
    // Bars are scaled within their kind: revenue is the longest money bar, reached the longest people bar.
    const width = (label: string) => Number(new RegExp(`<title>${label}: [^<]*</title>[^]*?<rect [^>]*width="([\\d.]+)"`).exec(chain)![1]);
    expect(width("Contribution")).toBeCloseTo(width("Revenue") / 20, 0);
    expect(width("Beneficiaries reached")).toBe(width("Revenue"));
    expect(html).toContain('<h2 id="h-chain">Impact chain</h2>');
    expect(html).toContain("School shoes &lt;script&gt;");
    expect(html).toContain("Backlog at the period's end: 12.5 pair of shoes");
    expect(html).toContain("their experience is hidden with them");
  });

  it("writes every chart as well-formed, accessible SVG with a fixed viewBox", () => {
    const ids = new Set<string>();
    for (const svg of svgs(html)) {
      expect(() => checkWellFormed(svg)).not.toThrow();
      const open = /^<svg\b[^>]*>/.exec(svg)![0];
      expect(open).toContain('role="img"');
      expect(open).toMatch(/viewBox="0 0 640 \d+"/);
      expect(svg).toMatch(/^<svg\b[^>]*><title id="[^"]+">[^<]+<\/title><desc id="[^"]+">[^<]+<\/desc>/);
      for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
        expect(ids.has(m[1])).toBe(false); // ids are unique in the page (patterns, labels)
        ids.add(m[1]);
      }
      for (const m of svg.matchAll(/url\(#([^)]+)\)/g)) expect(svg).toContain(`id="${m[1]}"`);
    }
  });

  it("labels suppressed funnel bars and hatches them", () => {
    const funnels = svgs(html).filter((s) => classesOf(s).includes("chart-funnel"));
    const hidden = data.funnels.map((f) => f.stages.filter((s) => s.entered === null).length);
    expect(hidden).toEqual([1, 2]);
    funnels.forEach((svg, i) => {
      const bars = svg.match(/<g class="bar bar-suppressed">[\s\S]*?<\/g>/g) ?? [];
      expect(bars).toHaveLength(hidden[i]);
      for (const bar of bars) {
        expect(bar).toMatch(/<text[^>]*class="suppressed-label"[^>]*>hidden \(fewer than 5\)<\/text>/);
        expect(bar).toMatch(/fill="url\(#[^)]+-hatch\)"/);
      }
    });
    expect(funnels[0]).toContain("research &lt;script&gt;alert(1)&lt;/script&gt;"); // the name, escaped (and cut to fit)
  });

  it("leaves gaps in a metric series where values are null", () => {
    const chart = svgs(html).find((s) => s.includes('id="chart-metric-1"'))!;
    // Actual: 50, 70, null, 90, null, 120 -> runs [Jan-Feb], [Apr], [Jun]: one path with one M,
    // and the lone values shown as dots (5 dots in all).
    const actual = /<g class="series series-actual" data-segments="(\d+)">([\s\S]*?)<\/g>/.exec(chart)!;
    expect(actual[1]).toBe("3");
    expect(actual[2].match(/<path d="([^"]*)"/)![1].match(/M/g)).toHaveLength(1);
    expect(actual[2].match(/<circle/g)).toHaveLength(4);
    // Target: 80, 80, 90, 90, 100, null -> one run of five, dashed.
    const target = /<g class="series series-target" data-segments="(\d+)">([\s\S]*?)<\/g>/.exec(chart)!;
    expect(target[1]).toBe("1");
    expect(target[2]).toContain('stroke-dasharray="6 4"');
    // A metric with no actual at all still draws its target.
    const empty = svgs(html).find((s) => s.includes('id="chart-metric-2"'))!;
    expect(empty).toMatch(/<g class="series series-actual" data-segments="0"><\/g>/);
  });

  it("lists what was suppressed or missing", () => {
    const section = /<h2 id="h-notes">Suppressed or missing<\/h2>[\s\S]*?<\/section>/.exec(html)![0];
    expect(section.match(/<tr>/g)).toHaveLength(1 + data.notes.length);
    expect(section).toContain("fewer than 5 people answered &lt;script&gt;");
    expect(renderReportPage({ ...data, notes: [] })).toContain("Nothing was hidden or missing.");
  });

  it("still renders with no narrative, metrics, trend, funnels or programmes", () => {
    const bare = renderReportPage({ ...data, narrative: null, metrics: [], trend: [], funnels: [], chains: [], experienceValue: { ...data.experienceValue, groups: [] } });
    expect(bare).not.toContain("Impact chain");
    expect(bare).not.toContain("What experience is worth");
    expect(bare).toContain("No narrative has been written for this period.");
    expect(bare).toContain("No reportable metrics for this period.");
    for (const svg of svgs(bare)) expect(() => checkWellFormed(svg)).not.toThrow();
    expect(svgs(bare)).toHaveLength(2);
  });

  it("links the CSV, JSON and IATI XML downloads of the same organization and period, as same-origin paths", () => {
    const nav = /<nav class="actions"[\s\S]*?<\/nav>/.exec(html)![0];
    const links = [...nav.matchAll(/<a href="([^"]+)" download>([^<]+)<\/a>/g)].map((m) => ({ href: m[1].replace(/&amp;/g, "&"), label: m[2] }));
    expect(links.map((l) => l.label)).toEqual(["CSV", "JSON", "IATI XML"]);
    // The organization in the path, as for the page itself (/reports/<id>).
    const base = `/exports/${data.organization.id}`;
    expect(links.map((l) => l.href.split("?")[0])).toEqual([`${base}/report.csv`, `${base}/report.json`, `${base}/iati.xml`]);
    for (const l of links) {
      const q = new URL(l.href, "http://x").searchParams;
      expect(Object.fromEntries(q)).toEqual({ from: data.period.from, to: data.period.to });
    }
    // The raw '&' between parameters is escaped in the attribute.
    expect(nav).toContain("&amp;to=");
    // Hostile ids and dates can't break out of the attribute.
    const hostile = renderReportPage({ ...data, organization: { ...data.organization, id: `"><script>x</script>` }, period: { from: `"'<>&`, to: data.period.to } });
    const hostileNav = /<nav class="actions"[\s\S]*?<\/nav>/.exec(hostile)![0];
    expect(hostileNav).not.toMatch(/<script/i);
    const hrefs = [...hostileNav.matchAll(/<a href="([^"]*)" download>/g)].map((m) => m[1]);
    expect(hrefs).toHaveLength(3);
    for (const h of hrefs) expect(h).toMatch(/^\/exports\/[^"'<>]*$/);
    expect(hostileNav).toContain("/exports/%22%3E%3Cscript%3Ex%3C%2Fscript%3E/report.csv"); // encoded as a path segment
  });

  it("offers to sign out only to a reader signed in in the browser, and prints neither downloads nor sign-out", () => {
    expect(html).not.toContain("/reports/session/end");
    const signedIn = renderReportPage({ ...data, signedInWithCookie: true });
    expect(signedIn).toContain('<form class="sign-out" method="post" action="/reports/session/end"><button type="submit" class="link">Sign out</button></form>');
    expect(signedIn).not.toMatch(/<script/i);
    expect(signedIn).not.toMatch(/\son[a-z]+=/i);
    expect(signedIn).toMatch(/@media print \{[^@]*nav\.actions \{ display: none; \}/);
  });
});

describe("charts", () => {
  it("escapes XML and drops characters XML does not allow", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(escapeXml("a\u0001b\uD800c")).toBe("ab\uFFFDc");
  });

  it("formats numbers with thousands separators and at most 2 decimals", () => {
    expect(formatNumber(1234567.891)).toBe("1,234,567.89");
    expect(formatNumber(-0.001)).toBe("0");
    expect(formatNumber(12.5, 0)).toBe("13");
    expect(formatDecimal("1234567.50", 2, true)).toBe("1,234,567.50");
    expect(formatDecimal("310.5000")).toBe("310.5");
    expect(formatDecimal("-0.00")).toBe("0");
    expect(formatDecimal("2.345678")).toBe("2.35");
  });

  it("chooses 4 or 5 round ticks", () => {
    expect(niceTicks(0, 100)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(-100, 100)).toEqual([-100, -50, 0, 50, 100]);
    expect(niceTicks(0, 11)).toEqual([0, 5, 10, 15]);
    expect(niceTicks(0.1, 0.37)).toEqual([0.1, 0.2, 0.3, 0.4]); // zero is added by the line chart, not here
    for (const [lo, hi] of [
      [0, 1],
      [3, 97],
      [0, 1234567],
      [-5, 12],
      [0.02, 0.05],
      [1000, 1010],
    ]) {
      const t = niceTicks(lo, hi);
      expect(t.length).toBeGreaterThanOrEqual(3);
      expect(t.length).toBeLessThanOrEqual(5);
      expect(t[0]).toBeLessThanOrEqual(lo);
      expect(t[t.length - 1]).toBeGreaterThanOrEqual(hi);
    }
    expect(formatTicks([0, 500000, 1000000, 1500000])).toEqual(["0", "0.5M", "1M", "1.5M"]);
  });

  it("thins x labels to fit", () => {
    const labels = Array.from({ length: 36 }, (_, i) => `M${i} 2024`);
    expect(labelStep(labels, 50)).toBe(1);
    // The widest line, "M10".."M35" or "2024": 4 glyphs of 10 x 0.58 = 23.2, + 6 of space = 29.2.
    expect(labelStep(labels, 15)).toBe(2); // ceil(29.2 / 15)
    expect(labelStep(labels, 10)).toBe(3); // ceil(29.2 / 10)
  });

  it("draws a vertical funnel with a labelled hidden bar, and a metric chart with no data", () => {
    const svg = funnelChart({ id: "f", title: "T & <t>", threshold: 10, orientation: "vertical", stages: [{ name: "a", value: 40 }, { name: "b", value: null }] });
    expect(() => checkWellFormed(svg)).not.toThrow();
    expect(svg).toContain('class="bar bar-suppressed"');
    expect(svg).toContain("(fewer than 10)");
    const empty = metricChart({ id: "m", name: "x", points: [] });
    expect(() => checkWellFormed(empty)).not.toThrow();
    expect(empty).toContain("No data for this period");
  });
});

/** The text a reader sees in an HTML fragment: tags dropped, entities of the escaper decoded, spaces collapsed. */
function visibleText(html: string): string {
  return html
    .replace(/<title[\s\S]*?<\/title>|<desc[\s\S]*?<\/desc>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

function section(html: string, id: string): string {
  return new RegExp(`<section aria-labelledby="${id}">[\\s\\S]*?</section>`).exec(html)![0];
}

describe("the report page's flaws from issue 13", () => {
  const data = sample();
  const html = renderReportPage(data);

  it("says a metric's unit once, in the table header, and gives bare numbers in the cells", () => {
    const tables = html.match(/<table class="figures">[\s\S]*?<\/table>/g)!;
    expect(tables).toHaveLength(2);
    // Households with clean light: unit label "households"; baseline 100, target 500, actual 420.25,
    // attainment 80.06 shown with one decimal: 80.1.
    const [households, days] = tables;
    const head = /<thead>[\s\S]*<\/thead>/.exec(households)![0];
    expect(head).toContain('<tr class="units"><th scope="colgroup" colspan="3" class="unit-span">in households</th><th scope="col" class="num">in %</th></tr>');
    const body = /<tbody>[\s\S]*<\/tbody>/.exec(households)![0];
    expect([...body.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1])).toEqual(["100", "500", "420.25", "80.1"]);
    expect(body).not.toContain("households");
    expect(body).not.toContain("%");
    // Days to repair (unit DAYS -> "days"): 10 and 3, the actual hidden (the notes say suppressed), no attainment.
    expect(days).toContain('class="unit-span">in days</th>');
    expect(visibleText(/<tbody>[\s\S]*<\/tbody>/.exec(days)![0])).toBe("10 3 hidden —");
    // A metric without a unit has no unit over its values, only % over attainment.
    const bare = renderReportPage({ ...data, metrics: [{ ...data.metrics[0], unit: "COUNT", unitLabel: null }] });
    expect(bare).toContain('<tr class="units"><td colspan="3"></td><th scope="col" class="num">in %</th></tr>');
  });

  it("says so in the chart, visibly and for screen readers, when every actual is hidden, instead of drawing only the target", () => {
    const chart = svgs(html).find((x) => x.includes('id="chart-metric-2"'))!;
    // Threshold 5: the notice names it.
    expect(chart).toMatch(/<g class="notice"><rect [^>]*\/><text [^>]*>Actual: hidden in every period \(fewer than 5 people\)<\/text><\/g>/);
    const desc = /<desc[^>]*>([^<]*)<\/desc>/.exec(chart)![1];
    expect(desc).toContain("Actual: hidden in every period (fewer than 5 people).");
    expect(desc).toBe("In days, Jan 2024 to Jun 2024. Actual: hidden in every period (fewer than 5 people). Target: Jan 2024 3 days, Feb 2024 3 days, Mar 2024 3 days, Apr 2024 3 days, May 2024 3 days, Jun 2024 3 days.");
    expect(desc).not.toContain("no value");
    expect(() => checkWellFormed(chart)).not.toThrow();
    // A series partly hidden says which months: Mar hidden, May not recorded.
    const first = svgs(html).find((x) => x.includes('id="chart-metric-1"'))!;
    const firstDesc = /<desc[^>]*>([^<]*)<\/desc>/.exec(first)![1];
    expect(firstDesc).toContain("Actual: Jan 2024 50 households, Feb 2024 70 households, Mar 2024 hidden, Apr 2024 90 households, May 2024 no value, Jun 2024 120 households.");
    expect(first).not.toContain('class="notice"');
    // Every actual missing (none hidden): said as not recorded.
    const missing = metricChart({ id: "m2", name: "y", points: [{ label: "Jan 2024", actual: null, target: 3 }, { label: "Feb 2024", actual: null, target: 4 }] });
    expect(missing).toContain(">Actual: no value recorded in any period</text>");
    expect(/<desc[^>]*>([^<]*)<\/desc>/.exec(missing)![1]).toBe("Jan 2024 to Feb 2024. Actual: no value recorded in any period. Target: Jan 2024 3, Feb 2024 4.");
  });

  it("shows an empty comparison period as no data, with no change against zero and no empty bars", () => {
    const zero = { sales: 0, revenue: "0.00", contribution: "0.00", unitsGiven: "0", beneficiariesFunded: "0" };
    const empty = renderReportPage({ ...data, impact: { ...data.impact, atSalePrevious: zero, inUse: { stakeholdersInUse: 135, previous: 0 } } });
    const impact = section(empty, "h-impact");
    expect(visibleText(impact)).toContain("No data for the comparison period (1 Jul 2023 – 31 Dec 2023): no sale and no one in in-use stages, so no changes are shown.");
    const table = /<table class="impact-summary">[\s\S]*?<\/table>/.exec(impact)![0];
    // Only "Measure" and this period: no comparison column, no change column, no "+".
    expect([...table.matchAll(/<th scope="col"[^>]*>([^<]*)<\/th>/g)].map((m) => m[1])).toEqual(["Measure", "Jan 2024 – Jun 2024"]);
    expect(table).not.toContain("+");
    expect(table).not.toContain("0.00 KES");
    expect(visibleText(table)).toContain("Sales 1,234 Revenue 1,234,567.50 KES");
    // The chart: this period's values only, the comparison said once, no bars (each would fill its own scale).
    const chart = svgs(impact)[0];
    expect(chart).toContain('class="comparison-empty"');
    expect(chart).toContain("Compared with (Jul 2023 – Dec 2023): no data for the comparison period");
    expect(chart).not.toMatch(/<g class="group">[^]*?<rect/);
    expect(chart).toContain(">1,234</text>");
    const desc = /<desc[^>]*>([^<]*)<\/desc>/.exec(chart)![1];
    expect(desc).toContain("no data for the comparison period");
    expect(desc).not.toContain(" against ");
    expect(() => checkWellFormed(chart)).not.toThrow();
    expect(visibleText(/<dl class="meta">[\s\S]*?<\/dl>/.exec(empty)![0])).toContain("1 Jul 2023 – 31 Dec 2023 (no data for the comparison period)");

    // No sale in the comparison period, but people in use then (42): the sale rows say "no data",
    // the in-use row compares 135 with 42: +93 (+221.4%), 93 / 42 = 2.2143.
    const partial = renderReportPage({ ...data, impact: { ...data.impact, atSalePrevious: zero, inUse: { stakeholdersInUse: 135, previous: 42 } } });
    const rows = [...section(partial, "h-impact").matchAll(/<tr><th scope="row">([^<]*)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => `${m[1]}: ${visibleText(m[2])}`);
    expect(rows).toEqual([
      "Sales: 1,234 no data —",
      "Revenue: 1,234,567.50 KES no data —",
      "Contribution given: 12,345.00 KES no data —",
      "Units given: 310.5 no data —",
      "Beneficiaries funded: 11.68 no data —",
      "People in in-use stages: 135 42 +93 (+221.4%)",
    ]);
    expect(visibleText(section(partial, "h-impact"))).toContain("No data for the comparison period at the point of sale (no sale): no change is shown there.");
    const partialChart = svgs(section(partial, "h-impact"))[0];
    expect(partialChart.match(/class="comparison-empty"[^>]*>no data for the comparison period</g)).toHaveLength(5);
    // The full sample has both periods: no such words.
    expect(html).not.toContain("no data for the comparison period");
    expect(html).not.toContain("No data for the comparison period");
  });

  it("says what a QoE figure is made of when a part is missing", () => {
    const parts = (kinds: [string, boolean, boolean][]) => kinds.map(([kind, missing, hidden]) => ({ kind: kind as "FEEDBACK", missing, hidden }));
    // The demo's case: beneficiaries' QoE 81.6 from social metrics only, no one answered.
    const beneficiary = parts([
      ["FEEDBACK", true, false],
      ["SOCIAL_ATTAINMENT", false, false],
      ["LOOP_CLOSURE", true, false],
    ]);
    expect(madeOf(beneficiary)).toBe("From social metrics only; no feedback, no follow-up due.");
    // Feedback hidden from a funder, KPIs partly hidden.
    expect(
      madeOf(
        parts([
          ["FEEDBACK", true, true],
          ["KPI_ATTAINMENT", false, true],
          ["LOOP_CLOSURE", false, false],
        ]),
      ),
    ).toBe("From KPIs and follow-ups only; feedback hidden, KPIs partly hidden.");
    // Nothing missing (or nothing present): nothing to say beside the number.
    expect(madeOf(data.experience.customer.qoeParts)).toBeNull();
    expect(madeOf([])).toBeNull();

    const page = renderReportPage({ ...data, experience: { ...data.experience, beneficiary: { qoe: 81.6, qoeParts: beneficiary, nps: null, npsSample: 0, npsMargin: null } } });
    const row = /<tr><th scope="row">Beneficiaries<\/th>[\s\S]*?<\/tr>/.exec(page)![0];
    expect(row).toContain('81.6<span class="made-of">From social metrics only; no feedback, no follow-up due.</span>');
    expect(/<tr><th scope="row">Customers<\/th>[\s\S]*?<\/tr>/.exec(page)![0]).not.toContain("made-of");
  });

  it("draws no funnel that holds no one, and says so", () => {
    const zero = [
      { name: "identified", entered: 0, inStageAtEnd: 0, impactMode: null },
      { name: "enrolled", entered: 0, inStageAtEnd: 0, impactMode: null },
      { name: "receives", entered: 0, inStageAtEnd: 0, impactMode: "AT_SALE" },
    ];
    const page = renderReportPage({ ...data, funnels: [data.funnels[0], { kind: "BENEFICIARY", stages: zero }] });
    const funnels = section(page, "h-funnels");
    expect(svgs(funnels)).toHaveLength(1); // the customers' only
    expect(visibleText(funnels)).toContain("Beneficiaries No one entered any of the 3 stages during the period.");
    // Zeros with a hidden stage hold someone: drawn.
    const withHidden = renderReportPage({ ...data, funnels: [{ kind: "BENEFICIARY", stages: [...zero, { name: "uses", entered: null, inStageAtEnd: null, impactMode: null }] }] });
    expect(svgs(section(withHidden, "h-funnels"))).toHaveLength(1);
    // The chart itself, given only zeros, draws no axis and no bar.
    const svg = funnelChart({ id: "z", title: "Z", threshold: 10, stages: zero.map((s) => ({ name: s.name, value: 0 })) });
    expect(svg).not.toContain("<rect");
    expect(svg).not.toContain("<line");
    expect(svg).toContain(">No one in any stage</text>");
    expect(() => checkWellFormed(svg)).not.toThrow();
  });

  it("gives units given and beneficiaries funded exactly, as the downloads do, with exact changes", () => {
    const rows = [...section(html, "h-impact").matchAll(/<tr><th scope="row">([^<]*)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => `${m[1]}: ${visibleText(m[2])}`);
    // Units given 310.5 against 250: +60.5, 60.5 / 250 = +24.2%.
    // Beneficiaries funded 11.68 against 10.5: +1.18, 1.18 / 10.5 = 0.11238 -> +11.2%.
    expect(rows).toContain("Units given: 310.5 250 +60.5 (+24.2%)");
    expect(rows).toContain("Beneficiaries funded: 11.68 10.5 +1.18 (+11.2%)");
    // Four decimals (the API's scale) are all kept: 0.1235 - 0.0005 = 0.123 exactly, not a float's 0.12299999.
    const fine = renderReportPage({
      ...data,
      impact: { ...data.impact, atSale: { ...data.impact.atSale, beneficiariesFunded: "0.1235" }, atSalePrevious: { ...data.impact.atSalePrevious, beneficiariesFunded: "0.0005" } },
    });
    const fineRows = [...section(fine, "h-impact").matchAll(/<tr><th scope="row">([^<]*)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => `${m[1]}: ${visibleText(m[2])}`);
    // 0.123 / 0.0005 = 246 -> +24,600%.
    expect(fineRows).toContain("Beneficiaries funded: 0.1235 0.0005 +0.123 (+24,600%)");
    expect(visibleText(section(html, "h-impact"))).toContain("Units given and beneficiaries funded are exact, as in the downloads: a fraction is a beneficiary partly funded.");
  });
});
