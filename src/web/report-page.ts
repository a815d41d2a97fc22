import { QoePartSummary, ReportPageData } from "./report-data";
import { fromFixed, SCALE, toFixed } from "../common/decimal";
import { htmlDocument, signOutForm } from "./sign-in-page";
import { chainChart, escapeXml as esc, formatDecimal, formatNumber, formatSigned, funnelChart, impactChart, metricChart, trendChart } from "./charts";

/**
 * The printable impact report: one self-contained HTML5 page (inline CSS and SVG, no script,
 * nothing fetched from anywhere), laid out for A4. Every string from the data is escaped.
 * The data is already suppressed for the caller (null = hidden or missing); the page only says so.
 */

type Metric = ReportPageData["metrics"][number];
type Note = ReportPageData["notes"][number];

/** Three-letter month names, the same for every month (the en-GB locale writes "Sept" beside "Aug"). */
export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function parseDate(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "1 Jan 2024" (UTC). */
function fmtDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "5 Mar 2025, 14:05 UTC". */
function fmtDateTime(iso: string): string {
  const d = parseDate(iso);
  if (!d) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${fmtDate(d)}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** A half-open period [from, to) in words, with the last day included: "1 Jan 2024 – 31 Dec 2024". */
function fmtPeriod(p: { from: string; to: string }): string {
  const from = parseDate(p.from);
  const to = parseDate(p.to);
  if (!from || !to) return `${p.from} – ${p.to}`;
  const midnight = to.getUTCHours() === 0 && to.getUTCMinutes() === 0 && to.getUTCSeconds() === 0 && to.getUTCMilliseconds() === 0;
  if (!midnight) return `${fmtDate(from)} – ${fmtDateTime(p.to)} (not included)`;
  const last = new Date(to.getTime() - 86_400_000);
  return last.getTime() < from.getTime() ? fmtDate(from) : `${fmtDate(from)} – ${fmtDate(last)}`;
}

/** A shorter form for chart legends: "Jan 2024 – Dec 2024" when the period is whole months. */
function fmtPeriodShort(p: { from: string; to: string }): string {
  const from = parseDate(p.from);
  const to = parseDate(p.to);
  if (!from || !to) return fmtPeriod(p);
  const whole = (d: Date) => d.getUTCDate() === 1 && d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0;
  if (!whole(from) || !whole(to)) return fmtPeriod(p);
  const last = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - 1, 1));
  const month = (d: Date) => `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  return month(last) === month(from) ? month(from) : `${month(from)} – ${month(last)}`;
}

function toNumber(s: string | null | undefined): number | null {
  if (s === null || s === undefined || s.trim() === "") return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** The unit written after a metric's values. */
function unitOf(m: Metric, currency: string): string {
  if (m.unitLabel && m.unitLabel.trim()) return m.unitLabel.trim();
  switch (m.unit) {
    case "PERCENT":
      return "%";
    case "CURRENCY":
      return currency;
    case "DAYS":
      return "days";
    case "HOURS":
      return "hours";
    case "KG":
      return "kg";
    case "KWH":
      return "kWh";
    case "SCORE":
      return "points";
    default:
      return "";
  }
}

function withUnit(value: string, unit: string): string {
  if (!unit) return value;
  return unit === "%" ? `${value}%` : `${value} ${unit}`;
}

/** How a null is explained: hidden when a note says it was suppressed, else not available. */
function absent(notes: Note[], section: string, item: string): string {
  const note = notes.find((n) => n.section === section && n.item.toLowerCase() === item.toLowerCase());
  if (note?.kind === "SUPPRESSED") return `<span class="absent">hidden</span>`;
  return `<span class="absent">not available</span>`;
}

function money(amount: string, currency: string): string {
  const digits = (amount.split(".")[1] ?? "").length;
  return `${formatDecimal(amount, Math.max(0, Math.min(3, digits)), true)} ${currency}`;
}

/** "+1,234 (+12.5%)"; a percentage only when the previous value is not zero. */
function change(current: number | null, previous: number | null, fmt: (n: number) => string = (n) => formatSigned(n)): string {
  if (current === null || previous === null) return `<span class="absent">—</span>`;
  const diff = current - previous;
  const pct = previous !== 0 ? ` <span class="pct">(${esc(formatSigned((diff / Math.abs(previous)) * 100, 1))}%)</span>` : "";
  return `${esc(fmt(diff))}${pct}`;
}

function paragraphs(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p>${p.split("\n").map(esc).join("<br>")}</p>`)
    .join("\n");
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "x";
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #fff; color: #1a1a1a; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 180mm; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 1.8em; line-height: 1.2; margin: 0.1em 0 0.2em; overflow-wrap: anywhere; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid #1a1a1a; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1.08em; margin: 1.2em 0 0.3em; break-after: avoid; page-break-after: avoid; overflow-wrap: anywhere; }
p { margin: 0.4em 0; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.8em; color: #555; margin: 0; }
.model { font-size: 1.02em; margin: 0 0 0.6em; }
header { border-bottom: 1px solid #999; padding-bottom: 0.8em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.1em 1em; margin: 0.4em 0; }
dl.meta dt { color: #555; }
dl.meta dd { margin: 0; }
.suppression { display: inline-block; margin-top: 0.4em; padding: 0.2em 0.6em; border: 1px dashed #555; font-size: 0.92em; }
.narrative { font-size: 1.02em; }
.narrative .byline { color: #555; font-size: 0.85em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 0.8em; font-size: 0.93em; break-inside: avoid; page-break-inside: avoid; }
th, td { text-align: left; padding: 0.3em 0.5em; border-bottom: 1px solid #ccc; vertical-align: top; }
thead th { border-bottom: 1.5px solid #1a1a1a; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.impact-summary tbody th { width: 34%; }
tr.section th { background: #f0f0f0; font-weight: 700; }
.absent { color: #555; font-style: italic; }
.pct { color: #555; }
.tag { display: inline-block; font-size: 0.72em; font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em; border: 1px solid #1a1a1a; padding: 0 0.4em; margin-left: 0.4em; vertical-align: 0.15em; }
.code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.92em; }
.muted { color: #555; }
.lead { break-after: avoid; page-break-after: avoid; }
figure { margin: 0.6em 0 1em; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 0.85em; color: #555; margin-top: 0.2em; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; }
.metric { break-inside: avoid; page-break-inside: avoid; border-top: 1px solid #ccc; padding-top: 0.2em; }
.metric .figures td, .metric .figures th { width: 25%; }
ul.plain { padding-left: 1.2em; }
nav.actions { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.4em 1em; font-size: 0.9em; margin: 0 0 1em; padding-bottom: 0.5em; border-bottom: 1px solid #ccc; }
nav.actions .downloads { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3em 0.9em; }
nav.actions ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.3em 0.9em; margin: 0; padding: 0; }
nav.actions a { color: #1a1a1a; }
nav.actions form { margin: 0; }
nav.actions button { font: inherit; font-size: 0.95em; padding: 0.15em 0.7em; border: 1px solid #999; border-radius: 3px; background: #fff; color: #1a1a1a; cursor: pointer; }
footer { margin-top: 2em; font-size: 0.8em; color: #555; border-top: 1px solid #999; padding-top: 0.5em; }
tr.units th { font-weight: 400; color: #555; font-size: 0.92em; padding-top: 0; }
tr.units th.unit-span { text-align: center; }
thead tr:has(+ tr.units) th { border-bottom: none; }
.made-of { display: block; white-space: normal; font-size: 0.82em; line-height: 1.3; color: #555; font-style: italic; }
.comparison-empty { margin: 0.4em 0; }
.table-note { font-size: 0.85em; margin-top: -0.4em; }
.funnel-empty { margin: 0.3em 0 1em; }
@media screen and (max-width: 600px) {
  body { font-size: 14px; }
  main { padding: 16px 12px 40px; }
  h1 { font-size: 1.55em; }
  table { font-size: 0.88em; }
  th, td { padding: 0.3em 0.3em; }
  td.num { white-space: normal; }
  /* The list of what is hidden or missing reads as lines on a phone: "Section · item" then "What: why". */
  table.notes thead { display: none; }
  table.notes, table.notes tbody, table.notes tr { display: block; }
  table.notes tr { padding: 0.35em 0; border-bottom: 1px solid #ccc; }
  table.notes td { display: inline; border: none; padding: 0; overflow-wrap: anywhere; }
  table.notes td:nth-child(1)::after { content: " · "; }
  table.notes td:nth-child(2) { font-weight: 600; }
  table.notes td:nth-child(3)::before { content: "\\A"; white-space: pre; }
  table.notes td:nth-child(3)::after { content: ": "; }
  table.impact-summary tbody th { width: auto; }
  .metric .figures td, .metric .figures th { width: auto; }
}
@page { size: A4; margin: 15mm; }
@media print {
  body { font-size: 9.5pt; }
  main { max-width: none; margin: 0; padding: 0; }
  h2 { margin-top: 1.1em; }
  section { break-inside: auto; }
  nav.actions { display: none; }
  figure, svg.chart, table, tr, .metric { break-inside: avoid; page-break-inside: avoid; }
}
`;

/** The exports of the same organization and period (same-origin links: the sign-in cookie goes with them). */
function downloads(d: ReportPageData): { label: string; href: string }[] {
  const base = `/exports/${encodeURIComponent(d.organization.id)}`;
  const q = `from=${encodeURIComponent(d.period.from)}&to=${encodeURIComponent(d.period.to)}`;
  return [
    { label: "CSV", href: `${base}/report.csv?${q}` },
    { label: "JSON", href: `${base}/report.json?${q}` },
    { label: "IATI XML", href: `${base}/iati.xml?${q}` },
  ];
}

/** Downloads, and signing out when signed in in the browser. Not printed. */
function actions(d: ReportPageData): string {
  const links = downloads(d)
    .map((l) => `<li><a href="${esc(l.href)}" download>${esc(l.label)}</a></li>`)
    .join("");
  return `<nav class="actions" aria-label="Downloads and session"><div class="downloads"><span id="downloads-label">Download this report:</span> <ul aria-labelledby="downloads-label">${links}</ul></div>${d.signedInWithCookie ? signOutForm() : ""}</nav>`;
}

function header(d: ReportPageData): string {
  return `<header>
<p class="kicker">Impact report</p>
<h1>${esc(d.organization.name)}</h1>
<p class="model">${esc(d.organization.impactModel)}</p>
<dl class="meta">
<dt>Period</dt><dd>${esc(fmtPeriod(d.period))}</dd>
<dt>Compared with</dt><dd>${esc(fmtPeriod(d.comparison))}${d.impact.atSalePrevious.sales === 0 && d.impact.inUse.previous === 0 ? ` <span class="absent">(no data for the comparison period)</span>` : ""}</dd>
<dt>Generated</dt><dd>${esc(fmtDateTime(d.generatedAt))}</dd>
<dt>Currency</dt><dd>${esc(d.organization.currency)}</dd>
</dl>
${d.suppressionApplied ? `<p class="suppression">Small groups hidden: fewer than ${esc(formatNumber(d.threshold, 0))} people.</p>` : ""}
${
  d.perturbationMaximum !== null
    ? `<p class="suppression">Counts of people are adjusted by at most ${esc(formatNumber(d.perturbationMaximum, 0))} (the same every time): a total may differ slightly from the sum of its parts.</p>`
    : ""
}
</header>`;
}

function narrative(d: ReportPageData): string {
  if (!d.narrative || !d.narrative.text.trim()) {
    return `<section class="narrative" aria-labelledby="h-narrative"><h2 id="h-narrative">Summary</h2><p class="absent">No narrative has been written for this period.</p></section>`;
  }
  return `<section class="narrative" aria-labelledby="h-narrative"><h2 id="h-narrative">Summary</h2>
${paragraphs(d.narrative.text)}
<p class="byline">Narrative version ${esc(formatNumber(d.narrative.version, 0))}, written ${esc(fmtDateTime(d.narrative.updatedAt))}.</p>
</section>`;
}

/** An exact decimal ("11.68", "310.5") as the downloads give it: every decimal kept (at most 4), thousands separated. */
function exact(value: string): string {
  return formatDecimal(value, SCALE);
}

/** The exact difference of two decimal strings, and the relative change when the previous one is not zero. */
function decimalChange(current: string, previous: string): string {
  if (toNumber(current) === null || toNumber(previous) === null) return `<span class="absent">—</span>`;
  const diff = fromFixed(toFixed(current) - toFixed(previous));
  const shown = exact(diff);
  const signed = shown !== "0" && !shown.startsWith("-") ? `+${shown}` : shown;
  const prev = Number(previous);
  const pct = prev !== 0 ? ` <span class="pct">(${esc(formatSigned((Number(diff) / Math.abs(prev)) * 100, 1))}%)</span>` : "";
  return `${esc(signed)}${pct}`;
}

function impactSection(d: ReportPageData): string {
  const cur = d.impact.atSale;
  const prev = d.impact.atSalePrevious;
  const inUse = d.impact.inUse;
  const currency = d.organization.currency;
  const moneyChange = (n: number) => `${formatSigned(n)} ${currency}`;
  // A comparison period with no sale has nothing at sale to compare with; one with no one in
  // use, nothing in use. Changes against those zeros would read as growth from nothing.
  const saleEmpty = prev.sales === 0;
  const inUseEmpty = inUse.previous === 0;
  const empty = saleEmpty && inUseEmpty;
  const NO_DATA = "no data for the comparison period";
  const noData = `<span class="absent">no data</span>`;
  const none = `<span class="absent">—</span>`;
  const people = (n: number | null) => (n === null ? `<span class="absent">not shown</span>` : esc(formatNumber(n)));
  /** A row: the measure, this period, and (unless the whole comparison is empty) the comparison and the change. */
  const row = (name: string, now: string, before: string, changed: string, sectionEmpty: boolean) =>
    `<tr><th scope="row">${name}</th><td class="num">${now}</td>${empty ? "" : `<td class="num">${sectionEmpty ? noData : before}</td><td class="num">${sectionEmpty ? none : changed}</td>`}</tr>`;
  const columns = empty ? 2 : 4;
  const rows: string[] = [
    `<tr class="section"><th colspan="${columns}" scope="colgroup">At the point of sale</th></tr>`,
    row("Sales", esc(formatNumber(cur.sales)), esc(formatNumber(prev.sales)), change(cur.sales, prev.sales), saleEmpty),
    row("Revenue", esc(money(cur.revenue, currency)), esc(money(prev.revenue, currency)), change(toNumber(cur.revenue), toNumber(prev.revenue), moneyChange), saleEmpty),
    row("Contribution given", esc(money(cur.contribution, currency)), esc(money(prev.contribution, currency)), change(toNumber(cur.contribution), toNumber(prev.contribution), moneyChange), saleEmpty),
    row("Units given", esc(exact(cur.unitsGiven)), esc(exact(prev.unitsGiven)), decimalChange(cur.unitsGiven, prev.unitsGiven), saleEmpty),
    row("Beneficiaries funded", esc(exact(cur.beneficiariesFunded)), esc(exact(prev.beneficiariesFunded)), decimalChange(cur.beneficiariesFunded, prev.beneficiariesFunded), saleEmpty),
    `<tr class="section"><th colspan="${columns}" scope="colgroup">In use</th></tr>`,
    row("People in in-use stages", people(inUse.stakeholdersInUse), people(inUse.previous), change(inUse.stakeholdersInUse, inUse.previous), inUseEmpty),
  ];
  const curLabel = `This period (${fmtPeriodShort(d.period)})`;
  const prevLabel = `Compared with (${fmtPeriodShort(d.comparison)})`;
  const moneyFmt = (n: number) => `${formatNumber(n)} ${currency}`;
  const exactFmt = (n: number) => formatNumber(n, 2);
  const saleNote = !empty && saleEmpty ? NO_DATA : undefined;
  const inUseNote = !empty && inUseEmpty ? NO_DATA : undefined;
  const chart = impactChart({
    id: "chart-impact",
    title: empty ? "Impact at sale and in use this period (no data for the comparison period)" : "Impact at sale and in use: this period against the comparison period",
    currentLabel: curLabel,
    comparisonLabel: prevLabel,
    nullLabel: "not shown (see the list at the end)",
    comparisonEmpty: empty ? NO_DATA : undefined,
    groups: [
      { section: "At the point of sale", name: "Sales", current: cur.sales, comparison: prev.sales, comparisonNote: saleNote },
      { section: "At the point of sale", name: "Revenue", current: toNumber(cur.revenue), comparison: toNumber(prev.revenue), comparisonNote: saleNote, format: moneyFmt },
      { section: "At the point of sale", name: "Contribution given", current: toNumber(cur.contribution), comparison: toNumber(prev.contribution), comparisonNote: saleNote, format: moneyFmt },
      { section: "At the point of sale", name: "Units given", current: toNumber(cur.unitsGiven), comparison: toNumber(prev.unitsGiven), comparisonNote: saleNote, format: exactFmt },
      { section: "At the point of sale", name: "Beneficiaries funded", current: toNumber(cur.beneficiariesFunded), comparison: toNumber(prev.beneficiariesFunded), comparisonNote: saleNote, format: exactFmt },
      { section: "In use", name: "People in use stages", current: inUse.stakeholdersInUse, comparison: inUse.previous, comparisonNote: inUseNote },
    ],
  });
  const head = empty
    ? `<tr><th scope="col">Measure</th><th scope="col" class="num">${esc(fmtPeriodShort(d.period))}</th></tr>`
    : `<tr><th scope="col">Measure</th><th scope="col" class="num">${esc(fmtPeriodShort(d.period))}</th><th scope="col" class="num">${esc(fmtPeriodShort(d.comparison))}</th><th scope="col" class="num">Change</th></tr>`;
  const emptyNote = empty
    ? `<p class="comparison-empty"><strong>No data for the comparison period</strong> (${esc(fmtPeriod(d.comparison))}): no sale and no one in in-use stages, so no changes are shown.</p>\n`
    : saleEmpty || inUseEmpty
      ? `<p class="comparison-empty">No data for the comparison period ${saleEmpty ? "at the point of sale (no sale)" : "in use (no one in in-use stages)"}: no change is shown there.</p>\n`
      : "";
  return `<section aria-labelledby="h-impact"><h2 id="h-impact">Impact at sale and in use</h2>
${emptyNote}<table class="impact-summary">
<thead>${head}</thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
<p class="muted table-note">Units given and beneficiaries funded are exact, as in the downloads: a fraction is a beneficiary partly funded.</p>
<figure>${chart}<figcaption>${empty ? "This period only: there is no data for the comparison period." : "Solid bars: this period. Light, outlined bars: the comparison period."}</figcaption></figure>
</section>`;
}

const PART_NAMES: Record<QoePartSummary["kind"], { name: string; none: string }> = {
  FEEDBACK: { name: "feedback", none: "no feedback" },
  KPI_ATTAINMENT: { name: "KPIs", none: "no KPI values" },
  SOCIAL_ATTAINMENT: { name: "social metrics", none: "no social metric values" },
  LOOP_CLOSURE: { name: "follow-ups", none: "no follow-up due" },
};

function list(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/**
 * What a QoE score was made of, said only when a part is missing: "From social metrics only;
 * no feedback, no follow-up due." Parts hidden from the caller say so. Null when nothing is missing.
 */
export function madeOf(parts: QoePartSummary[]): string | null {
  const missing = parts.filter((p) => p.missing);
  const present = parts.filter((p) => !p.missing);
  if (!missing.length || !present.length) return null;
  const partly = present.filter((p) => p.hidden).map((p) => `${PART_NAMES[p.kind].name} partly hidden`);
  const gone = missing.map((p) => (p.hidden ? `${PART_NAMES[p.kind].name} hidden` : PART_NAMES[p.kind].none));
  return `From ${list(present.map((p) => PART_NAMES[p.kind].name))} only; ${[...gone, ...partly].join(", ")}.`;
}

function experienceSection(d: ReportPageData): string {
  const row = (label: string, key: "customer" | "beneficiary") => {
    const e = d.experience[key];
    const made = e.qoe === null ? null : madeOf(e.qoeParts);
    const qoe =
      e.qoe === null
        ? absent(d.notes, "Experience", "quality of experience")
        : `${esc(formatNumber(e.qoe, 1))}${made ? `<span class="made-of">${esc(made)}</span>` : ""}`;
    const npsItem = `${key} NPS`;
    const nps =
      e.nps === null
        ? absent(d.notes, "Experience", npsItem)
        : `${esc(formatSigned(e.nps, 1))}${e.npsMargin !== null ? ` <span class="muted">± ${esc(formatNumber(e.npsMargin, 1))}</span>` : ""}`;
    const sample = e.npsSample === null ? `<span class="absent">—</span>` : esc(formatNumber(e.npsSample, 0));
    return `<tr><th scope="row">${label}</th><td class="num">${qoe}</td><td class="num">${nps}</td><td class="num">${sample}</td></tr>`;
  };
  const due = d.experience.loopsDue;
  const rate = d.experience.loopsOnTimeRate;
  const loops =
    due === 0
      ? `No follow-up was due in the period.`
      : due === null
        ? `Follow-ups due in the period: hidden (fewer than ${esc(formatNumber(d.threshold, 0))}).`
        : rate === null
          ? `Follow-ups due in the period: ${esc(formatNumber(due, 0))}; the share closed on time is ${d.suppressionApplied ? "hidden (too few to show)" : "not available"}.`
          : `Follow-ups closed with the person on time: <strong>${esc(formatNumber(rate, 1))}%</strong> of ${esc(formatNumber(due, 0))} due in the period.`;
  return `<section aria-labelledby="h-experience"><h2 id="h-experience">Experience of customers and beneficiaries</h2>
<table class="experience">
<thead><tr><th scope="col">Who</th><th scope="col" class="num">Quality of experience (0–100)</th><th scope="col" class="num">NPS (−100 to 100) ± margin (95%)</th><th scope="col" class="num">People who answered</th></tr></thead>
<tbody>
${row("Customers", "customer")}
${row("Beneficiaries", "beneficiary")}
</tbody>
</table>
<p>${loops}</p>
<figure>${trendChart({ id: "chart-trend", points: d.trend.map((t) => ({ label: t.label, nps: t.nps, qoe: t.qoe })) })}<figcaption>Per month. Gaps: no answers, or too few people to show.</figcaption></figure>
</section>`;
}

function metricSection(d: ReportPageData): string {
  if (d.metrics.length === 0) {
    return `<section aria-labelledby="h-metrics"><h2 id="h-metrics">Metrics against targets</h2><p class="absent">No reportable metrics for this period.</p></section>`;
  }
  const articles = d.metrics.map((m, i) => {
    const unit = unitOf(m, d.organization.currency);
    // The unit is said once, in the column headers; the cells hold the numbers.
    const value = (v: string | null) => (v === null ? absent(d.notes, "Metrics", m.name) : esc(formatDecimal(v)));
    const attainment = m.attainment === null ? `<span class="absent">—</span>` : esc(formatNumber(m.attainment, 1));
    // Units, once each, in a second header row: the metric's unit over the three values, % over attainment.
    const units = `<tr class="units">${unit ? `<th scope="colgroup" colspan="3" class="unit-span">in ${esc(unit)}</th>` : `<td colspan="3"></td>`}<th scope="col" class="num">in %</th></tr>`;
    const chart = metricChart({
      id: `chart-metric-${i + 1}`,
      name: m.name,
      unit: unit || null,
      points: m.series.map((p) => ({ label: p.label, actual: p.actual, target: p.target, hidden: p.hidden })),
      format: (n) => withUnit(formatNumber(n), unit),
      hiddenReason: `fewer than ${formatNumber(d.threshold, 0)} people`,
    });
    return `<article class="metric" aria-labelledby="h-metric-${i + 1}">
<h3 id="h-metric-${i + 1}">${esc(m.name)}<span class="tag">${m.category === "SOCIAL" ? "Social" : "KPI"}</span></h3>
<p class="muted">${m.catalogueCode ? `Catalogue code: <span class="code">${esc(m.catalogueCode)}</span> · ` : ""}${m.direction === "LOWER_IS_BETTER" ? "Lower is better" : "Higher is better"}${unit ? ` · Unit: ${esc(unit)}` : ""}</p>
${m.estimationNote ? `<p class="estimation"><strong>How it is estimated:</strong> ${esc(m.estimationNote)}</p>` : ""}
<table class="figures">
<thead><tr><th scope="col" class="num">Baseline</th><th scope="col" class="num">Target</th><th scope="col" class="num">Actual</th><th scope="col" class="num">Attainment</th></tr>
${units}</thead>
<tbody><tr><td class="num">${value(m.baseline)}</td><td class="num">${value(m.target)}</td><td class="num">${value(m.actual)}</td><td class="num">${attainment}</td></tr></tbody>
</table>
<figure>${chart}<figcaption>Actual: solid line with dots. Target: dashed line. Gaps: no value for that month, or hidden.</figcaption></figure>
</article>`;
  });
  return `<section aria-labelledby="h-metrics"><h2 id="h-metrics">Metrics against targets</h2>
<p class="muted lead">Attainment is the progress from the baseline to the target, in the metric's direction, from 0 to 100%.</p>
${articles.join("\n")}
</section>`;
}

function funnelSection(d: ReportPageData): string {
  const title = (kind: string) => (kind === "CUSTOMER" ? "Customers" : kind === "BENEFICIARY" ? "Beneficiaries" : kind);
  const impact = (mode: string | null) => (mode === "AT_SALE" ? "impact at sale" : mode === "IN_USE" ? "impact in use" : null);
  const figures = d.funnels.map((f, i) => {
    const name = title(f.kind);
    // A funnel that holds no one (every stage 0, none hidden) is said, not drawn on an empty axis.
    if (f.stages.length > 0 && f.stages.every((s) => s.entered === 0)) {
      return `<h3>${esc(name)}</h3><p class="absent funnel-empty">No one entered any of the ${esc(formatNumber(f.stages.length, 0))} stages during the period.</p>`;
    }
    const chart = funnelChart({
      id: `chart-funnel-${slug(f.kind)}-${i + 1}`,
      title: `${name}: people who entered each stage during the period`,
      threshold: d.threshold,
      stages: f.stages.map((s) => ({ name: s.name, value: s.entered, note: impact(s.impactMode) })),
      emptyText: "No lifecycle stages defined",
    });
    return `<h3>${esc(name)}</h3><figure>${chart}<figcaption>People who entered each stage during the period${
      d.suppressionApplied ? `; hatched bars are hidden groups of fewer than ${esc(formatNumber(d.threshold, 0))} people` : ""
    }.</figcaption></figure>`;
  });
  return `<section aria-labelledby="h-funnels"><h2 id="h-funnels">Lifecycle funnels</h2>
${figures.length ? figures.join("\n") : `<p class="absent">No funnels for this period.</p>`}
</section>`;
}

function chainSection(d: ReportPageData): string {
  if (!d.chains.length) return "";
  const figures = d.chains.map((c, i) => {
    const chart = chainChart({
      id: `chart-chain-${i + 1}`,
      title: `${c.programme}: from money to outcome during the period`,
      threshold: d.threshold,
      steps: c.steps.map((s) => ({
        name: s.label,
        value: s.value,
        display: s.exact === null ? "" : s.group === "money" ? money(s.exact, s.unit) : `${formatDecimal(s.exact)} ${s.unit}`,
        conversion: s.conversion,
        group: s.group,
      })),
    });
    const experience = c.experience.hidden
      ? `their experience is hidden with them`
      : c.experience.score === null
        ? `no score for their experience`
        : `their experience scores ${esc(formatNumber(c.experience.score, 2))} of 100`;
    return `<h3>${esc(c.programme)}</h3><figure>${chart}<figcaption>Each bar is one step of the chain, scaled against the bars of its kind (money, ${esc(c.unit)}, people); under each step, its conversion from the step before. Backlog at the period's end: ${esc(formatDecimal(c.backlog))} ${esc(c.unit)}; of those who gave feedback, ${experience}.${
      d.suppressionApplied ? ` Hatched bars are hidden groups of fewer than ${esc(formatNumber(d.threshold, 0))} people.` : ""
    }</figcaption></figure>`;
  });
  return `<section aria-labelledby="h-chain"><h2 id="h-chain">Impact chain</h2>
<p class="muted lead">What the sales that fund each programme became: the money given, the ${d.chains.length === 1 ? esc(d.chains[0].unit) : "units"} funded and delivered, the people reached, those using what they received, those who told us about it, and what changed for them.</p>
${figures.join("\n")}
</section>`;
}

function valueSection(d: ReportPageData): string {
  const v = d.experienceValue;
  if (!v.groups.length) return "";
  const pct = (r: number | null) => (r === null ? null : `${formatNumber(r * 100, 0)} %`);
  const chart = chainChart({
    id: "chart-value",
    kind: "chart-value",
    title: "Lifetime value per customer by NPS class at their latest answer",
    threshold: d.threshold,
    steps: v.groups.map((g) => ({
      name: g.label,
      value: g.lifetimeValue === null ? null : Number(g.lifetimeValue),
      display: g.lifetimeValue === null ? "" : money(g.lifetimeValue, v.currency),
      conversion:
        g.hidden || g.customers === null
          ? null
          : [`${formatNumber(g.customers, 0)} customers`, g.repeatRate === null ? null : `${pct(g.repeatRate)} bought again`, g.retention === null ? null : `${pct(g.retention)} still active`].filter(Boolean).join(", "),
      group: "money" as const,
    })),
  });
  return `<section aria-labelledby="h-value"><h2 id="h-value">What experience is worth</h2>
<p class="muted lead">Customers grouped by how likely they said they were to recommend us, at their latest answer: what each is worth over their lifetime. ${esc(v.formula)}${
    v.revenueAtRisk === null ? "" : ` Revenue at risk from detractors: ${esc(money(v.revenueAtRisk, v.currency))}.`
  }</p>
<figure>${chart}<figcaption>Lifetime value per customer; under each bar, the customers in the group, the share who bought again in the period and the share still active at its end.${
    d.suppressionApplied ? ` Hatched bars are hidden groups of fewer than ${esc(formatNumber(d.threshold, 0))} customers.` : ""
  }</figcaption></figure>
</section>`;
}

function notesSection(d: ReportPageData): string {
  const body = d.notes.length
    ? `<table class="notes"><thead><tr><th scope="col">Section</th><th scope="col">Item</th><th scope="col">What</th><th scope="col">Why</th></tr></thead><tbody>
${d.notes
  .map((n) => `<tr><td>${esc(n.section)}</td><td>${esc(n.item)}</td><td>${n.kind === "SUPPRESSED" ? "Hidden" : n.kind === "ADJUSTED" ? "Adjusted" : "Missing"}</td><td>${esc(n.reason)}</td></tr>`)
  .join("\n")}
</tbody></table>`
    : `<p>Nothing was hidden or missing.</p>`;
  return `<section aria-labelledby="h-notes"><h2 id="h-notes">Suppressed or missing</h2>
${body}
</section>`;
}

/** The whole report page. */
export function renderReportPage(data: ReportPageData): string {
  const title = `Impact report: ${data.organization.name}, ${fmtPeriod(data.period)}`;
  return htmlDocument(
    title,
    CSS,
    `${actions(data)}
${header(data)}
${narrative(data)}
${impactSection(data)}
${experienceSection(data)}
${metricSection(data)}
${funnelSection(data)}
${chainSection(data)}
${valueSection(data)}
${notesSection(data)}
<footer>Aggregated figures only; no personal data. Dates are in UTC; a period includes its first and its last day.${
    data.suppressionApplied ? ` Groups of fewer than ${esc(formatNumber(data.threshold, 0))} people are hidden, and so are any figures that would reveal them.` : ""
  }</footer>`,
  );
}
