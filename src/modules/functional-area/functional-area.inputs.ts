import { Field, ID, InputType } from "type-graphql";
import { IsNotEmpty, IsUUID, Matches, MaxLength } from "class-validator";

@InputType()
export class CreateFunctionalAreaInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field()
  @IsNotEmpty({ message: "name must not be empty" })
  @Matches(/\S/, { message: "name must not be blank" })
  @MaxLength(120)
  name!: string;
}

@InputType()
export class UpdateFunctionalAreaInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field()
  @IsNotEmpty({ message: "name must not be empty" })
  @Matches(/\S/, { message: "name must not be blank" })
  @MaxLength(120)
  name!: string;
}
