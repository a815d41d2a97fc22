import { NotBlank } from "../../common/validation";
import { Field, ID, InputType } from "type-graphql";
import { IsDate, IsEmail, IsIn, IsOptional, IsUUID, Matches, MaxLength, ValidateNested } from "class-validator";
import { AgeBand, Gender, StakeholderKind } from "../../common/enums";

@InputType({ description: "Every field narrows the list; omitted fields do not filter" })
export class StakeholderFilter {
  @Field(() => StakeholderKind, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(StakeholderKind))
  kind?: StakeholderKind;

  @Field(() => ID, { nullable: true, description: "Stakeholders currently in this stage" })
  @IsOptional()
  @IsUUID("all", { message: "stageId must be an ID (UUID)" })
  stageId?: string;

  @Field(() => Gender, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(Gender))
  gender?: Gender;

  @Field(() => AgeBand, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(AgeBand))
  ageBand?: AgeBand;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(120)
  region?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(120)
  segment?: string;

  @Field({ nullable: true, description: "Exact external reference" })
  @IsOptional()
  @MaxLength(120)
  externalRef?: string;
}

@InputType({ description: "Personal contact data (kept apart from analytics; readable by admins and staff only)" })
export class ContactInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  fullName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(/^\+?[0-9 ()-]{5,40}$/, { message: "phone must be digits, spaces, brackets or dashes, optionally starting with +" })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsEmail({}, { message: "email must be an email address" })
  @MaxLength(200)
  email?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(500)
  address?: string | null;
}

@InputType()
export class SetContactInput extends ContactInput {
  @Field(() => ID)
  @IsUUID("all", { message: "stakeholderId must be an ID (UUID)" })
  stakeholderId!: string;
}

@InputType()
export class CreateStakeholderInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field(() => StakeholderKind)
  @IsIn(Object.values(StakeholderKind))
  kind!: StakeholderKind;

  @Field({ description: "The organization's own pseudonymous reference; unique per organization and kind" })
  @NotBlank()
  @MaxLength(120)
  externalRef!: string;

  @Field(() => Gender, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(Gender))
  gender?: Gender | null;

  @Field(() => AgeBand, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(AgeBand))
  ageBand?: AgeBand | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(120)
  region?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(120)
  segment?: string | null;

  @Field(() => ID, { nullable: true, description: "The stage it starts in (a stage of its kind's lifecycle)" })
  @IsOptional()
  @IsUUID("all", { message: "stageId must be an ID (UUID)" })
  stageId?: string | null;

  @Field(() => Date, { nullable: true, description: "When it entered that stage (default: now)" })
  @IsOptional()
  @IsDate()
  enteredAt?: Date | null;

  @Field(() => ContactInput, { nullable: true, description: "Contact data, stored apart (field partners may write it, never read it back)" })
  @IsOptional()
  @ValidateNested()
  contact?: ContactInput | null;
}

@InputType({ description: "Omitted fields are kept; null clears an attribute" })
export class UpdateStakeholderInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @NotBlank()
  @MaxLength(120)
  externalRef?: string;

  @Field(() => Gender, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(Gender))
  gender?: Gender | null;

  @Field(() => AgeBand, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(AgeBand))
  ageBand?: AgeBand | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(120)
  region?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(120)
  segment?: string | null;
}

@InputType()
export class MoveStakeholderInput {
  @Field(() => ID)
  @IsUUID("all", { message: "stakeholderId must be an ID (UUID)" })
  stakeholderId!: string;

  @Field(() => ID, { description: "A stage of the stakeholder's own lifecycle" })
  @IsUUID("all", { message: "stageId must be an ID (UUID)" })
  stageId!: string;

  @Field(() => Date, { nullable: true, description: "When it happened (default: now); may be in the past, not in the future" })
  @IsOptional()
  @IsDate()
  occurredAt?: Date | null;
}

@InputType()
export class RecordInteractionInput {
  @Field(() => ID)
  @IsUUID("all", { message: "stakeholderId must be an ID (UUID)" })
  stakeholderId!: string;

  @Field(() => ID, { description: "A touchpoint of the stakeholder's own lifecycle" })
  @IsUUID("all", { message: "touchpointId must be an ID (UUID)" })
  touchpointId!: string;

  @Field(() => Date, { nullable: true, description: "When it happened (default: now); not in the future" })
  @IsOptional()
  @IsDate()
  occurredAt?: Date | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  note?: string | null;
}
