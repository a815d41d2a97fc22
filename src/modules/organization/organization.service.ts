import { BadInputError } from "../../common/errors";
import { randomUUID } from "node:crypto";
import { EntityManager } from "typeorm";
import { Organization } from "./organization.entity";
import { CreateOrganizationInput, UpdateOrganizationInput } from "./organization.inputs";
import { DEFAULT_FUNCTIONAL_AREAS, DEFAULT_LIFECYCLES } from "./defaults";
import { ForbiddenError, ROLES } from "../../common/access";
import { NotFoundError } from "../../common/errors";
import { hydrate, queryRows } from "../../database/rows";
import { decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "../../common/pagination";
import { assertId, cleanName } from "../../common/validation";
import type { ServiceContext } from "../../context";

export class OrganizationService {
  constructor(private readonly sc: ServiceContext) {}

  /** One of the caller's organizations; any other id answers FORBIDDEN, whether it exists or not. */
  async get(id: string, field = "id"): Promise<Organization> {
    const org = assertId(id, field);
    this.sc.access.require(org, ROLES.structure, field);
    const found = await this.sc.loaders.organizationById.load({ organizationId: org, id: org });
    if (!found) throw new NotFoundError("Organization", field);
    return found;
  }

  /** The organizations the caller holds a role in, oldest first. */
  async list(first?: number | null, after?: string | null): Promise<Page<Organization>> {
    const limit = pageSize(first);
    const cursor = decodeCursor(after);
    const ids = this.sc.access.organizationIds;
    const rows: Record<string, unknown>[] = await this.sc.em.query(
      `SELECT o.*, ${micros("o.created_at")} AS __micros FROM organizations o
        WHERE o.id = ANY($4::uuid[]) AND ($1::text IS NULL OR (o.created_at, o.id) > (${fromMicros("$1")}, $2::uuid))
        ORDER BY o.created_at, o.id LIMIT $3`,
      [cursor?.micros ?? null, cursor?.id ?? null, limit + 1, ids],
    );
    return toPage(
      rows.map((r) => ({ node: hydrate(this.sc.em, Organization, r), key: { micros: String(r.__micros), id: String(r.id) } })),
      limit,
      async () => Number((await this.sc.em.query(`SELECT count(*) AS n FROM organizations WHERE id = ANY($1::uuid[])`, [ids]))[0].n),
    );
  }

  /**
   * Creates an organization with its two default lifecycles and functional areas, in
   * one transaction; the calling (member) key becomes its admin.
   */
  async create(input: CreateOrganizationInput): Promise<Organization> {
    const { access, requestDb } = this.sc;
    if (access.principal.keyKind !== "MEMBER") throw new ForbiddenError("Only member keys (admins and staff) create organizations");
    const name = cleanName(input.name, "name", 200);
    const id = randomUUID();
    return this.sc.em.transaction(async (em) => {
      // Row-level security must let this transaction see the new organization. The
      // setting is transaction-local: a failed write's savepoint rollback restores it.
      await requestDb.setOrganizations([...access.organizationIds, id]);
      const [row] = await em.query(`INSERT INTO organizations (id, name, impact_model, currency) VALUES ($1, $2, $3, $4) RETURNING *`, [
        id,
        name,
        input.impactModel,
        input.currency,
      ]);
      await createDefaults(em, id);
      await em.query(`INSERT INTO api_key_grants (organization_id, api_key_id, role) VALUES ($1, $2, 'ADMIN')`, [id, access.keyId]);
      access.grantLocally(id, "ADMIN");
      return hydrate(em, Organization, row);
    });
  }

  async update(input: UpdateOrganizationInput): Promise<Organization> {
    const id = assertId(input.id, "id");
    this.sc.access.require(id, ROLES.admin, "id");
    const name = input.name === undefined || input.name === null ? null : cleanName(input.name, "name", 200);
    return this.sc.em.transaction(async (em) => {
      const timeZone = input.timeZone === undefined || input.timeZone === null ? null : input.timeZone.trim();
      if (timeZone !== null) {
        // PostgreSQL's own list: the one the named periods are computed with.
        const known = await em.query(`SELECT 1 FROM pg_timezone_names WHERE name = $1`, [timeZone]);
        if (known.length === 0) throw new BadInputError("timeZone", `timeZone must be an IANA time zone name, e.g. Africa/Nairobi, America/Lima or UTC ("${timeZone.slice(0, 64)}" is not one)`);
      }
      const rows = await queryRows(
        em,
        `UPDATE organizations SET name = coalesce($2, name), impact_model = coalesce($3, impact_model),
                currency = coalesce($4, currency), suppression_threshold = coalesce($5, suppression_threshold),
                follow_up_hours = coalesce($6, follow_up_hours), time_zone = coalesce($7, time_zone),
                perturbation_maximum = coalesce($8, perturbation_maximum), updated_at = now()
          WHERE id = $1 RETURNING *`,
        [id, name, input.impactModel ?? null, input.currency ?? null, input.suppressionThreshold ?? null, input.followUpHours ?? null, timeZone, input.perturbationMaximum ?? null],
      );
      if (rows.length === 0) throw new NotFoundError("Organization", "id");
      this.sc.loaders.organizationById.clear({ organizationId: id, id });
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
