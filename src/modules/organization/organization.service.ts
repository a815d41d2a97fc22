import { DataSource, EntityManager } from "typeorm";
import { Organization } from "./organization.entity";
import { CreateOrganizationInput, UpdateOrganizationInput } from "./organization.inputs";
import { DEFAULT_FUNCTIONAL_AREAS, DEFAULT_LIFECYCLES } from "./defaults";
import { NotFoundError } from "../../common/errors";
import { hydrate, queryRows } from "../../database/rows";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, cleanName } from "../../common/validation";
import type { Loaders } from "../../context";

export class OrganizationService {
  constructor(
    private readonly db: DataSource,
    private readonly loaders: Loaders,
  ) {}

  async get(id: string, field = "id"): Promise<Organization> {
    const org = await this.loaders.organizationById.load({ organizationId: assertId(id, field), id: id.toLowerCase() });
    if (!org) throw new NotFoundError("Organization", field);
    return org;
  }

  async list(first?: number | null, after?: string | null): Promise<Page<Organization>> {
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT o.*, ${micros("o.created_at")} AS __micros FROM organizations o
        WHERE ($1::text IS NULL OR (o.created_at, o.id) > (${fromMicros("$1")}, $2::uuid))
        ORDER BY o.created_at, o.id LIMIT $3`,
      [cursor?.micros ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.db, Organization, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.db.query(`SELECT count(*) AS n FROM organizations`))[0].n),
    );
  }

  /** Creates the organization with its two default lifecycles and functional areas, in one transaction. */
  async create(input: CreateOrganizationInput): Promise<Organization> {
    const name = cleanName(input.name, "name", 200);
    return this.db.transaction(async (em) => {
      const [row] = await em.query(`INSERT INTO organizations (name, impact_model, currency) VALUES ($1, $2, $3) RETURNING *`, [
        name,
        input.impactModel,
        input.currency,
      ]);
      await createDefaults(em, row.id);
      return hydrate(em, Organization, row);
    });
  }

  async update(input: UpdateOrganizationInput): Promise<Organization> {
    const id = assertId(input.id, "id");
    const name = input.name === undefined || input.name === null ? null : cleanName(input.name, "name", 200);
    return this.db.transaction(async (em) => {
      const rows = await queryRows(
        em,
        `UPDATE organizations SET name = coalesce($2, name), impact_model = coalesce($3, impact_model),
                currency = coalesce($4, currency), updated_at = now()
          WHERE id = $1 RETURNING *`,
        [id, name, input.impactModel ?? null, input.currency ?? null],
      );
      if (rows.length === 0) throw new NotFoundError("Organization", "id");
      return hydrate(em, Organization, rows[0]);
    });
  }
}

/**
 * Gives a new organization its default lifecycles, stages and functional areas.
 * `newId` supplies ids (the demo data passes a seeded generator); by default the
 * database draws them.
 */
export async function createDefaults(em: EntityManager, organizationId: string, newId?: () => string): Promise<void> {
  const ids = (n: number) => Array.from({ length: n }, () => (newId ? newId() : null));
  for (const lc of DEFAULT_LIFECYCLES) {
    const [lifecycle] = await em.query(
      `INSERT INTO lifecycles (organization_id, id, kind, name) VALUES ($1, coalesce($2::uuid, gen_random_uuid()), $3, $4) RETURNING id`,
      [organizationId, ids(1)[0], lc.kind, lc.name],
    );
    await em.query(
      `INSERT INTO stages (organization_id, id, lifecycle_id, kind, name, position, impact_mode)
       SELECT $1, coalesce(s.id, gen_random_uuid()), $2, $3, s.name, s.ord - 1, s.mode::impact_mode
         FROM unnest($4::text[], $5::text[], $6::uuid[]) WITH ORDINALITY AS s(name, mode, id, ord)`,
      [organizationId, lifecycle.id, lc.kind, lc.stages.map((s) => s.name), lc.stages.map((s) => s.impactMode), ids(lc.stages.length)],
    );
  }
  await em.query(
    `INSERT INTO functional_areas (organization_id, id, name, created_at)
     SELECT $1, coalesce(a.id, gen_random_uuid()), a.name, now() + a.ord * interval '1 microsecond'
       FROM unnest($2::text[], $3::uuid[]) WITH ORDINALITY AS a(name, id, ord)`,
    [organizationId, DEFAULT_FUNCTIONAL_AREAS, ids(DEFAULT_FUNCTIONAL_AREAS.length)],
  );
}
