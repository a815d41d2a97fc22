import { DataSource } from "typeorm";
import { FunctionalArea } from "./functional-area.entity";
import { CreateFunctionalAreaInput, UpdateFunctionalAreaInput } from "./functional-area.inputs";
import { ConflictError, NotFoundError } from "../../common/errors";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import { assertId, cleanName } from "../../common/validation";

export class FunctionalAreaService {
  constructor(private readonly db: DataSource) {}

  async create(input: CreateFunctionalAreaInput): Promise<FunctionalArea> {
    const organizationId = assertId(input.organizationId, "organizationId");
    const name = cleanName(input.name, "name", 120);
    try {
      const rows = await this.db.query(
        `INSERT INTO functional_areas (organization_id, name) SELECT id, $2 FROM organizations WHERE id = $1 RETURNING *`,
        [organizationId, name],
      );
      if (rows.length === 0) throw new NotFoundError("Organization", "organizationId");
      return hydrate(this.db, FunctionalArea, rows[0]);
    } catch (error) {
      if (isUniqueViolation(error, "uq_functional_areas_name")) throw new ConflictError("name", `a functional area named "${name}" exists already`);
      throw error;
    }
  }

  async update(input: UpdateFunctionalAreaInput): Promise<FunctionalArea> {
    const name = cleanName(input.name, "name", 120);
    try {
      const rows = await queryRows(this.db, `UPDATE functional_areas SET name = $2 WHERE id = $1 RETURNING *`, [assertId(input.id, "id"), name]);
      if (rows.length === 0) throw new NotFoundError("FunctionalArea", "id");
      return hydrate(this.db, FunctionalArea, rows[0]);
    } catch (error) {
      if (isUniqueViolation(error, "uq_functional_areas_name")) throw new ConflictError("name", `a functional area named "${name}" exists already`);
      throw error;
    }
  }
}
