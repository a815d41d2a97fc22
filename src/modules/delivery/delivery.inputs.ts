import { Field, ID, InputType, Int } from "type-graphql";
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsOptional, IsUUID } from "class-validator";
import { MAX_BATCH } from "../../common/batch";
import { NewBeneficiaryInput } from "../feedback/feedback.inputs";

@InputType({ description: "A site delivered to (a school, a clinic), with the people reached there" })
export class DeliverySiteInput {
  @Field({ description: "The site's name (1 to 200 characters)" })
  name!: string;

  @Field(() => Int, { description: "People reached at the site (0 or more)" })
  peopleReached!: number;
}

@InputType({ description: "One delivery: to one beneficiary (beneficiaryId or newBeneficiary) or to a site. Every problem is reported on this item only; the good items of the batch are stored." })
export class DeliveryItemInput {
  @Field({ description: "Made by the client app, unique per organization (max 120): a retry of the same item is recognised" })
  clientKey!: string;

  @Field(() => ID, { description: "The programme delivered (field partners: one their partner delivers)" })
  programmeId!: string;

  @Field({ description: "When it was delivered, ISO 8601 with a time zone, e.g. 2026-03-01T09:30:00Z; not in the future, within the programme's active period" })
  deliveredAt!: string;

  @Field(() => Int, { description: "Units delivered, a whole number of at least 1" })
  units!: number;

  @Field(() => ID, { nullable: true, description: "An existing BENEFICIARY stakeholder (field partners: one their partner registered)" })
  beneficiaryId?: string | null;

  @Field(() => NewBeneficiaryInput, { nullable: true, description: "A beneficiary registered with the delivery by external reference (reused if registered already by the same submitter)" })
  newBeneficiary?: NewBeneficiaryInput | null;

  @Field(() => DeliverySiteInput, { nullable: true, description: "Instead of a beneficiary: the site delivered to" })
  site?: DeliverySiteInput | null;

  @Field(() => ID, { nullable: true, description: "The partner that delivered it, one that delivers the programme (field partners: their own, the default); staff may leave it out" })
  partnerId?: string | null;

  @Field(() => String, { nullable: true, description: "How the delivery is evidenced, free text (max 2000); it may name a person: it is erased with the beneficiary" })
  evidenceNote?: string | null;
}

@InputType()
export class RecordDeliveriesInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field({ nullable: true, description: "Check every item and report, storing nothing" })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @Field(() => [DeliveryItemInput], { description: `1 to ${MAX_BATCH} deliveries` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  items!: DeliveryItemInput[];
}

@InputType({ description: "Every field narrows the list" })
export class DeliveryFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "programmeId must be an ID (UUID)" })
  programmeId?: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "partnerId must be an ID (UUID)" })
  partnerId?: string;

  @Field({ nullable: true, description: "deliveredAt on or after" })
  @IsOptional()
  from?: Date;

  @Field({ nullable: true, description: "deliveredAt before" })
  @IsOptional()
  to?: Date;
}
