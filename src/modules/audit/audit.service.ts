import { Field, ID, InputType } from "type-graphql";
import { IsDate, IsOptional, IsUUID, MaxLength } from "class-validator";
import { AuditEntry } from "./audit.entity";
import { ROLES } from "../../common/access";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId } from "../../common/validation";
import { hydrate } from "../../database/rows";
import type { ServiceContext } from "../../context";

@InputType()
export class AuditFilter {
  @Field(() => ID, { nullable: true, description: "Entries about one row (a stakeholder, a stage, ...)" })
  @IsOptional()
  @IsUUID("all", { message: "entityId must be an ID (UUID)" })
  entityId?: string;

  @Field(() => ID, { nullable: true, description: "Entries made by one key" })
  @IsOptional()
  @IsUUID("all", { message: "apiKeyId must be an ID (UUID)" })
  apiKeyId?: string;

  @Field({ nullable: true, description: "A table name, e.g. stakeholders" })
  @IsOptional()
  @MaxLength(63)
  entity?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsDate()
  from?: Date;

  @Field({ nullable: true })
  @IsOptional()
  @IsDate()
  to?: Date;
}

export class AuditService {
  constructor(private readonly sc: ServiceContext) {}

  /** The organization's audit log, oldest first (admins only). */
  async list(organizationId: string, filter: AuditFilter | undefined, first?: number | null, after?: string | null): Promise<Page<AuditEntry>> {
    const org = assertId(organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const f = filter ?? {};
    const params: unknown[] = [org];
    const where = ["a.organization_id = $1"];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace("?", `$${params.length}`));
    };
    if (f.entityId) add("a.entity_id = ?", assertId(f.entityId, "filter.entityId"));
    if (f.apiKeyId) add("a.api_key_id = ?", assertId(f.apiKeyId, "filter.apiKeyId"));
    if (f.entity) add("a.entity = ?", f.entity);
    if (f.from) add("a.at >= ?", f.from);
    if (f.to) add("a.at < ?", f.to);
    const filterSql = where.join(" AND ");
    const filterParams = [...params];
    if (cursor) {
      params.push(cursor.micros, cursor.id);
      where.push(`(a.at, a.id) > (${fromMicros(`$${params.length - 1}`)}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: Record<string, unknown>[] = await this.sc.em.query(
      `SELECT a.*, ${micros("a.at")} AS __micros FROM audit_log a WHERE ${where.join(" AND ")} ORDER BY a.at, a.id LIMIT $${params.length}`,
      params,
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.sc.em, AuditEntry, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.sc.em.query(`SELECT count(*) AS n FROM audit_log a WHERE ${filterSql}`, filterParams))[0].n),
    );
  }
}
