import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ObjectType } from "type-graphql";

@Entity({ name: "stakeholder_contacts" })
@ObjectType({ description: "Personal contact data, kept apart from the analytics fields; visible to admins and staff only" })
export class StakeholderContact {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn({ name: "stakeholder_id", type: "uuid" })
  stakeholderId!: string;

  @Column({ name: "full_name", type: "varchar", length: 200, nullable: true })
  @Field(() => String, { nullable: true })
  fullName!: string | null;

  @Column({ type: "varchar", length: 40, nullable: true })
  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Column({ type: "varchar", length: 200, nullable: true })
  @Field(() => String, { nullable: true })
  email!: string | null;

  @Column({ type: "varchar", length: 500, nullable: true })
  @Field(() => String, { nullable: true })
  address!: string | null;

  @Column({ name: "updated_at", type: "timestamptz" })
  @Field()
  updatedAt!: Date;
}
