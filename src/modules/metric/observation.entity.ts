import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, Int, ObjectType } from "type-graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { DecimalScalar } from "../../common/scalars";

@Entity({ name: "observations" })
@ObjectType({ implements: Node, description: "A value of a metric for a period [from, to), optionally for a stage or touchpoint and disaggregated by dimensions" })
export class Observation {
  @PrimaryColumn({ name: "organization_id", type: "uuid" })
  organizationId!: string;

  @PrimaryColumn("uuid")
  @Field(() => ID)
  id!: string;

  @Column({ name: "metric_id", type: "uuid" })
  metricId!: string;

  @Column({ name: "period_from", type: "timestamptz" })
  @Field()
  from!: Date;

  @Column({ name: "period_to", type: "timestamptz" })
  @Field()
  to!: Date;

  @Column({ type: "numeric" })
  @Field(() => DecimalScalar)
  value!: string;

  @Column({ name: "sample_size", type: "int", nullable: true })
  @Field(() => Int, { nullable: true, description: "How many people the value was computed from, when it is an average or a rate" })
  sampleSize!: number | null;

  @Column({ name: "stage_id", type: "uuid", nullable: true })
  stageId!: string | null;

  @Column({ name: "touchpoint_id", type: "uuid", nullable: true })
  touchpointId!: string | null;

  @Column({ type: "jsonb" })
  @Field(() => GraphQLJSONObject, { description: 'e.g. {"gender": "FEMALE", "region": "North"}; {} for a total' })
  dimensions!: Record<string, string>;

  @Column({ type: "varchar", length: 200, nullable: true })
  @Field(() => String, { nullable: true })
  source!: string | null;

  @Column({ name: "client_key", type: "varchar", length: 120, nullable: true })
  @Field(() => String, { nullable: true })
  clientKey!: string | null;

  @Column({ name: "content_hash", type: "char", length: 64 })
  contentHash!: string;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;
}
