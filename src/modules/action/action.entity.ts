import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { ActionRuleKind, ActionStatus, StakeholderKind, TouchpointChannel } from "../../common/enums";

@Entity({ name: "action_rules" })
@ObjectType({ implements: Node,
  description:
    "Opens an action for every response that matches it (every detractor, every low rating, every comment with a keyword), due the organization's followUpHours after the action is opened",
})
export class ActionRule {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "varchar", length: 200 })
  @Field()
  name!: string;

  @Column({ type: "enum", enum: ActionRuleKind, enumName: "action_rule_kind" })
  @Field(() => ActionRuleKind)
  kind!: ActionRuleKind;

  @Column({ name: "max_rating", type: "smallint", nullable: true })
  @Field(() => Int, { nullable: true, description: "LOW_RATING: ratings at or below this open an action" })
  maxRating!: number | null;

  @Column({ type: "text", array: true, nullable: true })
  @Field(() => [String], { nullable: true })
  keywords!: string[] | null;

  @Column({ name: "owner_area_id", type: "uuid", nullable: true })
  ownerAreaId!: string | null;

  @Column({ type: "boolean" })
  @Field()
  active!: boolean;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}

@Entity({ name: "actions" })
@ObjectType({ implements: Node, description: "A follow-up, owned by a functional area (and optionally a person), with a due date; closing the loop records what was said back" })
export class Action {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "varchar", length: 300 })
  @Field()
  title!: string;

  @Column({ type: "varchar", length: 4000, nullable: true })
  @Field(() => String, { nullable: true })
  description!: string | null;

  @Column({ name: "rule_id", type: "uuid", nullable: true })
  ruleId!: string | null;

  @Column({ name: "response_id", type: "uuid", nullable: true })
  responseId!: string | null;

  @Column({ name: "stakeholder_id", type: "uuid", nullable: true })
  stakeholderId!: string | null;

  @Column({ type: "enum", enum: StakeholderKind, enumName: "stakeholder_kind", nullable: true })
  @Field(() => StakeholderKind, { nullable: true })
  kind!: StakeholderKind | null;

  @Column({ name: "touchpoint_id", type: "uuid", nullable: true })
  touchpointId!: string | null;

  @Column({ name: "stage_id", type: "uuid", nullable: true })
  stageId!: string | null;

  @Column({ name: "owner_area_id", type: "uuid" })
  ownerAreaId!: string;

  @Column({ name: "owner_person", type: "varchar", length: 200, nullable: true })
  @Field(() => String, { nullable: true })
  ownerPerson!: string | null;

  @Column({ name: "due_at", type: "timestamptz" })
  @Field()
  dueAt!: Date;

  @Column({ type: "enum", enum: ActionStatus, enumName: "action_status" })
  @Field(() => ActionStatus)
  status!: ActionStatus;

  @Column({ name: "root_cause", type: "varchar", length: 2000, nullable: true })
  @Field(() => String, { nullable: true })
  rootCause!: string | null;

  @Column({ type: "varchar", length: 4000, nullable: true })
  @Field(() => String, { nullable: true })
  notes!: string | null;

  @Column({ name: "closed_at", type: "timestamptz", nullable: true })
  @Field(() => Date, { nullable: true, description: "When it became DONE or WONT_DO" })
  closedAt!: Date | null;

  @Column({ name: "loop_closed_at", type: "timestamptz", nullable: true })
  @Field(() => Date, { nullable: true, description: "When the stakeholder was told" })
  loopClosedAt!: Date | null;

  @Column({ name: "loop_message", type: "varchar", length: 2000, nullable: true })
  @Field(() => String, { nullable: true, description: "What was said back" })
  loopMessage!: string | null;

  @Column({ name: "loop_channel", type: "enum", enum: TouchpointChannel, enumName: "touchpoint_channel", nullable: true })
  @Field(() => TouchpointChannel, { nullable: true })
  loopChannel!: TouchpointChannel | null;

  @Column({ name: "loop_delivered_by_partner_id", type: "uuid", nullable: true })
  loopDeliveredByPartnerId!: string | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;

  @Column({ name: "updated_at", type: "timestamptz" })
  @Field()
  updatedAt!: Date;
}
