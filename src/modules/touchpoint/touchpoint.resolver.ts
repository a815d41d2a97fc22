import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import { Touchpoint } from "./touchpoint.entity";
import { CreateTouchpointInput, UpdateTouchpointInput } from "./touchpoint.inputs";
import { Stage } from "../lifecycle/stage.entity";
import { FunctionalArea } from "../functional-area/functional-area.entity";
import { Partner } from "../partner/partner.entity";
import { NotFoundError } from "../../common/errors";
import type { Context } from "../../context";

@Resolver(() => Touchpoint)
export class TouchpointResolver {
  @Mutation(() => Touchpoint)
  createTouchpoint(@Arg("input") input: CreateTouchpointInput, @Ctx() { services }: Context): Promise<Touchpoint> {
    return services.touchpoints.create(input);
  }

  @Mutation(() => Touchpoint)
  updateTouchpoint(@Arg("input") input: UpdateTouchpointInput, @Ctx() { services }: Context): Promise<Touchpoint> {
    return services.touchpoints.update(input);
  }

  @FieldResolver(() => Stage)
  async stage(@Root() tp: Touchpoint, @Ctx() { loaders }: Context): Promise<Stage> {
    const stage = await loaders.stageById.load({ organizationId: tp.organizationId, id: tp.stageId });
    if (!stage) throw new NotFoundError("Stage");
    return stage;
  }

  @FieldResolver(() => FunctionalArea, { description: "The functional area that owns it" })
  async owner(@Root() tp: Touchpoint, @Ctx() { loaders }: Context): Promise<FunctionalArea> {
    const area = await loaders.functionalAreaById.load({ organizationId: tp.organizationId, id: tp.functionalAreaId });
    if (!area) throw new NotFoundError("FunctionalArea");
    return area;
  }

  @FieldResolver(() => Partner, { nullable: true, description: "The partner that delivers it, if any" })
  partner(@Root() tp: Touchpoint, @Ctx() { loaders }: Context): Promise<Partner | null> | null {
    return tp.partnerId ? loaders.partnerById.load({ organizationId: tp.organizationId, id: tp.partnerId }) : null;
  }
}
