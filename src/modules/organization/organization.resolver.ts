import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Organization } from "./organization.entity";
import { CreateOrganizationInput, UpdateOrganizationInput } from "./organization.inputs";
import { Lifecycle } from "../lifecycle/lifecycle.entity";
import { StakeholderKind } from "../../common/enums";
import { FunctionalAreaConnection, OrganizationConnection, PartnerConnection, TouchpointConnection } from "../../common/connections";
import type { Context } from "../../context";

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => Organization, { description: "One organization by id" })
  organization(@Arg("id", () => ID) id: string, @Ctx() { services }: Context): Promise<Organization> {
    return services.organizations.get(id);
  }

  @Query(() => OrganizationConnection, { description: "Organizations, oldest first" })
  async organizations(
    @Ctx() { services }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return OrganizationConnection.from(await services.organizations.list(first, after));
  }

  @Mutation(() => Organization, { description: "Creates an organization with the default customer and beneficiary lifecycles and functional areas" })
  createOrganization(@Arg("input") input: CreateOrganizationInput, @Ctx() { services }: Context): Promise<Organization> {
    return services.organizations.create(input);
  }

  @Mutation(() => Organization)
  updateOrganization(@Arg("input") input: UpdateOrganizationInput, @Ctx() { services }: Context): Promise<Organization> {
    return services.organizations.update(input);
  }

  @FieldResolver(() => [Lifecycle], { description: "The customer and the beneficiary lifecycle" })
  lifecycles(@Root() org: Organization, @Ctx() { loaders }: Context): Promise<Lifecycle[]> {
    return loaders.lifecyclesByOrganization.load({ organizationId: org.id, id: org.id });
  }

  @FieldResolver(() => Lifecycle, { nullable: true })
  async lifecycle(@Root() org: Organization, @Arg("kind", () => StakeholderKind) kind: StakeholderKind, @Ctx() { loaders }: Context) {
    const all = await loaders.lifecyclesByOrganization.load({ organizationId: org.id, id: org.id });
    return all.find((l) => l.kind === kind) ?? null;
  }

  @FieldResolver(() => FunctionalAreaConnection)
  async functionalAreas(
    @Root() org: Organization,
    @Ctx() { loaders }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return FunctionalAreaConnection.from(await loaders.functionalAreasByOrganization.load({ organizationId: org.id, id: org.id, first, after }));
  }

  @FieldResolver(() => PartnerConnection)
  async partners(
    @Root() org: Organization,
    @Ctx() { loaders }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return PartnerConnection.from(await loaders.partnersByOrganization.load({ organizationId: org.id, id: org.id, first, after }));
  }

  @FieldResolver(() => TouchpointConnection, { description: "All touchpoints of the organization, in order of creation" })
  async touchpoints(
    @Root() org: Organization,
    @Ctx() { loaders }: Context,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return TouchpointConnection.from(await loaders.touchpointsByOrganization.load({ organizationId: org.id, id: org.id, first, after }));
  }
}
