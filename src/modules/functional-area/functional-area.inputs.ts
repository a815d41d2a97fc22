import { NotBlank } from "../../common/validation";
import { Field, ID, InputType } from "type-graphql";
import { IsUUID, MaxLength } from "class-validator";

@InputType()
export class CreateFunctionalAreaInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field()
  @NotBlank()
  @MaxLength(120)
  name!: string;
}

@InputType()
export class UpdateFunctionalAreaInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field()
  @NotBlank()
  @MaxLength(120)
  name!: string;
}
