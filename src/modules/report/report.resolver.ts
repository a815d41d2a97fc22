import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { ImpactReport, Narrative, PeriodInput, SetReportNarrativeInput } from "./report.types";
import type { Context } from "../../context";

@Resolver()
export class ReportResolver {
  @Query(() => ImpactReport, {
    description: "The impact report for a funder over [from, to) against compareTo (default: the previous period of the same length), small groups suppressed for funders",
  })
  impactReport(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("from") from: Date,
    @Arg("to") to: Date,
    @Ctx() { services }: Context,
    @Arg("compareTo", () => PeriodInput, { nullable: true }) compareTo?: PeriodInput,
  ): Promise<ImpactReport> {
    return services.reports.report(organizationId, from, to, compareTo);
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
