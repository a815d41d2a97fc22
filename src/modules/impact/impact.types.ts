import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { GraphQLSafeInt } from "graphql-scalars";
import { DecimalScalar, Money } from "../../common/scalars";
import { Interval, StakeholderKind } from "../../common/enums";
import { Metric } from "../metric/metric.entity";
import { Offering } from "../sales/sales.entity";
import { Stage } from "../lifecycle/stage.entity";
import { SuppressionInfo } from "../lifecycle/funnel.types";

@ObjectType({ description: "A metric's value for a period against its target; every part explained" })
export class MetricResult {
  @Field(() => Metric)
  metric!: Metric;

  @Field(() => DecimalScalar, { nullable: true, description: "Null when there is no data (missing, not zero) or when suppressed" })
  actual!: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  target!: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  baseline!: string | null;

  @Field(() => Float, { nullable: true, description: "Progress from baseline to target in the metric's direction, 0..100; null when actual or target is missing" })
  attainment!: number | null;

  @Field(() => Int, { description: "Observations the actual was computed from" })
  observations!: number;

  @Field(() => Int, { nullable: true, description: "People the observations were computed from, when reported" })
  sampleSize!: number | null;

  @Field(() => String, { nullable: true, description: "When the total was summed from the parts of one dimension (SUM metrics recorded only disaggregated)" })
  derivedFromDimension!: string | null;

  @Field({ description: "True when hidden by small-cell suppression (funders)" })
  suppressed!: boolean;
}

@ObjectType({ description: "What sales created at the point of sale" })
export class SaleTotals {
  @Field(() => Int)
  sales!: number;

  @Field(() => GraphQLSafeInt)
  unitsSold!: number;

  @Field(() => Money)
  revenue!: Money;

  @Field(() => Money, { description: "Share of revenue and fixed amounts given" })
  contribution!: Money;

  @Field(() => DecimalScalar)
  unitsGiven!: string;

  @Field(() => GraphQLSafeInt, { description: "Whole beneficiaries funded (the exact value rounded down)" })
  beneficiariesFunded!: number;

  @Field(() => DecimalScalar, { description: "Exact beneficiaries funded, fractions included" })
  beneficiariesFundedExact!: string;
}

@ObjectType()
export class OfferingImpact extends SaleTotals {
  @Field(() => Offering)
  offering!: Offering;
}

@ObjectType({ description: "Impact created at the point of sale over [from, to)" })
export class ImpactAtSale {
  @Field(() => ID)
  organizationId!: string;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => SaleTotals)
  totals!: SaleTotals;

  @Field(() => [OfferingImpact], { description: "Every offering with sales in the period or active" })
  offerings!: OfferingImpact[];

  @Field(() => [MetricResult], { description: "The AT_SALE social metrics" })
  socialMetrics!: MetricResult[];
}

@ObjectType({ description: "Stakeholders in one IN_USE stage over [from, to)" })
export class InUseStage {
  @Field(() => Stage)
  stage!: Stage;

  @Field(() => StakeholderKind)
  kind!: StakeholderKind;

  @Field(() => Int, { nullable: true, description: "Distinct stakeholders who entered it during the period" })
  entered!: number | null;

  @Field(() => Int, { nullable: true, description: "Stakeholders in it at the end of the period" })
  active!: number | null;

  @Field(() => Int, { nullable: true, description: "Distinct stakeholders who left it during the period" })
  left!: number | null;

  @Field(() => [MetricResult], { description: "Outcomes: the IN_USE social metrics linked to this stage" })
  outcomes!: MetricResult[];

  @Field(() => [String], { description: "Fields hidden by small-cell suppression (funders)" })
  suppressed!: string[];
}

@ObjectType({ description: "Impact in use over [from, to): who is in the IN_USE stages, and the IN_USE social metrics" })
export class ImpactInUse {
  @Field(() => ID)
  organizationId!: string;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => SuppressionInfo)
  suppression!: SuppressionInfo;

  @Field(() => Int, { nullable: true, description: "Distinct stakeholders in any IN_USE stage at some time during the period" })
  stakeholdersInUse!: number | null;

  @Field(() => [InUseStage])
  stages!: InUseStage[];

  @Field(() => [MetricResult], { description: "Every IN_USE social metric" })
  socialMetrics!: MetricResult[];
}

@ObjectType({ description: "An amount now, in the previous period of the same length, and the change" })
export class MoneyChange {
  @Field(() => Money)
  current!: Money;

  @Field(() => Money)
  previous!: Money;

  @Field(() => Money)
  change!: Money;

  @Field(() => Float, { nullable: true, description: "Change in percent of the previous amount; null when it was 0" })
  changePercent!: number | null;
}

@ObjectType()
export class DecimalChange {
  @Field(() => DecimalScalar, { nullable: true })
  current!: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  previous!: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: "current - previous; null when either is missing" })
  change!: string | null;
}

@ObjectType()
export class CountChange {
  @Field(() => Int, { nullable: true })
  current!: number | null;

  @Field(() => Int, { nullable: true })
  previous!: number | null;

  @Field(() => Int, { nullable: true })
  change!: number | null;
}

@ObjectType({ description: "A metric now and in the previous period of the same length" })
export class MetricComparison {
  @Field(() => Metric)
  metric!: Metric;

  @Field(() => MetricResult)
  current!: MetricResult;

  @Field(() => MetricResult)
  previous!: MetricResult;

  @Field(() => DecimalScalar, { nullable: true, description: "current.actual - previous.actual" })
  change!: string | null;

  @Field(() => Float, { nullable: true, description: "current.attainment - previous.attainment, in points" })
  attainmentChange!: number | null;
}

@ObjectType({ description: "The business bottom line" })
export class BusinessSide {
  @Field(() => MoneyChange)
  revenue!: MoneyChange;

  @Field(() => CountChange)
  sales!: CountChange;

  @Field(() => [MetricComparison], { description: "KPIs against their targets" })
  kpis!: MetricComparison[];
}

@ObjectType({ description: "The social bottom line" })
export class SocialSide {
  @Field(() => MoneyChange, { description: "Impact at sale: contribution given" })
  contribution!: MoneyChange;

  @Field(() => DecimalChange, { description: "Impact at sale: units given" })
  unitsGiven!: DecimalChange;

  @Field(() => DecimalChange, { description: "Impact at sale: beneficiaries funded (exact)" })
  beneficiariesFunded!: DecimalChange;

  @Field(() => CountChange, { description: "Impact in use: distinct stakeholders in IN_USE stages during the period" })
  stakeholdersInUse!: CountChange;

  @Field(() => [MetricComparison], { description: "Social metrics against their targets" })
  socialMetrics!: MetricComparison[];
}

@ObjectType({ description: "Both bottom lines side by side for [from, to), with the change from the previous period of the same length" })
export class DoubleBottomLine {
  @Field(() => ID)
  organizationId!: string;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field()
  previousFrom!: Date;

  @Field()
  previousTo!: Date;

  @Field(() => SuppressionInfo)
  suppression!: SuppressionInfo;

  @Field(() => BusinessSide)
  business!: BusinessSide;

  @Field(() => SocialSide)
  social!: SocialSide;
}

@ObjectType()
export class SeriesGroup {
  @Field({ description: "The dimension's value" })
  value!: string;

  @Field(() => DecimalScalar, { nullable: true, description: "Null when suppressed" })
  actual!: string | null;

  @Field(() => Int)
  observations!: number;

  @Field()
  suppressed!: boolean;
}

@ObjectType({ description: "One bucket of a series" })
export class SeriesPoint {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => DecimalScalar, { nullable: true })
  actual!: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  target!: string | null;

  @Field(() => Float, { nullable: true })
  attainment!: number | null;

  @Field(() => Int)
  observations!: number;

  @Field(() => String, { nullable: true })
  derivedFromDimension!: string | null;

  @Field({ description: "True when the actual is hidden by small-cell suppression (funders)" })
  suppressed!: boolean;

  @Field(() => [SeriesGroup], { nullable: true, description: "Split by the requested dimension (observations recorded with exactly that one dimension)" })
  groups!: SeriesGroup[] | null;
}

@ObjectType({ description: "A metric over time, actual against target per bucket" })
export class MetricSeries {
  @Field(() => Metric)
  metric!: Metric;

  @Field(() => Interval)
  interval!: Interval;

  @Field(() => String, { nullable: true })
  dimension!: string | null;

  @Field({ description: "True when the parts of a split add up to the total: only for SUM metrics" })
  groupsAddUp!: boolean;

  @Field(() => SuppressionInfo)
  suppression!: SuppressionInfo;

  @Field(() => [SeriesPoint])
  points!: SeriesPoint[];
}
