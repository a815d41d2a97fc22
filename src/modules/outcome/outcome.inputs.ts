import { Field, ID, InputType } from "type-graphql";
import { IsOptional, IsUUID, Matches, MaxLength } from "class-validator";

@InputType({ description: "Computes a SOCIAL metric from the answers to one question of a survey (by the question's key, across the survey's versions)" })
export class LinkMetricToQuestionInput {
  @Field(() => ID)
  @IsUUID("all", { message: "metricId must be an ID (UUID)" })
  metricId!: string;

  @Field(() => ID)
  @IsUUID("all", { message: "surveyId must be an ID (UUID)" })
  surveyId!: string;

  @Field({ description: "The key of a NUMBER, RATING, YES_NO or CHOICE question of the survey's current version" })
  @Matches(/^[a-z][a-z0-9_]{0,39}$/, { message: "questionKey must be a-z, 0-9 or _, starting with a letter (at most 40)" })
  questionKey!: string;

  @Field(() => String, { nullable: true, description: "CHOICE only, and required there: the option whose share the metric is" })
  @IsOptional()
  @MaxLength(200)
  option?: string | null;
}
