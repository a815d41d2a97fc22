import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { StakeholderKind } from "../../common/enums";
import { Stage } from "./stage.entity";

@ObjectType({ description: "One stage of a lifecycle funnel over a period [from, to)" })
export class FunnelStage {
  @Field(() => Stage)
  stage!: Stage;

  @Field(() => Int, { description: "Distinct stakeholders who entered the stage during the period" })
  entered!: number;

  @Field(() => Int, { description: "Distinct stakeholders who left the stage for another one during the period" })
  movedOn!: number;

  @Field(() => Int, { description: "Stakeholders in the stage at the end of the period (at `to`)" })
  inStageAtEnd!: number;

  @Field(() => Int, { description: "Stakeholders in the stage now" })
  current!: number;

  @Field(() => Int, { description: "Stays in the stage that ended during the period: the sample of the median" })
  completedStays!: number;

  @Field(() => Float, { nullable: true, description: "Median time spent in the stage, in days, over the stays that ended during the period; null when none did" })
  medianDaysInStage!: number | null;

  @Field(() => Float, { nullable: true, description: "entered / entered of the previous stage (0..n); null for the first stage or when the previous stage had no entries" })
  conversionFromPrevious!: number | null;
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

  @Field(() => [FunnelStage], { description: "In lifecycle order" })
  stages!: FunnelStage[];
}
