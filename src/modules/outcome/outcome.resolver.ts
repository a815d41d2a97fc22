import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import { Metric } from "../metric/metric.entity";
import { MetricQuestionLink } from "../metric/metric-link.entity";
import { LinkMetricToQuestionInput } from "./outcome.inputs";
import { DistanceTravelled } from "./outcome.types";

@Resolver(() => Metric)
export class OutcomeResolver {
  @Mutation(() => Metric, {
    description:
      "Computes a SOCIAL metric from survey answers instead of observations (admins): the mean or sum of a NUMBER or RATING question, or the share answering yes (YES_NO) or choosing an option (CHOICE). Replaces the metric's link if it had one; the metric then takes no observations.",
  })
  linkMetricToQuestion(@Arg("input") input: LinkMetricToQuestionInput, @Ctx() { services }: Context): Promise<Metric> {
    return services.outcomes.link(input);
  }

  @Mutation(() => Metric, { description: "Removes a metric's link to a question (admins): its values come from observations again" })
  unlinkMetricFromQuestion(@Arg("metricId", () => ID) metricId: string, @Ctx() { services }: Context): Promise<Metric> {
    return services.outcomes.unlink(metricId);
  }

  @Query(() => DistanceTravelled, {
    description:
      "Distance travelled on a metric computed from answers: each person's first answer in [from, to) against their latest; who improved, stayed, worsened, and the mean change with its 95 % interval (admins, staff, funders with small-cell suppression and adjusted counts)",
  })
  distanceTravelled(
    @Arg("metricId", () => ID) metricId: string,
    @Ctx() { services }: Context,
    @Arg("from", () => Date, { nullable: true, description: "Answers collected from (included); from the first answer when left out" }) from?: Date | null,
    @Arg("to", () => Date, { nullable: true, description: "Answers collected before (excluded); up to now when left out" }) to?: Date | null,
  ): Promise<DistanceTravelled> {
    return services.outcomes.distanceTravelled(metricId, from ?? null, to ?? null);
  }

  @FieldResolver(() => MetricQuestionLink, { nullable: true, description: "The survey question the metric is computed from; null when its values are observations" })
  async source(@Root() metric: Metric, @Ctx() { loaders }: Context): Promise<MetricQuestionLink | null> {
    return (await loaders.questionLinkByMetric.load({ organizationId: metric.organizationId, id: metric.id }))[0] ?? null;
  }
}
