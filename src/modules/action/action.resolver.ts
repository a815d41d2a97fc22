import { PeriodArgsInput } from "../../common/periods";
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Action, ActionRule } from "./action.entity";
import { ActionFilter, ActionOrder, CloseLoopInput, CreateActionInput, CreateActionRuleInput, UpdateActionInput, UpdateActionRuleInput } from "./action.inputs";
import { ActionSummary } from "./action.service";
import { FunctionalArea } from "../functional-area/functional-area.entity";
import { Partner } from "../partner/partner.entity";
import { Stakeholder } from "../stakeholder/stakeholder.entity";
import { Touchpoint } from "../touchpoint/touchpoint.entity";
import { FeedbackResponse } from "../feedback/feedback.entity";
import { NotFoundError } from "../../common/errors";
import { ActionConnection } from "../../common/connections";
import type { Context } from "../../context";

@Resolver(() => Action)
export class ActionResolver {
  @Query(() => ActionConnection, { description: "Follow-up actions (default: oldest first; see orderBy): open, overdue, closed on time, per owner (admins and staff)" })
  async actions(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("filter", () => ActionFilter, { nullable: true }) filter?: ActionFilter,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
    @Arg("orderBy", () => ActionOrder, { nullable: true, description: "Default: CREATED_AT, ASC" }) orderBy?: ActionOrder,
  ) {
    return ActionConnection.from(await services.actions.list(organizationId, filter, first, after, orderBy));
  }

  @Query(() => Action)
  action(@Arg("id", () => ID) id: string, @Ctx() { services }: Context): Promise<Action> {
    return services.actions.get(id);
  }

  @Query(() => ActionSummary, {
    description:
      "Per owner: open and overdue now; of the actions due in [from, to): loops closed on time (by the due date, even one still ahead), closed late, not closed though past due. Admins, staff and funders (small counts suppressed)",
  })
  async actionSummary(
    @Arg("organizationId", () => ID) organizationId: string,
    @Args(() => PeriodArgsInput) periodArgs: PeriodArgsInput,
    @Ctx() { services }: Context,
  ): Promise<ActionSummary> {
    const p = await services.periods.resolve(organizationId, periodArgs);
    return services.actions.summary(organizationId, p.from, p.to);
  }

  @Query(() => [ActionRule], { description: "The organization's action rules (at most 500)" })
  actionRules(@Arg("organizationId", () => ID) organizationId: string, @Ctx() { services }: Context): Promise<ActionRule[]> {
    return services.actions.rules(organizationId);
  }

  @Mutation(() => Action, { description: "Opens an action by hand (admins and staff)" })
  createAction(@Arg("input") input: CreateActionInput, @Ctx() { services }: Context): Promise<Action> {
    return services.actions.create(input);
  }

  @Mutation(() => Action, { description: "Changes status, owner, due date, root cause or notes (admins and staff)" })
  updateAction(@Arg("input") input: UpdateActionInput, @Ctx() { services }: Context): Promise<Action> {
    return services.actions.update(input);
  }

  @Mutation(() => Action, { description: "Records what was said back to the stakeholder, and when (admins and staff)" })
  closeLoop(@Arg("input") input: CloseLoopInput, @Ctx() { services }: Context): Promise<Action> {
    return services.actions.closeLoop(input);
  }

  @Mutation(() => ActionRule, { description: "Creates a rule that opens actions for matching responses (admins only)" })
  createActionRule(@Arg("input") input: CreateActionRuleInput, @Ctx() { services }: Context): Promise<ActionRule> {
    return services.actions.createRule(input);
  }

  @Mutation(() => ActionRule, { description: "Turns a rule on or off (admins only)" })
  updateActionRule(@Arg("input") input: UpdateActionRuleInput, @Ctx() { services }: Context): Promise<ActionRule> {
    return services.actions.updateRule(input);
  }

  @FieldResolver(() => FunctionalArea)
  async owner(@Root() a: Action, @Ctx() { loaders }: Context): Promise<FunctionalArea> {
    const area = await loaders.functionalAreaById.load({ organizationId: a.organizationId, id: a.ownerAreaId });
    if (!area) throw new NotFoundError("FunctionalArea");
    return area;
  }

  @FieldResolver(() => Boolean, { description: "Not DONE or WONT_DO, and past due" })
  overdue(@Root() a: Action): boolean {
    return (a.status === "OPEN" || a.status === "IN_PROGRESS") && a.dueAt.getTime() < Date.now();
  }

  @FieldResolver(() => Boolean, { nullable: true, description: "Loop closed at or before dueAt (even if dueAt is still ahead); null while not closed" })
  closedOnTime(@Root() a: Action): boolean | null {
    return a.loopClosedAt ? a.loopClosedAt.getTime() <= a.dueAt.getTime() : null;
  }

  @FieldResolver(() => Stakeholder, { nullable: true })
  stakeholder(@Root() a: Action, @Ctx() { loaders }: Context) {
    return a.stakeholderId ? loaders.stakeholderById.load({ organizationId: a.organizationId, id: a.stakeholderId }) : null;
  }

  @FieldResolver(() => Touchpoint, { nullable: true })
  touchpoint(@Root() a: Action, @Ctx() { loaders }: Context) {
    return a.touchpointId ? loaders.touchpointById.load({ organizationId: a.organizationId, id: a.touchpointId }) : null;
  }

  @FieldResolver(() => FeedbackResponse, { nullable: true })
  response(@Root() a: Action, @Ctx() { loaders }: Context) {
    return a.responseId ? loaders.responseById.load({ organizationId: a.organizationId, id: a.responseId }) : null;
  }

  @FieldResolver(() => Partner, { nullable: true, description: "The partner that delivered the loop-closing message" })
  loopDeliveredBy(@Root() a: Action, @Ctx() { loaders }: Context) {
    return a.loopDeliveredByPartnerId ? loaders.partnerById.load({ organizationId: a.organizationId, id: a.loopDeliveredByPartnerId }) : null;
  }
}
