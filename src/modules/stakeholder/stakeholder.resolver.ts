import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Stakeholder } from "./stakeholder.entity";
import { StageTransition } from "./stage-transition.entity";
import { Interaction } from "./interaction.entity";
import { CreateStakeholderInput, MoveStakeholderInput, RecordInteractionInput, SetContactInput, StakeholderFilter, UpdateStakeholderInput } from "./stakeholder.inputs";
import { StakeholderContact } from "./contact.entity";
import { GraphQLJSONObject } from "graphql-scalars";
import { Stage } from "../lifecycle/stage.entity";
import { Lifecycle } from "../lifecycle/lifecycle.entity";
import { Touchpoint } from "../touchpoint/touchpoint.entity";
import { InteractionConnection, StageTransitionConnection, StakeholderConnection } from "../../common/connections";
import { NotFoundError } from "../../common/errors";
import type { Context } from "../../context";

@Resolver(() => Stakeholder)
export class StakeholderResolver {
  @Query(() => StakeholderConnection, { description: "One organization's customers and beneficiaries, oldest first" })
  async stakeholders(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("filter", () => StakeholderFilter, { nullable: true }) filter?: StakeholderFilter,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return StakeholderConnection.from(await services.stakeholders.list(organizationId, filter, first, after));
  }

  @Query(() => Stakeholder)
  stakeholder(@Arg("id", () => ID) id: string, @Ctx() { services }: Context): Promise<Stakeholder> {
    return services.stakeholders.get(id);
  }

  @Mutation(() => Stakeholder, { description: "Registers a customer or beneficiary, optionally in a first stage" })
  createStakeholder(@Arg("input") input: CreateStakeholderInput, @Ctx() { services }: Context): Promise<Stakeholder> {
    return services.stakeholders.create(input);
  }

  @Mutation(() => Stakeholder, { description: "Changes a stakeholder's reference or disaggregation attributes" })
  updateStakeholder(@Arg("input") input: UpdateStakeholderInput, @Ctx() { services }: Context): Promise<Stakeholder> {
    return services.stakeholders.update(input);
  }

  @Mutation(() => StageTransition, { description: "Records that a stakeholder entered a stage of its lifecycle (now or back-dated)" })
  moveStakeholder(@Arg("input") input: MoveStakeholderInput, @Ctx() { services }: Context): Promise<StageTransition> {
    return services.stakeholders.move(input);
  }

  @Mutation(() => Interaction, { description: "Records a stakeholder's visit to a touchpoint" })
  recordInteraction(@Arg("input") input: RecordInteractionInput, @Ctx() { services }: Context): Promise<Interaction> {
    return services.stakeholders.recordInteraction(input);
  }

  @Mutation(() => Stakeholder, { description: "Sets a stakeholder's contact data (admins and staff); all fields null removes it" })
  setStakeholderContact(@Arg("input") input: SetContactInput, @Ctx() { services }: Context): Promise<Stakeholder> {
    return services.stakeholders.setContact(input);
  }

  @Mutation(() => Stakeholder, {
    description: "Erases a stakeholder's personal data (contact data, external reference, free-text notes); its anonymous numbers stay (admins and staff)",
  })
  forgetStakeholder(@Arg("id", () => ID) id: string, @Ctx() { services }: Context): Promise<Stakeholder> {
    return services.stakeholders.forget(id);
  }

  @Query(() => GraphQLJSONObject, { description: "Everything held on one stakeholder, as one JSON document (admins and staff)" })
  stakeholderExport(@Arg("id", () => ID) id: string, @Ctx() { services }: Context): Promise<Record<string, unknown>> {
    return services.stakeholders.export(id);
  }

  @FieldResolver(() => StakeholderContact, { nullable: true, description: "Personal contact data: admins and staff only (FORBIDDEN for others)" })
  contact(@Root() s: Stakeholder, @Ctx() { services }: Context): Promise<StakeholderContact | null> {
    return services.stakeholders.contact(s);
  }

  @FieldResolver(() => Stage, { nullable: true })
  currentStage(@Root() s: Stakeholder, @Ctx() { loaders }: Context): Stage | Promise<Stage | null> | null {
    return s.currentStageId ? loaders.stageById.get({ organizationId: s.organizationId, id: s.currentStageId }) : null;
  }

  @FieldResolver(() => Lifecycle, { description: "The lifecycle of its kind" })
  async lifecycle(@Root() s: Stakeholder, @Ctx() { loaders }: Context): Promise<Lifecycle> {
    const all = await loaders.lifecyclesByOrganization.load({ organizationId: s.organizationId, id: s.organizationId });
    const found = all.find((l) => l.kind === s.kind);
    if (!found) throw new NotFoundError("Lifecycle");
    return found;
  }

  @FieldResolver(() => StageTransitionConnection, { description: "Its stage transitions, oldest first" })
  journey(
    @Root() s: Stakeholder,
    @Ctx() { loaders }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return loaders.journeyByStakeholder.load({ organizationId: s.organizationId, id: s.id, first, after }).then(StageTransitionConnection.from);
  }

  @FieldResolver(() => InteractionConnection, { description: "Its visits to touchpoints, oldest first" })
  async interactions(
    @Root() s: Stakeholder,
    @Ctx() { loaders }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return InteractionConnection.from(await loaders.interactionsByStakeholder.load({ organizationId: s.organizationId, id: s.id, first, after }));
  }
}

@Resolver(() => StageTransition)
export class StageTransitionResolver {
  @FieldResolver(() => Stage, { nullable: true, description: "The stage it left; null for the first stage it entered" })
  fromStage(@Root() t: StageTransition, @Ctx() { loaders }: Context): Stage | Promise<Stage | null> | null {
    return t.fromStageId ? loaders.stageById.get({ organizationId: t.organizationId, id: t.fromStageId }) : null;
  }

  @FieldResolver(() => Stage)
  toStage(@Root() t: StageTransition, @Ctx() { loaders }: Context): Stage | Promise<Stage> {
    const found = (stage: Stage | null) => {
      if (!stage) throw new NotFoundError("Stage");
      return stage;
    };
    const stage = loaders.stageById.get({ organizationId: t.organizationId, id: t.toStageId });
    return stage instanceof Promise ? stage.then(found) : found(stage);
  }

  @FieldResolver(() => Stakeholder)
  async stakeholder(@Root() t: StageTransition, @Ctx() { loaders }: Context): Promise<Stakeholder> {
    const s = await loaders.stakeholderById.load({ organizationId: t.organizationId, id: t.stakeholderId });
    if (!s) throw new NotFoundError("Stakeholder");
    return s;
  }
}

@Resolver(() => Interaction)
export class InteractionResolver {
  @FieldResolver(() => Touchpoint)
  async touchpoint(@Root() i: Interaction, @Ctx() { loaders }: Context): Promise<Touchpoint> {
    const tp = await loaders.touchpointById.load({ organizationId: i.organizationId, id: i.touchpointId });
    if (!tp) throw new NotFoundError("Touchpoint");
    return tp;
  }

  @FieldResolver(() => Stakeholder)
  async stakeholder(@Root() i: Interaction, @Ctx() { loaders }: Context): Promise<Stakeholder> {
    const s = await loaders.stakeholderById.load({ organizationId: i.organizationId, id: i.stakeholderId });
    if (!s) throw new NotFoundError("Stakeholder");
    return s;
  }
}
