import { Field, ID, InputType, Int } from "type-graphql";
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsIn, IsOptional, IsUUID, Matches, MaxLength, ValidateNested } from "class-validator";
import { GraphQLJSONObject } from "graphql-scalars";
import { ImpactMode, MetricAggregation, MetricCategory, MetricDirection, MetricKind, MetricPerspective, MetricUnit } from "../../common/enums";
import { DecimalScalar } from "../../common/scalars";
import { MAX_BATCH } from "../../common/batch";
import { IsCalendarDate, NotBlank } from "../../common/validation";

const CODE = /^[A-Za-z0-9._:-]{1,40}$/;

@InputType()
export class CreateMetricInput {
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

  @Field(() => MetricCategory)
  @IsIn(Object.values(MetricCategory))
  category!: MetricCategory;

  @Field(() => MetricPerspective)
  @IsIn(Object.values(MetricPerspective))
  perspective!: MetricPerspective;

  @Field(() => MetricKind)
  @IsIn(Object.values(MetricKind))
  kind!: MetricKind;

  @Field(() => MetricUnit)
  @IsIn(Object.values(MetricUnit))
  unit!: MetricUnit;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(40)
  unitLabel?: string | null;

  @Field(() => MetricDirection, { nullable: true, description: "Default HIGHER_IS_BETTER" })
  @IsOptional()
  @IsIn(Object.values(MetricDirection))
  direction?: MetricDirection;

  @Field(() => MetricAggregation)
  @IsIn(Object.values(MetricAggregation))
  aggregation!: MetricAggregation;

  @Field(() => DecimalScalar, { nullable: true })
  @IsOptional()
  baselineValue?: string | null;

  @Field(() => String, { nullable: true, description: "YYYY-MM-DD, a date that exists" })
  @IsOptional()
  @IsCalendarDate()
  baselineDate?: string | null;

  @Field(() => ImpactMode, { nullable: true, description: "Required for SOCIAL metrics, not allowed for KPIs" })
  @IsOptional()
  @IsIn(Object.values(ImpactMode))
  impactMode?: ImpactMode | null;

  @Field(() => String, { nullable: true, description: "e.g. an IRIS+ metric id such as PI4060" })
  @IsOptional()
  @Matches(CODE, { message: "catalogueCode must be letters, digits, '.', '_', ':' or '-' (at most 40)" })
  catalogueCode?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  estimationNote?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "stageId must be an ID (UUID)" })
  stageId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "touchpointId must be an ID (UUID)" })
  touchpointId?: string | null;

  @Field({ nullable: true, description: "Shown in funders' reports (default true)" })
  @IsOptional()
  @IsBoolean()
  reportable?: boolean;
}

@InputType({ description: "Omitted fields are kept; null clears an optional one" })
export class UpdateMetricInput {
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

  @Field(() => MetricKind, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(MetricKind))
  kind?: MetricKind;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(40)
  unitLabel?: string | null;

  @Field(() => MetricDirection, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(MetricDirection))
  direction?: MetricDirection;

  @Field(() => DecimalScalar, { nullable: true })
  @IsOptional()
  baselineValue?: string | null;

  @Field(() => String, { nullable: true, description: "YYYY-MM-DD, a date that exists" })
  @IsOptional()
  @IsCalendarDate()
  baselineDate?: string | null;

  @Field(() => ImpactMode, { nullable: true, description: "For SOCIAL metrics only" })
  @IsOptional()
  @IsIn(Object.values(ImpactMode))
  impactMode?: ImpactMode;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(CODE, { message: "catalogueCode must be letters, digits, '.', '_', ':' or '-' (at most 40)" })
  catalogueCode?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  estimationNote?: string | null;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  reportable?: boolean;
}

@InputType()
export class TargetInput {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => DecimalScalar, { nullable: true, description: "null removes the target of this period" })
  value!: string | null;
}

@InputType({ description: "Sets (or, with value null, removes) targets, one per period [from, to)" })
export class SetMetricTargetsInput {
  @Field(() => ID)
  @IsUUID("all", { message: "metricId must be an ID (UUID)" })
  metricId!: string;

  @Field(() => [TargetInput])
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  targets!: TargetInput[];
}

@InputType({ description: "One observation. Semantic problems reject this item only; the rest of the batch is stored." })
export class ObservationItemInput {
  @Field(() => String, { nullable: true, description: "Your unique key for this item (max 120): a retry with the same key is recognised" })
  clientKey?: string | null;

  @Field(() => ID)
  metricId!: string;

  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => DecimalScalar)
  value!: string;

  @Field(() => Int, { nullable: true, description: "How many people an average or rate was computed from" })
  sampleSize?: number | null;

  @Field(() => ID, { nullable: true })
  stageId?: string | null;

  @Field(() => ID, { nullable: true })
  touchpointId?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Disaggregation, e.g. {"gender": "FEMALE"}: up to 5 keys, string values' })
  dimensions?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true })
  source?: string | null;
}

@InputType()
export class RecordObservationsInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field(() => [ObservationItemInput], { description: `1 to ${MAX_BATCH} items` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  items!: ObservationItemInput[];
}

@InputType()
export class MetricFilter {
  @Field(() => MetricCategory, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(MetricCategory))
  category?: MetricCategory;

  @Field(() => ImpactMode, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(ImpactMode))
  impactMode?: ImpactMode;
}
