import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { Node } from "../../common/node";
import { BadInputError } from "../../common/errors";

const MAX_NODES = 100;

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: "The object with this global id, or null when there is none the caller may see" })
  node(@Arg("id", () => ID) id: string, @Ctx() { services }: Context) {
    return services.nodes.get(id, "id");
  }

  @Query(() => [Node], { nullable: "items", description: `The objects with these global ids, in their order (null where there is none the caller may see); at most ${MAX_NODES}` })
  nodes(@Arg("ids", () => [ID]) ids: string[], @Ctx() { services }: Context) {
    if (ids.length > MAX_NODES) throw new BadInputError("ids", `ids holds at most ${MAX_NODES} ids`);
    return Promise.all(ids.map((id, i) => services.nodes.get(id, `ids.${i}`)));
  }
}
