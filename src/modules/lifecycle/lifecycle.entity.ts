import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { StakeholderKind } from "../../common/enums";

@Entity({ name: "lifecycles" })
@ObjectType({ implements: Node, description: "The ordered stages one kind of stakeholder (customer or beneficiary) goes through with an organization" })
export class Lifecycle {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "enum", enum: StakeholderKind, enumName: "stakeholder_kind" })
  @Field(() => StakeholderKind)
  kind!: StakeholderKind;

  @Column({ type: "varchar", length: 120 })
  @Field()
  name!: string;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
