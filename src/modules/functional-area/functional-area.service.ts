import { FunctionalArea } from "./functional-area.entity";
import { CreateFunctionalAreaInput, UpdateFunctionalAreaInput } from "./functional-area.inputs";
import { ROLES } from "../../common/access";
import { ConflictError, NotFoundError } from "../../common/errors";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import { assertId, cleanName } from "../../common/validation";
import type { ServiceContext } from "../../context";

export class FunctionalAreaService {
  constructor(private readonly sc: ServiceContext) {}

  async create(input: CreateFunctionalAreaInput): Promise<FunctionalArea> {
    const org = assertId(input.organizationId, "organizationId");
    this.sc.access.require(org, ROLES.admin);
    const name = cleanName(input.name, "name", 120);
    return this.sc.em.transaction(async (em) => {
      try {
        const rows = await em.query(`INSERT INTO functional_areas (organization_id, name) SELECT id, $2 FROM organizations WHERE id = $1 RETURNING *`, [org, name]);
        if (rows.length === 0) throw new NotFoundError("Organization", "organizationId");
        return hydrate(em, FunctionalArea, rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, "uq_functional_areas_name")) throw new ConflictError("name", `a functional area named "${name}" exists already`);
        throw error;
      }
    });
  }

  async update(input: UpdateFunctionalAreaInput): Promise<FunctionalArea> {
    const name = cleanName(input.name, "name", 120);
    const id = assertId(input.id, "id");
    const found = await this.sc.em.query(`SELECT organization_id FROM functional_areas WHERE organization_id = $1 AND id = $2`, [this.sc.ids.organizationOf(id, "FunctionalArea", "id"), id]);
    if (found.length === 0) throw new NotFoundError("FunctionalArea", "id");
    this.sc.access.require(found[0].organization_id, ROLES.admin, "id");
    return this.sc.em.transaction(async (em) => {
      try {
        const rows = await queryRows(em, `UPDATE functional_areas SET name = $3 WHERE organization_id = $1 AND id = $2 RETURNING *`, [found[0].organization_id, id, name]);
        this.sc.loaders.functionalAreaById.clear({ organizationId: found[0].organization_id, id });
        return hydrate(em, FunctionalArea, rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, "uq_functional_areas_name")) throw new ConflictError("name", `a functional area named "${name}" exists already`);
        throw error;
      }
    });
  }
}
