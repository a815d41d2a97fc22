import { ComparePeriod, PeriodArgsInput } from "../../common/periods";
import { BadInputError } from "../../common/errors";
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { CustomerValue } from "../value/value.types";
import { ImpactReport, Narrative, PeriodInput, SetReportNarrativeInput } from "./report.types";
import type { Context } from "../../context";

@Resolver()
export class ReportResolver {
  @Query(() => ImpactReport, {
    description: "The impact report for a funder over [from, to) against compareTo (default: the previous period of the same length), small groups suppressed for funders",
  })
  async impactReport(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("compareTo", () => PeriodInput, { nullable: true }) compareTo?: PeriodInput,
    @Arg("compare", () => ComparePeriod, { nullable: true, description: "Instead of compareTo: the previous period of the same kind, or the same period last year" }) compare?: ComparePeriod,
  ): Promise<ImpactReport> {
    if (compare && compareTo) throw new BadInputError("compare", "give either compare or compareTo, not both");
    // A named period is compared with the one before it of the same kind (the month before LAST_MONTH) unless told otherwise.
    const p = await services.periods.resolve(organizationId, periodArgs, compare ?? (periodArgs.period && !compareTo ? ComparePeriod.PREVIOUS_PERIOD : null));
    // A compareTo given by calendar dates begins them at midnight in the organization's zone, as the period.
    const given = compareTo ? await services.periods.resolve(organizationId, { from: compareTo.from, to: compareTo.to }) : null;
    return services.reports.report(organizationId, p.from, p.to, p.compare ?? (given ? { from: given.from, to: given.to } : undefined));
  }

  @Query(() => [Narrative], { description: "Every version of the narrative for exactly [from, to), newest first (at most 100)" })
  reportNarratives(@Arg("organizationId", () => ID) organizationId: string, @Arg("from") from: Date, @Arg("to") to: Date, @Ctx() { services }: Context): Promise<Narrative[]> {
    return services.reports.narratives(organizationId, from, to);
  }

  @Mutation(() => Narrative, { description: "Writes a new version of the narrative for [from, to) (admins and staff)" })
  setReportNarrative(@Arg("input") input: SetReportNarrativeInput, @Ctx() { services }: Context): Promise<Narrative> {
    return services.reports.setNarrative(input);
  }
}

@Resolver(() => ImpactReport)
export class ReportFieldResolver {
  @FieldResolver(() => CustomerValue, {
    description:
      "What experience is worth: customers by their NPS class and QoE band with revenue, repeat purchase, retention and lifetime value, as customerValue gives it with its defaults (funders: groups suppressed and counts adjusted as everywhere). Computed only when asked for.",
  })
  experienceValue(@Root() report: ImpactReport, @Ctx() { services }: Context): Promise<CustomerValue> | CustomerValue {
    return report.experienceValue ?? services.value.customerValue(report.organization.id, report.period.from, report.period.to);
  }
}
