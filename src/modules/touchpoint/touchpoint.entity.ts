import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { StakeholderKind, TouchpointChannel } from "../../common/enums";

@Entity({ name: "touchpoints" })
@ObjectType({ implements: Node, description: "A moment inside a stage where the stakeholder meets the organization, owned by a functional area and possibly delivered by a partner" })
export class Touchpoint {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "stage_id", type: "uuid" })
  stageId!: string;

  @Column({ type: "enum", enum: StakeholderKind, enumName: "stakeholder_kind" })
  @Field(() => StakeholderKind, { description: "The kind of the stage's lifecycle" })
  kind!: StakeholderKind;

  @Column({ type: "varchar", length: 200 })
  @Field()
  name!: string;

  @Column({ type: "enum", enum: TouchpointChannel, enumName: "touchpoint_channel" })
  @Field(() => TouchpointChannel)
  channel!: TouchpointChannel;

  @Column({ name: "functional_area_id", type: "uuid" })
  functionalAreaId!: string;

  @Column({ name: "partner_id", type: "uuid", nullable: true })
  partnerId!: string | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
