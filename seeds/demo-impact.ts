import { createHash } from "node:crypto";
import { EntityManager } from "typeorm";
import { Random } from "./random";
import { impactOfSale } from "../src/modules/sales/sales.service";
import { contentHash } from "../src/common/batch";

const DAY = 24 * 3600 * 1000;

export interface OfferingSpec {
  name: string;
  description: string;
  unitPriceMinor: number;
  revenueShareBps?: number;
  unitsGivenPerUnit?: string;
  fixedAmountPerSaleMinor?: number;
  /** The name of the programme (in ImpactSpec.programmes) its contribution funds. */
  programme?: string;
  beneficiariesPerUnitGiven?: string;
  amountPerBeneficiaryMinor?: number;
  /** Share of sales that go to this offering. */
  weight: number;
  /** Units per sale: [min, max]. */
  units: [number, number];
}

export interface MetricSpec {
  name: string;
  description: string;
  category: "KPI" | "SOCIAL";
  perspective: "CUSTOMER" | "BENEFICIARY" | "ORGANIZATION";
  kind: "INPUT" | "OUTPUT";
  unit: string;
  unitLabel?: string;
  direction?: "HIGHER_IS_BETTER" | "LOWER_IS_BETTER";
  aggregation: "SUM" | "AVERAGE" | "LATEST";
  impactMode?: "AT_SALE" | "IN_USE";
  catalogueCode?: string;
  estimationNote?: string;
  stage?: { kind: "CUSTOMER" | "BENEFICIARY"; name: string };
  baseline: number;
  /** The yearly target; for SUM metrics the total over the year. */
  target: number;
  /** Monthly values drift from `start` to `end` with this much noise (± fraction of the range). */
  start: number;
  end: number;
  noise: number;
  decimals: number;
  /** Also record the values split by gender (with sample sizes), for AVERAGE metrics. */
  byGender?: { femaleOffset: number; sampleSize: [number, number] };
  /** Monthly value = units given by that month's sales (keeps the metric consistent with sales). */
  fromUnitsGiven?: boolean;
}

/** A programme the offerings fund, delivered by the named partners of the organization. */
export interface ProgrammeSpec {
  name: string;
  description: string;
  region: string;
  unitOfDelivery: string;
  beneficiariesPerUnit?: string;
  partners: string[];
}

/**
 * A uuid made from a name (sha-256, shaped as a version-4 uuid): rows added to the demo after
 * it was first written take their ids from here, not from the generator, so every row that was
 * there before keeps its id and figure.
 */
export function derivedUuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface ImpactSpec {
  programmes: ProgrammeSpec[];
  offerings: OfferingSpec[];
  metrics: MetricSpec[];
  /** Sales with no known customer (walk-in, online guest), per month. */
  anonymousSalesPerMonth: [number, number];
}

interface Purchase {
  customerId: string;
  at: Date;
}

function monthStarts(anchor: Date): Date[] {
  // The 12 whole months before the anchor's month, and the anchor's month so far.
  const first = new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - 12, 1));
  return Array.from({ length: 13 }, (_, i) => new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + i, 1)));
}

/**
 * A year of offerings, sales, metrics, targets and observations for one demo
 * organization. Sales follow the journeys: each customer who entered Purchase buys
 * then; anonymous sales come on top. Deterministic given the generator.
 */
export async function seedImpact(
  em: EntityManager,
  org: string,
  anchor: Date,
  rng: Random,
  spec: ImpactSpec,
  purchases: Purchase[],
  stageId: (kind: string, name: string) => string,
  partnerId: (name: string) => string,
): Promise<{ sales: number; observations: number }> {
  // Programmes, active since the offerings were made, with the partners that deliver them.
  const programmeIds = new Map<string, string>();
  for (const p of spec.programmes) {
    const id = derivedUuid(org, "programme", p.name);
    programmeIds.set(p.name, id);
    const created = new Date(anchor.getTime() - 400 * DAY);
    await em.query(
      `INSERT INTO programmes (organization_id, id, name, description, region, unit_of_delivery, beneficiaries_per_unit, active_from, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)`,
      [org, id, p.name, p.description, p.region, p.unitOfDelivery, p.beneficiariesPerUnit ?? null, created],
    );
    if (p.partners.length) {
      await em.query(`INSERT INTO programme_partners (organization_id, programme_id, partner_id, created_at) SELECT $1, $2, unnest($3::uuid[]), $4`, [
        org,
        id,
        p.partners.map(partnerId),
        created,
      ]);
    }
  }
  // Offerings.
  const offerings: { id: string; spec: OfferingSpec }[] = [];
  for (const o of spec.offerings) {
    const id = rng.uuid();
    await em.query(
      `INSERT INTO offerings (organization_id, id, name, description, unit_price_minor, revenue_share_bps, units_given_per_unit, fixed_amount_per_sale_minor,
                              programme_id, beneficiaries_per_unit_given, amount_per_beneficiary_minor, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
      [
        org,
        id,
        o.name,
        o.description,
        o.unitPriceMinor,
        o.revenueShareBps ?? 0,
        o.unitsGivenPerUnit ?? "0",
        o.fixedAmountPerSaleMinor ?? 0,
        o.programme ? programmeIds.get(o.programme) : null,
        o.beneficiariesPerUnitGiven ?? null,
        o.amountPerBeneficiaryMinor ?? null,
        new Date(anchor.getTime() - 400 * DAY),
      ],
    );
    offerings.push({ id, spec: o });
  }

  // Sales: one per purchase, plus anonymous ones.
  const sales: { id: string; offering: (typeof offerings)[number]; customerId: string | null; at: Date; units: number }[] = [];
  const pickOffering = () => rng.weighted(offerings.map((o) => [o, o.spec.weight] as const));
  for (const p of purchases) {
    const offering = pickOffering();
    sales.push({ id: rng.uuid(), offering, customerId: p.customerId, at: p.at, units: rng.int(offering.spec.units[0], offering.spec.units[1]) });
  }
  const months = monthStarts(anchor);
  for (const m of months) {
    const n = rng.int(spec.anonymousSalesPerMonth[0], spec.anonymousSalesPerMonth[1]);
    const end = Math.min(new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1)).getTime(), anchor.getTime());
    for (let i = 0; i < n; i++) {
      const at = new Date(m.getTime() + rng.next() * (end - m.getTime()));
      if (at >= anchor) continue;
      const offering = pickOffering();
      sales.push({ id: rng.uuid(), offering, customerId: null, at, units: rng.int(offering.spec.units[0], offering.spec.units[1]) });
    }
  }
  const unitsGivenByMonth = new Map<number, number>();
  const rows = sales.map((s) => {
    const o = s.offering.spec;
    const amount = BigInt(o.unitPriceMinor) * BigInt(s.units);
    const impact = impactOfSale(
      {
        revenueShareBps: o.revenueShareBps ?? 0,
        unitsGivenPerUnit: o.unitsGivenPerUnit ?? "0",
        fixedAmountPerSaleMinor: String(o.fixedAmountPerSaleMinor ?? 0),
        beneficiariesPerUnitGiven: o.beneficiariesPerUnitGiven ?? null,
        amountPerBeneficiaryMinor: o.amountPerBeneficiaryMinor === undefined ? null : String(o.amountPerBeneficiaryMinor),
      },
      s.units,
      amount,
    );
    const month = Date.UTC(s.at.getUTCFullYear(), s.at.getUTCMonth(), 1);
    unitsGivenByMonth.set(month, (unitsGivenByMonth.get(month) ?? 0) + Number(impact.unitsGiven));
    const hash = contentHash({ offeringId: s.offering.id, occurredAt: s.at, units: s.units, amountMinor: Number(amount), customerId: s.customerId });
    return [s.id, s.offering.id, s.customerId, s.at, s.units, amount.toString(), impact.contributionMinor.toString(), impact.unitsGiven, impact.beneficiariesFunded, hash];
  });
  const col = (i: number) => rows.map((r) => r[i]);
  await em.query(
    `INSERT INTO sales (organization_id, id, offering_id, customer_id, occurred_at, units, amount_minor, contribution_minor, units_given, beneficiaries_funded, content_hash, created_at)
     SELECT $1, u.*, u.at FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::int[], $7::bigint[], $8::bigint[], $9::numeric[], $10::numeric[], $11::text[])
       AS u(id, offering, customer, at, units, amount, contribution, given, funded, hash)`,
    [org, ...Array.from({ length: 10 }, (_, i) => col(i))],
  );

  // Metrics, a yearly target each, and monthly observations.
  let observations = 0;
  const yearStart = months[0];
  const yearEnd = new Date(Date.UTC(yearStart.getUTCFullYear() + 1, yearStart.getUTCMonth(), 1));
  for (const m of spec.metrics) {
    const id = rng.uuid();
    await em.query(
      `INSERT INTO metrics (organization_id, id, name, description, category, perspective, kind, unit, unit_label, direction, aggregation,
                            baseline_value, baseline_date, impact_mode, catalogue_code, estimation_note, stage_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
      [
        org,
        id,
        m.name,
        m.description,
        m.category,
        m.perspective,
        m.kind,
        m.unit,
        m.unitLabel ?? null,
        m.direction ?? "HIGHER_IS_BETTER",
        m.aggregation,
        m.baseline,
        new Date(yearStart.getTime() - DAY).toISOString().slice(0, 10),
        m.impactMode ?? null,
        m.catalogueCode ?? null,
        m.estimationNote ?? null,
        m.stage ? stageId(m.stage.kind, m.stage.name) : null,
        new Date(anchor.getTime() - 400 * DAY),
      ],
    );
    // Targets: the year, and the following year one step further.
    await em.query(`INSERT INTO metric_targets (organization_id, metric_id, period_from, period_to, value) VALUES ($1, $2, $3, $4, $5), ($1, $2, $4, $6, $7)`, [
      org,
      id,
      yearStart,
      yearEnd,
      m.target,
      new Date(Date.UTC(yearEnd.getUTCFullYear() + 1, yearEnd.getUTCMonth(), 1)),
      m.aggregation === "SUM" ? Math.round(m.target * 1.2) : m.target,
    ]);
    const obs: unknown[][] = [];
    const round = (v: number) => v.toFixed(m.decimals);
    months.forEach((start, i) => {
      const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
      if (end > anchor) return; // only complete months
      const t = i / Math.max(1, months.length - 2);
      const value = m.fromUnitsGiven
        ? unitsGivenByMonth.get(start.getTime()) ?? 0
        : Math.max(0, m.start + (m.end - m.start) * t + (rng.next() * 2 - 1) * m.noise * Math.abs(m.end - m.start || 1));
      const key = `${m.name}:${start.toISOString().slice(0, 7)}`;
      const push = (v: number, dims: Record<string, string>, sample: number | null, suffix: string) => {
        const hash = contentHash({ metric: id, start, v: round(v), dims, sample });
        obs.push([rng.uuid(), id, start, end, round(v), sample, JSON.stringify(dims), "demo data", `${key}${suffix}`, hash]);
      };
      if (m.byGender) {
        const f = value + m.byGender.femaleOffset;
        const male = value - m.byGender.femaleOffset;
        const nf = rng.int(m.byGender.sampleSize[0], m.byGender.sampleSize[1]);
        const nm = rng.int(m.byGender.sampleSize[0], m.byGender.sampleSize[1]);
        push((f * nf + male * nm) / (nf + nm), {}, nf + nm, "");
        push(f, { gender: "FEMALE" }, nf, ":F");
        push(male, { gender: "MALE" }, nm, ":M");
      } else {
        push(value, {}, null, "");
      }
    });
    if (obs.length) {
      const c = (i: number) => obs.map((r) => r[i]);
      await em.query(
        // Record keys (the cell-key method's) from the ids, not drawn at random: the demo's funder figures are the same on every load.
        `INSERT INTO observations (organization_id, id, metric_id, period_from, period_to, value, sample_size, dimensions, source, client_key, content_hash, created_at, record_key)
         SELECT $1, u.id, u.metric, u.pf, u.pt, u.value, u.sample, u.dims::jsonb, u.source, u.ck, u.hash, u.pt, ('x' || substr(md5('demo record key ' || u.id::text), 1, 5))::bit(20)::integer
           FROM unnest($2::uuid[], $3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::numeric[], $7::int[], $8::text[], $9::text[], $10::text[], $11::text[])
             AS u(id, metric, pf, pt, value, sample, dims, source, ck, hash)`,
        [org, ...Array.from({ length: 10 }, (_, i) => c(i))],
      );
      observations += obs.length;
    }
  }
  return { sales: sales.length, observations };
}
