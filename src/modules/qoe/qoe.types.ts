import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { IsNumber, IsOptional, Max, Min } from "class-validator";
import { Interval } from "../../common/enums";
import { Dimension, SuppressionInfo } from "../lifecycle/funnel.types";

export enum QoeGroupBy {
  NONE = "NONE",
  STAGE = "STAGE",
  TOUCHPOINT = "TOUCHPOINT",
  PERIOD = "PERIOD",
  DIMENSION = "DIMENSION",
}
registerEnumType(QoeGroupBy, { name: "QoeGroupBy" });

export enum QoePerspective {
  CUSTOMER = "CUSTOMER",
  USER = "USER",
  BENEFICIARY = "BENEFICIARY",
}
registerEnumType(QoePerspective, {
  name: "QoePerspective",
  description: "CUSTOMER: customer feedback, customer KPIs, customer loops. USER: feedback given at IN_USE stages. BENEFICIARY: beneficiary feedback, social metrics, beneficiary loops.",
});

export enum QoeComponentKind {
  FEEDBACK = "FEEDBACK",
  KPI_ATTAINMENT = "KPI_ATTAINMENT",
  SOCIAL_ATTAINMENT = "SOCIAL_ATTAINMENT",
  LOOP_CLOSURE = "LOOP_CLOSURE",
}
registerEnumType(QoeComponentKind, {
  name: "QoeComponentKind",
  description:
    "FEEDBACK: NPS as (NPS+100)/2, ratings r on 1..5 as (r-1)/4*100, effort e on 1..7 as (e-1)/6*100, weighted by answers. KPI_ATTAINMENT / SOCIAL_ATTAINMENT: mean attainment of the metrics (0..100). LOOP_CLOSURE: share of the actions due in the period whose loop was closed by the due date.",
});

@ObjectType({ description: "One ingredient of a component, e.g. the NPS part of feedback, or one metric's attainment" })
export class QoePart {
  @Field()
  name!: string;

  @Field(() => Float, { nullable: true, description: "On 0..100" })
  value!: number | null;

  @Field(() => Float, { nullable: true, description: "The raw figure before mapping to 0..100 (an NPS, a mean rating, an attainment, the actions closed on time)" })
  raw!: number | null;

  @Field(() => Int, { nullable: true, description: "Answers, metrics (1) or actions due it was computed from; null when hidden" })
  sampleSize!: number | null;

  @Field({ description: "True when hidden for a funder (small-cell suppression): value, raw and sampleSize are null, and the part is left out of its component" })
  suppressed!: boolean;
}

@ObjectType({ description: "A component of a perspective's score, with what it was made of" })
export class QoeComponent {
  @Field(() => QoeComponentKind)
  kind!: QoeComponentKind;

  @Field(() => Float, { nullable: true, description: "0..100; null when missing (left out, never counted as 0)" })
  value!: number | null;

  @Field(() => Float, { description: "Its weight within the perspective" })
  weight!: number;

  @Field(() => Int, { nullable: true, description: "Answers, metrics or actions its value was computed from (the parts shown); null when every part is hidden for a funder" })
  sampleSize!: number | null;

  @Field({ description: "True when left out of the perspective's score: no data, or every part hidden for a funder" })
  missing!: boolean;

  @Field({ description: "True when some of its parts (or its whole group) are hidden for a funder: the value is computed from the parts shown" })
  suppressed!: boolean;

  @Field(() => [QoePart])
  parts!: QoePart[];
}

@ObjectType()
export class QoePerspectiveScore {
  @Field(() => QoePerspective)
  perspective!: QoePerspective;

  @Field(() => Float, { nullable: true, description: "Weighted mean of the components present; null when none is" })
  score!: number | null;

  @Field(() => Float, { description: "Its weight in the overall score" })
  weight!: number;

  @Field(() => [QoeComponent])
  components!: QoeComponent[];

  @Field(() => [QoeComponentKind], { description: "Components with no data, left out" })
  missing!: QoeComponentKind[];
}

@ObjectType({ description: "The quality of experience of one group (or of everything)" })
export class QoeGroup {
  organizationId!: string;

  @Field({ description: "Stage or touchpoint id, period number, dimension value, or 'all'" })
  key!: string;

  @Field({ description: "Human label: the stage or touchpoint name, the period, the value" })
  label!: string;

  @Field(() => ID, { nullable: true })
  stageId!: string | null;

  @Field(() => ID, { nullable: true })
  touchpointId!: string | null;

  @Field(() => Date, { nullable: true })
  from!: Date | null;

  @Field(() => Date, { nullable: true })
  to!: Date | null;

  @Field(() => Float, { nullable: true, description: "Weighted mean of the perspectives present, 0..100" })
  score!: number | null;

  @Field(() => Int, { nullable: true, description: "Distinct stakeholders whose feedback counted; null when hidden for a funder" })
  people!: number | null;

  @Field(() => [QoePerspectiveScore])
  perspectives!: QoePerspectiveScore[];

  @Field(() => [QoePerspective], { description: "Perspectives with no data at all, left out" })
  missingPerspectives!: QoePerspective[];

  @Field({
    description:
      "True when hidden for a funder: fewer than k people gave feedback, or the group is hidden so that the total cannot reveal a small one. Then people, score and every component and part are null (parts empty)",
  })
  suppressed!: boolean;
}

@ObjectType()
export class QoeWeights {
  @Field(() => Float)
  customer!: number;
  @Field(() => Float)
  user!: number;
  @Field(() => Float)
  beneficiary!: number;
  @Field(() => Float)
  feedback!: number;
  @Field(() => Float)
  kpiAttainment!: number;
  @Field(() => Float)
  socialAttainment!: number;
  @Field(() => Float)
  loopClosure!: number;
}

@InputType({ description: "Weights 0..100; omitted ones stay as they are (1 by default)" })
export class QoeWeightsInput {
  @Field(() => Float, { nullable: true }) @IsOptional() @IsNumber() @Min(0) @Max(100) customer?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() @IsNumber() @Min(0) @Max(100) user?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() @IsNumber() @Min(0) @Max(100) beneficiary?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() @IsNumber() @Min(0) @Max(100) feedback?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() @IsNumber() @Min(0) @Max(100) kpiAttainment?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() @IsNumber() @Min(0) @Max(100) socialAttainment?: number;
  @Field(() => Float, { nullable: true }) @IsOptional() @IsNumber() @Min(0) @Max(100) loopClosure?: number;
}

@ObjectType({ description: "Quality of experience over [from, to): one explainable score, its perspectives and components, and the groups asked for (worst first)" })
export class QualityOfExperience {
  @Field(() => ID)
  organizationId!: string;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => QoeGroupBy)
  groupBy!: QoeGroupBy;

  @Field(() => Interval, { nullable: true })
  interval!: Interval | null;

  @Field(() => Dimension, { nullable: true })
  dimension!: Dimension | null;

  @Field(() => QoeWeights)
  weights!: QoeWeights;

  @Field(() => SuppressionInfo)
  suppression!: SuppressionInfo;

  @Field(() => QoeGroup, { description: "Everything in the period" })
  overall!: QoeGroup;

  @Field(() => [QoeGroup], { description: "Lowest score first (chronological for PERIOD); empty for NONE" })
  groups!: QoeGroup[];
}
