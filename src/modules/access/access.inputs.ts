import { NotBlank } from "../../common/validation";
import { Field, ID, InputType } from "type-graphql";
import { IsIn, IsOptional, IsUUID, MaxLength } from "class-validator";
import { RoleEnum } from "./access.entity";

@InputType()
export class CreateApiKeyInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field({ description: "Who or what will use it, e.g. 'Dashboard', 'Green Light Fund', 'Shule Bora tablets'" })
  @NotBlank()
  @MaxLength(200)
  name!: string;

  @Field(() => RoleEnum)
  @IsIn(Object.values(RoleEnum))
  role!: RoleEnum;

  @Field(() => ID, { nullable: true, description: "Required for FIELD_PARTNER: the partner it acts for" })
  @IsOptional()
  @IsUUID("all", { message: "partnerId must be an ID (UUID)" })
  partnerId?: string | null;
}

@InputType({ description: "Gives an existing key (e.g. a funder's key issued by another organization) a role in this organization" })
export class GrantApiKeyAccessInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field(() => ID)
  @IsUUID("all", { message: "apiKeyId must be an ID (UUID)" })
  apiKeyId!: string;

  @Field(() => RoleEnum)
  @IsIn(Object.values(RoleEnum))
  role!: RoleEnum;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "partnerId must be an ID (UUID)" })
  partnerId?: string | null;
}

@InputType()
export class RevokeApiKeyAccessInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field(() => ID)
  @IsUUID("all", { message: "apiKeyId must be an ID (UUID)" })
  apiKeyId!: string;
}
