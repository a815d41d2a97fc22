import { Field, ID, InputType } from "type-graphql";
import { ArrayMaxSize, IsOptional, IsUUID, Matches, MaxLength } from "class-validator";
import { DecimalScalar } from "../../common/scalars";
import { NotBlank } from "../../common/validation";

/** A programme is delivered by a handful of partners, not hundreds. */
export const MAX_PROGRAMME_PARTNERS = 50;

const DECIMAL = /^\d{1,8}(\.\d{1,4})?$/;

@InputType({ description: "A programme. Its active period is [activeFrom, activeTo); leave activeTo out while it runs." })
export class CreateProgrammeInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field()
  @NotBlank()
  @MaxLength(200)
  name!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  description?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(120)
  region?: string | null;

  @Field(() => String, { nullable: true, description: 'What one delivered unit is, e.g. "pair of shoes"' })
  @IsOptional()
  @MaxLength(120)
  unitOfDelivery?: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: "Beneficiaries one delivered unit serves (more than 0, up to 4 decimals)" })
  @IsOptional()
  @Matches(DECIMAL, { message: "beneficiariesPerUnit must be more than 0, with at most 4 decimals" })
  beneficiariesPerUnit?: string | null;

  @Field(() => [ID], { nullable: true, description: `The partners that deliver it (up to ${MAX_PROGRAMME_PARTNERS})` })
  @IsOptional()
  @ArrayMaxSize(MAX_PROGRAMME_PARTNERS)
  partnerIds?: string[] | null;

  @Field()
  activeFrom!: Date;

  @Field(() => Date, { nullable: true })
  @IsOptional()
  activeTo?: Date | null;
}

@InputType({ description: "Omitted fields are kept; null clears an optional one. partnerIds, when given, replaces the set of partners." })
export class UpdateProgrammeInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @NotBlank()
  @MaxLength(200)
  name?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  description?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(120)
  region?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(120)
  unitOfDelivery?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  @IsOptional()
  @Matches(DECIMAL, { message: "beneficiariesPerUnit must be more than 0, with at most 4 decimals" })
  beneficiariesPerUnit?: string | null;

  @Field(() => [ID], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_PROGRAMME_PARTNERS)
  partnerIds?: string[] | null;

  @Field({ nullable: true })
  @IsOptional()
  activeFrom?: Date;

  @Field(() => Date, { nullable: true })
  @IsOptional()
  activeTo?: Date | null;
}

@InputType()
export class EnrolBeneficiaryInput {
  @Field(() => ID)
  programmeId!: string;

  @Field(() => ID, { description: "A BENEFICIARY stakeholder" })
  beneficiaryId!: string;

  @Field(() => ID, { nullable: true, description: "The partner that enrolled them; it must deliver the programme. A field partner's key enrols as its own partner." })
  partnerId?: string | null;

  @Field({ nullable: true, description: "When they were enrolled (default: now); not in the future" })
  enrolledAt?: Date;
}

@InputType()
export class UnenrolBeneficiaryInput {
  @Field(() => ID)
  programmeId!: string;

  @Field(() => ID)
  beneficiaryId!: string;
}
