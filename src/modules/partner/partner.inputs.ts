import { Field, ID, InputType } from "type-graphql";
import { IsIn, IsNotEmpty, IsOptional, IsUUID, Matches, MaxLength } from "class-validator";
import { PartnerKind } from "../../common/enums";

@InputType()
export class CreatePartnerInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field()
  @IsNotEmpty({ message: "name must not be empty" })
  @Matches(/\S/, { message: "name must not be blank" })
  @MaxLength(200)
  name!: string;

  @Field(() => PartnerKind)
  @IsIn(Object.values(PartnerKind))
  kind!: PartnerKind;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(120)
  region?: string | null;
}

@InputType()
export class UpdatePartnerInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsNotEmpty({ message: "name must not be empty" })
  @Matches(/\S/, { message: "name must not be blank" })
  @MaxLength(200)
  name?: string;

  @Field(() => PartnerKind, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(PartnerKind))
  kind?: PartnerKind;

  @Field(() => String, { nullable: true, description: "Pass null to clear, omit to keep" })
  @IsOptional()
  @MaxLength(120)
  region?: string | null;
}
