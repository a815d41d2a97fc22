import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { ApiKey, ApiKeyWithRole, CreatedApiKey, Me } from "./access.entity";
import { CreateApiKeyInput, GrantApiKeyAccessInput, RevokeApiKeyAccessInput } from "./access.inputs";
import { ApiKeyConnection } from "../../common/connections";
import type { Context } from "../../context";

@Resolver()
export class AccessResolver {
  @Query(() => Me, { description: "The calling key and the roles it holds" })
  me(@Ctx() { services }: Context): Me {
    return services.access.me();
  }

  @Query(() => ApiKeyConnection, { description: "Keys that hold a role in the organization (admins only)" })
  async apiKeys(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return ApiKeyConnection.from(await services.access.list(organizationId, first, after));
  }

  @Mutation(() => CreatedApiKey, { description: "Creates a key with a role in the organization (admins only). The key is shown once." })
  createApiKey(@Arg("input") input: CreateApiKeyInput, @Ctx() { services }: Context): Promise<CreatedApiKey> {
    return services.access.create(input);
  }

  @Mutation(() => ApiKeyWithRole, { description: "Gives an existing key a role in the organization, e.g. a funder's key (admins only)" })
  grantApiKeyAccess(@Arg("input") input: GrantApiKeyAccessInput, @Ctx() { services }: Context): Promise<ApiKeyWithRole> {
    return services.access.grant(input);
  }

  @Mutation(() => Boolean, { description: "Takes a key's role in the organization away (admins only)" })
  revokeApiKeyAccess(@Arg("input") input: RevokeApiKeyAccessInput, @Ctx() { services }: Context): Promise<boolean> {
    return services.access.revokeAccess(input);
  }

  @Mutation(() => ApiKey, { description: "Revokes a key everywhere (admins of the organization that issued it)" })
  revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() { services }: Context): Promise<ApiKey> {
    return services.access.revoke(id);
  }
}
