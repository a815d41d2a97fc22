import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { ExperienceGoal, Intervention } from "./goal.entity";
import { CreateExperienceGoalInput, InterventionInput, UpdateExperienceGoalInput, UpdateInterventionInput } from "./goal.service";
import { Metric } from "../metric/metric.entity";
import { Stage } from "../lifecycle/stage.entity";
import { Touchpoint } from "../touchpoint/touchpoint.entity";
import { FunctionalArea } from "../functional-area/functional-area.entity";
import { NotFoundError } from "../../common/errors";
import { ExperienceGoalConnection } from "../../common/connections";
import { GoalDeliveryReport } from "./delivery.types";
import { PeriodArgsInput } from "../../common/periods";
import type { Context } from "../../context";

@Resolver(() => ExperienceGoal)
export class GoalResolver {
  @Query(() => ExperienceGoalConnection, { description: "Experience goals with their input KPIs and interventions (admins and staff)" })
  async experienceGoals(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return ExperienceGoalConnection.from(await services.goals.list(organizationId, first, after));
  }

  @Query(() => GoalDeliveryReport, {
    description:
      "Whether experience goals are delivered over [from, to): each goal's input KPIs against target, its interventions on time, late or not started at the period's end, and the experience at its touchpoint (or stage) before and after each started intervention (admins and staff)",
  })
  goalDelivery(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
    @Arg("goalId", () => ID, { nullable: true, description: "One goal; all the organization's (up to 100) when left out" }) goalId?: string,
    @Arg("windowDays", () => Int, { defaultValue: 28, description: "Days on each side of an intervention's start day (1..365)" }) windowDays?: number,
  ): Promise<GoalDeliveryReport> {
    return services.goalDelivery.report(organizationId, periodArgs, goalId, windowDays ?? 28);
  }

  @Mutation(() => ExperienceGoal)
  createExperienceGoal(@Arg("input") input: CreateExperienceGoalInput, @Ctx() { services }: Context): Promise<ExperienceGoal> {
    return services.goals.create(input);
  }

  @Mutation(() => ExperienceGoal)
  updateExperienceGoal(@Arg("input") input: UpdateExperienceGoalInput, @Ctx() { services }: Context): Promise<ExperienceGoal> {
    return services.goals.update(input);
  }

  @Mutation(() => Intervention)
  addIntervention(@Arg("input") input: InterventionInput, @Ctx() { services }: Context): Promise<Intervention> {
    return services.goals.addIntervention(input);
  }

  @Mutation(() => Intervention)
  updateIntervention(@Arg("input") input: UpdateInterventionInput, @Ctx() { services }: Context): Promise<Intervention> {
    return services.goals.updateIntervention(input);
  }

  @FieldResolver(() => [Metric], { description: "The input KPIs that tell whether it is delivered" })
  metrics(@Root() g: ExperienceGoal, @Ctx() { loaders }: Context): Promise<Metric[]> {
    return loaders.metricsByGoal.load({ organizationId: g.organizationId, id: g.id });
  }

  @FieldResolver(() => [Intervention])
  interventions(@Root() g: ExperienceGoal, @Ctx() { loaders }: Context): Promise<Intervention[]> {
    return loaders.interventionsByGoal.load({ organizationId: g.organizationId, id: g.id });
  }

  @FieldResolver(() => Stage, { nullable: true })
  stage(@Root() g: ExperienceGoal, @Ctx() { loaders }: Context) {
    return g.stageId ? loaders.stageById.load({ organizationId: g.organizationId, id: g.stageId }) : null;
  }

  @FieldResolver(() => Touchpoint, { nullable: true })
  touchpoint(@Root() g: ExperienceGoal, @Ctx() { loaders }: Context) {
    return g.touchpointId ? loaders.touchpointById.load({ organizationId: g.organizationId, id: g.touchpointId }) : null;
  }
}

@Resolver(() => Intervention)
export class InterventionResolver {
  @FieldResolver(() => FunctionalArea)
  async owner(@Root() i: Intervention, @Ctx() { loaders }: Context): Promise<FunctionalArea> {
    const a = await loaders.functionalAreaById.load({ organizationId: i.organizationId, id: i.ownerAreaId });
    if (!a) throw new NotFoundError("FunctionalArea");
    return a;
  }
}
