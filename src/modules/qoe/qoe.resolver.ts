import { PeriodArgsInput } from "../../common/periods";
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { QoeGroup, QoeGroupBy, QoeWeights, QoeWeightsInput, QualityOfExperience } from "./qoe.types";
import { Dimension } from "../lifecycle/funnel.types";
import { Stage } from "../lifecycle/stage.entity";
import { Touchpoint } from "../touchpoint/touchpoint.entity";
import { Interval } from "../../common/enums";
import type { Context } from "../../context";

@Resolver(() => QoeGroup)
export class QoeResolver {
  @Query(() => QualityOfExperience, {
    description:
      "Quality of experience over [from, to): overall score, the customer, user and beneficiary perspectives, each component with value, weight, sample size and whether it was missing; optionally by stage, touchpoint, period or dimension (worst first)",
  })
  async qualityOfExperience(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("groupBy", () => QoeGroupBy, { defaultValue: QoeGroupBy.NONE }) groupBy: QoeGroupBy,
    @Arg("interval", () => Interval, { nullable: true }) interval?: Interval,
    @Arg("dimension", () => Dimension, { nullable: true }) dimension?: Dimension,
  ): Promise<QualityOfExperience> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.qoe.compute(organizationId, p.from, p.to, groupBy, interval, dimension);
  }

  @Mutation(() => QoeWeights, { description: "Sets the organization's perspective and component weights (admins only)" })
  setQoeWeights(@Arg("organizationId", () => ID) organizationId: string, @Arg("weights") weights: QoeWeightsInput, @Ctx() { services }: Context): Promise<QoeWeights> {
    return services.qoe.setWeights(organizationId, weights);
  }

  @FieldResolver(() => Stage, { nullable: true })
  stage(@Root() g: QoeGroup, @Ctx() { loaders }: Context) {
    return g.stageId ? loaders.stageById.load({ organizationId: g.organizationId, id: g.stageId }) : null;
  }

  @FieldResolver(() => Touchpoint, { nullable: true, description: "With its owner and partner: who can close the gap" })
  touchpoint(@Root() g: QoeGroup, @Ctx() { loaders }: Context) {
    return g.touchpointId ? loaders.touchpointById.load({ organizationId: g.organizationId, id: g.touchpointId }) : null;
  }
}
