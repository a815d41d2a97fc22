import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { StakeholderKind } from "../../common/enums";
import { Stage } from "./stage.entity";

export enum Dimension {
  GENDER = "GENDER",
  AGE_BAND = "AGE_BAND",
  REGION = "REGION",
  SEGMENT = "SEGMENT",
}
registerEnumType(Dimension, { name: "Dimension", description: "A stakeholder attribute results are disaggregated by" });

/** The stakeholders column behind each dimension. */
export const DIMENSION_COLUMN: Record<Dimension, string> = {
  GENDER: "gender",
  AGE_BAND: "age_band",
  REGION: "region",
  SEGMENT: "segment",
};

@ObjectType({ description: "How small-cell suppression was applied to a view" })
export class SuppressionInfo {
  @Field({ description: "True for funders: groups of fewer than `threshold` distinct stakeholders are hidden" })
  applied!: boolean;

  @Field(() => Int)
  threshold!: number;

  @Field(() => Int, {
    nullable: true,
    description:
      "For funders, where counts of people are adjusted by the cell-key method: the largest adjustment (the organization's perturbationMaximum); null when counts are true",
  })
  perturbationMaximum?: number | null;

  @Field(() => String, { nullable: true, description: "For funders, where counts of people are adjusted: what that means for the figures (totals are adjusted on their own)" })
  note?: string | null;
}

@ObjectType({ description: "One value of the dimension within a funnel stage" })
export class FunnelGroup {
  @Field(() => String, { nullable: true, description: "The dimension's value; null when not recorded" })
  value!: string | null;

  @Field(() => Int, { nullable: true, description: "Null when suppressed" })
  entered!: number | null;

  @Field(() => Int, { nullable: true })
  movedOn!: number | null;

  @Field(() => Int, { nullable: true })
  inStageAtEnd!: number | null;

  @Field(() => Int, { nullable: true })
  current!: number | null;

  @Field(() => [String], { description: "The fields hidden by small-cell suppression" })
  suppressed!: string[];
}

@ObjectType({ description: "One stage of a lifecycle funnel over a period [from, to). Counts are null only when suppressed for a funder." })
export class FunnelStage {
  @Field(() => Stage)
  stage!: Stage;

  @Field(() => Int, { nullable: true, description: "Distinct stakeholders who entered the stage during the period" })
  entered!: number | null;

  @Field(() => Int, { nullable: true, description: "Distinct stakeholders who left the stage for another one during the period" })
  movedOn!: number | null;

  @Field(() => Int, { nullable: true, description: "Stakeholders in the stage at the end of the period (at `to`)" })
  inStageAtEnd!: number | null;

  @Field(() => Int, { nullable: true, description: "Stakeholders in the stage now" })
  current!: number | null;

  @Field(() => Int, { nullable: true, description: "Stays in the stage that ended during the period: the sample of the median" })
  completedStays!: number | null;

  @Field(() => Float, { nullable: true, description: "Median time spent in the stage, in days, over the stays that ended during the period; null when none did" })
  medianDaysInStage!: number | null;

  @Field(() => Float, { nullable: true, description: "entered / entered of the previous stage; null for the first stage or when the previous stage had no entries" })
  conversionFromPrevious!: number | null;

  @Field(() => [String], { description: "The fields hidden by small-cell suppression (funders only)" })
  suppressed!: string[];

  @Field(() => [FunnelGroup], { nullable: true, description: "Split by the requested dimension; null without one" })
  groups!: FunnelGroup[] | null;
}

@ObjectType({ description: "The lifecycle of one stakeholder kind as a funnel over a period [from, to)" })
export class LifecycleFunnel {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => StakeholderKind)
  kind!: StakeholderKind;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => Dimension, { nullable: true })
  dimension!: Dimension | null;

  @Field(() => SuppressionInfo)
  suppression!: SuppressionInfo;

  @Field(() => [FunnelStage], { description: "In lifecycle order" })
  stages!: FunnelStage[];
}
