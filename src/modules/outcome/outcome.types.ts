import { Field, Float, Int, ObjectType } from "type-graphql";
import { Metric } from "../metric/metric.entity";

@ObjectType({
  description:
    "Distance travelled on an outcome metric computed from survey answers: per person, the first answer in the period (baseline) against the latest (follow-up, a later response); over the people with both, how many improved, stayed the same or worsened in the metric's direction, and the mean change with a 95 % interval (Student's t, n − 1 degrees of freedom). A share's answers count 100 (yes, or the option) or 0, so its changes are in percentage points. For funders: groups of fewer people than the threshold hidden (with a complement among improved, same and worse), counts adjusted by the cell-key method and shares computed from the adjusted counts.",
  simpleResolvers: true,
})
export class DistanceTravelled {
  @Field(() => Metric)
  metric!: Metric;

  @Field(() => Int, { nullable: true, description: "People with at least one answer (a baseline); null when hidden" })
  withBaseline!: number | null;

  @Field(() => Int, { nullable: true, description: "People with a baseline and a later follow-up; null when hidden" })
  measured!: number | null;

  @Field(() => Int, { nullable: true, description: "People with a baseline and no follow-up yet; null when hidden" })
  lackingFollowUp!: number | null;

  @Field(() => Int, { nullable: true })
  improved!: number | null;

  @Field(() => Int, { nullable: true })
  same!: number | null;

  @Field(() => Int, { nullable: true })
  worse!: number | null;

  @Field(() => Float, { nullable: true, description: "improved ÷ measured, 0..1 (4 decimals)" })
  improvedShare!: number | null;

  @Field(() => Float, { nullable: true })
  sameShare!: number | null;

  @Field(() => Float, { nullable: true })
  worseShare!: number | null;

  @Field(() => Float, { nullable: true, description: "Mean baseline of the people measured, in the question's unit (a share: percent)" })
  baselineMean!: number | null;

  @Field(() => Float, { nullable: true, description: "Mean follow-up of the people measured" })
  followUpMean!: number | null;

  @Field(() => Float, { nullable: true, description: "Mean of follow-up − baseline (not signed by direction: a fall in kerosene spend is negative); null below the minimum" })
  meanChange!: number | null;

  @Field(() => Float, { nullable: true, description: "95 % interval of the mean change: low" })
  meanChangeLow!: number | null;

  @Field(() => Float, { nullable: true, description: "95 % interval of the mean change: high" })
  meanChangeHigh!: number | null;

  @Field(() => String, { nullable: true, description: 'Why there is no mean change, e.g. "fewer than 5 people with a baseline and a follow-up answer"' })
  notEnoughData!: string | null;

  @Field({ description: "True when any figure is hidden from a funder" })
  suppressed!: boolean;
}
