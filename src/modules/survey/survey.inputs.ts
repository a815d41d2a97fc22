import { NotBlank } from "../../common/validation";
import { Field, ID, InputType } from "type-graphql";
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsIn, IsOptional, IsUUID, Matches, MaxLength, ValidateNested } from "class-validator";
import { QuestionType, StakeholderKind } from "../../common/enums";
import { DecimalScalar } from "../../common/scalars";

export const MAX_QUESTIONS = 10;

@InputType({ description: "One question. Keys are stable across versions so answers can be compared." })
export class QuestionInput {
  @Field({ description: "a-z, 0-9 and _, starting with a letter (max 40), e.g. 'nps', 'fit'" })
  @Matches(/^[a-z][a-z0-9_]{0,39}$/, { message: "key must be a-z, 0-9 or _, starting with a letter (at most 40)" })
  key!: string;

  @Field(() => QuestionType)
  @IsIn(Object.values(QuestionType))
  type!: QuestionType;

  @Field()
  @NotBlank()
  @MaxLength(500)
  text!: string;

  @Field(() => [String], { nullable: true, description: "CHOICE only: 2 to 20 distinct options" })
  @IsOptional()
  @ArrayMaxSize(20)
  @MaxLength(200, { each: true })
  options?: string[] | null;

  @Field({ nullable: true, description: "Default false" })
  @IsOptional()
  @IsBoolean()
  required?: boolean;

  @Field(() => String, { nullable: true, description: 'NUMBER only, and required there: the unit of the answer, e.g. "KES per month" (at most 40 characters)' })
  @IsOptional()
  @MaxLength(40)
  unit?: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: "NUMBER only: the smallest answer accepted" })
  @IsOptional()
  min?: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: "NUMBER only: the largest answer accepted" })
  @IsOptional()
  max?: string | null;
}

@InputType()
export class CreateSurveyInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field()
  @NotBlank()
  @MaxLength(200)
  name!: string;

  @Field(() => StakeholderKind)
  @IsIn(Object.values(StakeholderKind))
  audience!: StakeholderKind;

  @Field(() => ID, { nullable: true, description: "A stage of the audience's lifecycle. With touchpointId it may be left out (it is the touchpoint's stage) and must otherwise be that stage" })
  @IsOptional()
  @IsUUID("all", { message: "stageId must be an ID (UUID)" })
  stageId?: string | null;

  @Field(() => ID, { nullable: true, description: "The touchpoint it usually follows (of the audience's lifecycle); the survey's stage is then the touchpoint's stage" })
  @IsOptional()
  @IsUUID("all", { message: "touchpointId must be an ID (UUID)" })
  touchpointId?: string | null;

  @Field(() => [QuestionInput], { description: `1 to ${MAX_QUESTIONS} questions, asked in this order; a response stores an answer to every one of them it answers` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_QUESTIONS)
  @ValidateNested({ each: true })
  questions!: QuestionInput[];
}

@InputType({ description: "Changing the questions makes a new version; answers already given keep pointing at theirs" })
export class UpdateSurveyInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @NotBlank()
  @MaxLength(200)
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @Field(() => [QuestionInput], { nullable: true })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_QUESTIONS)
  @ValidateNested({ each: true })
  questions?: QuestionInput[];
}
