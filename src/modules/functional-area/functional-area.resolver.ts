import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { FunctionalArea } from "./functional-area.entity";
import { CreateFunctionalAreaInput, UpdateFunctionalAreaInput } from "./functional-area.inputs";
import type { Context } from "../../context";

@Resolver(() => FunctionalArea)
export class FunctionalAreaResolver {
  @Mutation(() => FunctionalArea)
  createFunctionalArea(@Arg("input") input: CreateFunctionalAreaInput, @Ctx() { services }: Context): Promise<FunctionalArea> {
    return services.functionalAreas.create(input);
  }

  @Mutation(() => FunctionalArea, { description: "Renames a functional area" })
  updateFunctionalArea(@Arg("input") input: UpdateFunctionalAreaInput, @Ctx() { services }: Context): Promise<FunctionalArea> {
    return services.functionalAreas.update(input);
  }
}
