import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Metric } from "./metric.entity";
import { CreateMetricInput, MetricFilter, RecordObservationsInput, SetMetricTargetsInput, UpdateMetricInput } from "./metric.inputs";
import { Stage } from "../lifecycle/stage.entity";
import { Touchpoint } from "../touchpoint/touchpoint.entity";
import { BatchResult } from "../../common/batch";
import { MetricConnection, MetricTargetConnection, ObservationConnection } from "../../common/connections";
import type { Context } from "../../context";

@Resolver(() => Metric)
export class MetricResolver {
  @Query(() => MetricConnection, { description: "The organization's KPIs and social metrics" })
  async metrics(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("filter", () => MetricFilter, { nullable: true }) filter?: MetricFilter,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return MetricConnection.from(await services.metrics.list(organizationId, filter, first, after));
  }

  @Query(() => Metric)
  metric(@Arg("id", () => ID) id: string, @Ctx() { services }: Context): Promise<Metric> {
    return services.metrics.get(id);
  }

  @Query(() => ObservationConnection, { description: "A metric's observations whose period starts in [from, to), oldest first (admins and staff)" })
  async observations(
    @Arg("metricId", () => ID) metricId: string,
    @Ctx() { services }: Context,
    @Arg("from", { nullable: true }) from?: Date,
    @Arg("to", { nullable: true }) to?: Date,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    const metric = await services.metrics.get(metricId, undefined, "metricId");
    return ObservationConnection.from(await services.metrics.observations(metric, from, to, first, after));
  }

  @Mutation(() => Metric, { description: "Defines a KPI or social metric (admins only)" })
  createMetric(@Arg("input") input: CreateMetricInput, @Ctx() { services }: Context): Promise<Metric> {
    return services.metrics.create(input);
  }

  @Mutation(() => Metric, { description: "Changes a metric (admins only). Category, perspective, unit and aggregation are fixed once created." })
  updateMetric(@Arg("input") input: UpdateMetricInput, @Ctx() { services }: Context): Promise<Metric> {
    return services.metrics.update(input);
  }

  @Mutation(() => Metric, { description: "Sets or removes a metric's targets per period (admins only)" })
  setMetricTargets(@Arg("input") input: SetMetricTargetsInput, @Ctx() { services }: Context): Promise<Metric> {
    return services.metrics.setTargets(input);
  }

  @Mutation(() => BatchResult, { description: "Records up to 1000 observations; each item answered on its own (admins and staff)" })
  recordObservations(@Arg("input") input: RecordObservationsInput, @Ctx() { services }: Context): Promise<BatchResult> {
    return services.metrics.record(input);
  }

  @FieldResolver(() => MetricTargetConnection, { description: "Targets per period, earliest first" })
  async targets(
    @Root() metric: Metric,
    @Ctx() { loaders }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return MetricTargetConnection.from(await loaders.targetsByMetric.load({ organizationId: metric.organizationId, id: metric.id, first, after }));
  }

  @FieldResolver(() => Stage, { nullable: true })
  stage(@Root() metric: Metric, @Ctx() { loaders }: Context): Promise<Stage | null> | null {
    return metric.stageId ? loaders.stageById.load({ organizationId: metric.organizationId, id: metric.stageId }) : null;
  }

  @FieldResolver(() => Touchpoint, { nullable: true })
  touchpoint(@Root() metric: Metric, @Ctx() { loaders }: Context): Promise<Touchpoint | null> | null {
    return metric.touchpointId ? loaders.touchpointById.load({ organizationId: metric.organizationId, id: metric.touchpointId }) : null;
  }
}
