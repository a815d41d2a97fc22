import { CustomerValue } from "../value/value.types";
import { ProgrammeChain } from "../chain/chain.types";
import { NotBlank } from "../../common/validation";
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { IsDate, IsUUID, MaxLength } from "class-validator";
import { Organization } from "../organization/organization.entity";
import { Metric } from "../metric/metric.entity";
import { DecimalScalar } from "../../common/scalars";
import { Dimension, SuppressionInfo } from "../lifecycle/funnel.types";
import { ImpactAtSale, ImpactInUse, SaleTotals } from "../impact/impact.types";
import { QoePerspectiveScore } from "../qoe/qoe.types";
import { NpsResult } from "../feedback/feedback.types";

export enum ReportNoteKind {
  SUPPRESSED = "SUPPRESSED",
  MISSING = "MISSING",
  /** For funders: counts of people adjusted by the cell-key method. */
  ADJUSTED = "ADJUSTED",
}
registerEnumType(ReportNoteKind, { name: "ReportNoteKind" });

@ObjectType()
export class Period {
  @Field()
  from!: Date;

  @Field()
  to!: Date;
}

@InputType()
export class PeriodInput {
  @Field()
  @IsDate()
  from!: Date;

  @Field()
  @IsDate()
  to!: Date;
}

@ObjectType({ description: "The organization's own words for a period; every edit is a new version" })
export class Narrative {
  @Field()
  text!: string;

  @Field(() => Int)
  version!: number;

  @Field()
  createdAt!: Date;
}

@InputType()
export class SetReportNarrativeInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field()
  @IsDate()
  from!: Date;

  @Field()
  @IsDate()
  to!: Date;

  @Field({ description: "Plain text, paragraphs separated by blank lines (max 20000)" })
  @NotBlank()
  @MaxLength(20000)
  text!: string;
}

@ObjectType({ description: "A reportable metric: baseline, target, actual and attainment for the period, and the comparison period's actual" })
export class ReportMetric {
  @Field(() => Metric)
  metric!: Metric;

  @Field(() => DecimalScalar, { nullable: true })
  baseline!: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  target!: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  actual!: string | null;

  @Field(() => Float, { nullable: true })
  attainment!: number | null;

  @Field(() => DecimalScalar, { nullable: true })
  previousActual!: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: "actual - previousActual" })
  change!: string | null;

  @Field(() => Int, { nullable: true })
  sampleSize!: number | null;

  @Field()
  suppressed!: boolean;
}

@ObjectType()
export class ReportExperience {
  @Field(() => QoePerspectiveScore, { nullable: true, description: "The QoE perspective (customer or beneficiary)" })
  qoe!: QoePerspectiveScore | null;

  @Field(() => NpsResult)
  nps!: NpsResult;
}

@ObjectType({
  description:
    "Follow-up actions due in the period, as in actionSummary: closed on time (loop closed by the due date, even when it is still ahead), closed late, not closed and past due. For funders, counts of fewer than k actions are hidden (null) with complements: these are the totals of actionSummary's owners, suppressed with them, so that the two together give no hidden count back",
})
export class ReportLoops {
  @Field(() => Int, { nullable: true, description: "closedOnTime + closedLate + notClosed" })
  due!: number | null;

  @Field(() => Int, { nullable: true })
  closedOnTime!: number | null;

  @Field(() => Int, { nullable: true })
  closedLate!: number | null;

  @Field(() => Int, { nullable: true })
  notClosed!: number | null;

  @Field(() => Float, { nullable: true, description: "closedOnTime / due x 100, 2 decimals" })
  onTimeRate!: number | null;
}

@ObjectType()
export class ReportCell {
  @Field({ description: "The dimension's value, or '(not recorded)'" })
  value!: string;

  @Field(() => Int, { nullable: true, description: "Null when suppressed" })
  count!: number | null;

  @Field()
  suppressed!: boolean;
}

@ObjectType({ description: "Stakeholders in IN_USE stages during the period, split by one dimension, small cells suppressed for funders" })
export class ReportDisaggregation {
  @Field()
  subject!: string;

  @Field(() => Dimension)
  dimension!: Dimension;

  @Field(() => Int, { nullable: true })
  total!: number | null;

  @Field(() => [ReportCell])
  cells!: ReportCell[];
}

@ObjectType({ description: "Something hidden (small-cell suppression) or missing (no data), and why" })
export class ReportNote {
  @Field()
  section!: string;

  @Field()
  item!: string;

  @Field(() => ReportNoteKind)
  kind!: ReportNoteKind;

  @Field()
  reason!: string;
}

@ObjectType({ description: "An impact report a funder can trust: both bottom lines for a period against a comparison period, with what was hidden or missing and why" })
export class ImpactReport {
  @Field(() => Organization)
  organization!: Organization;

  @Field(() => Period)
  period!: Period;

  @Field(() => Period)
  comparison!: Period;

  @Field()
  generatedAt!: Date;

  @Field(() => SuppressionInfo)
  suppression!: SuppressionInfo;

  @Field(() => Narrative, { nullable: true, description: "The latest version of the organization's narrative for exactly this period" })
  narrative!: Narrative | null;

  @Field(() => ImpactAtSale)
  impactAtSale!: ImpactAtSale;

  @Field(() => SaleTotals, { description: "Impact at sale in the comparison period" })
  previousImpactAtSale!: SaleTotals;

  @Field(() => ImpactInUse)
  impactInUse!: ImpactInUse;

  @Field(() => Int, { nullable: true, description: "Stakeholders in use in the comparison period" })
  previousStakeholdersInUse!: number | null;

  @Field(() => [ReportMetric], { description: "Every metric marked reportable" })
  metrics!: ReportMetric[];

  @Field(() => ReportExperience)
  customerExperience!: ReportExperience;

  @Field(() => ReportExperience)
  beneficiaryExperience!: ReportExperience;

  @Field(() => Float, { nullable: true, description: "Overall quality of experience" })
  qualityOfExperience!: number | null;

  @Field(() => ReportLoops)
  loops!: ReportLoops;

  @Field(() => [ReportDisaggregation])
  disaggregations!: ReportDisaggregation[];

  @Field(() => [ProgrammeChain], { description: "The impact chain of every programme over the period, as impactChain gives it (funders: the same suppression and adjustment)" })
  impactChain!: ProgrammeChain[];

  /** Set when the report was made with it (the page and the downloads); GraphQL resolves the field on demand (report.resolver.ts). */
  experienceValue?: CustomerValue;

  @Field(() => [ReportNote])
  notes!: ReportNote[];
}

