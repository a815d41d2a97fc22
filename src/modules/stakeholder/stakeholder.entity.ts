import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import type { Timestamp } from "../../common/timestamps";
import { Field, ID, ObjectType } from "type-graphql";
import { AgeBand, Gender, StakeholderKind } from "../../common/enums";

@Entity({ name: "stakeholders" })
@ObjectType({ implements: Node, description: "One customer or beneficiary, pseudonymous: an external reference and the attributes results are disaggregated by", simpleResolvers: true })
export class Stakeholder {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "enum", enum: StakeholderKind, enumName: "stakeholder_kind" })
  @Field(() => StakeholderKind)
  kind!: StakeholderKind;

  @Column({ name: "external_ref", type: "varchar", length: 120 })
  @Field({ description: "The organization's own reference (pseudonymous), unique per organization and kind" })
  externalRef!: string;

  @Column({ type: "enum", enum: Gender, enumName: "gender", nullable: true })
  @Field(() => Gender, { nullable: true })
  gender!: Gender | null;

  @Column({ name: "age_band", type: "enum", enum: AgeBand, enumName: "age_band", nullable: true })
  @Field(() => AgeBand, { nullable: true })
  ageBand!: AgeBand | null;

  @Column({ type: "varchar", length: 120, nullable: true })
  @Field(() => String, { nullable: true })
  region!: string | null;

  @Column({ type: "varchar", length: 120, nullable: true })
  @Field(() => String, { nullable: true })
  segment!: string | null;

  @Column({ name: "current_stage_id", type: "uuid", nullable: true })
  currentStageId!: string | null;

  @Column({ name: "current_stage_entered_at", type: "timestamptz", nullable: true })
  @Field(() => Date, { nullable: true, description: "When the stakeholder entered its current stage" })
  currentStageEnteredAt!: Timestamp | null;

  @Column({ name: "registered_by_partner_id", type: "uuid", nullable: true })
  registeredByPartnerId!: string | null;

  @Column({ name: "erased_at", type: "timestamptz", nullable: true })
  @Field(() => Date, { nullable: true, description: "When its personal data was erased (forgetStakeholder); its anonymous numbers remain" })
  erasedAt!: Timestamp | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field(() => Date)
  createdAt!: Timestamp;

  @Column({ name: "updated_at", type: "timestamptz" })
  @Field(() => Date)
  updatedAt!: Timestamp;
}
