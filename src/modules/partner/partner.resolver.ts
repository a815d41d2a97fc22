import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { Partner } from "./partner.entity";
import { CreatePartnerInput, UpdatePartnerInput } from "./partner.inputs";
import type { Context } from "../../context";

@Resolver(() => Partner)
export class PartnerResolver {
  @Mutation(() => Partner)
  createPartner(@Arg("input") input: CreatePartnerInput, @Ctx() { services }: Context): Promise<Partner> {
    return services.partners.create(input);
  }

  @Mutation(() => Partner)
  updatePartner(@Arg("input") input: UpdatePartnerInput, @Ctx() { services }: Context): Promise<Partner> {
    return services.partners.update(input);
  }
}
