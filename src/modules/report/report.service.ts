import { perturb, PERTURBATION_NOTE } from "../../common/perturbation";
import { EntityManager } from "typeorm";
import { ImpactReport, Narrative, ReportCell, ReportDisaggregation, ReportMetric, ReportNote, ReportNoteKind, SetReportNarrativeInput } from "./report.types";
import { Organization } from "../organization/organization.entity";
import { Metric } from "../metric/metric.entity";
import { ImpactService } from "../impact/impact.service";
import { metricValues } from "../impact/metric-values";
import { QoeService } from "../qoe/qoe.service";
import { ChainService } from "../chain/chain.service";
import { ValueService } from "../value/value.service";
import { QoeGroupBy, QoePerspective } from "../qoe/qoe.types";
import { FeedbackService } from "../feedback/feedback.service";
import { LoopSuppressionReason, ownerActionCounts, suppressActions } from "../action/action.service";
import { Dimension, DIMENSION_COLUMN } from "../lifecycle/funnel.types";
import { ROLES } from "../../common/access";
import { BadInputError, NotFoundError } from "../../common/errors";
import { ImpactMode, MetricCategory, StakeholderKind } from "../../common/enums";
import { fromFixed, toFixed } from "../../common/decimal";
import { suppressTable } from "../../common/suppression";
import { assertId, assertPeriod } from "../../common/validation";
import { hydrate, hydrateAll } from "../../database/rows";
import type { ServiceContext } from "../../context";

const REPORT_DIMENSIONS: Dimension[] = [Dimension.GENDER, Dimension.AGE_BAND, Dimension.REGION];
const NOT_RECORDED = "(not recorded)";

export class ReportService {
  constructor(private readonly sc: ServiceContext) {}

  private get em(): EntityManager {
    return this.sc.em;
  }

  async setNarrative(input: SetReportNarrativeInput): Promise<Narrative> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.staff);
    assertPeriod(input.from, input.to);
    const text = input.text.replace(/\r\n/g, "\n").trim();
    if (!text) throw new BadInputError("text", "text must not be empty");
    return this.em.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`narrative:${org}:${input.from.toISOString()}:${input.to.toISOString()}`]);
      const [row] = await em.query(
        `INSERT INTO report_narratives (organization_id, period_from, period_to, version, text, author_key_id)
         SELECT $1, $2, $3, coalesce(max(version), 0) + 1, $4, $5 FROM report_narratives WHERE organization_id = $1 AND period_from = $2 AND period_to = $3
         RETURNING version, text, created_at`,
        [org, input.from, input.to, text, this.sc.access.keyId],
      );
      return { text: row.text, version: row.version, createdAt: row.created_at };
    });
  }

  async narratives(organizationId: string, from: Date, to: Date): Promise<Narrative[]> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.aggregates);
    const rows = await this.em.query(
      `SELECT version, text, created_at FROM report_narratives WHERE organization_id = $1 AND period_from = $2 AND period_to = $3 ORDER BY version DESC LIMIT 100`,
      [org, from, to],
    );
    return rows.map((r: Record<string, any>) => ({ text: r.text, version: r.version, createdAt: r.created_at }));
  }

  /**
   * The funder report: composed from the same services as the views, so the
   * numbers and the suppression are the same as everywhere else. A fixed number of
   * SQL statements whatever the number of metrics, offerings or stages.
   */
  /**
   * `withExperienceValue`: compute the "what experience is worth" section here (the printable page and
   * the downloads, which always show it); GraphQL computes it only when the field is asked for
   * (ReportFieldResolver), as it costs seconds on a large organization.
   */
  async report(organizationId: string, from: Date, to: Date, compareTo?: { from: Date; to: Date } | null, withExperienceValue = false): Promise<ImpactReport> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.aggregates);
    assertPeriod(from, to);
    const comparison = compareTo ?? { from: new Date(from.getTime() - (to.getTime() - from.getTime())), to: from };
    if (compareTo) {
      try {
        assertPeriod(compareTo.from, compareTo.to);
      } catch {
        throw new BadInputError("compareTo", "compareTo must be a period with from before to");
      }
    }
    const impact = new ImpactService(this.sc);
    const periods = [{ from, to }, comparison];
    // Load: everything the sections share is read once, for both periods together.
    const [[orgRow], metricRows] = await Promise.all([
      this.em.query(`SELECT * FROM organizations WHERE id = $1`, [org]),
      this.em.query(`SELECT m.*, row_number() OVER (ORDER BY m.created_at, m.id) AS __by_time FROM metrics m WHERE m.organization_id = $1 ORDER BY m.category, m.created_at, m.id`, [
        org,
      ]),
    ]);
    const info = impact.orgInfo(org, orgRow);
    const organization = hydrate(this.em, Organization, orgRow);
    const all = hydrateAll(this.em, Metric, metricRows);
    const byTime = all.map((m, i) => ({ m, t: Number(metricRows[i].__by_time) })).sort((x, y) => x.t - y.t).map((x) => x.m);
    const atSaleMetrics = byTime.filter((m) => m.category === MetricCategory.SOCIAL && m.impactMode === ImpactMode.AT_SALE);
    const inUseMetrics = byTime.filter((m) => m.category === MetricCategory.SOCIAL && m.impactMode === ImpactMode.IN_USE);
    const metrics = all.filter((m) => m.reportable);
    const wanted = [...new Map([...atSaleMetrics, ...inUseMetrics, ...metrics].map((m) => [m.id, m])).values()];
    const [sales, offeringRows, useStageRows, inUseCounts, values, qoe, customerNps, beneficiaryNps, narrativeRows, loopRows, disaggRows, chain, experienceValue] = await Promise.all([
      impact.saleTotals(info, periods),
      impact.offeringRows(info, from, to),
      impact.inUseStageRows(info),
      impact.inUseCounts(info, periods),
      metricValues(this.em, org, wanted, periods),
      new QoeService(this.sc).compute(org, from, to, QoeGroupBy.NONE),
      new FeedbackService(this.sc).nps(org, from, to, { kind: StakeholderKind.CUSTOMER }),
      new FeedbackService(this.sc).nps(org, from, to, { kind: StakeholderKind.BENEFICIARY }),
      this.em.query(`SELECT version, text, created_at FROM report_narratives WHERE organization_id = $1 AND period_from = $2 AND period_to = $3 ORDER BY version DESC LIMIT 1`, [
        org,
        from,
        to,
      ]),
      ownerActionCounts(this.em, org, from, to),
      // People in IN_USE stages during the period (their stays overlap it), per dimension value;
      // for a funder with the sum of their record keys (each cell's key, src/common/perturbation.ts).
      info.suppress
        ? this.em.query(
            `WITH people AS (
               SELECT p.*, k.record_key AS rk FROM (
                 SELECT DISTINCT y.stakeholder_id, y.gender::text AS gender, y.age_band::text AS age_band, y.region
                   FROM stage_stays y
                  WHERE y.organization_id = $1 AND y.stage_id IN (SELECT id FROM stages WHERE organization_id = $1 AND impact_mode = 'IN_USE')
                    AND y.ended_at > $2 AND y.started_at < $3) p
               JOIN stakeholders k ON k.organization_id = $1 AND k.id = p.stakeholder_id
             )
             SELECT 'GENDER' AS dim, coalesce(gender, '${NOT_RECORDED}') AS value, count(*)::int AS n, sum(rk) AS keys FROM people GROUP BY 2
             UNION ALL SELECT 'AGE_BAND', coalesce(age_band, '${NOT_RECORDED}'), count(*)::int, sum(rk) FROM people GROUP BY 2
             UNION ALL SELECT 'REGION', coalesce(region, '${NOT_RECORDED}'), count(*)::int, sum(rk) FROM people GROUP BY 2
             ORDER BY 1, 2`,
            [org, from, to],
          )
        : this.em.query(
            `WITH people AS (
           SELECT DISTINCT y.stakeholder_id, y.gender::text AS gender, y.age_band::text AS age_band, y.region
             FROM stage_stays y
            WHERE y.organization_id = $1 AND y.stage_id IN (SELECT id FROM stages WHERE organization_id = $1 AND impact_mode = 'IN_USE')
              AND y.ended_at > $2 AND y.started_at < $3
         )
         SELECT 'GENDER' AS dim, coalesce(gender, '${NOT_RECORDED}') AS value, count(*)::int AS n FROM people GROUP BY 2
         UNION ALL SELECT 'AGE_BAND', coalesce(age_band, '${NOT_RECORDED}'), count(*)::int FROM people GROUP BY 2
         UNION ALL SELECT 'REGION', coalesce(region, '${NOT_RECORDED}'), count(*)::int FROM people GROUP BY 2
         ORDER BY 1, 2`,
            [org, from, to],
          ),
      new ChainService(this.sc).impactChain(org, null, from, to),
      withExperienceValue ? new ValueService(this.sc).customerValue(org, from, to) : Promise.resolve(null),
    ]);
    const atSale = impact.atSaleView(info, from, to, sales.total[0], sales.byOffering[0], offeringRows, atSaleMetrics, values);
    const inUse = impact.inUseView(info, from, to, useStageRows, inUseCounts, inUseMetrics, values);
    const previousAtSale = sales.total[1];
    const notes: ReportNote[] = [];
    const note = (section: string, item: string, kind: ReportNoteKind, reason: string) => notes.push({ section, item, kind, reason });
    const k = info.k;
    if (info.suppress) note("All sections", "counts of people", ReportNoteKind.ADJUSTED, `${PERTURBATION_NOTE} Largest adjustment here: ${info.maximum}.`);
    if (previousAtSale.sales === 0) note("Impact at sale", "comparison period", ReportNoteKind.MISSING, "no sale recorded in the comparison period: the changes are against zero");

    // Reportable metrics, this period and the comparison period.
    const reportMetrics: ReportMetric[] = metrics.map((m) => {
      const now = impact.result(m, values.get(m.id)![0], info);
      const before = impact.result(m, values.get(m.id)![1], info);
      if (now.suppressed) note("Metrics", m.name, ReportNoteKind.SUPPRESSED, `computed from fewer than ${k} people`);
      else if (now.actual === null) note("Metrics", m.name, ReportNoteKind.MISSING, "no observation in the period");
      if (now.target === null) note("Metrics", m.name, ReportNoteKind.MISSING, "no target for the period");
      return {
        metric: m,
        baseline: now.baseline,
        target: now.target,
        actual: now.actual,
        attainment: now.attainment,
        previousActual: before.actual,
        change: now.actual !== null && before.actual !== null ? fromFixed(toFixed(now.actual) - toFixed(before.actual)) : null,
        sampleSize: info.suppress && now.suppressed ? null : now.sampleSize,
        suppressed: now.suppressed,
      };
    });

    // Experience.
    const perspective = (p: QoePerspective) => qoe.overall.perspectives.find((x) => x.perspective === p) ?? null;
    for (const p of qoe.overall.perspectives) {
      if (qoe.overall.suppressed) continue;
      for (const c of p.components) {
        const item = `${p.perspective.toLowerCase()} ${c.kind.toLowerCase().replace(/_/g, " ")}`;
        if (c.suppressed) note("Experience", item, ReportNoteKind.SUPPRESSED, c.missing ? `hidden: it would reveal fewer than ${k} people` : `some parts hidden (they would reveal fewer than ${k} people); computed from the rest`);
        else if (c.missing) note("Experience", item, ReportNoteKind.MISSING, "no data in the period");
      }
    }
    if (qoe.overall.suppressed) note("Experience", "quality of experience", ReportNoteKind.SUPPRESSED, `fewer than ${k} people gave feedback`);
    for (const [label, n] of [
      ["customer NPS", customerNps],
      ["beneficiary NPS", beneficiaryNps],
    ] as const) {
      if (n.suppressed) note("Experience", label, ReportNoteKind.SUPPRESSED, `fewer than ${k} people answered`);
      else if (n.score === null) note("Experience", label, ReportNoteKind.MISSING, "no NPS answer in the period");
    }

    // Impact in use: suppressed stage counts.
    for (const s of inUse.stages) for (const f of s.suppressed) note("Impact in use", `${s.stage.name}: ${f}`, ReportNoteKind.SUPPRESSED, `fewer than ${k} stakeholders`);

    // Disaggregations, with complementary suppression against the shown total.
    const disaggregations: ReportDisaggregation[] = REPORT_DIMENSIONS.map((dimension) => {
      const rows = (disaggRows as { dim: string; value: string; n: number; keys?: string }[]).filter((r) => r.dim === dimension);
      const total = rows.reduce((s, r) => s + r.n, 0);
      let cells: ReportCell[] = rows.map((r) => ({ value: r.value, count: r.n, suppressed: false }));
      let shownTotal: number | null = total;
      if (info.suppress) {
        const table = suppressTable(
          rows.map((r, i) => ({ key: i, count: r.n })),
          total,
          k,
        );
        // Shown cells and the total adjusted, each by its own people's keys (the total is a cell of its own:
        // it may differ slightly from the sum of the cells shown).
        const adjust = (n: number | null, keys: bigint) => (n === null ? null : perturb(n, keys, info.maximum));
        cells = rows.map((r, i) => ({ value: r.value, count: adjust(table.cells[i].count, BigInt(r.keys ?? 0)), suppressed: table.cells[i].suppressed }));
        shownTotal = adjust(table.total, rows.reduce((sum, r) => sum + BigInt(r.keys ?? 0), 0n));
        for (const c of cells.filter((x) => x.suppressed)) {
          const reason = table.cells[cells.indexOf(c)].reason === "COMPLEMENTARY" ? "hidden so that the total cannot reveal a small group" : `fewer than ${k} stakeholders`;
          note("Disaggregation", `${DIMENSION_COLUMN[dimension]} = ${c.value}`, ReportNoteKind.SUPPRESSED, reason);
        }
        if (table.totalSuppressed) note("Disaggregation", `${DIMENSION_COLUMN[dimension]} total`, ReportNoteKind.SUPPRESSED, `fewer than ${k} stakeholders`);
      }
      return { subject: "Stakeholders in IN_USE stages during the period", dimension, total: shownTotal, cells };
    });

    // Loops: the organization's row of the same tables as actionSummary's owners, so that the two
    // together give no hidden count back.
    const loops = suppressActions(
      loopRows.map((r) => r.counts),
      info.suppress ? k : null,
    ).organization;
    // Below k and complementary share one wording on purpose: which hidden counts are the small
    // ones would narrow what they can be. The rate's reason is its own cause.
    const loopReason: Record<LoopSuppressionReason, string> = {
      BELOW_THRESHOLD: `fewer than ${k} actions, or would reveal such a count`,
      COMPLEMENTARY: `fewer than ${k} actions, or would reveal such a count`,
      DUE_HIDDEN: `hidden with due (fewer than ${k} actions were due, or the number would reveal such a count)`,
      CLOSED_ON_TIME_HIDDEN: "hidden with closedOnTime: with due shown, the rate would give closedOnTime back",
      REVEALS_SMALL_PART: `the loops closed on time, or the others, are fewer than ${k} actions`,
    };
    for (const field of loops.suppressed) note("Experience", `loops: ${field}`, ReportNoteKind.SUPPRESSED, loopReason[loops.reasons[field]]);

    // What experience is worth: its hidden groups.
    for (const g of experienceValue?.byNpsClass.filter((x) => x.suppressed) ?? []) note("What experience is worth", `customers: ${g.npsClass?.toLowerCase().replace("_", " ")}`, ReportNoteKind.SUPPRESSED, `fewer than ${k} customers, or would reveal such a group`);

    // The impact chain: its hidden steps.
    for (const c of chain.chains) for (const st of c.steps.filter((x) => x.suppressed)) note("Impact chain", `${c.programme.name}: ${st.label}`, ReportNoteKind.SUPPRESSED, `fewer than ${k} people`);
    return {
      organization,
      period: { from, to },
      comparison,
      generatedAt: new Date(),
      suppression: impact.suppressionInfo(info),
      narrative: narrativeRows[0] ? { text: narrativeRows[0].text, version: narrativeRows[0].version, createdAt: narrativeRows[0].created_at } : null,
      impactAtSale: atSale,
      previousImpactAtSale: previousAtSale,
      impactInUse: inUse,
      previousStakeholdersInUse: impact.people(info, inUseCounts.inUse[1], inUseCounts.keys?.inUse[1] ?? null),
      metrics: reportMetrics,
      customerExperience: { qoe: perspective(QoePerspective.CUSTOMER), nps: customerNps },
      beneficiaryExperience: { qoe: perspective(QoePerspective.BENEFICIARY), nps: beneficiaryNps },
      qualityOfExperience: qoe.overall.score,
      loops: { due: loops.due, closedOnTime: loops.closedOnTime, closedLate: loops.closedLate, notClosed: loops.notClosed, onTimeRate: loops.onTimeRate },
      disaggregations,
      impactChain: chain.chains,
      ...(experienceValue ? { experienceValue } : {}),
      notes,
    };
  }
}
