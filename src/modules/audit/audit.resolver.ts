import { Arg, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import { AuditFilter } from "./audit.service";
import { AuditEntryConnection } from "../../common/connections";
import type { Context } from "../../context";

@Resolver()
export class AuditResolver {
  @Query(() => AuditEntryConnection, { description: "Every write to the organization's data, oldest first (admins only)" })
  async auditLog(
    @Arg("organizationId", () => ID) organizationId: string,
    @Ctx() { services }: Context,
    @Arg("filter", () => AuditFilter, { nullable: true }) filter?: AuditFilter,
    @Arg("first", () => Int, { nullable: true }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
  ) {
    return AuditEntryConnection.from(await services.audit.list(organizationId, filter, first, after));
  }
}
