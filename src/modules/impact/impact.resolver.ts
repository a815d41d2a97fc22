import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { DoubleBottomLine, ImpactAtSale, ImpactInUse, MetricSeries } from "./impact.types";
import { Interval } from "../../common/enums";
import type { Context } from "../../context";

@Resolver()
export class ImpactResolver {
  @Query(() => ImpactAtSale, { description: "Sales, revenue, contribution, units given and beneficiaries funded over [from, to), per offering, and the AT_SALE social metrics" })
  impactAtSale(@Arg("organizationId", () => ID) organizationId: string, @Arg("from") from: Date, @Arg("to") to: Date, @Ctx() { services }: Context): Promise<ImpactAtSale> {
    return services.impact.impactAtSale(organizationId, from, to);
  }

  @Query(() => ImpactInUse, { description: "Stakeholders in IN_USE stages over [from, to) (entered, active, left), outcomes per stage, and the IN_USE social metrics" })
  impactInUse(@Arg("organizationId", () => ID) organizationId: string, @Arg("from") from: Date, @Arg("to") to: Date, @Ctx() { services }: Context): Promise<ImpactInUse> {
    return services.impact.impactInUse(organizationId, from, to);
  }

  @Query(() => DoubleBottomLine, { description: "The business side beside the social side over [from, to), each with the change from the previous period of the same length" })
  doubleBottomLine(@Arg("organizationId", () => ID) organizationId: string, @Arg("from") from: Date, @Arg("to") to: Date, @Ctx() { services }: Context): Promise<DoubleBottomLine> {
    return services.impact.doubleBottomLine(organizationId, from, to);
  }

  @Query(() => MetricSeries, { description: "A metric per week, month or quarter over [from, to): actual against target, optionally split by one dimension" })
  metricSeries(
    @Arg("metricId", () => ID) metricId: string,
    @Arg("from") from: Date,
    @Arg("to") to: Date,
    @Arg("interval", () => Interval) interval: Interval,
    @Ctx() { services }: Context,
    @Arg("dimension", () => String, { nullable: true, description: "A dimension name used in observations, e.g. gender" }) dimension?: string,
  ): Promise<MetricSeries> {
    return services.impact.metricSeries(metricId, from, to, interval, dimension);
  }
}
