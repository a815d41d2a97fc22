import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { ImpactModel } from "../../common/enums";

@Entity({ name: "organizations" })
@ObjectType({ implements: Node, description: "A social enterprise or NGO: the tenant. Every record belongs to exactly one organization." })
export class Organization {
  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "organization_id", type: "uuid", insert: false, update: false })
  organizationId!: string;

  @Column({ type: "varchar", length: 200 })
  @Field()
  name!: string;

  @Column({ name: "impact_model", type: "enum", enum: ImpactModel, enumName: "impact_model" })
  @Field(() => ImpactModel)
  impactModel!: ImpactModel;

  @Column({ type: "char", length: 3 })
  @Field({ description: "ISO 4217 code of the currency its money amounts are in (minor units)" })
  currency!: string;

  @Column({ name: "time_zone", type: "text" })
  @Field({ description: "IANA time zone (e.g. Africa/Nairobi; UTC by default): named periods (LAST_MONTH, YEAR_TO_DATE, ...) start at midnight here" })
  timeZone!: string;

  @Column({ name: "suppression_threshold", type: "int" })
  @Field(() => Int, { description: "Groups of fewer distinct stakeholders than this are hidden in funders' views (10 by default, never below 5)" })
  suppressionThreshold!: number;

  @Column({ name: "perturbation_maximum", type: "smallint" })
  @Field(() => Int, {
    description: "Largest adjustment (D, 1..5, 2 by default) of a count of people shown to funders: each such count is the true count plus a fixed, zero-mean adjustment of at most D (the cell-key method)",
  })
  perturbationMaximum!: number;

  @Column({ name: "follow_up_hours", type: "int" })
  @Field(() => Int, { description: "Default time to follow up an action, in hours (48 by default)" })
  followUpHours!: number;

  @Column({ name: "qoe_weights", type: "jsonb" })
  qoeWeights!: Record<string, Record<string, number>>;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;

  @Column({ name: "updated_at", type: "timestamptz" })
  @Field()
  updatedAt!: Date;
}
