import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
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
