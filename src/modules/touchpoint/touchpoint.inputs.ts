import { NotBlank } from "../../common/validation";
import { Field, ID, InputType } from "type-graphql";
import { IsIn, IsOptional, IsUUID, MaxLength } from "class-validator";
import { TouchpointChannel } from "../../common/enums";

@InputType()
export class CreateTouchpointInput {
  @Field(() => ID, { description: "The stage it belongs to (its lifecycle decides the touchpoint's kind)" })
  @IsUUID("all", { message: "stageId must be an ID (UUID)" })
  stageId!: string;

  @Field()
  @NotBlank()
  @MaxLength(200)
  name!: string;

  @Field(() => TouchpointChannel)
  @IsIn(Object.values(TouchpointChannel))
  channel!: TouchpointChannel;

  @Field(() => ID, { description: "The functional area that owns it" })
  @IsUUID("all", { message: "functionalAreaId must be an ID (UUID)" })
  functionalAreaId!: string;

  @Field(() => ID, { nullable: true, description: "The partner that delivers it, if any" })
  @IsOptional()
  @IsUUID("all", { message: "partnerId must be an ID (UUID)" })
  partnerId?: string | null;
}

@InputType()
export class UpdateTouchpointInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @NotBlank()
  @MaxLength(200)
  name?: string;

  @Field(() => TouchpointChannel, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(TouchpointChannel))
  channel?: TouchpointChannel;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "functionalAreaId must be an ID (UUID)" })
  functionalAreaId?: string;

  @Field(() => ID, { nullable: true, description: "Pass null to remove the partner, omit to keep" })
  @IsOptional()
  @IsUUID("all", { message: "partnerId must be an ID (UUID)" })
  partnerId?: string | null;
}
