import { DataSource, EntityManager } from "typeorm";
import type { ClassType } from "type-graphql";

const mappings = new WeakMap<object, [string, string][]>();

/** Builds an entity instance from a raw row (`SELECT t.*`), using the entity's column metadata. */
export function hydrate<T extends object>(db: DataSource | EntityManager, entity: ClassType<T>, row: Record<string, unknown>): T {
  let mapping = mappings.get(entity);
  if (!mapping) {
    const ds = db instanceof DataSource ? db : db.connection;
    mapping = ds.getMetadata(entity).columns.map((c) => [c.databaseName, c.propertyName] as [string, string]);
    mappings.set(entity, mapping);
  }
  const out = new entity() as Record<string, unknown>;
  for (const [column, property] of mapping) out[property] = row[column];
  return out as T;
}

export function hydrateAll<T extends object>(db: DataSource | EntityManager, entity: ClassType<T>, rows: Record<string, unknown>[]): T[] {
  return rows.map((r) => hydrate(db, entity, r));
}

/** True when `error` is PostgreSQL's unique violation of the named constraint or index. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.code ?? e?.driverError?.code;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return code === "23505" && (constraint === undefined || name === constraint);
}

/**
 * Runs a statement and returns its rows. TypeORM answers UPDATE/DELETE with
 * `[rows, affectedCount]` instead of the rows; this gives the rows either way.
 */
export async function queryRows(db: DataSource | EntityManager, sql: string, params: unknown[] = []): Promise<Record<string, any>[]> {
  const result: unknown = await db.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === "number") {
    return result[0] as Record<string, any>[];
  }
  return result as Record<string, any>[];
}
