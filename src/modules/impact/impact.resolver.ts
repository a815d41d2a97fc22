import { NamedPeriod } from "../../common/periods";
import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { DoubleBottomLine, ImpactAtSale, ImpactInUse, MetricSeries } from "./impact.types";
import { Interval } from "../../common/enums";
import type { Context } from "../../context";

@Resolver()
export class ImpactResolver {
  @Query(() => ImpactAtSale, { description: "Sales, revenue, contribution, units given and beneficiaries funded over [from, to), per offering, and the AT_SALE social metrics" })
  async impactAtSale(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("from", () => Date, { nullable: true }) from: Date | undefined,
    @Arg("to", () => Date, { nullable: true }) to: Date | undefined,
    @Ctx() { services }: Context,
    @Arg("period", () => NamedPeriod, { nullable: true, description: "Instead of from and to: a period in the organization's time zone" }) period?: NamedPeriod,
  ): Promise<ImpactAtSale> {
    const p = await services.periods.resolve(organizationId, { from, to, period });
    return services.impact.impactAtSale(organizationId, p.from, p.to);
  }

  @Query(() => ImpactInUse, { description: "Stakeholders in IN_USE stages over [from, to) (entered, active, left), outcomes per stage, and the IN_USE social metrics" })
  async impactInUse(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("from", () => Date, { nullable: true }) from: Date | undefined,
    @Arg("to", () => Date, { nullable: true }) to: Date | undefined,
    @Ctx() { services }: Context,
    @Arg("period", () => NamedPeriod, { nullable: true, description: "Instead of from and to: a period in the organization's time zone" }) period?: NamedPeriod,
  ): Promise<ImpactInUse> {
    const p = await services.periods.resolve(organizationId, { from, to, period });
    return services.impact.impactInUse(organizationId, p.from, p.to);
  }

  @Query(() => DoubleBottomLine, { description: "The business side beside the social side over [from, to), each with the change from the previous period of the same length" })
  async doubleBottomLine(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("from", () => Date, { nullable: true }) from: Date | undefined,
    @Arg("to", () => Date, { nullable: true }) to: Date | undefined,
    @Ctx() { services }: Context,
    @Arg("period", () => NamedPeriod, { nullable: true, description: "Instead of from and to: a period in the organization's time zone" }) period?: NamedPeriod,
  ): Promise<DoubleBottomLine> {
    const p = await services.periods.resolve(organizationId, { from, to, period });
    return services.impact.doubleBottomLine(organizationId, p.from, p.to);
  }

  @Query(() => MetricSeries, { description: "A metric per week, month or quarter over [from, to): actual against target, optionally split by one dimension" })
  async metricSeries(
    @Arg("metricId", () => ID) metricId: string,
    @Arg("from", () => Date, { nullable: true }) from: Date | undefined,
    @Arg("to", () => Date, { nullable: true }) to: Date | undefined,
    @Arg("interval", () => Interval) interval: Interval,
    @Ctx() { services }: Context,
    @Arg("dimension", () => String, { nullable: true, description: "A dimension name used in observations, e.g. gender" }) dimension?: string,
    @Arg("period", () => NamedPeriod, { nullable: true, description: "Instead of from and to: a period in the organization's time zone" }) period?: NamedPeriod,
  ): Promise<MetricSeries> {
    // A named period needs the metric's organization (its time zone); from and to alone do not.
    const organizationId = period ? (await services.metrics.get(metricId, undefined, "metricId")).organizationId : "";
    const p = period ? await services.periods.resolve(organizationId, { from, to, period }) : await services.periods.resolve("", { from, to });
    return services.impact.metricSeries(metricId, p.from, p.to, interval, dimension);
  }
}
