import { Field, ID, InterfaceType } from "type-graphql";

/**
 * Relay's object identification: every object with a global id can be fetched again with
 * `node(id:)` / `nodes(ids:)`. The id carries its type and organization (common/global-ids.ts).
 */
@InterfaceType({ description: "An object with a global id: fetch it again with `node(id:)` or `nodes(ids:)`" })
export abstract class Node {
  @Field(() => ID, { description: "Global id: opaque, carries the type and the organization" })
  id!: string;
}
