import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { StakeholderKind } from "../../common/enums";

@Entity({ name: "interactions" })
@ObjectType({ implements: Node, description: "A stakeholder's visit to a touchpoint" })
export class Interaction {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "stakeholder_id", type: "uuid" })
  stakeholderId!: string;

  @Column({ name: "touchpoint_id", type: "uuid" })
  touchpointId!: string;

  @Column({ type: "enum", enum: StakeholderKind, enumName: "stakeholder_kind" })
  kind!: StakeholderKind;

  @Column({ name: "occurred_at", type: "timestamptz" })
  @Field()
  occurredAt!: Date;

  @Column({ type: "varchar", length: 2000, nullable: true })
  @Field(() => String, { nullable: true })
  note!: string | null;

  @Column({ name: "recorded_by_partner_id", type: "uuid", nullable: true })
  recordedByPartnerId!: string | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
