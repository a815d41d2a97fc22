import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, Int, ObjectType } from "type-graphql";

@Entity({ name: "deliveries" })
@ObjectType({
  implements: Node,
  description:
    "What funded units became: units of a programme handed to one beneficiary, or to a site (a school, a clinic) with the people reached there, by a partner, at a time. Recorded in batches with recordDeliveries.",
})
export class Delivery {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "programme_id", type: "uuid" })
  programmeId!: string;

  @Column({ name: "delivered_at", type: "timestamptz" })
  @Field()
  deliveredAt!: Date;

  @Column({ type: "int" })
  @Field(() => Int, { description: "Units of the programme's unit of delivery (e.g. pairs of shoes)" })
  units!: number;

  @Column({ name: "beneficiary_id", type: "uuid", nullable: true })
  beneficiaryId!: string | null;

  @Column({ name: "site_name", type: "varchar", length: 200, nullable: true })
  @Field(() => String, { nullable: true, description: "The site delivered to (a school, a clinic); null for a delivery to one beneficiary" })
  siteName!: string | null;

  @Column({ name: "people_reached", type: "int", nullable: true })
  @Field(() => Int, { nullable: true, description: "People reached at the site; null for a delivery to one beneficiary" })
  peopleReached!: number | null;

  @Column({ name: "partner_id", type: "uuid", nullable: true })
  partnerId!: string | null;

  @Column({ name: "evidence_note", type: "varchar", length: 2000, nullable: true })
  @Field(() => String, { nullable: true, description: "Free text: how the delivery is evidenced (emptied when the beneficiary is erased)" })
  evidenceNote!: string | null;

  @Column({ name: "client_key", type: "varchar", length: 120 })
  @Field({ description: "The client app's key for the item" })
  clientKey!: string;

  @Column({ name: "content_hash", type: "char", length: 64 })
  contentHash!: string;

  @Column({ name: "submitted_by_key_id", type: "uuid", nullable: true })
  submittedByKeyId!: string | null;

  @Column({ name: "submitted_by_partner_id", type: "uuid", nullable: true })
  submittedByPartnerId!: string | null;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field({ description: "When it was recorded" })
  createdAt!: Date;
}
