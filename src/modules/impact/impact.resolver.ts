import { PeriodArgsInput } from "../../common/periods";
import { Arg, Args, Ctx, ID, Query, Resolver } from "type-graphql";
import { DoubleBottomLine, ImpactAtSale, ImpactInUse, MetricSeries } from "./impact.types";
import { Interval } from "../../common/enums";
import type { Context } from "../../context";

@Resolver()
export class ImpactResolver {
  @Query(() => ImpactAtSale, { description: "Sales, revenue, contribution, units given and beneficiaries funded over [from, to), per offering, and the AT_SALE social metrics" })
  async impactAtSale(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
  ): Promise<ImpactAtSale> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.impact.impactAtSale(organizationId, p.from, p.to);
  }

  @Query(() => ImpactInUse, { description: "Stakeholders in IN_USE stages over [from, to) (entered, active, left), outcomes per stage, and the IN_USE social metrics" })
  async impactInUse(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
  ): Promise<ImpactInUse> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.impact.impactInUse(organizationId, p.from, p.to);
  }

  @Query(() => DoubleBottomLine, { description: "The business side beside the social side over [from, to), each with the change from the previous period of the same length" })
  async doubleBottomLine(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
  ): Promise<DoubleBottomLine> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.impact.doubleBottomLine(organizationId, p.from, p.to);
  }

  @Query(() => MetricSeries, { description: "A metric per week, month or quarter over [from, to): actual against target, optionally split by one dimension" })
  async metricSeries(
    @Arg("metricId", () => ID) metricId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Arg("interval", () => Interval) interval: Interval,
    @Ctx() { services }: Context,
    @Arg("dimension", () => String, { nullable: true, description: "A dimension name used in observations, e.g. gender" }) dimension?: string,
  ): Promise<MetricSeries> {
    // The period is the metric's organization's (its time zone, for a named period or calendar dates).
    const metric = await services.metrics.get(metricId, undefined, "metricId");
    const p = await services.periods.resolve(metric.organizationId, periodArgs);
    return services.impact.metricSeries(metric, p.from, p.to, interval, dimension);
  }
}
