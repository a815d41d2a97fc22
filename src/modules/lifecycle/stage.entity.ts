import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { ImpactMode, StakeholderKind } from "../../common/enums";

@Entity({ name: "stages" })
@ObjectType({ implements: Node, description: "One step of a lifecycle, e.g. purchase or use", simpleResolvers: true })
export class Stage {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "lifecycle_id", type: "uuid" })
  lifecycleId!: string;

  @Column({ type: "enum", enum: StakeholderKind, enumName: "stakeholder_kind" })
  @Field(() => StakeholderKind)
  kind!: StakeholderKind;

  @Column({ type: "varchar", length: 120 })
  @Field()
  name!: string;

  @Column({ type: "int" })
  @Field(() => Int, { description: "0-based place in the lifecycle" })
  position!: number;

  @Column({ name: "impact_mode", type: "enum", enum: ImpactMode, enumName: "impact_mode", nullable: true })
  @Field(() => ImpactMode, { nullable: true, description: "Set when this stage is where impact happens (AT_SALE or IN_USE)" })
  impactMode!: ImpactMode | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
