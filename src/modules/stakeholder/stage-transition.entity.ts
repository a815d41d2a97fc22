import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import type { Timestamp } from "../../common/timestamps";
import { Field, ID, ObjectType } from "type-graphql";
import { StakeholderKind } from "../../common/enums";

@Entity({ name: "stage_transitions" })
@ObjectType({ implements: Node, description: "One step of a stakeholder's journey: it entered `toStage` (from `fromStage`, if any) at `occurredAt`", simpleResolvers: true })
export class StageTransition {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "stakeholder_id", type: "uuid" })
  stakeholderId!: string;

  @Column({ type: "enum", enum: StakeholderKind, enumName: "stakeholder_kind" })
  kind!: StakeholderKind;

  @Column({ name: "from_stage_id", type: "uuid", nullable: true })
  fromStageId!: string | null;

  @Column({ name: "to_stage_id", type: "uuid" })
  toStageId!: string;

  @Column({ name: "occurred_at", type: "timestamptz" })
  @Field(() => Date)
  occurredAt!: Timestamp;

  @Column({ name: "recorded_by_partner_id", type: "uuid", nullable: true })
  recordedByPartnerId!: string | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field(() => Date, { description: "When it was recorded" })
  createdAt!: Timestamp;
}
