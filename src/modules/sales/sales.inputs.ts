import { NotBlank } from "../../common/validation";
import { Field, ID, InputType, Int } from "type-graphql";
import { GraphQLSafeInt } from "graphql-scalars";
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsInt, IsOptional, IsUUID, Matches, Max, MaxLength, Min } from "class-validator";
import { DecimalScalar } from "../../common/scalars";
import { MAX_BATCH } from "../../common/batch";

@InputType({ description: "An offering and its impact rule. Money in minor units of the organization's currency." })
export class CreateOfferingInput {
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

  @Field(() => GraphQLSafeInt, { nullable: true, description: "List price per unit, minor units" })
  @IsOptional()
  @IsInt()
  @Min(0, { message: "unitPriceMinor must be 0 or more" })
  unitPriceMinor?: number | null;

  @Field(() => Int, { nullable: true, description: "Share of revenue given, basis points 0..10000 (500 = 5%)" })
  @IsOptional()
  @IsInt()
  @Min(0, { message: "revenueShareBps must be between 0 and 10000" })
  @Max(10000, { message: "revenueShareBps must be between 0 and 10000" })
  revenueShareBps?: number;

  @Field(() => DecimalScalar, { nullable: true, description: "Units given per unit sold (e.g. 1 for buy-one-give-one); up to 4 decimals" })
  @IsOptional()
  @Matches(/^\d{1,8}(\.\d{1,4})?$/, { message: "unitsGivenPerUnit must be 0 or more, with at most 4 decimals" })
  unitsGivenPerUnit?: string;

  @Field(() => GraphQLSafeInt, { nullable: true, description: "A fixed amount given per sale, minor units" })
  @IsOptional()
  @IsInt()
  @Min(0, { message: "fixedAmountPerSaleMinor must be 0 or more" })
  fixedAmountPerSaleMinor?: number;

  @Field(() => ID, { nullable: true, description: "The programme the contribution funds (see createProgramme)" })
  @IsOptional()
  @IsUUID("all", { message: "programmeId must be an ID (UUID)" })
  programmeId?: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: "Beneficiaries one given unit serves (e.g. 1 child per pair)" })
  @IsOptional()
  @Matches(/^\d{1,8}(\.\d{1,4})?$/, { message: "beneficiariesPerUnitGiven must be more than 0, with at most 4 decimals" })
  beneficiariesPerUnitGiven?: string | null;

  @Field(() => GraphQLSafeInt, { nullable: true, description: "Amount given that serves one beneficiary (e.g. 2500 = 25.00 per child-year), minor units" })
  @IsOptional()
  @IsInt()
  @Min(1, { message: "amountPerBeneficiaryMinor must be more than 0" })
  amountPerBeneficiaryMinor?: number | null;
}

@InputType({ description: "Omitted fields are kept. A new rule applies to sales recorded from now on; recorded sales keep what they created." })
export class UpdateOfferingInput {
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

  @Field(() => GraphQLSafeInt, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0, { message: "unitPriceMinor must be 0 or more" })
  unitPriceMinor?: number | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0, { message: "revenueShareBps must be between 0 and 10000" })
  @Max(10000, { message: "revenueShareBps must be between 0 and 10000" })
  revenueShareBps?: number;

  @Field(() => DecimalScalar, { nullable: true })
  @IsOptional()
  @Matches(/^\d{1,8}(\.\d{1,4})?$/, { message: "unitsGivenPerUnit must be 0 or more, with at most 4 decimals" })
  unitsGivenPerUnit?: string;

  @Field(() => GraphQLSafeInt, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0, { message: "fixedAmountPerSaleMinor must be 0 or more" })
  fixedAmountPerSaleMinor?: number;

  @Field(() => ID, { nullable: true, description: "The programme the contribution funds; null: none" })
  @IsOptional()
  @IsUUID("all", { message: "programmeId must be an ID (UUID)" })
  programmeId?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  @IsOptional()
  @Matches(/^\d{1,8}(\.\d{1,4})?$/, { message: "beneficiariesPerUnitGiven must be more than 0, with at most 4 decimals" })
  beneficiariesPerUnitGiven?: string | null;

  @Field(() => GraphQLSafeInt, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1, { message: "amountPerBeneficiaryMinor must be more than 0" })
  amountPerBeneficiaryMinor?: number | null;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

@InputType({ description: "One sale. Semantic problems reject this item only; the rest of the batch is stored." })
export class SaleItemInput {
  @Field(() => String, { nullable: true, description: "Your unique key for this sale (max 120): a retry with the same key is recognised" })
  clientKey?: string | null;

  @Field(() => ID)
  offeringId!: string;

  @Field()
  occurredAt!: Date;

  @Field(() => Int)
  units!: number;

  @Field(() => GraphQLSafeInt, { description: "Revenue of this sale, minor units" })
  amountMinor!: number;

  @Field(() => ID, { nullable: true, description: "The customer (a CUSTOMER stakeholder), if known" })
  customerId?: string | null;
}

@InputType()
export class RecordSalesInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field(() => [SaleItemInput], { description: `1 to ${MAX_BATCH} items` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  items!: SaleItemInput[];
}
