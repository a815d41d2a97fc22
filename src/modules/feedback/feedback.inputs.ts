import { Field, ID, InputType, Int } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsIn, IsInt, IsOptional, IsUUID, Max, MaxLength, Min } from "class-validator";
import { AgeBand, Gender, NpsClass, StakeholderKind } from "../../common/enums";
import { MAX_BATCH } from "../../common/batch";

@InputType()
export class AnswerInput {
  @Field({ description: "The question's key" })
  key!: string;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "NPS 0..10, RATING 1..5, EFFORT 1..7 (integers); NUMBER a number within the question's range, at most 2 decimals; YES_NO true/false; CHOICE one of the options; TEXT a string. null: not answered",
  })
  value!: unknown;
}

@InputType({ description: "A beneficiary registered with the response (by external reference); reused if already registered by the same submitter" })
export class NewBeneficiaryInput {
  @Field()
  externalRef!: string;

  @Field(() => Gender, { nullable: true })
  gender?: Gender | null;

  @Field(() => AgeBand, { nullable: true })
  ageBand?: AgeBand | null;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => String, { nullable: true })
  segment?: string | null;
}

@InputType({ description: "One response. Every problem is reported on this item only; the good items of the batch are stored." })
export class FeedbackItemInput {
  @Field({ description: "Made by the client app, unique per organization (max 120): a retry of the same item is recognised" })
  clientSubmissionId!: string;

  @Field(() => ID)
  surveyId!: string;

  @Field(() => Int, { nullable: true, description: "The survey version answered (default: the current one)" })
  surveyVersion?: number | null;

  @Field(() => ID, { nullable: true, description: "An existing stakeholder; or give newBeneficiary" })
  stakeholderId?: string | null;

  @Field(() => NewBeneficiaryInput, { nullable: true })
  newBeneficiary?: NewBeneficiaryInput | null;

  @Field(() => ID, { nullable: true, description: "The touchpoint it follows (required for field partners: one their partner delivers)" })
  touchpointId?: string | null;

  @Field({ description: "When it was collected in the field, ISO 8601 with a time zone, e.g. 2026-03-01T09:30:00Z" })
  collectedAt!: string;

  @Field(() => [AnswerInput])
  answers!: AnswerInput[];

  @Field(() => String, { nullable: true, description: "The verbatim comment (max 4000)" })
  comment?: string | null;
}

@InputType()
export class SubmitFeedbackInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field({ nullable: true, description: "Check every item and report, storing nothing" })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @Field(() => [FeedbackItemInput], { description: `1 to ${MAX_BATCH} responses` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  items!: FeedbackItemInput[];
}

@InputType({ description: "Every field narrows the list" })
export class FeedbackFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "surveyId must be an ID (UUID)" })
  surveyId?: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "touchpointId must be an ID (UUID)" })
  touchpointId?: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "stageId must be an ID (UUID)" })
  stageId?: string;

  @Field(() => StakeholderKind, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(StakeholderKind))
  kind?: StakeholderKind;

  @Field(() => NpsClass, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(NpsClass))
  npsClass?: NpsClass;

  @Field(() => Int, { nullable: true, description: "NPS answer at least" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  minScore?: number;

  @Field(() => Int, { nullable: true, description: "NPS answer at most" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  maxScore?: number;

  @Field({ nullable: true, description: "collectedAt on or after" })
  @IsOptional()
  from?: Date;

  @Field({ nullable: true, description: "collectedAt before" })
  @IsOptional()
  to?: Date;

  @Field({ nullable: true, description: "Words that must all appear in the comment. Not for funders: in `nps` a funder using it gets FORBIDDEN (field filter.text)" })
  @IsOptional()
  @MaxLength(200)
  text?: string;
}
