import { Field, Float, ID as ID_FIELD, Int, ObjectType, registerEnumType } from "type-graphql";
import { Interval } from "../../common/enums";
import { Money } from "../../common/scalars";

/** A stakeholder's NPS class at their latest NPS answer before the moment asked about. */
export enum NpsGroup {
  PROMOTER = "PROMOTER",
  PASSIVE = "PASSIVE",
  DETRACTOR = "DETRACTOR",
  NOT_ASKED = "NOT_ASKED",
}
registerEnumType(NpsGroup, { name: "NpsGroup", description: "Promoter 9–10, passive 7–8, detractor 0–6 at the latest NPS answer; NOT_ASKED: no NPS answer yet" });

/** The band of the mean RATING answer (mapped to 0–100) of the latest response that has one. */
export enum QoeBand {
  LOW = "LOW",
  MEDIUM = "MEDIUM",
  HIGH = "HIGH",
  NOT_RATED = "NOT_RATED",
}
registerEnumType(QoeBand, {
  name: "QoeBand",
  description: "Mean of the RATING answers of the latest response with one, mapped (r − 1) / 4 × 100: LOW below 40, MEDIUM 40 to below 70, HIGH 70 and above; NOT_RATED: no rating yet",
});

export enum LoopTiming {
  ON_TIME = "ON_TIME",
  NOT_ON_TIME = "NOT_ON_TIME",
}
registerEnumType(LoopTiming, { name: "LoopTiming", description: "ON_TIME: the loop was closed by the action's due date; NOT_ON_TIME: closed after it, or not closed" });

@ObjectType({ description: "A share of a group with its 95 % Wilson interval; every field null when hidden from a funder" })
export class Share {
  @Field(() => Int, { nullable: true, description: "How many have it (perturbed for funders)" })
  count!: number | null;

  @Field(() => Int, { nullable: true, description: "Out of how many (perturbed for funders): the sample size" })
  of!: number | null;

  @Field(() => Float, { nullable: true, description: "count / of, 0..1 (4 decimals); null when `of` is 0 or hidden" })
  value!: number | null;

  @Field(() => Float, { nullable: true, description: "Lower end of the 95 % Wilson interval" })
  low!: number | null;

  @Field(() => Float, { nullable: true, description: "Upper end of the 95 % Wilson interval" })
  high!: number | null;
}

@ObjectType({ description: "Customers of one experience group (or all of them) and what they are worth" })
export class CustomerValueGroup {
  @Field(() => NpsGroup, { nullable: true, description: "Set in byNpsClass" })
  npsClass!: NpsGroup | null;

  @Field(() => QoeBand, { nullable: true, description: "Set in byQoeBand" })
  qoeBand!: QoeBand | null;

  @Field({ description: "Hidden from a funder (small group, or to protect one): every figure below is null" })
  suppressed!: boolean;

  @Field(() => Int, { nullable: true, description: "Customers: stakeholders of kind CUSTOMER with at least one purchase before `to`" })
  customers!: number | null;

  @Field(() => Money, { nullable: true, description: "Their revenue in [from, to)" })
  revenue!: Money | null;

  @Field(() => Int, { nullable: true, description: "Their purchases (sales) in [from, to)" })
  purchases!: number | null;

  @Field(() => Float, { nullable: true, description: "purchases / customers (4 decimals)" })
  purchasesPerCustomer!: number | null;

  @Field(() => Share, { nullable: true, description: "Repeat-purchase rate: customers with 2 or more purchases in [from, to), out of the group" })
  repeatPurchase!: Share | null;

  @Field(() => Money, { nullable: true, description: "revenue / purchases, rounded half up to the minor unit; null without purchases" })
  averageOrderValue!: Money | null;

  @Field(() => Share, { nullable: true, description: "Retention: customers not in an exit stage at `to` (their stage after their last move before `to`), out of the group" })
  retention!: Share | null;

  @Field(() => Money, { nullable: true, description: "Revenue per customer in [from, to)" })
  revenuePerCustomer!: Money | null;

  @Field(() => Money, { nullable: true, description: "Historic revenue per customer: all their sales before `to`, per customer" })
  historicRevenuePerCustomer!: Money | null;

  @Field(() => Money, { nullable: true, description: "Projection: marginRate × revenuePerCustomer × r / (1 + discountRate − r), r = retention" })
  projectedValuePerCustomer!: Money | null;

  @Field(() => Money, { nullable: true, description: "Customer lifetime value: historicRevenuePerCustomer + projectedValuePerCustomer" })
  lifetimeValue!: Money | null;
}

@ObjectType({ description: "Customer value by experience over [from, to): groups by NPS class and by QoE band, lifetime value, revenue at risk" })
export class CustomerValue {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => Float, { description: "Margin on revenue used in the projection (0..1)" })
  marginRate!: number;

  @Field(() => Float, { description: "Discount rate per period of the length of [from, to)" })
  discountRate!: number;

  @Field({ description: "The lifetime value formula, in words" })
  formula!: string;

  @Field(() => CustomerValueGroup)
  total!: CustomerValueGroup;

  @Field(() => [CustomerValueGroup], { description: "PROMOTER, PASSIVE, DETRACTOR, NOT_ASKED, in that order" })
  byNpsClass!: CustomerValueGroup[];

  @Field(() => [CustomerValueGroup], { description: "HIGH, MEDIUM, LOW, NOT_RATED, in that order" })
  byQoeBand!: CustomerValueGroup[];

  @Field(() => Money, {
    nullable: true,
    description: "Detractors' revenue in [from, to) × (promoters' retention − detractors' retention), rounded half up; null when either group is empty or hidden",
  })
  revenueAtRisk!: Money | null;

  @Field(() => [String])
  notes!: string[];
}

@ObjectType({ description: "Beneficiaries of one experience group whose outcome or exit came in [from, to)" })
export class BeneficiaryRetentionGroup {
  @Field(() => NpsGroup, { nullable: true })
  npsClass!: NpsGroup | null;

  @Field(() => QoeBand, { nullable: true, description: "The rating band (same bands as QoeBand)" })
  ratingBand!: QoeBand | null;

  @Field()
  suppressed!: boolean;

  @Field(() => Int, { nullable: true, description: "Beneficiaries who reached the outcome stage or exited before it in [from, to)" })
  beneficiaries!: number | null;

  @Field(() => Share, { nullable: true, description: "Those who reached the outcome stage, out of `beneficiaries`" })
  reachedOutcome!: Share | null;

  @Field(() => Share, { nullable: true, description: "Those who exited before reaching it, out of `beneficiaries`" })
  exitedBeforeOutcome!: Share | null;
}

@ObjectType({ description: "Does being served badly lose beneficiaries before the outcome? Reaching the outcome against exiting before it, by experience" })
export class BeneficiaryRetention {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field({ description: "The outcome stage used" })
  outcomeStageName!: string;

  @Field({ description: "The exit stage used" })
  exitStageName!: string;

  @Field(() => BeneficiaryRetentionGroup)
  total!: BeneficiaryRetentionGroup;

  @Field(() => [BeneficiaryRetentionGroup])
  byNpsClass!: BeneficiaryRetentionGroup[];

  @Field(() => [BeneficiaryRetentionGroup])
  byRatingBand!: BeneficiaryRetentionGroup[];

  @Field(() => [String])
  notes!: string[];
}

@ObjectType({ description: "Customer detractor answers in [from, to) whose action was due before `to`, by whether the loop was closed on time" })
export class LoopValueGroup {
  @Field(() => LoopTiming)
  loop!: LoopTiming;

  @Field()
  suppressed!: boolean;

  @Field(() => Int, { nullable: true, description: "Detractor answers (cases)" })
  detractors!: number | null;

  @Field(() => Share, { nullable: true, description: "Cases whose customer gave another NPS answer after it, before `to`" })
  answeredAgain!: Share | null;

  @Field(() => Share, { nullable: true, description: "Next answer a promoter, out of those who answered again" })
  nextPromoter!: Share | null;

  @Field(() => Share, { nullable: true, description: "Next answer a passive, out of those who answered again" })
  nextPassive!: Share | null;

  @Field(() => Share, { nullable: true, description: "Next answer a detractor again, out of those who answered again" })
  nextDetractor!: Share | null;

  @Field(() => Float, { nullable: true, description: "NPS of the next answers: (promoters − detractors) / answered again × 100 (1 decimal)" })
  nextNps!: number | null;

  @Field(() => Share, { nullable: true, description: "Repurchase rate: cases whose customer bought again after the answer, before `to`" })
  repurchase!: Share | null;
}

@ObjectType({ description: "Does closing the loop pay? Detractors whose loop was closed on time against the others" })
export class LoopValue {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => [LoopValueGroup], { description: "ON_TIME, NOT_ON_TIME" })
  groups!: LoopValueGroup[];

  @Field(() => [String])
  notes!: string[];
}

export enum DriverOutput {
  NPS = "NPS",
  QOE = "QOE",
}
registerEnumType(DriverOutput, { name: "DriverOutput", description: "NPS: the period's NPS of the audience's answers; QOE: the period's overall quality of experience score" });

@ObjectType({ description: "A correlation with its 95 % interval (Fisher's z); null below the minimum number of pairs" })
export class Correlation {
  @Field(() => Float, { nullable: true, description: "−1..1 (4 decimals); null when not enough data or a side is constant" })
  value!: number | null;

  @Field(() => Float, { nullable: true })
  low!: number | null;

  @Field(() => Float, { nullable: true })
  high!: number | null;
}

@ObjectType({ description: "One period of the grid: the outputs the input KPIs are compared with" })
export class DriverPeriod {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => Float, { nullable: true, description: "NPS of the period's answers, −100..100 (1 decimal); null without answers" })
  nps!: number | null;

  @Field(() => Int, { description: "NPS answers in the period" })
  npsAnswers!: number;

  @Field(() => Float, { nullable: true, description: "The period's overall quality of experience, 0..100" })
  qoe!: number | null;
}

@ObjectType({ description: "One input KPI against one output over the period grid, with a lag" })
export class KpiCorrelation {
  organizationId!: string;

  @Field(() => ID_FIELD)
  metricId!: string;

  @Field()
  metricName!: string;

  @Field(() => DriverOutput)
  output!: DriverOutput;

  @Field(() => Int, { description: "The KPI of period t against the output of period t + lag" })
  lag!: number;

  @Field(() => Int, { description: "Pairs of periods with both values" })
  n!: number;

  @Field({ description: "false below the minimum number of pairs: no number then" })
  enoughData!: boolean;

  @Field(() => Correlation)
  pearson!: Correlation;

  @Field(() => Correlation, { description: "Spearman's ρ; its interval by Fisher's z with the same standard error (an approximation)" })
  spearman!: Correlation;
}

@ObjectType({ description: "A touchpoint's relative importance for the likelihood to recommend" })
export class TouchpointDriver {
  organizationId!: string;

  @Field(() => ID_FIELD)
  touchpointId!: string;

  @Field()
  touchpointName!: string;

  @Field(() => Int, { nullable: true, description: "People with a rating or effort score at it in the period; null for funders" })
  raters!: number | null;

  @Field(() => Float, { nullable: true, description: "The mean over its raters of their score at it (rating and effort, 0..100; 2 decimals); for funders null below the threshold" })
  averageScore!: number | null;

  @Field(() => Int, { nullable: true, description: "Of them, the respondents with an NPS answer in the period (the people behind its correlation); null for funders" })
  withNps!: number | null;

  @Field({ description: "Whether it entered the regression: enough people have both its score and an NPS answer, and both its score and that of every touchpoint compared before it" })
  compared!: boolean;

  @Field(() => Float, { nullable: true, description: "Its Shapley share of R² (LMG), 0..R² (4 decimals)" })
  rSquaredShare!: number | null;

  @Field(() => Float, { nullable: true, description: "rSquaredShare / R²: its share of what the scores explain, 0..1" })
  importance!: number | null;

  @Field(() => Float, { nullable: true, description: "Its correlation with the NPS answer, over the people with both" })
  correlation!: number | null;
}

@ObjectType({ description: "Which touchpoint's experience explains overall NPS most, across respondents" })
export class TouchpointDrivers {
  @Field({ description: "How the importance is computed" })
  method!: string;

  @Field(() => Int, { nullable: true, description: "Respondents with an NPS answer and a score at one or more of the touchpoints; null for a funder when fewer than the threshold" })
  respondents!: number | null;

  @Field(() => Int, { description: "The minimum of respondents for a number: 10, or the threshold for funders if higher" })
  minimumRespondents!: number;

  @Field(() => Int, { description: "The minimum of people behind each correlation for a touchpoint to be compared: 10, or the threshold for funders if higher" })
  minimumPairs!: number;

  @Field()
  enoughData!: boolean;

  @Field(() => Float, { nullable: true, description: "R² of NPS on the compared touchpoints' scores (4 decimals)" })
  rSquared!: number | null;

  @Field(() => [TouchpointDriver], { description: "Most important first (by raters when there is no number)" })
  drivers!: TouchpointDriver[];
}

@ObjectType({ description: "What drives experience: input KPIs against NPS and QoE over a period grid, and touchpoints' importance for NPS" })
export class ExperienceDrivers {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => Interval)
  interval!: Interval;

  @Field(() => Int)
  lag!: number;

  @Field(() => Int, { description: "Pairs of periods needed for a correlation" })
  minimumPeriods!: number;

  @Field(() => [DriverPeriod], { description: "The grid with its outputs; empty for funders" })
  periods!: DriverPeriod[];

  @Field(() => [KpiCorrelation], { description: "Every INPUT KPI against NPS and against QoE" })
  correlations!: KpiCorrelation[];

  @Field(() => TouchpointDrivers)
  touchpoints!: TouchpointDrivers;

  @Field(() => [String])
  notes!: string[];
}
