import { Partner } from "./partner.entity";
import { CreatePartnerInput, UpdatePartnerInput } from "./partner.inputs";
import { ROLES } from "../../common/access";
import { ConflictError, NotFoundError } from "../../common/errors";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import { assertId, cleanName } from "../../common/validation";
import type { ServiceContext } from "../../context";

export class PartnerService {
  constructor(private readonly sc: ServiceContext) {}

  async create(input: CreatePartnerInput): Promise<Partner> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const name = cleanName(input.name, "name", 200);
    return this.sc.em.transaction(async (em) => {
      try {
        const rows = await em.query(
          `INSERT INTO partners (organization_id, name, kind, region) SELECT id, $2, $3, $4 FROM organizations WHERE id = $1 RETURNING *`,
          [org, name, input.kind, input.region?.trim() || null],
        );
        if (rows.length === 0) throw new NotFoundError("Organization", "organizationId");
        return hydrate(em, Partner, rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, "uq_partners_name")) throw new ConflictError("name", `a partner named "${name}" exists already`);
        throw error;
      }
    });
  }

  async update(input: UpdatePartnerInput): Promise<Partner> {
    const name = input.name === undefined || input.name === null ? null : cleanName(input.name, "name", 200);
    const id = assertId(input.id, "id");
    const found = await this.sc.em.query(`SELECT organization_id FROM partners WHERE organization_id = $1 AND id = $2`, [this.sc.ids.organizationOf(id, "Partner", "id"), id]);
    if (found.length === 0) throw new NotFoundError("Partner", "id");
    const org = found[0].organization_id as string;
    this.sc.access.require(org, ROLES.admin, "id");
    return this.sc.em.transaction(async (em) => {
      try {
        const rows = await queryRows(
          em,
          `UPDATE partners SET name = coalesce($3, name), kind = coalesce($4, kind),
                  region = CASE WHEN $5 THEN $6 ELSE region END
            WHERE organization_id = $1 AND id = $2 RETURNING *`,
          [org, id, name, input.kind ?? null, input.region !== undefined, input.region?.trim() || null],
        );
        this.sc.loaders.partnerById.clear({ organizationId: org, id });
        return hydrate(em, Partner, rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, "uq_partners_name")) throw new ConflictError("name", `a partner named "${name}" exists already`);
        throw error;
      }
    });
  }
}
