import { DataSource } from "typeorm";
import { Partner } from "./partner.entity";
import { CreatePartnerInput, UpdatePartnerInput } from "./partner.inputs";
import { ConflictError, NotFoundError } from "../../common/errors";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import { assertId, cleanName } from "../../common/validation";

export class PartnerService {
  constructor(private readonly db: DataSource) {}

  async create(input: CreatePartnerInput): Promise<Partner> {
    const organizationId = assertId(input.organizationId, "organizationId");
    const name = cleanName(input.name, "name", 200);
    try {
      const rows = await this.db.query(
        `INSERT INTO partners (organization_id, name, kind, region) SELECT id, $2, $3, $4 FROM organizations WHERE id = $1 RETURNING *`,
        [organizationId, name, input.kind, input.region?.trim() || null],
      );
      if (rows.length === 0) throw new NotFoundError("Organization", "organizationId");
      return hydrate(this.db, Partner, rows[0]);
    } catch (error) {
      if (isUniqueViolation(error, "uq_partners_name")) throw new ConflictError("name", `a partner named "${name}" exists already`);
      throw error;
    }
  }

  async update(input: UpdatePartnerInput): Promise<Partner> {
    const name = input.name === undefined || input.name === null ? null : cleanName(input.name, "name", 200);
    try {
      const rows = await queryRows(
        this.db,
        `UPDATE partners SET name = coalesce($2, name), kind = coalesce($3, kind),
                region = CASE WHEN $4 THEN $5 ELSE region END
          WHERE id = $1 RETURNING *`,
        [assertId(input.id, "id"), name, input.kind ?? null, input.region !== undefined, input.region?.trim() || null],
      );
      if (rows.length === 0) throw new NotFoundError("Partner", "id");
      return hydrate(this.db, Partner, rows[0]);
    } catch (error) {
      if (isUniqueViolation(error, "uq_partners_name")) throw new ConflictError("name", `a partner named "${name}" exists already`);
      throw error;
    }
  }
}
