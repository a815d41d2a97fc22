import { EntityManager } from "typeorm";
import { NotFoundError } from "./errors";
import { assertId } from "./validation";

/** What a filter may name by id, and the table that holds it. */
const TABLES = {
  stage: "stages",
  touchpoint: "touchpoints",
  survey: "surveys",
  "functional area": "functional_areas",
  programme: "programmes",
  partner: "partners",
} as const;

export type Reference = { what: keyof typeof TABLES; id: string | null | undefined; field: string };

/**
 * Ids named in a filter must exist in the organization, as ids anywhere else: an unknown (or
 * another organization's) id is NOT_FOUND on its field, not a silently empty answer. One
 * statement for all the ids given; none when the filter names none. Returns nothing; throws for
 * the first id (in the order given) that is not there.
 */
export async function assertReferences(em: EntityManager, organizationId: string, references: Reference[]): Promise<void> {
  const named = references.filter((r) => r.id !== null && r.id !== undefined && r.id !== "").map((r) => ({ ...r, id: assertId(r.id!, r.field) }));
  if (named.length === 0) return;
  const params: unknown[] = [organizationId];
  const checks = named.map((r, i) => {
    params.push(r.id);
    return `SELECT ${i} AS i WHERE NOT EXISTS (SELECT 1 FROM ${TABLES[r.what]} WHERE organization_id = $1 AND id = $${params.length})`;
  });
  const missing: { i: number }[] = await em.query(`${checks.join(" UNION ALL ")} ORDER BY i LIMIT 1`, params);
  if (missing.length) {
    const r = named[missing[0].i];
    throw new NotFoundError(`${r.what[0].toUpperCase()}${r.what.slice(1)}`, r.field);
  }
}
