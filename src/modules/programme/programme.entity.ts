import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { DecimalScalar } from "../../common/scalars";

@Entity({ name: "programmes" })
@ObjectType({ implements: Node,
  description:
    "What the organization delivers to beneficiaries (e.g. school shoes for the children of one region), usually with partners. Offerings' impact rules fund a programme; beneficiaries are enrolled in one.",
})
export class Programme {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ type: "varchar", length: 200 })
  @Field()
  name!: string;

  @Column({ type: "varchar", length: 2000, nullable: true })
  @Field(() => String, { nullable: true })
  description!: string | null;

  @Column({ type: "varchar", length: 120, nullable: true })
  @Field(() => String, { nullable: true })
  region!: string | null;

  @Column({ name: "unit_of_delivery", type: "varchar", length: 120, nullable: true })
  @Field(() => String, { nullable: true, description: 'What one delivered unit is, e.g. "pair of shoes", "lamp", "child-year of schooling"' })
  unitOfDelivery!: string | null;

  @Column({ name: "beneficiaries_per_unit", type: "numeric", nullable: true })
  @Field(() => DecimalScalar, { nullable: true, description: "Beneficiaries one delivered unit serves (e.g. 1 child per pair)" })
  beneficiariesPerUnit!: string | null;

  @Column({ name: "active_from", type: "timestamptz" })
  @Field({ description: "Start of the active period [activeFrom, activeTo)" })
  activeFrom!: Date;

  @Column({ name: "active_to", type: "timestamptz", nullable: true })
  @Field(() => Date, { nullable: true, description: "End of the active period (excluded); null while it runs" })
  activeTo!: Date | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;

  @Column({ name: "updated_at", type: "timestamptz" })
  @Field()
  updatedAt!: Date;
}

@Entity({ name: "programme_enrolments" })
@ObjectType({ implements: Node, description: "A beneficiary enrolled in a programme: when, and by which partner (none when the organization enrolled them itself)" })
export class ProgrammeEnrolment {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "programme_id", type: "uuid" })
  programmeId!: string;

  @Column({ name: "beneficiary_id", type: "uuid" })
  beneficiaryId!: string;

  @Column({ name: "partner_id", type: "uuid", nullable: true })
  partnerId!: string | null;

  @Column({ name: "enrolled_at", type: "timestamptz" })
  @Field()
  enrolledAt!: Date;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
