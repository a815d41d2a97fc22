import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, Int, ObjectType } from "type-graphql";

import { DecimalScalar } from "../../common/scalars";

@Entity({ name: "offerings" })
@ObjectType({ implements: Node, description: "What is sold, with the impact rule that says what each sale creates at the point of sale" })
export class Offering {
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

  @Column({ name: "unit_price_minor", type: "bigint", nullable: true })
  unitPriceMinor!: string | null;

  @Column({ name: "revenue_share_bps", type: "int" })
  @Field(() => Int, { description: "Share of revenue given, in basis points (500 = 5%)" })
  revenueShareBps!: number;

  @Column({ name: "units_given_per_unit", type: "numeric" })
  @Field(() => DecimalScalar, { description: "Units given per unit sold (1 for buy-one-give-one)" })
  unitsGivenPerUnit!: string;

  @Column({ name: "fixed_amount_per_sale_minor", type: "bigint" })
  fixedAmountPerSaleMinor!: string;

  /** The programme the contribution funds (the `programme` field). */
  @Column({ name: "programme_id", type: "uuid", nullable: true })
  programmeId!: string | null;

  @Column({ name: "beneficiaries_per_unit_given", type: "numeric", nullable: true })
  @Field(() => DecimalScalar, { nullable: true, description: "Beneficiaries one given unit serves (e.g. 1 child per pair)" })
  beneficiariesPerUnitGiven!: string | null;

  @Column({ name: "amount_per_beneficiary_minor", type: "bigint", nullable: true })
  amountPerBeneficiaryMinor!: string | null;

  @Column({ type: "boolean" })
  @Field()
  active!: boolean;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;

  @Column({ name: "updated_at", type: "timestamptz" })
  @Field()
  updatedAt!: Date;
}

@Entity({ name: "sales" })
@ObjectType({ implements: Node, description: "One sale, with what it created at the point of sale (computed from the offering's rule when recorded)" })
export class Sale {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "offering_id", type: "uuid" })
  offeringId!: string;

  @Column({ name: "customer_id", type: "uuid", nullable: true })
  customerId!: string | null;

  @Column({ name: "occurred_at", type: "timestamptz" })
  @Field()
  occurredAt!: Date;

  @Column({ type: "int" })
  @Field(() => Int)
  units!: number;

  @Column({ name: "amount_minor", type: "bigint" })
  amountMinor!: string;

  @Column({ name: "contribution_minor", type: "bigint" })
  contributionMinor!: string;

  @Column({ name: "units_given", type: "numeric" })
  @Field(() => DecimalScalar)
  unitsGiven!: string;

  @Column({ name: "beneficiaries_funded", type: "numeric" })
  @Field(() => DecimalScalar, { description: "Exact share of beneficiaries this sale funds (fractions add up across sales)" })
  beneficiariesFunded!: string;

  @Column({ name: "client_key", type: "varchar", length: 120, nullable: true })
  @Field(() => String, { nullable: true })
  clientKey!: string | null;

  @Column({ name: "content_hash", type: "char", length: 64 })
  contentHash!: string;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}

