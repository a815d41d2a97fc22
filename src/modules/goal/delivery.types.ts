import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { ExperienceGoal, Intervention } from "./goal.entity";
import { MetricResult } from "../impact/impact.types";
import { Timeliness } from "./delivery";

registerEnumType(Timeliness, {
  name: "InterventionTimeliness",
  description:
    "At the period's end: NOT_STARTED (its start date not yet come, whatever its status), ON_TIME (done, or in progress before its end date), LATE (still planned after its start date, or in progress after its end date), CANCELLED",
});

@ObjectType({ description: "The experience at a goal's touchpoint (or stage) over a window of days: the QoE feedback component with its 95 % interval" })
export class ExperienceWindow {
  @Field({ description: "Start, included" })
  from!: Date;

  @Field({ description: "End, excluded" })
  to!: Date;

  @Field(() => Int, { description: "Scores counted: NPS answers, and each response's rating and effort scores (one per response and type: the mean of its answers of that type)" })
  answers!: number;

  @Field(() => Float, { nullable: true, description: "The feedback component (0..100): NPS mapped (NPS+100)/2, ratings and effort mapped to 0..100, each score counted once; null below the minimum answers" })
  score!: number | null;

  @Field(() => Float, { nullable: true, description: "95 % interval, lower end: mean − 1.96 × s/√n over the scores, clipped to 0..100" })
  low!: number | null;

  @Field(() => Float, { nullable: true, description: "95 % interval, upper end" })
  high!: number | null;

  @Field(() => Float, { nullable: true, description: "NPS (−100..100) of the window's NPS answers; null below the minimum answers" })
  nps!: number | null;

  @Field(() => Int)
  npsAnswers!: number;
}

@ObjectType({ description: "Did the intervention move the experience? The windowDays days before its start day against the windowDays days from it on" })
export class InterventionEffect {
  @Field(() => ExperienceWindow)
  before!: ExperienceWindow;

  @Field(() => ExperienceWindow)
  after!: ExperienceWindow;

  @Field(() => Float, { nullable: true, description: "after.score − before.score; null when either side has too few answers" })
  difference!: number | null;

  @Field(() => Float, { nullable: true, description: "95 % interval of the difference: ± 1.96 × √(s₁²/n₁ + s₂²/n₂)" })
  differenceLow!: number | null;

  @Field(() => Float, { nullable: true })
  differenceHigh!: number | null;

  @Field(() => String, { nullable: true, description: 'Why there is no difference, e.g. "not enough data: 4 before (at least 10 answers on each side)"' })
  note!: string | null;
}

@ObjectType({ description: "One intervention of a goal at the period's end" })
export class InterventionDelivery {
  @Field(() => Intervention)
  intervention!: Intervention;

  @Field(() => Timeliness)
  timeliness!: Timeliness;

  @Field({ description: 'Why, in words, e.g. "still planned though due to start on 2026-10-01"' })
  reason!: string;

  @Field(() => InterventionEffect, { nullable: true, description: "Null when it has not started (planned or cancelled, or its start date after the period's end)" })
  effect!: InterventionEffect | null;
}

@ObjectType()
export class InterventionCounts {
  @Field(() => Int)
  onTime!: number;

  @Field(() => Int)
  late!: number;

  @Field(() => Int)
  notStarted!: number;

  @Field(() => Int)
  cancelled!: number;
}

@ObjectType({ description: "Whether an experience goal is delivered over a period" })
export class GoalDelivery {
  @Field(() => ExperienceGoal)
  goal!: ExperienceGoal;

  @Field({ description: "TOUCHPOINT when the experience is read at the goal's touchpoint, STAGE when the goal has a stage only" })
  scoredAt!: string;

  @Field(() => [MetricResult], { description: "Its input KPIs over the period: actual against target, attainment 0..100" })
  kpis!: MetricResult[];

  @Field(() => Float, { nullable: true, description: "Mean attainment of the KPIs that have one; null when none has" })
  kpiAttainment!: number | null;

  @Field(() => InterventionCounts)
  interventionCounts!: InterventionCounts;

  @Field(() => [InterventionDelivery], { description: "All its interventions, by start date" })
  interventions!: InterventionDelivery[];
}

@ObjectType({ description: "Experience goals over a period: KPIs attained, interventions on time, and the experience before and after each intervention started" })
export class GoalDeliveryReport {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => Int, { description: "Days on each side of an intervention's start day" })
  windowDays!: number;

  @Field(() => Int, { description: "Answers a window needs for a score" })
  minimumAnswers!: number;

  @Field(() => [GoalDelivery])
  goals!: GoalDelivery[];
}
