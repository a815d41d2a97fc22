import { EntityManager } from "typeorm";
import { Touchpoint } from "./touchpoint.entity";
import { CreateTouchpointInput, UpdateTouchpointInput } from "./touchpoint.inputs";
import { BadInputError, ConflictError, NotFoundError } from "../../common/errors";
import { hydrate, isUniqueViolation, queryRows } from "../../database/rows";
import { assertId, cleanName } from "../../common/validation";
import { ROLES } from "../../common/access";
import type { ServiceContext } from "../../context";

export class TouchpointService {
  constructor(private readonly sc: ServiceContext) {}

  async create(input: CreateTouchpointInput): Promise<Touchpoint> {
    const stageId = assertId(input.stageId, "stageId");
    const name = cleanName(input.name, "name", 200);
    return this.sc.em.transaction(async (em) => {
      const stages = await em.query(`SELECT organization_id, id, kind FROM stages WHERE organization_id = $1 AND id = $2`, [
        this.sc.ids.organizationOf(stageId, "Stage", "stageId"),
        stageId,
      ]);
      if (stages.length === 0) throw new NotFoundError("Stage", "stageId");
      const { organization_id: org, kind } = stages[0];
      this.sc.access.require(org, ROLES.admin, "stageId");
      await this.assertInOrganization(em, org, "functional_areas", input.functionalAreaId, "functionalAreaId", "functional area");
      if (input.partnerId) await this.assertInOrganization(em, org, "partners", input.partnerId, "partnerId", "partner");
      try {
        const [row] = await em.query(
          `INSERT INTO touchpoints (organization_id, stage_id, kind, name, channel, functional_area_id, partner_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [org, stageId, kind, name, input.channel, input.functionalAreaId.toLowerCase(), input.partnerId?.toLowerCase() ?? null],
        );
        return hydrate(em, Touchpoint, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_touchpoints_name")) throw new ConflictError("name", `the stage already has a touchpoint named "${name}"`);
        throw error;
      }
    });
  }

  async update(input: UpdateTouchpointInput): Promise<Touchpoint> {
    const id = assertId(input.id, "id");
    const name = input.name === undefined || input.name === null ? null : cleanName(input.name, "name", 200);
    return this.sc.em.transaction(async (em) => {
      const found = await em.query(`SELECT * FROM touchpoints WHERE organization_id = $1 AND id = $2 FOR UPDATE`, [this.sc.ids.organizationOf(id, "Touchpoint", "id"), id]);
      if (found.length === 0) throw new NotFoundError("Touchpoint", "id");
      const org = found[0].organization_id as string;
      this.sc.access.require(org, ROLES.admin, "id");
      if (input.functionalAreaId) await this.assertInOrganization(em, org, "functional_areas", input.functionalAreaId, "functionalAreaId", "functional area");
      if (input.partnerId) await this.assertInOrganization(em, org, "partners", input.partnerId, "partnerId", "partner");
      try {
        const [row] = await queryRows(
          em,
          `UPDATE touchpoints SET name = coalesce($3, name), channel = coalesce($4, channel),
                  functional_area_id = coalesce($5, functional_area_id),
                  partner_id = CASE WHEN $6 THEN $7::uuid ELSE partner_id END
            WHERE organization_id = $1 AND id = $2 RETURNING *`,
          [org, id, name, input.channel ?? null, input.functionalAreaId?.toLowerCase() ?? null, input.partnerId !== undefined, input.partnerId?.toLowerCase() ?? null],
        );
        this.sc.loaders.touchpointById.clear({ organizationId: org, id });
        return hydrate(em, Touchpoint, row);
      } catch (error) {
        if (isUniqueViolation(error, "uq_touchpoints_name")) throw new ConflictError("name", `the stage already has a touchpoint named "${name}"`);
        throw error;
      }
    });
  }

  /** A reference to another row must stay inside the organization: said as bad input on that field. */
  private async assertInOrganization(em: EntityManager, org: string, table: string, id: string, field: string, what: string): Promise<void> {
    const rows = await em.query(`SELECT 1 FROM ${table} WHERE organization_id = $1 AND id = $2`, [org, assertId(id, field)]);
    if (rows.length === 0) throw new BadInputError(field, `no ${what} with this id in the touchpoint's organization`);
  }
}
