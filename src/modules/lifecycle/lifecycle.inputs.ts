import { NotBlank } from "../../common/validation";
import { Field, ID, InputType, Int } from "type-graphql";
import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsOptional, IsUUID, Max, MaxLength, Min } from "class-validator";
import { ImpactMode } from "../../common/enums";

export const MAX_STAGES = 30;

@InputType()
export class UpdateLifecycleInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field()
  @NotBlank()
  @MaxLength(120)
  name!: string;
}

@InputType()
export class AddStageInput {
  @Field(() => ID)
  @IsUUID("all", { message: "lifecycleId must be an ID (UUID)" })
  lifecycleId!: string;

  @Field()
  @NotBlank()
  @MaxLength(120)
  name!: string;

  @Field(() => Int, { nullable: true, description: "0-based place; stages at or after it move down one. Default: last." })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_STAGES)
  position?: number;

  @Field(() => ImpactMode, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(ImpactMode))
  impactMode?: ImpactMode | null;
}

@InputType()
export class UpdateStageInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @NotBlank()
  @MaxLength(120)
  name?: string;

  @Field(() => ImpactMode, { nullable: true, description: "AT_SALE or IN_USE; pass null to clear, omit to keep" })
  @IsOptional()
  @IsIn(Object.values(ImpactMode))
  impactMode?: ImpactMode | null;
}

@InputType()
export class ReorderStagesInput {
  @Field(() => ID)
  @IsUUID("all", { message: "lifecycleId must be an ID (UUID)" })
  lifecycleId!: string;

  @Field(() => [ID], { description: "Every stage of the lifecycle, once each, in the new order" })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STAGES)
  @IsUUID("all", { each: true, message: "stageIds must be IDs (UUID)" })
  stageIds!: string[];
}
