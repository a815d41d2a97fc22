import { PeriodArgsInput } from "../../common/periods";
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Lifecycle } from "./lifecycle.entity";
import { Stage } from "./stage.entity";
import { AddStageInput, ReorderStagesInput, UpdateLifecycleInput, UpdateStageInput } from "./lifecycle.inputs";
import { Dimension, LifecycleFunnel } from "./funnel.types";
import { Organization } from "../organization/organization.entity";
import { StakeholderKind } from "../../common/enums";
import { TouchpointConnection } from "../../common/connections";
import { NotFoundError } from "../../common/errors";
import type { Context } from "../../context";

@Resolver(() => Lifecycle)
export class LifecycleResolver {
  @Query(() => LifecycleFunnel, {
    description:
      "Per stage of one lifecycle over [from, to): entered, moved on, in stage at the end and now, median days in stage; optionally split by a dimension. Small groups are suppressed for funders.",
  })
  async lifecycleFunnel(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("kind", () => StakeholderKind) kind: StakeholderKind,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("dimension", () => Dimension, { nullable: true }) dimension?: Dimension,
  ): Promise<LifecycleFunnel> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.lifecycles.funnel(organizationId, kind, p.from, p.to, dimension);
  }

  @Mutation(() => Lifecycle, { description: "Renames a lifecycle" })
  updateLifecycle(@Arg("input") input: UpdateLifecycleInput, @Ctx() { services }: Context): Promise<Lifecycle> {
    return services.lifecycles.updateLifecycle(input);
  }

  @Mutation(() => Stage, { description: "Adds a stage to a lifecycle, at a position or last" })
  addStage(@Arg("input") input: AddStageInput, @Ctx() { services }: Context): Promise<Stage> {
    return services.lifecycles.addStage(input);
  }

  @Mutation(() => Stage, { description: "Renames a stage or marks it AT_SALE / IN_USE (null clears the mark)" })
  updateStage(@Arg("input") input: UpdateStageInput, @Ctx() { services }: Context): Promise<Stage> {
    return services.lifecycles.updateStage(input);
  }

  @Mutation(() => Lifecycle, { description: "Puts every stage of a lifecycle in a new order" })
  reorderStages(@Arg("input") input: ReorderStagesInput, @Ctx() { services }: Context): Promise<Lifecycle> {
    return services.lifecycles.reorderStages(input);
  }

  @FieldResolver(() => [Stage], { description: "In order" })
  stages(@Root() lifecycle: Lifecycle, @Ctx() { loaders }: Context): Promise<Stage[]> {
    return loaders.stagesByLifecycle.load({ organizationId: lifecycle.organizationId, id: lifecycle.id });
  }

  @FieldResolver(() => Organization)
  async organization(@Root() lifecycle: Lifecycle, @Ctx() { loaders }: Context): Promise<Organization> {
    const org = await loaders.organizationById.load({ organizationId: lifecycle.organizationId, id: lifecycle.organizationId });
    if (!org) throw new NotFoundError("Organization");
    return org;
  }
}

@Resolver(() => Stage)
export class StageResolver {
  @FieldResolver(() => Lifecycle)
  async lifecycle(@Root() stage: Stage, @Ctx() { loaders }: Context): Promise<Lifecycle> {
    const lifecycle = await loaders.lifecycleById.load({ organizationId: stage.organizationId, id: stage.lifecycleId });
    if (!lifecycle) throw new NotFoundError("Lifecycle");
    return lifecycle;
  }

  @FieldResolver(() => TouchpointConnection)
  async touchpoints(
    @Root() stage: Stage,
    @Ctx() { loaders }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return TouchpointConnection.from(await loaders.touchpointsByStage.load({ organizationId: stage.organizationId, id: stage.id, first, after }));
  }
}
