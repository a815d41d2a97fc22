import { NotBlank } from "../../common/validation";
import { Field, ID, InputType, Int, registerEnumType } from "type-graphql";
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsDate, IsIn, IsInt, IsOptional, IsUUID, Max, MaxLength, Min } from "class-validator";
import { ActionRuleKind, ActionStatus, OrderDirection, TouchpointChannel } from "../../common/enums";

@InputType()
export class CreateActionInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field()
  @NotBlank()
  @MaxLength(300)
  title!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(4000)
  description?: string | null;

  @Field(() => ID, { description: "The functional area that owns it" })
  @IsUUID("all", { message: "ownerAreaId must be an ID (UUID)" })
  ownerAreaId!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  ownerPerson?: string | null;

  @Field(() => Date, {
    nullable: true,
    description: "Default: now + the organization's follow-up time. At most 5 years before now and at most 1 year after now (else BAD_USER_INPUT on dueAt)",
  })
  @IsOptional()
  @IsDate()
  dueAt?: Date | null;

  @Field(() => ID, { nullable: true, description: "The response it follows up" })
  @IsOptional()
  @IsUUID("all", { message: "responseId must be an ID (UUID)" })
  responseId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "stakeholderId must be an ID (UUID)" })
  stakeholderId?: string | null;

  @Field(() => ID, { nullable: true, description: "The touchpoint it is about (a gap)" })
  @IsOptional()
  @IsUUID("all", { message: "touchpointId must be an ID (UUID)" })
  touchpointId?: string | null;
}

@InputType({ description: "Omitted fields are kept" })
export class UpdateActionInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field(() => ActionStatus, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(ActionStatus))
  status?: ActionStatus;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "ownerAreaId must be an ID (UUID)" })
  ownerAreaId?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  ownerPerson?: string | null;

  @Field(() => Date, { nullable: true, description: "At most 5 years before now and at most 1 year after now (else BAD_USER_INPUT on dueAt)" })
  @IsOptional()
  @IsDate()
  dueAt?: Date;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  rootCause?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(4000)
  notes?: string | null;
}

@InputType({ description: "Records what was said back to the stakeholder, and when" })
export class CloseLoopInput {
  @Field(() => ID)
  @IsUUID("all", { message: "actionId must be an ID (UUID)" })
  actionId!: string;

  @Field()
  @NotBlank()
  @MaxLength(2000)
  message!: string;

  @Field(() => TouchpointChannel)
  @IsIn(Object.values(TouchpointChannel))
  channel!: TouchpointChannel;

  @Field(() => Date, {
    nullable: true,
    description:
      "When it was said (default now); not more than 5 minutes in the future (clock skew), not before the action's createdAt, and not before the response it follows up was collected",
  })
  @IsOptional()
  @IsDate()
  closedAt?: Date | null;

  @Field(() => ActionStatus, { nullable: true, description: "The action's status after the loop is closed, in the same call: DONE or WONT_DO (default: unchanged)" })
  @IsOptional()
  @IsIn([ActionStatus.DONE, ActionStatus.WONT_DO], { message: "must be DONE or WONT_DO: closing the loop ends the follow-up (leave it out to keep the status)" })
  status?: ActionStatus | null;

  @Field(() => ID, { nullable: true, description: "For a beneficiary reached through a partner: the partner that delivered the message" })
  @IsOptional()
  @IsUUID("all", { message: "deliveredByPartnerId must be an ID (UUID)" })
  deliveredByPartnerId?: string | null;
}

export enum ActionOrderField {
  CREATED_AT = "CREATED_AT",
  DUE_AT = "DUE_AT",
  STATUS = "STATUS",
}
registerEnumType(ActionOrderField, {
  name: "ActionOrderField",
  description: "CREATED_AT: when opened. DUE_AT: when due. STATUS: OPEN, IN_PROGRESS, DONE, WONT_DO (that order), then by due date",
});

@InputType({ description: "The order of a list; ties are broken by id, so pages never skip or repeat a row" })
export class ActionOrder {
  @Field(() => ActionOrderField)
  @IsIn(Object.values(ActionOrderField))
  field!: ActionOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: "ASC (default): oldest, soonest due or OPEN first" })
  @IsOptional()
  @IsIn(Object.values(OrderDirection))
  direction?: OrderDirection;
}

@InputType()
export class ActionFilter {
  @Field(() => [ActionStatus], { nullable: true })
  @IsOptional()
  @IsIn(Object.values(ActionStatus), { each: true })
  status?: ActionStatus[];

  @Field({ nullable: true, description: "Not DONE or WONT_DO, and past due" })
  @IsOptional()
  @IsBoolean()
  overdue?: boolean;

  @Field({ nullable: true, description: "true: loop closed at or before dueAt (even if dueAt is still ahead); false: closed after dueAt, or not closed yet" })
  @IsOptional()
  @IsBoolean()
  closedOnTime?: boolean;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID("all", { message: "ownerAreaId must be an ID (UUID)" })
  ownerAreaId?: string;
}

@InputType()
export class CreateActionRuleInput {
  @Field(() => ID)
  @IsUUID("all", { message: "organizationId must be an ID (UUID)" })
  organizationId!: string;

  @Field()
  @NotBlank()
  @MaxLength(200)
  name!: string;

  @Field(() => ActionRuleKind)
  @IsIn(Object.values(ActionRuleKind))
  kind!: ActionRuleKind;

  @Field(() => Int, { nullable: true, description: "LOW_RATING: 1..5" })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  maxRating?: number | null;

  @Field(() => [String], { nullable: true, description: "KEYWORD: 1 to 50 words or phrases" })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @MaxLength(100, { each: true })
  keywords?: string[] | null;

  @Field(() => ID, { nullable: true, description: "Default: the touchpoint's owner" })
  @IsOptional()
  @IsUUID("all", { message: "ownerAreaId must be an ID (UUID)" })
  ownerAreaId?: string | null;

  @Field({
    nullable: true,
    description:
      "Also open actions for the matching responses already stored (default false). Those actions are due the organization's follow-up time after they are opened (now + followUpHours), not after the old response was received",
  })
  @IsOptional()
  @IsBoolean()
  applyToExisting?: boolean;
}

@InputType()
export class UpdateActionRuleInput {
  @Field(() => ID)
  @IsUUID("all", { message: "id must be an ID (UUID)" })
  id!: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @Field({
    nullable: true,
    description:
      "When turning it on: also open actions for the matching responses already stored (those without one from this rule). They are due now + the organization's followUpHours",
  })
  @IsOptional()
  @IsBoolean()
  applyToExisting?: boolean;
}
