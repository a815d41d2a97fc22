import { ReportPageData } from "../../src/web/report-data";
import { renderReportPage } from "../../src/web/report-page";
import { escapeXml, formatDecimal, formatNumber, formatTicks, funnelChart, labelStep, metricChart, niceTicks } from "../../src/web/charts";

/**
 * The printable report page (src/web/report-page.ts) and its charts (src/web/charts.ts), from a
 * hand-made ReportPageData: hostile names, suppressed (null) values, a metric series with gaps.
 */

const HOSTILE = `<script>alert(1)</script> & "quotes"`;

function sample(): ReportPageData {
  const months = ["Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024"];
  const point = (i: number, actual: number | null, target: number | null) => ({
    label: months[i],
    from: new Date(Date.UTC(2024, i, 1)).toISOString(),
    to: new Date(Date.UTC(2024, i + 1, 1)).toISOString(),
    actual,
    target,
  });
  return {
    organization: { id: "00000000-0000-4000-8000-000000000001", name: `Lamps ${HOSTILE}`, impactModel: `Hybrid <b>model</b> & more`, currency: "KES" },
    period: { from: "2024-01-01T00:00:00.000Z", to: "2024-07-01T00:00:00.000Z" },
    comparison: { from: "2023-07-01T00:00:00.000Z", to: "2024-01-01T00:00:00.000Z" },
    generatedAt: "2024-07-02T08:30:00.000Z",
    suppressionApplied: true,
    threshold: 5,
    narrative: { text: `First paragraph ${HOSTILE}.\nSame paragraph, next line.\n\nSecond paragraph.`, version: 3, updatedAt: "2024-07-01T12:00:00.000Z" },
    impact: {
      atSale: { sales: 1234, revenue: "1234567.50", contribution: "12345.00", unitsGiven: "310.5000", beneficiariesFunded: 300 },
      atSalePrevious: { sales: 1000, revenue: "1000000.00", contribution: "10000.00", unitsGiven: "250", beneficiariesFunded: 240 },
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
        series: [point(0, 50, 80), point(1, 70, 80), point(2, null, 90), point(3, 90, 90), point(4, null, 100), point(5, 120, null)],
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
        series: months.map((_, i) => point(i, null, 3)),
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
      customer: { qoe: 71.5, nps: 32, npsSample: 140, npsMargin: 8.4 },
      beneficiary: { qoe: null, nps: null, npsSample: null, npsMargin: null },
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
    expect(all).toHaveLength(2 + data.metrics.length + data.funnels.length);
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

  it("still renders with no narrative, metrics, trend or funnels", () => {
    const bare = renderReportPage({ ...data, narrative: null, metrics: [], trend: [], funnels: [] });
    expect(bare).toContain("No narrative has been written for this period.");
    expect(bare).toContain("No reportable metrics for this period.");
    for (const svg of svgs(bare)) expect(() => checkWellFormed(svg)).not.toThrow();
    expect(svgs(bare)).toHaveLength(2);
  });

  it("links the CSV, JSON and IATI XML downloads of the same organization and period, as same-origin paths", () => {
    const nav = /<nav class="actions"[\s\S]*?<\/nav>/.exec(html)![0];
    const links = [...nav.matchAll(/<a href="([^"]+)" download>([^<]+)<\/a>/g)].map((m) => ({ href: m[1].replace(/&amp;/g, "&"), label: m[2] }));
    expect(links.map((l) => l.label)).toEqual(["CSV", "JSON", "IATI XML"]);
    expect(links.map((l) => l.href.split("?")[0])).toEqual(["/exports/report.csv", "/exports/report.json", "/exports/iati.xml"]);
    for (const l of links) {
      const q = new URL(l.href, "http://x").searchParams;
      expect(Object.fromEntries(q)).toEqual({ organizationId: data.organization.id, from: data.period.from, to: data.period.to });
    }
    // The raw '&' between parameters is escaped in the attribute.
    expect(nav).toContain("&amp;from=");
    // Hostile ids and dates can't break out of the attribute.
    const hostile = renderReportPage({ ...data, organization: { ...data.organization, id: `"><script>x</script>` }, period: { from: `"'<>&`, to: data.period.to } });
    const hostileNav = /<nav class="actions"[\s\S]*?<\/nav>/.exec(hostile)![0];
    expect(hostileNav).not.toMatch(/<script/i);
    const hrefs = [...hostileNav.matchAll(/<a href="([^"]*)" download>/g)].map((m) => m[1]);
    expect(hrefs).toHaveLength(3);
    for (const h of hrefs) expect(h).toMatch(/^\/exports\/[^"'<>]*$/);
    expect(hostileNav).toContain("organizationId=%22%3E%3Cscript%3Ex%3C%2Fscript%3E");
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
