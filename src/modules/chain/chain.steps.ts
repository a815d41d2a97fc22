import { Money } from "../../common/scalars";
import { perturb } from "../../common/perturbation";
import { suppressCount } from "../../common/suppression";
import { feedbackComponent, FeedbackStats } from "../qoe/score";
import { Programme } from "../programme/programme.entity";
import { ProgrammeDeliveryStatus } from "../delivery/delivery.types";
import { ChainExperience, ChainStep, ChainStepKind, ProgrammeChain } from "./chain.types";

/** A count of people and the sum of its people's record keys (bigint as text). */
export interface KeyedPeople {
  people: number;
  keys: string;
}

/** The experience row of CHAIN_EXPERIENCE_SQL. */
export interface ExperienceRow {
  promoters: number;
  promoter_keys: string;
  passives: number;
  passive_keys: string;
  detractors: number;
  detractor_keys: string;
  rating_sum: number | null;
  rating_n: number;
  rating_keys: string;
  effort_sum: number | null;
  effort_n: number;
  effort_keys: string;
}

/** An outcome metric's figures over the people of BENEFICIARIES_WITH_FEEDBACK (distance travelled). */
export interface ChainOutcome {
  metricId: string;
  name: string;
  measured: KeyedPeople;
  improved: KeyedPeople;
}

/** Everything one programme's chain is made of, loaded. */
export interface ChainInputs {
  programme: Programme;
  currency: string;
  revenueMinor: bigint;
  delivery: ProgrammeDeliveryStatus;
  inUse: KeyedPeople;
  answered: KeyedPeople;
  experience: ExperienceRow | null;
  outcomes: ChainOutcome[];
}

/** How the caller sees people: funders (`applied`) through suppression at k, then the cell-key adjustment with maximum D. */
export interface PeopleView {
  applied: boolean;
  k: number;
  maximum: number;
}

const round4 = (v: number) => Math.round(v * 10000) / 10000;
const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : round4(a / b));
const percent = (r: number) => `${(r * 100).toFixed(1)} %`;

/** A count of people as the caller may see it: null when hidden (0 < n < k, funders), adjusted for funders. */
export function shownPeople(c: KeyedPeople, view: PeopleView): number | null {
  if (!view.applied) return c.people;
  if (suppressCount(c.people, view.k) === null) return null;
  return perturb(c.people, c.keys, view.maximum);
}

/** The experience of the people with feedback: NPS classes and the counts of ratings and effort answers adjusted for funders (the score follows them; means of answers stay true means); hidden with the step. */
export function chainExperience(row: ExperienceRow | null, hidden: boolean, view: PeopleView): ChainExperience {
  if (hidden) return { score: null, nps: null, answers: null, suppressed: true };
  if (!row) return { score: null, nps: null, answers: 0, suppressed: false };
  const cls = (n: number, keys: string) => (view.applied ? perturb(n, keys, view.maximum) : n);
  const stats: FeedbackStats = {
    promoters: cls(row.promoters, row.promoter_keys),
    passives: cls(row.passives, row.passive_keys),
    detractors: cls(row.detractors, row.detractor_keys),
    ratingMean: row.rating_n > 0 && row.rating_sum !== null ? row.rating_sum / row.rating_n : null,
    ratingN: cls(row.rating_n, row.rating_keys),
    effortMean: row.effort_n > 0 && row.effort_sum !== null ? row.effort_sum / row.effort_n : null,
    effortN: cls(row.effort_n, row.effort_keys),
  };
  const component = feedbackComponent(stats);
  const nps = component.parts.find((p) => p.name === "NPS");
  return { score: component.value, nps: nps?.raw ?? null, answers: component.sampleSize, suppressed: false };
}

/**
 * One programme's chain from its loaded figures (pure: no database). Conversions are computed from
 * the figures shown (for funders, the adjusted counts), each over the step named in `conversionOf`.
 */
export function buildChain(input: ChainInputs, view: PeopleView): ProgrammeChain {
  const { programme, currency, delivery } = input;
  const unit = programme.unitOfDelivery ?? "unit";
  const revenue = Money.of(input.revenueMinor, currency);
  const revenueMajor = Number(revenue.amount);
  const contributionMajor = Number(delivery.contribution.amount);
  const funded = Number(delivery.unitsFunded);
  const delivered = delivery.unitsDelivered;
  const reached = delivery.beneficiariesReached;
  const inUse = shownPeople(input.inUse, view);
  const answered = shownPeople(input.answered, view);

  const steps: ChainStep[] = [];
  const step = (s: Partial<ChainStep> & Pick<ChainStep, "kind" | "label" | "unit" | "value">) =>
    steps.push({ money: null, conversionOf: null, conversion: null, conversionText: null, suppressed: false, metricId: null, ...s });

  step({ kind: ChainStepKind.REVENUE, label: "Revenue", unit: currency, value: revenue.amount, money: revenue });
  const share = ratio(contributionMajor, revenueMajor);
  step({
    kind: ChainStepKind.CONTRIBUTION,
    label: "Contribution",
    unit: currency,
    value: delivery.contribution.amount,
    money: delivery.contribution,
    conversionOf: ChainStepKind.REVENUE,
    conversion: share,
    conversionText: share === null ? null : `${percent(share)} of revenue`,
  });
  const perCurrency = ratio(funded, contributionMajor);
  step({
    kind: ChainStepKind.UNITS_FUNDED,
    label: `${capitalize(unit)} funded`,
    unit,
    value: delivery.unitsFunded,
    conversionOf: ChainStepKind.CONTRIBUTION,
    conversion: perCurrency,
    conversionText: funded > 0 && delivery.contribution.amountMinor > 0 ? `${Money.of(divideHalfUp(BigInt(delivery.contribution.amountMinor), funded), currency).amount} ${currency} contributed per ${unit} funded` : null,
  });
  // Funders: units delivered come hidden with the people reached or adjusted by their keys (deliveryStatus).
  const deliveredShown = delivered;
  const deliveredRate = ratio(deliveredShown, funded);
  step({
    kind: ChainStepKind.UNITS_DELIVERED,
    label: `${capitalize(unit)} delivered`,
    unit,
    value: deliveredShown === null ? null : String(deliveredShown),
    suppressed: deliveredShown === null,
    conversionOf: ChainStepKind.UNITS_FUNDED,
    conversion: deliveredRate,
    conversionText: deliveredRate === null ? null : `${percent(deliveredRate)} of the ${unit} funded in the period`,
  });
  const perUnit = ratio(reached.total, deliveredShown);
  step({
    kind: ChainStepKind.BENEFICIARIES_REACHED,
    label: "Beneficiaries reached",
    unit: "people",
    value: reached.total === null ? null : String(reached.total),
    suppressed: reached.total === null,
    conversionOf: ChainStepKind.UNITS_DELIVERED,
    conversion: perUnit,
    conversionText: perUnit === null ? null : `${perUnit} people per ${unit} delivered`,
  });
  // In use: of the people reached by name (the people at sites are not known one by one).
  const usingRate = ratio(inUse, reached.people);
  step({
    kind: ChainStepKind.BENEFICIARIES_IN_USE,
    label: "Beneficiaries in use",
    unit: "people",
    value: inUse === null ? null : String(inUse),
    suppressed: inUse === null,
    conversionOf: ChainStepKind.BENEFICIARIES_REACHED,
    conversion: usingRate,
    conversionText: usingRate === null ? null : `${percent(usingRate)} of the ${reached.people} reached by name`,
  });
  const answeredRate = ratio(answered, inUse);
  step({
    kind: ChainStepKind.BENEFICIARIES_WITH_FEEDBACK,
    label: "Beneficiaries who gave feedback",
    unit: "people",
    value: answered === null ? null : String(answered),
    suppressed: answered === null,
    conversionOf: ChainStepKind.BENEFICIARIES_IN_USE,
    conversion: answeredRate,
    conversionText: answeredRate === null ? null : `${percent(answeredRate)} of those in use`,
  });
  for (const o of input.outcomes) {
    const measured = shownPeople(o.measured, view);
    const improved = shownPeople(o.improved, view);
    const measuredRate = ratio(measured, answered);
    const improvedRate = ratio(improved, measured);
    step({
      kind: ChainStepKind.OUTCOME_MEASURED,
      label: `${o.name}: baseline and follow-up`,
      unit: "people",
      value: measured === null ? null : String(measured),
      suppressed: measured === null,
      conversionOf: ChainStepKind.BENEFICIARIES_WITH_FEEDBACK,
      conversion: measuredRate,
      conversionText: measuredRate === null ? null : `${percent(measuredRate)} of those who gave feedback`,
      metricId: o.metricId,
    });
    step({
      kind: ChainStepKind.OUTCOME_IMPROVED,
      label: `${o.name}: improved`,
      unit: "people",
      value: improved === null ? null : String(improved),
      suppressed: improved === null,
      conversionOf: ChainStepKind.OUTCOME_MEASURED,
      conversion: improvedRate,
      conversionText: improvedRate === null ? null : `${percent(improvedRate)} of those measured`,
      metricId: o.metricId,
    });
  }
  return {
    programme,
    steps,
    backlog: delivery.backlog,
    experience: chainExperience(input.experience, answered === null, view),
    delivery,
  };
}

const capitalize = (s: string) => (s.length ? s[0].toUpperCase() + s.slice(1) : s);

/** Minor units ÷ a number of units (decimal), rounded half up to the minor unit. */
function divideHalfUp(minor: bigint, units: number): bigint {
  // Units have at most 4 decimals: scale both to integers.
  const scaledUnits = BigInt(Math.round(units * 10000));
  return (2n * minor * 10000n + scaledUnits) / (2n * scaledUnits);
}
