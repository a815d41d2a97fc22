import { Node } from "../../common/node";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { ImpactMode, MetricAggregation, MetricCategory, MetricDirection, MetricKind, MetricPerspective, MetricUnit } from "../../common/enums";
import { DecimalScalar } from "../../common/scalars";

@Entity({ name: "metrics" })
@ObjectType({ implements: Node, description: "Something measured over time: a KPI (business) or a social metric (impact)" })
export class Metric {
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

  @Column({ type: "enum", enum: MetricCategory, enumName: "metric_category" })
  @Field(() => MetricCategory)
  category!: MetricCategory;

  @Column({ type: "enum", enum: MetricPerspective, enumName: "metric_perspective" })
  @Field(() => MetricPerspective)
  perspective!: MetricPerspective;

  @Column({ type: "enum", enum: MetricKind, enumName: "metric_kind" })
  @Field(() => MetricKind)
  kind!: MetricKind;

  @Column({ type: "enum", enum: MetricUnit, enumName: "metric_unit" })
  @Field(() => MetricUnit)
  unit!: MetricUnit;

  @Column({ name: "unit_label", type: "varchar", length: 40, nullable: true })
  @Field(() => String, { nullable: true, description: "How to label values, e.g. 'children', 'kg CO2e'" })
  unitLabel!: string | null;

  @Column({ type: "enum", enum: MetricDirection, enumName: "metric_direction" })
  @Field(() => MetricDirection)
  direction!: MetricDirection;

  @Column({ type: "enum", enum: MetricAggregation, enumName: "metric_aggregation" })
  @Field(() => MetricAggregation)
  aggregation!: MetricAggregation;

  @Column({ name: "baseline_value", type: "numeric", nullable: true })
  @Field(() => DecimalScalar, { nullable: true })
  baselineValue!: string | null;

  @Column({ name: "baseline_date", type: "date", nullable: true })
  @Field(() => String, { nullable: true, description: "YYYY-MM-DD" })
  baselineDate!: string | null;

  @Column({ name: "impact_mode", type: "enum", enum: ["AT_SALE", "IN_USE"], enumName: "impact_mode", nullable: true })
  @Field(() => ImpactMode, { nullable: true, description: "For social metrics: impact created at the point of sale or in use" })
  impactMode!: ImpactMode | null;

  @Column({ name: "catalogue_code", type: "varchar", length: 40, nullable: true })
  @Field(() => String, { nullable: true, description: "A public catalogue code, e.g. the IRIS+ metric id PI4060" })
  catalogueCode!: string | null;

  @Column({ name: "estimation_note", type: "varchar", length: 2000, nullable: true })
  @Field(() => String, { nullable: true, description: "How it is measured or estimated" })
  estimationNote!: string | null;

  @Column({ name: "stage_id", type: "uuid", nullable: true })
  stageId!: string | null;

  @Column({ name: "touchpoint_id", type: "uuid", nullable: true })
  touchpointId!: string | null;

  @Column({ type: "boolean" })
  @Field({ description: "Shown in funders' reports" })
  reportable!: boolean;

  @Column({ name: "created_at", type: "timestamptz" })
  @Field()
  createdAt!: Date;

  @Column({ name: "updated_at", type: "timestamptz" })
  @Field()
  updatedAt!: Date;
}

@Entity({ name: "metric_targets" })
@ObjectType({ implements: Node, description: "The target of a metric for a period [from, to)" })
export class MetricTarget {
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

  @Column({ name: "created_at", type: "timestamptz" })
  createdAt!: Date;
}
