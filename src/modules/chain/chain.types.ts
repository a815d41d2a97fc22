import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { DecimalScalar, Money } from "../../common/scalars";
import { Programme } from "../programme/programme.entity";
import { SuppressionInfo } from "../lifecycle/funnel.types";
import { ProgrammeDeliveryStatus } from "../delivery/delivery.types";
import { Delivery } from "../delivery/delivery.entity";
import { Sale } from "../sales/sales.entity";

export enum ChainStepKind {
  REVENUE = "REVENUE",
  CONTRIBUTION = "CONTRIBUTION",
  UNITS_FUNDED = "UNITS_FUNDED",
  UNITS_DELIVERED = "UNITS_DELIVERED",
  BENEFICIARIES_REACHED = "BENEFICIARIES_REACHED",
  BENEFICIARIES_IN_USE = "BENEFICIARIES_IN_USE",
  BENEFICIARIES_WITH_FEEDBACK = "BENEFICIARIES_WITH_FEEDBACK",
  OUTCOME_MEASURED = "OUTCOME_MEASURED",
  OUTCOME_IMPROVED = "OUTCOME_IMPROVED",
}
registerEnumType(ChainStepKind, {
  name: "ChainStepKind",
  description:
    "The steps of the impact chain, from money to outcome: REVENUE and CONTRIBUTION of the sales that fund the programme; UNITS_FUNDED; UNITS_DELIVERED; BENEFICIARIES_REACHED (by name and at sites); BENEFICIARIES_IN_USE (of those reached by name); BENEFICIARIES_WITH_FEEDBACK (of those in use); per outcome metric, OUTCOME_MEASURED (of those with feedback: a baseline and a follow-up answer) and OUTCOME_IMPROVED (of those measured)",
});

@ObjectType({
  description:
    "One step of the impact chain: its figure and its conversion from the step it is taken over (`conversionOf`, usually the step before). For funders a step counting fewer people than the threshold is hidden (value and conversion null, and the next step's conversion with it); counts of people are adjusted by the cell-key method and conversions are computed from the adjusted counts.",
  simpleResolvers: true,
})
export class ChainStep {
  @Field(() => ChainStepKind)
  kind!: ChainStepKind;

  @Field({ description: 'What is counted, in words: "Revenue", "Pairs of shoes delivered", "Beneficiaries in use"' })
  label!: string;

  @Field({ description: 'The unit of `value`: the currency code for money, the programme\'s unit of delivery for units ("unit" when it has none), "people" for people' })
  unit!: string;

  @Field(() => DecimalScalar, { nullable: true, description: "The figure (money in major units, exact); null when hidden from a funder" })
  value!: string | null;

  @Field(() => Money, { nullable: true, description: "The figure as money, for REVENUE and CONTRIBUTION" })
  money!: Money | null;

  @Field(() => ChainStepKind, { nullable: true, description: "The step the conversion is taken over; null for the first step" })
  conversionOf!: ChainStepKind | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "value ÷ the value of `conversionOf` (4 decimals): a share for people and money (0.25 = 25 %), units per unit of currency contributed for UNITS_FUNDED, people per unit delivered for BENEFICIARIES_REACHED; null when either is missing, zero or hidden",
  })
  conversion!: number | null;

  @Field(() => String, { nullable: true, description: 'The conversion in words, e.g. "10.0 % of revenue", "50.00 KES contributed per pair of shoes funded"' })
  conversionText!: string | null;

  @Field({ description: "True when the figure is hidden from a funder (fewer people than the threshold)" })
  suppressed!: boolean;

  @Field(() => ID, { nullable: true, description: "For outcome steps: the metric measured" })
  metricId!: string | null;
}

@ObjectType({
  description:
    "The experience of the beneficiaries of BENEFICIARIES_WITH_FEEDBACK: their responses in [from, to) as quality of experience scores them (the feedback component: NPS mapped to (NPS + 100) / 2, ratings and effort mapped to 0..100, weighted by their answer counts). For funders the NPS classes are adjusted by the cell-key method and the score follows them; hidden with the step.",
  simpleResolvers: true,
})
export class ChainExperience {
  @Field(() => Float, { nullable: true, description: "The feedback component, 0..100; null when there is no answer or when hidden" })
  score!: number | null;

  @Field(() => Float, { nullable: true, description: "NPS of their NPS answers, −100..100; null when there is none or when hidden" })
  nps!: number | null;

  @Field(() => Int, { nullable: true, description: "Answers the score is made of (NPS, ratings, effort); null when hidden" })
  answers!: number | null;

  @Field()
  suppressed!: boolean;
}

@ObjectType({ description: "One programme's impact chain over [from, to)", simpleResolvers: true })
export class ProgrammeChain {
  @Field(() => Programme)
  programme!: Programme;

  @Field(() => [ChainStep], { description: "The steps in chain order; one OUTCOME_MEASURED and one OUTCOME_IMPROVED per outcome metric linked to survey answers" })
  steps!: ChainStep[];

  @Field(() => DecimalScalar, { description: "Funded and not yet delivered at the period's end (cumulative), as fundedVsDelivered gives it" })
  backlog!: string;

  @Field(() => ChainExperience)
  experience!: ChainExperience;

  @Field(() => ProgrammeDeliveryStatus, { description: "The programme's funded versus delivered figures for the same period (the source of the units and reach steps)" })
  delivery!: ProgrammeDeliveryStatus;
}

@ObjectType({ description: "The impact chain from money to outcome, per programme, over [from, to)" })
export class ImpactChain {
  @Field(() => ID)
  organizationId!: string;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => [ProgrammeChain], { description: "The programme asked for, or every programme of the organization, oldest first" })
  chains!: ProgrammeChain[];

  @Field(() => SuppressionInfo)
  suppression!: SuppressionInfo;
}

@ObjectType({ description: "Units of one sale allocated (first-in, first-out) to one delivery", simpleResolvers: true })
export class SaleAllocation {
  @Field(() => Delivery)
  delivery!: Delivery;

  @Field(() => DecimalScalar, { description: "Units of the sale that this delivery handed out" })
  units!: string;

  @Field(() => Float, { description: "Days from the sale to the delivery (2 decimals; negative when delivered ahead of the sale that funded it)" })
  days!: number;

  @Field(() => DecimalScalar, {
    description: "People this sale's units reached in the delivery: 1 for a delivery to a beneficiary; for a site, its people reached × these units ÷ the delivery's units (2 decimals)",
  })
  people!: string;
}

@ObjectType({ description: "An outcome metric over the people a sale reached by name (distance travelled: baseline against latest answer)", simpleResolvers: true })
export class SaleTraceOutcome {
  @Field(() => ID)
  metricId!: string;

  @Field()
  name!: string;

  @Field(() => Int)
  measured!: number;

  @Field(() => Int)
  improved!: number;
}

@ObjectType({
  description:
    "What became of the people a sale's units reached, counted over the beneficiaries of its allocated deliveries to a person (people at sites are not known one by one), over the allocations listed",
  simpleResolvers: true,
})
export class SaleTracePeople {
  @Field(() => Int, { description: "Distinct beneficiaries delivered to by name" })
  reachedByName!: number;

  @Field(() => DecimalScalar, { description: "People at sites, pro rata to the sale's units in each site delivery (2 decimals)" })
  atSites!: string;

  @Field(() => Int, { description: "Of those reached by name, how many are in an IN_USE stage now" })
  inUseNow!: number;

  @Field(() => Int, { description: "Of those reached by name, how many gave feedback after their delivery" })
  gaveFeedback!: number;

  @Field(() => Float, { nullable: true, description: "NPS of their latest NPS answers after their delivery (one per person), −100..100; null when none" })
  nps!: number | null;

  @Field(() => [SaleTraceOutcome], { description: "Per outcome metric (computed from answers): of those reached by name, how many have a baseline and a later follow-up, and how many improved" })
  outcomes!: SaleTraceOutcome[];
}

@ObjectType({
  description:
    "One sale traced to what its contribution became: the programme its offering funds, the deliveries its units were allocated to first-in, first-out (sales in time order against deliveries in time order, over the programme's whole history), and the people reached",
})
export class SaleTrace {
  @Field(() => Sale)
  sale!: Sale;

  @Field(() => Programme, { nullable: true, description: "The programme the sale's offering funds (as the offering is now); null when it funds none" })
  programme!: Programme | null;

  @Field(() => DecimalScalar, { description: "Units the sale funded (its units given)" })
  unitsFunded!: string;

  @Field(() => DecimalScalar, { description: "Of them, units delivered so far" })
  unitsDelivered!: string;

  @Field(() => DecimalScalar, { description: "Of them, units funded and not yet delivered (the sale's part of the backlog)" })
  unitsWaiting!: string;

  @Field(() => [SaleAllocation], { description: "The deliveries, in delivery order (at most 200; `allocationsTruncated` says when there were more)" })
  allocations!: SaleAllocation[];

  @Field()
  allocationsTruncated!: boolean;

  @Field(() => SaleTracePeople)
  people!: SaleTracePeople;
}
