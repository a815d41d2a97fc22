import { NotBlank } from "../../common/validation";
import { Field, ID, InputType } from "type-graphql";
import { IsIn, IsOptional, IsUUID, MaxLength } from "class-validator";
import { PartnerKind } from "../../common/enums";

@InputType()
export class CreatePartnerInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field()
  @NotBlank()
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
  @NotBlank()
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
