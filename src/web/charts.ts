/**
 * Charts for the printable report: pure functions from numbers to SVG strings. No
 * dependencies and no DOM, so they run on the server and in unit tests alike.
 *
 * Every chart:
 * - has a fixed viewBox 640 wide (260 high, or as many rows as the data needs), so that it
 *   scales to the page width; at A4 (180 mm of text width) 11 user units of font are ~9 pt;
 * - is `role="img"` with a `<title>` and a `<desc>` (the data in words) for screen readers;
 * - carries `class="chart chart-<kind>"`;
 * - escapes every string that comes from data (names may hold `<`, `&`, quotes);
 * - reads in black and white: targets are dashed, comparison bars are outlined, hidden values hatched.
 *
 * The SVGs are meant to be inlined in an HTML page, so they carry no xmlns attribute (HTML
 * does not need it). Ids (patterns, title/desc) are prefixed with the chart's `id`, which must
 * be unique in the page.
 */

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 260;

const FONT = 11;
const SMALL = 10;
/** Average glyph width of a sans-serif, as a share of the font size: enough to lay labels out. */
const GLYPH = 0.58;
const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

const INK = "#1a1a1a";
const MUTED = "#555555";
const GRID = "#d6d6d6";
const AXIS = "#8a8a8a";
const DARK = "#1f4e79";
const LIGHT = "#dbe5f0";
const TARGET = "#3a3a3a";

// ---------------------------------------------------------------------------------------------
// Text and numbers
// ---------------------------------------------------------------------------------------------

/**
 * Escapes a string for XML and HTML text or a double- or single-quoted attribute. Characters
 * XML 1.0 does not allow (C0 controls, lone surrogates) are removed or replaced, so the result
 * is always well-formed.
 */
export function escapeXml(value: unknown): string {
  return String(value ?? "")
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const formatters = new Map<string, Intl.NumberFormat>();
function formatter(decimals: number, fixed: boolean): Intl.NumberFormat {
  const key = `${decimals}:${fixed}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat("en-GB", { maximumFractionDigits: decimals, minimumFractionDigits: fixed ? decimals : 0, useGrouping: true });
    formatters.set(key, f);
  }
  return f;
}

/** 1234567.891 -> "1,234,567.89": thousands separators, at most `maxDecimals` (0..2) decimals, never "-0". */
export function formatNumber(n: number, maxDecimals = 2): string {
  if (!Number.isFinite(n)) return "–";
  const d = Math.max(0, Math.min(2, Math.floor(maxDecimals)));
  const rounded = Number(n.toFixed(d));
  return formatter(d, false).format(rounded === 0 ? 0 : rounded);
}

/** A signed number for changes: "+12", "-3.5", "0". */
export function formatSigned(n: number, maxDecimals = 2): string {
  const s = formatNumber(n, maxDecimals);
  return s !== "0" && !s.startsWith("-") && Number.isFinite(n) ? `+${s}` : s;
}

/**
 * An exact decimal string ("1234.5000", as the API returns amounts) with thousands separators.
 * Trailing zeros are dropped unless `keepZeros` (money keeps its minor digits); more than
 * `maxDecimals` decimals are rounded. Not a number: returned as given (escape it when printing).
 */
export function formatDecimal(value: string, maxDecimals = 2, keepZeros = false): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) {
    const n = Number(value);
    return value.trim() !== "" && Number.isFinite(n) ? formatNumber(n, maxDecimals) : value;
  }
  const [, sign, intPart, fracPart = ""] = m;
  if (fracPart.length > maxDecimals) {
    const n = Number(value);
    const d = Math.max(0, Math.min(3, maxDecimals));
    const rounded = Number(n.toFixed(d));
    return new Intl.NumberFormat("en-GB", { maximumFractionDigits: d, minimumFractionDigits: keepZeros ? d : 0 }).format(rounded === 0 ? 0 : rounded);
  }
  const frac = keepZeros ? fracPart : fracPart.replace(/0+$/, "");
  const int = intPart.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const zero = /^[0,]*$/.test(int) && /^0*$/.test(frac);
  return `${zero ? "" : sign}${int}${frac ? `.${frac}` : ""}`;
}

/**
 * 4 or 5 evenly spaced round ticks (steps of 1, 2, 2.5 or 5 times a power of ten) that cover
 * [min, max]. A single value gets a small range around it.
 */
export function niceTicks(min: number, max: number, maxTicks = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    const wasNonNegative = lo >= 0;
    lo -= pad;
    hi += pad;
    if (wasNonNegative && lo < 0) lo = 0;
  }
  const raw = (hi - lo) / Math.max(1, maxTicks - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10, 20, 25, 50]) {
    const step = m * magnitude;
    const first = Math.floor(lo / step + 1e-9);
    const last = Math.ceil(hi / step - 1e-9);
    const count = last - first + 1;
    if (count <= maxTicks) {
      const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
      return Array.from({ length: count }, (_, i) => {
        const v = Number(((first + i) * step).toFixed(Math.min(20, decimals)));
        return v === 0 ? 0 : v;
      });
    }
  }
  return [lo, hi];
}

/** Tick labels: compact above 10,000 ("25k", "1.5M"), with as few decimals as tell them apart. */
export function formatTicks(ticks: number[]): string[] {
  const maxAbs = Math.max(0, ...ticks.map((t) => Math.abs(t)));
  const [div, suffix] = maxAbs >= 1e9 ? [1e9, "bn"] : maxAbs >= 1e6 ? [1e6, "M"] : maxAbs >= 1e4 ? [1e3, "k"] : [1, ""];
  let decimals = 0;
  while (decimals < 2 && ticks.some((t) => Math.abs(Number((t / div).toFixed(decimals)) - t / div) > 1e-9)) decimals += 1;
  return ticks.map((t) => {
    const s = formatNumber(t / div, decimals);
    return s === "0" ? "0" : `${s}${suffix}`;
  });
}

function textWidth(s: string, size = FONT): number {
  return Array.from(s).length * size * GLYPH;
}

/** Cuts a string to `maxChars` characters (not splitting surrogate pairs), with an ellipsis. */
export function truncate(s: string, maxChars: number): string {
  const chars = Array.from(s);
  if (chars.length <= maxChars) return s;
  return `${chars.slice(0, Math.max(1, maxChars - 1)).join("").trimEnd()}…`;
}

/** "Jan 2024" -> ["Jan", "2024"]: an axis label on two short lines (split at the last space). */
function labelLines(label: string): string[] {
  const i = label.lastIndexOf(" ");
  if (i <= 0 || i === label.length - 1) return [truncate(label, 14)];
  return [truncate(label.slice(0, i), 14), truncate(label.slice(i + 1), 14)];
}

/** Every how many x labels one is shown so that none overlap, for bands `band` wide. */
export function labelStep(labels: string[], band: number, size = SMALL): number {
  if (labels.length === 0 || band <= 0) return 1;
  const widest = Math.max(...labels.map((l) => Math.max(...labelLines(l).map((line) => textWidth(line, size)))));
  return Math.max(1, Math.ceil((widest + 6) / band));
}

function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function isNum(v: number | null | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function safeId(id: string): string {
  const s = id.replace(/[^A-Za-z0-9_-]/g, "-");
  return /^[A-Za-z_]/.test(s) ? s : `c-${s}`;
}

function text(x: number, y: number, content: string, attrs = ""): string {
  return `<text x="${num(x)}" y="${num(y)}"${attrs ? ` ${attrs}` : ""}>${escapeXml(content)}</text>`;
}

interface RootOptions {
  id: string;
  kind: "chart-metric" | "chart-funnel" | "chart-impact" | "chart-trend" | "chart-line" | "chart-chain" | "chart-value";
  height: number;
  title: string;
  desc: string;
  defs?: string;
  body: string;
}

function svgRoot(o: RootOptions): string {
  const id = safeId(o.id);
  const h = Math.ceil(o.height);
  return (
    `<svg class="chart ${o.kind}" id="${id}" viewBox="0 0 ${CHART_WIDTH} ${h}" width="${CHART_WIDTH}" height="${h}" role="img" ` +
    `aria-labelledby="${id}-title ${id}-desc" font-family="${FONT_FAMILY}" font-size="${FONT}">` +
    `<title id="${id}-title">${escapeXml(o.title)}</title>` +
    `<desc id="${id}-desc">${escapeXml(o.desc)}</desc>` +
    (o.defs ? `<defs>${o.defs}</defs>` : "") +
    o.body +
    `</svg>`
  );
}

function hatchPattern(id: string): string {
  return (
    `<pattern id="${id}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">` +
    `<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="${MUTED}" stroke-width="2"/></pattern>`
  );
}

// ---------------------------------------------------------------------------------------------
// Line charts: one panel, or small multiples of panels
// ---------------------------------------------------------------------------------------------

export interface LineSeries {
  name: string;
  /** One value per label; null leaves a gap. */
  values: (number | null)[];
  /** Per label: the null there is a hidden value (small-cell suppression), not a missing one. */
  hidden?: boolean[];
  /** Dashed (e.g. a target): tells the series apart without colour. */
  dashed?: boolean;
  /** Dots at every value (default: for solid lines). */
  markers?: boolean;
  color?: string;
}

export interface LinePanel {
  /** Shown above the panel (small multiples); a single chart usually leaves it out. */
  title?: string;
  /** Shown beside the title, e.g. "kWh" or "%". */
  unit?: string | null;
  /** x labels, e.g. "Jan 2024"; thinned to fit. */
  labels: string[];
  series: LineSeries[];
  /** A fixed y range (e.g. -100..100 for NPS); otherwise taken from the data, with 0 when near. */
  domain?: [number, number];
  /** A darker horizontal line at this value (e.g. 0 for NPS) when inside the range. */
  referenceLine?: number | null;
  /** Formats a value in point tooltips and the description. */
  format?: (n: number) => string;
  /** Text drawn when no value is present. */
  emptyText?: string;
  /**
   * A sentence drawn in the middle of the plot, on a white box, over what is drawn (e.g. "Actual:
   * hidden in every month" when only the target has values): the chart says what is not there.
   */
  notice?: string;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function dataDomain(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  // Zero is kept in view when the data is not far from it (at most twice as far from the top).
  if (lo > 0 && lo <= hi * 0.5) lo = 0;
  if (hi < 0 && hi >= lo * 0.5) hi = 0;
  return [lo, hi];
}

function legendWidth(series: LineSeries[]): number {
  return series.reduce((w, s) => w + 26 + textWidth(s.name, SMALL) + 14, 0);
}

function legend(series: LineSeries[], xRight: number, y: number): string {
  let x = xRight - legendWidth(series) + 14;
  const parts: string[] = [];
  for (const s of series) {
    const color = s.color ?? (s.dashed ? TARGET : DARK);
    parts.push(
      `<line x1="${num(x)}" y1="${num(y - 4)}" x2="${num(x + 20)}" y2="${num(y - 4)}" stroke="${color}" stroke-width="${s.dashed ? 1.8 : 2.5}"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
    );
    if (s.markers ?? !s.dashed) parts.push(`<circle cx="${num(x + 10)}" cy="${num(y - 4)}" r="3" fill="${color}"/>`);
    parts.push(text(x + 26, y, s.name, `font-size="${SMALL}" fill="${INK}"`));
    x += 26 + textWidth(s.name, SMALL) + 14;
  }
  return `<g class="legend">${parts.join("")}</g>`;
}

function seriesClass(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  return slug ? `series series-${slug}` : "series";
}

function renderLinePanel(p: LinePanel, box: Box): string {
  const parts: string[] = [];
  const fmt = p.format ?? ((n: number) => formatNumber(n));
  const headerY = box.y + 14;
  const heading = [p.title, p.unit ? (p.title ? `(${p.unit})` : p.unit) : ""].filter(Boolean).join(" ");
  if (heading) parts.push(text(box.x, headerY, truncate(heading, Math.floor((box.w - (p.series.length > 1 || !p.title ? legendWidth(p.series) : 0)) / (FONT * GLYPH))), `font-weight="600" fill="${INK}"`));
  // The legend is needed when there are several series or no title names the one.
  if (p.series.length > 1 || !p.title) parts.push(legend(p.series, box.x + box.w, headerY));

  const n = p.labels.length;
  const all = p.series.flatMap((s) => s.values.slice(0, n)).filter(isNum);
  const top = box.y + 28;
  const bottom = box.y + box.h - 30;
  if (n === 0 || all.length === 0) {
    parts.push(`<rect x="${num(box.x)}" y="${num(top)}" width="${num(box.w)}" height="${num(bottom - top)}" fill="none" stroke="${GRID}"/>`);
    parts.push(text(box.x + box.w / 2, (top + bottom) / 2 + 4, p.notice ?? p.emptyText ?? "No data for this period", `text-anchor="middle" fill="${MUTED}" font-style="italic"`));
    return `<g class="panel">${parts.join("")}</g>`;
  }

  const [dLo, dHi] = p.domain ?? dataDomain(all);
  const ticks = niceTicks(Math.min(dLo, p.domain ? dLo : Math.min(...all)), Math.max(dHi, p.domain ? dHi : Math.max(...all)));
  const tickLabels = formatTicks(ticks);
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const left = box.x + Math.max(24, Math.max(...tickLabels.map((l) => textWidth(l, SMALL))) + 8);
  const right = box.x + box.w - 6;
  const band = (right - left) / n;
  const xAt = (i: number) => left + (i + 0.5) * band;
  const yAt = (v: number) => bottom - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1)) * (bottom - top);

  // Grid and y axis.
  ticks.forEach((t, i) => {
    const y = yAt(t);
    const strong = p.referenceLine !== undefined && p.referenceLine !== null && t === p.referenceLine && t !== lo;
    parts.push(`<line x1="${num(left)}" y1="${num(y)}" x2="${num(right)}" y2="${num(y)}" stroke="${strong ? AXIS : GRID}" stroke-width="${strong ? 1.2 : 0.8}"/>`);
    parts.push(text(left - 6, y + 3.5, tickLabels[i], `text-anchor="end" font-size="${SMALL}" fill="${MUTED}"`));
  });
  if (isNum(p.referenceLine) && p.referenceLine > lo && p.referenceLine < hi && !ticks.includes(p.referenceLine)) {
    const y = yAt(p.referenceLine);
    parts.push(`<line x1="${num(left)}" y1="${num(y)}" x2="${num(right)}" y2="${num(y)}" stroke="${AXIS}" stroke-width="1.2"/>`);
  }
  parts.push(`<line x1="${num(left)}" y1="${num(bottom)}" x2="${num(right)}" y2="${num(bottom)}" stroke="${AXIS}" stroke-width="1"/>`);

  // x labels, thinned so that they do not overlap: every `step`-th from the first.
  const step = labelStep(p.labels, band);
  const shown = new Set<number>();
  for (let i = 0; i < n; i += step) shown.add(i);
  for (const i of shown) {
    const x = xAt(i);
    parts.push(`<line x1="${num(x)}" y1="${num(bottom)}" x2="${num(x)}" y2="${num(bottom + 4)}" stroke="${AXIS}"/>`);
    const lines = labelLines(p.labels[i]);
    parts.push(
      `<text x="${num(x)}" y="${num(bottom + 15)}" text-anchor="middle" font-size="${SMALL}" fill="${MUTED}">` +
        lines.map((line, j) => `<tspan x="${num(x)}" dy="${j === 0 ? 0 : 11}">${escapeXml(line)}</tspan>`).join("") +
        `</text>`,
    );
  }

  // Series: a path per run of values (nulls leave gaps); a lone value gets a dot or a short dash.
  for (const s of p.series) {
    const color = s.color ?? (s.dashed ? TARGET : DARK);
    const width = s.dashed ? 1.8 : 2.5;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
    const markers = s.markers ?? !s.dashed;
    const runs: number[][] = [];
    let run: number[] = [];
    for (let i = 0; i < n; i++) {
      if (isNum(s.values[i])) run.push(i);
      else if (run.length) {
        runs.push(run);
        run = [];
      }
    }
    if (run.length) runs.push(run);
    const d = runs
      .filter((r) => r.length > 1)
      .map((r) => r.map((i, j) => `${j === 0 ? "M" : "L"}${num(xAt(i))} ${num(yAt(s.values[i]!))}`).join(" "))
      .join(" ");
    const g: string[] = [];
    if (d) g.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round" stroke-linecap="round"${dash}/>`);
    for (const r of runs.filter((x) => x.length === 1 && !markers)) {
      const i = r[0];
      const half = Math.min(12, band * 0.35);
      const y = yAt(s.values[i]!);
      g.push(`<line x1="${num(xAt(i) - half)}" y1="${num(y)}" x2="${num(xAt(i) + half)}" y2="${num(y)}" stroke="${color}" stroke-width="${width}"${dash}/>`);
    }
    if (markers) {
      for (let i = 0; i < n; i++) {
        const v = s.values[i];
        if (!isNum(v)) continue;
        g.push(
          `<circle cx="${num(xAt(i))}" cy="${num(yAt(v))}" r="${n > 24 ? 2.2 : 3}" fill="${color}" stroke="#ffffff" stroke-width="0.8">` +
            `<title>${escapeXml(`${s.name}, ${p.labels[i]}: ${fmt(v)}`)}</title></circle>`,
        );
      }
    }
    parts.push(`<g class="${seriesClass(s.name)}" data-segments="${runs.length}">${g.join("")}</g>`);
  }
  if (p.notice) parts.push(noticeBox(p.notice, left + (right - left) / 2, (top + bottom) / 2, right - left));
  return `<g class="panel">${parts.join("")}</g>`;
}

/** A sentence on a white, outlined box centred at (cx, cy), cut to fit `maxW`. */
function noticeBox(content: string, cx: number, cy: number, maxW: number): string {
  const shown = truncate(content, Math.floor((maxW - 24) / (FONT * GLYPH)));
  const w = Math.min(maxW, textWidth(shown) + 24);
  return (
    `<g class="notice"><rect x="${num(cx - w / 2)}" y="${num(cy - 13)}" width="${num(w)}" height="24" fill="#ffffff" stroke="${MUTED}" stroke-width="0.8" rx="2"/>` +
    text(cx, cy + 3.5, shown, `text-anchor="middle" fill="${INK}" font-style="italic"`) +
    `</g>`
  );
}

/** The data of a panel in words, for `<desc>`: "Actual: Jan 2024 12, Feb 2024 no data, ...". */
function describePanel(p: LinePanel): string {
  const fmt = p.format ?? ((n: number) => formatNumber(n));
  if (p.labels.length === 0) return `${p.title ?? "Chart"}: no periods.`;
  const range = p.labels.length > 1 ? `${p.labels[0]} to ${p.labels[p.labels.length - 1]}` : p.labels[0];
  const absentWord = (s: LineSeries, i: number) => (s.hidden?.[i] ? "hidden" : "no value");
  // A notice already says what an all-absent series is (see metricChart): it stands for it.
  const described = p.notice ? p.series.filter((s) => p.labels.some((_, i) => isNum(s.values[i]))) : p.series;
  const series = described.map((s) => {
    const values = p.labels.map((_, i) => s.values[i]);
    if (values.every((v) => !isNum(v))) {
      const hidden = values.filter((_, i) => s.hidden?.[i]).length;
      const what = hidden === values.length ? "hidden" : hidden === 0 ? "no value" : "hidden or no value";
      return `${s.name}: ${what} in every period.`;
    }
    return `${s.name}: ${p.labels.map((l, i) => `${l} ${isNum(s.values[i]) ? fmt(s.values[i]!) : absentWord(s, i)}`).join(", ")}.`;
  });
  return `${p.title ? `${p.title}${p.unit ? ` (${p.unit})` : ""}, ` : p.unit ? `In ${p.unit}, ` : ""}${range}. ${p.notice ? `${p.notice}. ` : ""}${series.join(" ")}`;
}

export interface LineChartOptions extends LinePanel {
  /** Unique in the page: prefixes the ids inside the SVG. */
  id: string;
  /** The accessible name (`<title>`). */
  title: string;
  /** The accessible description; by default the data in words. */
  desc?: string;
  height?: number;
  kind?: "chart-metric" | "chart-line";
}

/** A line chart of one or more series over the same periods (one panel). */
export function lineChart(o: LineChartOptions): string {
  const height = o.height ?? CHART_HEIGHT;
  const panel: LinePanel = { ...o, title: undefined };
  return svgRoot({
    id: o.id,
    kind: o.kind ?? "chart-line",
    height,
    title: o.title,
    desc: o.desc ?? describePanel({ ...panel, title: undefined }),
    body: renderLinePanel(panel, { x: 8, y: 4, w: CHART_WIDTH - 16, h: height - 8 }),
  });
}

export interface MetricChartOptions {
  id: string;
  /** The metric's name (the chart's accessible name is built from it). */
  name: string;
  unit?: string | null;
  /** `hidden`: the actual is hidden from the caller (small-cell suppression), not missing. */
  points: { label: string; actual: number | null; target: number | null; hidden?: boolean }[];
  format?: (n: number) => string;
  height?: number;
  /** Why hidden actuals are hidden, e.g. "fewer than 10 people": added to the notice. */
  hiddenReason?: string;
}

/**
 * Actual (solid line, dots) against target (dashed line) over time; missing values leave gaps.
 * When no period has an actual, the chart says so in words over the plot (hidden, or not
 * recorded), so that a lone target line is not read as the whole story.
 */
export function metricChart(o: MetricChartOptions): string {
  const points = o.points;
  let notice: string | undefined;
  if (points.length > 0 && points.every((p) => !isNum(p.actual))) {
    const hidden = points.filter((p) => p.hidden).length;
    const why = o.hiddenReason ? ` (${o.hiddenReason})` : "";
    notice =
      hidden === points.length
        ? `Actual: hidden in every period${why}`
        : hidden > 0
          ? `Actual: hidden${why} or not recorded in every period`
          : "Actual: no value recorded in any period";
  }
  return lineChart({
    id: o.id,
    kind: "chart-metric",
    title: `${o.name}: actual against target per period`,
    unit: o.unit,
    labels: points.map((p) => p.label),
    series: [
      { name: "Actual", values: points.map((p) => p.actual), hidden: points.map((p) => p.hidden === true) },
      { name: "Target", values: points.map((p) => p.target), dashed: true },
    ],
    notice,
    format: o.format,
    height: o.height,
  });
}

export interface SmallMultiplesOptions {
  id: string;
  title: string;
  desc?: string;
  kind?: "chart-trend" | "chart-line";
  panels: LinePanel[];
  /** Panels per row (default: 2, or 1 for a single panel). */
  columns?: number;
  /** Height of one row of panels (default 260 for one row, else 200). */
  panelHeight?: number;
}

/** Several small line charts in a grid, each with its own y axis, in one SVG. */
export function smallMultiples(o: SmallMultiplesOptions): string {
  const columns = Math.max(1, Math.min(o.columns ?? 2, o.panels.length || 1));
  const rows = Math.max(1, Math.ceil(o.panels.length / columns));
  const panelHeight = o.panelHeight ?? (rows === 1 ? CHART_HEIGHT : 200);
  const gap = 24;
  const inner = CHART_WIDTH - 16;
  const w = (inner - gap * (columns - 1)) / columns;
  const body = o.panels
    .map((p, i) => renderLinePanel(p, { x: 8 + (i % columns) * (w + gap), y: 4 + Math.floor(i / columns) * panelHeight, w, h: panelHeight - 8 }))
    .join("");
  return svgRoot({
    id: o.id,
    kind: o.kind ?? "chart-line",
    height: rows * panelHeight,
    title: o.title,
    desc: o.desc ?? o.panels.map(describePanel).join(" "),
    body,
  });
}

export interface TrendChartOptions {
  id: string;
  title?: string;
  points: { label: string; nps: number | null; qoe: number | null }[];
}

/**
 * NPS (on -100..100, with the zero line) and quality of experience (on 0..100) per period,
 * as two small charts side by side, each on its own axis.
 */
export function trendChart(o: TrendChartOptions): string {
  const labels = o.points.map((p) => p.label);
  const fmt = (n: number) => formatNumber(n, 1);
  return smallMultiples({
    id: o.id,
    kind: "chart-trend",
    title: o.title ?? "Net Promoter Score and quality of experience per period",
    panels: [
      {
        title: "Net Promoter Score",
        unit: "−100 to 100",
        labels,
        series: [{ name: "NPS", values: o.points.map((p) => p.nps) }],
        domain: [-100, 100],
        referenceLine: 0,
        format: (n) => formatSigned(n, 1),
      },
      {
        title: "Quality of experience",
        unit: "0 to 100",
        labels,
        series: [{ name: "QoE", values: o.points.map((p) => p.qoe), color: INK }],
        domain: [0, 100],
        format: fmt,
      },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Bar charts
// ---------------------------------------------------------------------------------------------

export interface FunnelStage {
  name: string;
  /** Null: hidden (a group smaller than the threshold), drawn as a hatched bar. */
  value: number | null;
  /** A second, smaller line under the name (e.g. "impact in use"). */
  note?: string | null;
}

export interface FunnelChartOptions {
  id: string;
  title: string;
  desc?: string;
  stages: FunnelStage[];
  /** The suppression threshold k: hidden bars read "hidden (fewer than k)". */
  threshold: number;
  orientation?: "horizontal" | "vertical";
  /** Adds "n% of previous" after each value (default true). */
  showConversion?: boolean;
  emptyText?: string;
  /** Drawn instead of bars when every stage holds no one (all zero, none hidden): no axis of 0 to 1. */
  zeroText?: string;
}

function suppressedText(k: number): string {
  return `hidden (fewer than ${formatNumber(k, 0)})`;
}

function conversion(stages: FunnelStage[], i: number): string | null {
  if (i === 0) return null;
  const prev = stages[i - 1].value;
  const cur = stages[i].value;
  if (!isNum(prev) || !isNum(cur) || prev <= 0) return null;
  return `${formatNumber((cur / prev) * 100, 0)}% of previous`;
}

/** A funnel: people per stage as bars; a hidden (suppressed) value is a hatched, labelled bar. */
export function funnelChart(o: FunnelChartOptions): string {
  const id = safeId(o.id);
  const hatch = `${id}-hatch`;
  const stages = o.stages;
  const values = stages.map((s) => s.value).filter(isNum);
  const anyHidden = stages.some((s) => !isNum(s.value));
  const k = Math.max(0, o.threshold);
  const ticks = niceTicks(0, Math.max(1, ...values, anyHidden ? k : 0));
  const max = ticks[ticks.length - 1];
  const tickLabels = formatTicks(ticks);
  const showConversion = o.showConversion ?? true;
  const desc =
    o.desc ??
    (stages.length === 0
      ? `${o.title}: no stages.`
      : `${o.title}. ${stages
          .map((s, i) => {
            const c = showConversion ? conversion(stages, i) : null;
            return `${s.name}: ${isNum(s.value) ? formatNumber(s.value) : suppressedText(k)}${c ? ` (${c})` : ""}`;
          })
          .join("; ")}.`);
  const parts: string[] = [];

  if (stages.length === 0) {
    parts.push(text(CHART_WIDTH / 2, 60, o.emptyText ?? "No stages", `text-anchor="middle" fill="${MUTED}" font-style="italic"`));
    return svgRoot({ id: o.id, kind: "chart-funnel", height: 120, title: o.title, desc, body: parts.join("") });
  }
  if (!anyHidden && values.every((v) => v === 0)) {
    const zero = o.zeroText ?? "No one in any stage";
    parts.push(text(CHART_WIDTH / 2, 60, zero, `text-anchor="middle" fill="${MUTED}" font-style="italic"`));
    return svgRoot({ id: o.id, kind: "chart-funnel", height: 120, title: o.title, desc: o.desc ?? `${o.title}: ${zero.toLowerCase()}.`, body: parts.join("") });
  }

  const valueText = (s: FunnelStage, i: number) => {
    const c = showConversion ? conversion(stages, i) : null;
    return { main: isNum(s.value) ? formatNumber(s.value) : suppressedText(k), extra: c };
  };

  if ((o.orientation ?? "horizontal") === "horizontal") {
    const hasNotes = stages.some((s) => s.note);
    const rowH = hasNotes ? 34 : 28;
    const barH = 16;
    const top = 10;
    const nameW = 168;
    const x0 = nameW + 12;
    const barMax = CHART_WIDTH - x0 - 170;
    const bottom = top + stages.length * rowH;
    const height = Math.max(CHART_HEIGHT * 0.6, bottom + 26);
    const xAt = (v: number) => x0 + (Math.max(0, v) / max) * barMax;
    ticks.forEach((t, i) => {
      parts.push(`<line x1="${num(xAt(t))}" y1="${top - 4}" x2="${num(xAt(t))}" y2="${num(bottom)}" stroke="${GRID}" stroke-width="0.8"/>`);
      parts.push(text(xAt(t), bottom + 14, tickLabels[i], `text-anchor="middle" font-size="${SMALL}" fill="${MUTED}"`));
    });
    stages.forEach((s, i) => {
      const yMid = top + i * rowH + rowH / 2;
      const barY = yMid - barH / 2;
      const g: string[] = [];
      const nameY = s.note ? yMid - 2 : yMid + 4;
      g.push(text(nameW, nameY, truncate(s.name, Math.floor(nameW / (FONT * GLYPH))), `text-anchor="end" fill="${INK}"`));
      if (s.note) g.push(text(nameW, nameY + 12, truncate(s.note, Math.floor(nameW / (SMALL * GLYPH))), `text-anchor="end" font-size="${SMALL}" fill="${MUTED}" font-style="italic"`));
      const v = valueText(s, i);
      if (isNum(s.value)) {
        const w = Math.max(s.value > 0 ? 1.5 : 0, xAt(s.value) - x0);
        g.push(`<rect x="${x0}" y="${num(barY)}" width="${num(w)}" height="${barH}" fill="${DARK}"/>`);
        g.push(
          `<text x="${num(x0 + w + 6)}" y="${num(yMid + 4)}" fill="${INK}">${escapeXml(v.main)}` +
            (v.extra ? `<tspan fill="${MUTED}" font-size="${SMALL}">${escapeXml(`  ${v.extra}`)}</tspan>` : "") +
            `</text>`,
        );
        parts.push(`<g class="bar"><title>${escapeXml(`${s.name}: ${v.main}`)}</title>${g.join("")}</g>`);
      } else {
        const w = Math.max(24, xAt(k) - x0);
        g.push(`<rect x="${x0}" y="${num(barY)}" width="${num(w)}" height="${barH}" fill="url(#${hatch})" stroke="${MUTED}" stroke-width="1" stroke-dasharray="3 2"/>`);
        g.push(text(x0 + w + 6, yMid + 4, v.main, `class="suppressed-label" fill="${INK}" font-style="italic"`));
        parts.push(`<g class="bar bar-suppressed"><title>${escapeXml(`${s.name}: ${v.main}`)}</title>${g.join("")}</g>`);
      }
    });
    parts.push(`<line x1="${x0}" y1="${top - 4}" x2="${x0}" y2="${num(bottom)}" stroke="${AXIS}" stroke-width="1"/>`);
    return svgRoot({ id: o.id, kind: "chart-funnel", height, title: o.title, desc, defs: anyHidden ? hatchPattern(hatch) : undefined, body: parts.join("") });
  }

  // Vertical: bars side by side, names under them.
  const height = CHART_HEIGHT;
  const labelW = Math.max(...tickLabels.map((l) => textWidth(l, SMALL))) + 8;
  const left = 8 + Math.max(24, labelW);
  const right = CHART_WIDTH - 8;
  const top = 34;
  const hasNotes = stages.some((s) => s.note);
  const bottom = height - (hasNotes ? 46 : 34);
  const band = (right - left) / stages.length;
  const barW = Math.min(64, band * 0.6);
  const yAt = (v: number) => bottom - (Math.max(0, v) / max) * (bottom - top);
  const maxChars = Math.max(3, Math.floor((band - 4) / (SMALL * GLYPH)));
  ticks.forEach((t, i) => {
    parts.push(`<line x1="${num(left)}" y1="${num(yAt(t))}" x2="${num(right)}" y2="${num(yAt(t))}" stroke="${GRID}" stroke-width="0.8"/>`);
    parts.push(text(left - 6, yAt(t) + 3.5, tickLabels[i], `text-anchor="end" font-size="${SMALL}" fill="${MUTED}"`));
  });
  stages.forEach((s, i) => {
    const cx = left + (i + 0.5) * band;
    const g: string[] = [];
    const v = valueText(s, i);
    g.push(text(cx, bottom + 15, truncate(s.name, maxChars), `text-anchor="middle" font-size="${SMALL}" fill="${INK}"`));
    if (s.note) g.push(text(cx, bottom + 27, truncate(s.note, maxChars), `text-anchor="middle" font-size="${SMALL - 1}" fill="${MUTED}" font-style="italic"`));
    if (isNum(s.value)) {
      const y = yAt(s.value);
      g.push(`<rect x="${num(cx - barW / 2)}" y="${num(y)}" width="${num(barW)}" height="${num(Math.max(s.value > 0 ? 1.5 : 0, bottom - y))}" fill="${DARK}"/>`);
      g.push(text(cx, y - (v.extra ? 16 : 5), v.main, `text-anchor="middle" fill="${INK}"`));
      if (v.extra) g.push(text(cx, y - 5, truncate(v.extra.replace(" of previous", ""), maxChars), `text-anchor="middle" font-size="${SMALL - 1}" fill="${MUTED}"`));
      parts.push(`<g class="bar"><title>${escapeXml(`${s.name}: ${v.main}${v.extra ? ` (${v.extra})` : ""}`)}</title>${g.join("")}</g>`);
    } else {
      const y = Math.min(bottom - 12, yAt(k));
      g.push(`<rect x="${num(cx - barW / 2)}" y="${num(y)}" width="${num(barW)}" height="${num(bottom - y)}" fill="url(#${hatch})" stroke="${MUTED}" stroke-width="1" stroke-dasharray="3 2"/>`);
      g.push(
        `<text class="suppressed-label" x="${num(cx)}" y="${num(y - 16)}" text-anchor="middle" font-size="${SMALL}" fill="${INK}" font-style="italic">` +
          `<tspan x="${num(cx)}" dy="0">hidden</tspan><tspan x="${num(cx)}" dy="11">${escapeXml(`(fewer than ${formatNumber(k, 0)})`)}</tspan></text>`,
      );
      parts.push(`<g class="bar bar-suppressed"><title>${escapeXml(`${s.name}: ${v.main}`)}</title>${g.join("")}</g>`);
    }
  });
  parts.push(`<line x1="${num(left)}" y1="${num(bottom)}" x2="${num(right)}" y2="${num(bottom)}" stroke="${AXIS}" stroke-width="1"/>`);
  return svgRoot({ id: o.id, kind: "chart-funnel", height, title: o.title, desc, defs: anyHidden ? hatchPattern(hatch) : undefined, body: parts.join("") });
}

export interface ImpactGroup {
  name: string;
  /** A heading drawn above the first group of each section (e.g. "At sale", "In use"). */
  section?: string;
  current: number | null;
  comparison: number | null;
  /** Said instead of the comparison bar (e.g. "no data for the comparison period"); wins over a value. */
  comparisonNote?: string;
  format?: (n: number) => string;
}

export interface ImpactChartOptions {
  id: string;
  title: string;
  desc?: string;
  currentLabel: string;
  comparisonLabel: string;
  groups: ImpactGroup[];
  /**
   * "per-group" (default): each measure on its own scale (money, people and units do not share
   * one axis); bars compare the two periods within a measure. "shared": one scale for all.
   */
  scale?: "per-group" | "shared";
  /** Shown instead of a bar for a null value. */
  nullLabel?: string;
  /**
   * The comparison period holds no data at all: said once, in the legend's place for it, and
   * only the current period's bars are drawn (no empty bars, no changes against zero).
   */
  comparisonEmpty?: string;
}

/** Grouped bars: each measure for the current period (solid) and the comparison period (outlined). */
export function impactChart(o: ImpactChartOptions): string {
  const scale = o.scale ?? "per-group";
  const nullLabel = o.nullLabel ?? "not available";
  const empty = o.comparisonEmpty;
  const legendY = 16;
  const sectionH = 22;
  const rowH = empty ? 24 : 38;
  const barH = 12;
  const nameW = 168;
  const x0 = nameW + 12;
  const barMax = CHART_WIDTH - x0 - 150;
  const parts: string[] = [];

  // Legend: solid = current, outlined light = comparison.
  let lx = 8;
  for (const [label, current] of [
    [o.currentLabel, true],
    [o.comparisonLabel, false],
  ] as const) {
    if (!current && empty) {
      // On a line of its own, under the current period's key: it is a sentence, not a key.
      const said = truncate(`${label}: ${empty}`, Math.floor((CHART_WIDTH - 16) / (SMALL * GLYPH)));
      parts.push(text(8, legendY + 15, said, `class="comparison-empty" font-size="${SMALL}" fill="${INK}" font-style="italic"`));
      break;
    }
    parts.push(`<rect x="${lx}" y="${legendY - 9}" width="14" height="10" fill="${current ? DARK : LIGHT}" stroke="${DARK}" stroke-width="1"/>`);
    const shown = truncate(label, 40);
    parts.push(text(lx + 20, legendY, shown, `font-size="${SMALL}" fill="${INK}"`));
    lx += 20 + textWidth(shown, SMALL) + 22;
  }

  /** The comparison value drawn for a group: none when the period is empty or a note replaces it. */
  const drawnComparison = (g: ImpactGroup) => (empty || g.comparisonNote ? null : g.comparison);
  const sharedMax = Math.max(0, ...o.groups.flatMap((g) => [g.current, drawnComparison(g)]).filter(isNum));
  let y = legendY + (empty ? 29 : 14);
  let section: string | undefined;
  const descParts: string[] = [];
  for (const g of o.groups) {
    if (g.section && g.section !== section) {
      section = g.section;
      y += 6;
      parts.push(text(8, y + 12, g.section, `font-weight="700" fill="${INK}"`));
      parts.push(`<line x1="8" y1="${num(y + sectionH - 4)}" x2="${CHART_WIDTH - 8}" y2="${num(y + sectionH - 4)}" stroke="${GRID}" stroke-width="0.8"/>`);
      y += sectionH;
    }
    const fmt = g.format ?? ((n: number) => formatNumber(n));
    const max = scale === "shared" ? sharedMax : Math.max(0, ...[g.current, drawnComparison(g)].filter(isNum));
    const rows: string[] = [];
    rows.push(text(nameW, y + rowH / 2 + 4, truncate(g.name, Math.floor(nameW / (FONT * GLYPH))), `text-anchor="end" fill="${INK}"`));
    const bars: [number | null, boolean][] = empty ? [[g.current, true]] : [
      [g.current, true],
      [g.comparison, false],
    ];
    bars.forEach(([v, current], j) => {
      const by = y + 5 + j * (barH + 3);
      if (!current && g.comparisonNote) {
        rows.push(text(x0 + 4, by + barH - 2, g.comparisonNote, `class="comparison-empty" font-size="${SMALL}" fill="${MUTED}" font-style="italic"`));
        return;
      }
      if (!isNum(v)) {
        rows.push(text(x0 + 4, by + barH - 2, nullLabel, `font-size="${SMALL}" fill="${MUTED}" font-style="italic"`));
        return;
      }
      if (empty) {
        // Nothing to compare with: each measure on its own scale would be a full bar; the value says it.
        rows.push(text(x0 + 4, by + barH - 2, fmt(v), `font-weight="600" fill="${INK}"`));
        return;
      }
      const w = max > 0 ? (Math.max(0, v) / max) * barMax : 0;
      const drawn = Math.max(v > 0 ? 1.5 : 0, w);
      rows.push(`<rect x="${x0}" y="${num(by)}" width="${num(drawn)}" height="${barH}" fill="${current ? DARK : LIGHT}" stroke="${DARK}" stroke-width="1"/>`);
      rows.push(text(x0 + drawn + 6, by + barH - 2, fmt(v), `font-size="${SMALL}" fill="${current ? INK : MUTED}"${current ? ' font-weight="600"' : ""}`));
    });
    parts.push(`<g class="group">${rows.join("")}</g>`);
    const against = empty ? "" : ` against ${g.comparisonNote ?? (isNum(g.comparison) ? fmt(g.comparison) : nullLabel)}`;
    descParts.push(`${g.section ? `${g.section}, ` : ""}${g.name}: ${isNum(g.current) ? fmt(g.current) : nullLabel}${against}`);
    y += rowH;
  }
  if (o.groups.length === 0) {
    parts.push(text(CHART_WIDTH / 2, y + 30, "No measures", `text-anchor="middle" fill="${MUTED}" font-style="italic"`));
    y += 50;
  }
  if (scale === "per-group" && o.groups.length > 1 && !empty) {
    y += 8;
    parts.push(text(8, y + 6, "Each measure is drawn on its own scale: compare the two bars of a measure, not bars of different measures.", `font-size="${SMALL - 1}" fill="${MUTED}"`));
    y += 10;
  }
  const desc = o.desc ?? `${o.title}. ${empty ? `${o.currentLabel}; ${o.comparisonLabel}: ${empty}` : `${o.currentLabel} against ${o.comparisonLabel}`}. ${descParts.join("; ")}.`;
  return svgRoot({ id: o.id, kind: "chart-impact", height: Math.max(CHART_HEIGHT * 0.5, y + 8), title: o.title, desc, body: parts.join("") });
}

/** One step of an impact chain as drawn: `group` scales bars (money against money, units against units, people against people). */
export interface ChainChartStep {
  name: string;
  /** Null: hidden (fewer people than the threshold), drawn as a hatched bar. */
  value: number | null;
  /** The value as written (exact decimals, the unit). */
  display: string;
  /** The conversion from the step it is taken over, in words; drawn under the name. */
  conversion: string | null;
  group: "money" | "units" | "people";
}

export interface ChainChartOptions {
  id: string;
  title: string;
  steps: ChainChartStep[];
  threshold: number;
  /** The chart's class: an impact chain (default), or another list of labelled bars drawn the same way (value per customer). */
  kind?: "chart-chain" | "chart-value";
}

/**
 * An impact chain: one bar per step, from money to outcome, each with its conversion from the step
 * before under its bar. Bars are scaled within their kind (money, units, people), so that a bar
 * compares with the bars of its own kind only; a hidden step is a hatched, labelled bar.
 */
export function chainChart(o: ChainChartOptions): string {
  const id = safeId(o.id);
  const hatch = `${id}-hatch`;
  const k = Math.max(0, o.threshold);
  const maxOf = new Map<string, number>();
  for (const s of o.steps) if (isNum(s.value)) maxOf.set(s.group, Math.max(maxOf.get(s.group) ?? 0, s.value));
  const anyHidden = o.steps.some((s) => !isNum(s.value));
  const rowH = 36;
  const barH = 14;
  const top = 8;
  const nameW = 200;
  const x0 = nameW + 12;
  const barMax = CHART_WIDTH - x0 - 150;
  const height = top + o.steps.length * rowH + 8;
  const desc = `${o.title}. ${o.steps.map((s) => `${s.name}: ${isNum(s.value) ? s.display : suppressedText(k)}${s.conversion ? ` (${s.conversion})` : ""}`).join("; ")}.`;
  const parts: string[] = [];
  o.steps.forEach((s, i) => {
    const yMid = top + i * rowH + rowH / 2;
    const barY = yMid - barH / 2 - 4;
    const g: string[] = [];
    g.push(text(nameW, barY + barH - 3, truncate(s.name, Math.floor(nameW / (FONT * GLYPH))), `text-anchor="end" fill="${INK}"`));
    if (s.conversion) g.push(text(x0, barY + barH + 11, truncate(s.conversion, Math.floor((CHART_WIDTH - x0 - 8) / (SMALL * GLYPH))), `font-size="${SMALL}" fill="${MUTED}" font-style="italic"`));
    if (isNum(s.value)) {
      const max = maxOf.get(s.group) ?? 0;
      const w = max > 0 ? Math.max(s.value > 0 ? 1.5 : 0, (s.value / max) * barMax) : 0;
      g.push(`<rect x="${x0}" y="${num(barY)}" width="${num(w)}" height="${barH}" fill="${DARK}"/>`);
      g.push(text(x0 + w + 6, barY + barH - 3, s.display, `fill="${INK}"`));
      parts.push(`<g class="bar"><title>${escapeXml(`${s.name}: ${s.display}`)}</title>${g.join("")}</g>`);
    } else {
      const w = 24;
      g.push(`<rect x="${x0}" y="${num(barY)}" width="${w}" height="${barH}" fill="url(#${hatch})" stroke="${MUTED}" stroke-width="1" stroke-dasharray="3 2"/>`);
      g.push(text(x0 + w + 6, barY + barH - 3, suppressedText(k), `class="suppressed-label" fill="${INK}" font-style="italic"`));
      parts.push(`<g class="bar bar-suppressed"><title>${escapeXml(`${s.name}: ${suppressedText(k)}`)}</title>${g.join("")}</g>`);
    }
  });
  parts.push(`<line x1="${x0}" y1="${top}" x2="${x0}" y2="${num(height - 8)}" stroke="${AXIS}" stroke-width="1"/>`);
  return svgRoot({ id: o.id, kind: o.kind ?? "chart-chain", height, title: o.title, desc, defs: anyHidden ? hatchPattern(hatch) : undefined, body: parts.join("") });
}
