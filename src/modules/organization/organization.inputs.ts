import { NotBlank } from "../../common/validation";
import { Field, ID, InputType, Int } from "type-graphql";
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, MaxLength, Min } from "class-validator";
import { ImpactModel } from "../../common/enums";

const ISO_4217 = /^[A-Z]{3}$/;

@InputType()
export class CreateOrganizationInput {
  @Field()
  @NotBlank()
  @MaxLength(200)
  name!: string;

  @Field(() => ImpactModel)
  @IsIn(Object.values(ImpactModel))
  impactModel!: ImpactModel;

  @Field({ description: "ISO 4217 code, e.g. KES, USD, EUR" })
  @Matches(ISO_4217, { message: "currency must be a three-letter ISO 4217 code in capitals, e.g. KES" })
  currency!: string;
}

@InputType()
export class UpdateOrganizationInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @NotBlank()
  @MaxLength(200)
  name?: string;

  @Field(() => ImpactModel, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(ImpactModel))
  impactModel?: ImpactModel;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(ISO_4217, { message: "currency must be a three-letter ISO 4217 code in capitals, e.g. KES" })
  currency?: string;

  @Field(() => String, { nullable: true, description: "IANA time zone, e.g. Africa/Nairobi or UTC: where the named periods' days begin" })
  @IsOptional()
  @MaxLength(64)
  timeZone?: string | null;

  @Field(() => Int, { nullable: true, description: "Smallest group shown to funders (5..1000)" })
  @IsOptional()
  @IsInt()
  @Min(5, { message: "suppressionThreshold must be at least 5" })
  @Max(1000)
  suppressionThreshold?: number;

  @Field(() => Int, { nullable: true, description: "Largest adjustment of a count of people shown to funders (the cell-key method), 1..5" })
  @IsOptional()
  @IsInt()
  @Min(1, { message: "perturbationMaximum must be at least 1" })
  @Max(5, { message: "perturbationMaximum must be at most 5" })
  perturbationMaximum?: number;

  @Field(() => Int, { nullable: true, description: "Default follow-up time for actions, in hours (1..8760)" })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8760)
  followUpHours?: number;
}
