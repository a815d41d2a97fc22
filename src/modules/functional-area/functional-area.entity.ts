import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";

@Entity({ name: "functional_areas" })
@ObjectType({ implements: Node, description: "A part of the organization that owns touchpoints and actions: marketing, sales, operations, ..." })
export class FunctionalArea {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "varchar", length: 120 })
  @Field()
  name!: string;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
