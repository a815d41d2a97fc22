import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { PartnerKind } from "../../common/enums";

@Entity({ name: "partners" })
@ObjectType({ implements: Node, description: "An outside organization that delivers touchpoints: a distributor, a field partner, ..." })
export class Partner {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "varchar", length: 200 })
  @Field()
  name!: string;

  @Column({ type: "enum", enum: PartnerKind, enumName: "partner_kind" })
  @Field(() => PartnerKind)
  kind!: PartnerKind;

  @Column({ type: "varchar", length: 120, nullable: true })
  @Field(() => String, { nullable: true })
  region!: string | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
