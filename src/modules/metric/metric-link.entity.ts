import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ObjectType, registerEnumType } from "type-graphql";

export enum OutcomeMeasure {
  MEAN = "MEAN",
  SUM = "SUM",
  SHARE_YES = "SHARE_YES",
  SHARE_OPTION = "SHARE_OPTION",
}
registerEnumType(OutcomeMeasure, {
  name: "OutcomeMeasure",
  description:
    "How a metric linked to a question is computed from the answers collected in a period: MEAN (AVERAGE metrics) or SUM (SUM metrics) of NUMBER or RATING answers; SHARE_YES, the percentage answering yes to a YES_NO question; SHARE_OPTION, the percentage choosing `option` of a CHOICE question (both PERCENT metrics, AVERAGE)",
});

@Entity({ name: "metric_question_links" })
@ObjectType("MetricSource", { description: "Where a metric's values come from when they are computed from survey answers instead of typed-in observations", simpleResolvers: true })
export class MetricQuestionLink {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn({ name: "metric_id", type: "uuid" })
  metricId!: string;

  @Column({ name: "survey_id", type: "uuid" })
  surveyId!: string;

  @Column({ name: "question_key", type: "varchar", length: 40 })
  @Field({ description: "The question's key: the link holds across the survey's versions (answers to questions of that key, of the type the measure takes)" })
  questionKey!: string;

  @Column({ type: "varchar", length: 20 })
  @Field(() => OutcomeMeasure)
  measure!: OutcomeMeasure;

  @Column({ type: "varchar", length: 200, nullable: true })
  @Field(() => String, { nullable: true, description: "SHARE_OPTION: the option counted" })
  option!: string | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
