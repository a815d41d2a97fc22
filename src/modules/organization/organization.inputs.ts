import { Field, ID, InputType } from "type-graphql";
import { IsIn, IsNotEmpty, IsOptional, IsUUID, Matches, MaxLength } from "class-validator";
import { ImpactModel } from "../../common/enums";

const ISO_4217 = /^[A-Z]{3}$/;

@InputType()
export class CreateOrganizationInput {
  @Field()
  @IsNotEmpty({ message: "name must not be empty" })
  @Matches(/\S/, { message: "name must not be blank" })
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
  @IsNotEmpty({ message: "name must not be empty" })
  @Matches(/\S/, { message: "name must not be blank" })
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
}
