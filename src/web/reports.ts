import { Route, RouteContext } from "./routes";
import { periodFromUrl, withCaller } from "./request";
import { QoePartSummary, ReportPageData } from "./report-data";
import { MONTHS, renderReportPage } from "./report-page";
import { reportSessionRoutes } from "./report-session";
import type { ReportSessions } from "./session-token";
import { renderReportListPage, SIGN_IN_CSP } from "./sign-in-page";
import { Context } from "../context";
import { ROLES } from "../common/access";
import { BadInputError } from "../common/errors";
import { decodeGlobalId, organizationGlobalId } from "../common/global-ids";
import { Interval, StakeholderKind } from "../common/enums";
import { assertId, assertPeriod } from "../common/validation";
import { buckets } from "../modules/impact/impact.service";
import { QoeGroupBy, QoePerspectiveScore } from "../modules/qoe/qoe.types";
import { npsOf } from "../modules/feedback/feedback.service";

const IMPACT_MODEL_WORDS: Record<string, string> = {
  CUSTOMER_IS_BENEFICIARY: "The customer is the beneficiary: impact happens in use",
  CUSTOMER_FUNDS_BENEFICIARY: "The customer's purchase funds a beneficiary: impact is created at the point of sale",
  HYBRID: "Both: customers who benefit, and purchases that fund beneficiaries",
};

const NPS_GROUP_WORDS: Record<string, string> = { PROMOTER: "Promoters", PASSIVE: "Passives", DETRACTOR: "Detractors", NOT_ASKED: "Never asked" };

/** What a perspective's QoE was made of: its components, present, missing or hidden. */
function qoeParts(score: QoePerspectiveScore | null): QoePartSummary[] {
  return (score?.components ?? []).map((c) => ({ kind: c.kind, missing: c.missing, hidden: c.suppressed }));
}

function label(from: Date): string {
  return `${MONTHS[from.getUTCMonth()]} ${from.getUTCFullYear()}`;
}

/**
 * Everything the printable report draws, from the same services as the API (so the
 * same numbers and the same suppression). Monthly series and trends.
 */
export async function buildReportPageData(ctx: Context, organizationId: string, from: Date, to: Date): Promise<ReportPageData> {
  const org = assertId(organizationId, "organizationId");
  ctx.access.require(org, ROLES.aggregates);
  assertPeriod(from, to);
  const months = buckets(from, to, Interval.MONTH);
  if (months.length > 36) throw new BadInputError("to", "a printable report covers at most 36 months");
  const report = await ctx.services.reports.report(org, from, to, null, true);
  const [qoeTrend, funnels, npsRows] = await Promise.all([
    ctx.services.qoe.compute(org, from, to, QoeGroupBy.PERIOD, Interval.MONTH),
    Promise.all([StakeholderKind.CUSTOMER, StakeholderKind.BENEFICIARY].map((kind) => ctx.services.lifecycles.funnel(org, kind, from, to))),
    ctx.requestDb.em.query(
      `SELECT b.i, count(*) FILTER (WHERE r.nps >= 9)::int AS p, count(*) FILTER (WHERE r.nps BETWEEN 7 AND 8)::int AS pa,
              count(*) FILTER (WHERE r.nps <= 6)::int AS d, count(DISTINCT r.stakeholder_id)::int AS people
         FROM feedback_responses r JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b(bf, bt, i) ON r.collected_at >= b.bf AND r.collected_at < b.bt
        WHERE r.organization_id = $1 AND r.nps IS NOT NULL GROUP BY b.i`,
      [org, months.map((m) => m.from), months.map((m) => m.to)],
    ),
  ]);
  // The report knows whether the caller's numbers are suppressed, and the threshold.
  const { applied: suppressed, threshold: k } = report.suppression;
  // A funder's monthly NPS is the nps view's for that month (its counts adjusted, the same cells), so the page agrees with the API.
  const funderTrend = suppressed ? await Promise.all(months.map((m) => ctx.services.feedback.nps(org, m.from, m.to, undefined))) : null;
  const npsByMonth = new Map<number, { p: number; pa: number; d: number; people: number }>(npsRows.map((r: Record<string, number>) => [Number(r.i), r]));
  const series = await Promise.all(report.metrics.map((m) => ctx.services.impact.metricSeries(m.metric, from, to, Interval.MONTH)));
  const sale = report.impactAtSale.totals;
  const prev = report.previousImpactAtSale;
  const customerNps = report.customerExperience.nps;
  const beneficiaryNps = report.beneficiaryExperience.nps;
  return {
    organization: { id: organizationGlobalId(report.organization.id), name: report.organization.name, impactModel: IMPACT_MODEL_WORDS[report.organization.impactModel] ?? report.organization.impactModel, currency: report.organization.currency.trim() },
    period: { from: from.toISOString(), to: to.toISOString() },
    comparison: { from: report.comparison.from.toISOString(), to: report.comparison.to.toISOString() },
    generatedAt: report.generatedAt.toISOString(),
    suppressionApplied: suppressed,
    threshold: k,
    perturbationMaximum: report.suppression.perturbationMaximum ?? null,
    narrative: report.narrative ? { text: report.narrative.text, version: report.narrative.version, updatedAt: new Date(report.narrative.createdAt).toISOString() } : null,
    impact: {
      // The exact figures, as the CSV and JSON downloads give them (see ReportPageData).
      atSale: { sales: sale.sales, revenue: sale.revenue.amount, contribution: sale.contribution.amount, unitsGiven: sale.unitsGiven, beneficiariesFunded: sale.beneficiariesFundedExact },
      atSalePrevious: { sales: prev.sales, revenue: prev.revenue.amount, contribution: prev.contribution.amount, unitsGiven: prev.unitsGiven, beneficiariesFunded: prev.beneficiariesFundedExact },
      inUse: { stakeholdersInUse: report.impactInUse.stakeholdersInUse, previous: report.previousStakeholdersInUse },
    },
    metrics: report.metrics.map((m, i) => ({
      name: m.metric.name,
      category: m.metric.category as "KPI" | "SOCIAL",
      unit: m.metric.unit,
      unitLabel: m.metric.unitLabel,
      catalogueCode: m.metric.catalogueCode,
      estimationNote: m.metric.estimationNote,
      direction: m.metric.direction as "HIGHER_IS_BETTER" | "LOWER_IS_BETTER",
      baseline: m.baseline,
      target: m.target,
      actual: m.actual,
      attainment: m.attainment,
      series: series[i].points.map((p) => ({
        label: label(p.from),
        from: p.from.toISOString(),
        to: p.to.toISOString(),
        actual: p.actual === null ? null : Number(p.actual),
        target: p.target === null ? null : Number(p.target),
        hidden: p.suppressed,
      })),
    })),
    trend: months.map((m, i) => {
      const n = npsByMonth.get(i + 1);
      const hidden = suppressed && n !== undefined && n.people < k;
      const group = qoeTrend.groups[i];
      return {
        label: label(m.from),
        from: m.from.toISOString(),
        to: m.to.toISOString(),
        nps: funderTrend ? funderTrend[i].score : !n || hidden ? null : npsOf(n.p, n.pa, n.d).score,
        qoe: group?.score ?? null,
      };
    }),
    experience: {
      customer: { qoe: report.customerExperience.qoe?.score ?? null, qoeParts: qoeParts(report.customerExperience.qoe), nps: customerNps.score, npsSample: customerNps.sampleSize, npsMargin: customerNps.marginOfError95 },
      beneficiary: { qoe: report.beneficiaryExperience.qoe?.score ?? null, qoeParts: qoeParts(report.beneficiaryExperience.qoe), nps: beneficiaryNps.score, npsSample: beneficiaryNps.sampleSize, npsMargin: beneficiaryNps.marginOfError95 },
      loopsOnTimeRate: report.loops.onTimeRate,
      loopsDue: report.loops.due,
    },
    funnels: funnels.map((f) => ({
      kind: f.kind as "CUSTOMER" | "BENEFICIARY",
      stages: f.stages.map((s) => ({ name: s.stage.name, entered: s.entered, inStageAtEnd: s.inStageAtEnd, impactMode: s.stage.impactMode })),
    })),
    chains: report.impactChain.map((c) => ({
      programme: c.programme.name,
      backlog: c.backlog,
      unit: c.programme.unitOfDelivery ?? "unit",
      steps: c.steps.map((st) => ({
        label: st.label,
        value: st.value === null ? null : Number(st.value),
        exact: st.money ? st.money.amount : st.value,
        unit: st.unit,
        conversion: st.conversionText,
        group: st.money ? "money" : st.unit === "people" ? "people" : "units",
      })),
      experience: { score: c.experience.score, hidden: c.experience.suppressed },
    })),
    experienceValue: {
      formula: report.experienceValue!.formula,
      currency: report.organization.currency.trim(),
      revenueAtRisk: report.experienceValue!.revenueAtRisk?.amount ?? null,
      groups: report.experienceValue!.byNpsClass.map((g) => ({
        label: NPS_GROUP_WORDS[g.npsClass ?? ""] ?? String(g.npsClass),
        customers: g.customers,
        lifetimeValue: g.lifetimeValue?.amount ?? null,
        repeatRate: g.repeatPurchase?.value ?? null,
        retention: g.retention?.value ?? null,
        hidden: g.suppressed,
      })),
    },
    notes: report.notes.map((n) => ({
      section: n.section,
      item: n.item,
      kind: n.kind as "SUPPRESSED" | "MISSING" | "ADJUSTED",
      // The downloads give changes against that zero; the page shows none (see report-page.ts).
      reason: n.section === "Impact at sale" && n.item === "comparison period" && n.kind === "MISSING" ? "no sale recorded in the comparison period: no change is shown against it" : n.reason,
    })),
  };
}

/** The organization in the page's path (its global id, percent-decoded, a trailing slash allowed), or "" for none. */
function pathId(raw: string): string {
  let given: string;
  try {
    given = decodeURIComponent(raw).replace(/\/$/, "");
  } catch {
    throw new BadInputError("organizationId", "organizationId is not an ID of an Organization");
  }
  return given === "" ? "" : decodeGlobalId(given, "organizationId", ["Organization"]).organizationId;
}

/** The organizations whose report the caller may read (roles that read aggregates), by name, with their global ids. */
async function readableOrganizations(ctx: Context): Promise<{ id: string; name: string }[]> {
  const ids = ctx.access.organizationIds.filter((id) => (ROLES.aggregates as readonly string[]).includes(ctx.access.roleIn(id) ?? ""));
  if (!ids.length) return [];
  const rows: { id: string; name: string }[] = await ctx.requestDb.em.query(`SELECT id, name FROM organizations WHERE id = ANY($1::uuid[]) ORDER BY name, id`, [ids]);
  return rows.map((r) => ({ id: organizationGlobalId(r.id), name: r.name }));
}

/**
 * GET /reports/{organizationId}?from=...&to=... : the printable report (A4), for the caller's key;
 * GET /reports/ : the list of reports the key may read; and the browser sign-in
 * (src/web/report-session.ts), whose routes come first as they share the prefix.
 * `sessions` signs and checks the sign-in's session tokens: give exportRoutes() the
 * same one, so that the downloads take the cookie too.
 */
export function reportRoutes(options: { sessions: ReportSessions; signInAttemptsPerMinute?: number; clock?: () => number }): Route[] {
  const { sessions } = options;
  return [
    ...reportSessionRoutes({ sessions, attemptsPerMinute: options.signInAttemptsPerMinute, clock: options.clock }),
    {
      method: "GET",
      path: "/reports/",
      handle: (req, res, rc: RouteContext) =>
        withCaller(rc, req, res, async (ctx, auth) => {
          const org = pathId(rc.url.pathname.slice("/reports/".length));
          if (org === "") {
            const html = renderReportListPage({ organizations: await readableOrganizations(ctx), signedIn: auth.fromCookie });
            res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-security-policy": SIGN_IN_CSP, "x-content-type-options": "nosniff" });
            res.end(html);
            return;
          }
          const { from, to } = await periodFromUrl(ctx, org, rc.url);
          const html = renderReportPage({ ...(await buildReportPageData(ctx, org, from, to)), signedInWithCookie: auth.fromCookie });
          res.writeHead(200, {
            "content-type": "text/html; charset=utf-8",
            "cache-control": "no-store",
            "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            "x-frame-options": "DENY",
            "referrer-policy": "same-origin",
            "x-content-type-options": "nosniff",
          });
          res.end(html);
        }, sessions),
    },
  ];
}
