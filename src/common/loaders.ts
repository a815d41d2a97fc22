import DataLoader from "dataloader";
import { EntityManager } from "typeorm";
import type { ClassType } from "type-graphql";
import { hydrate } from "../database/rows";
import { Access } from "./access";
import { CursorKey, decodeCursor, fromMicros, micros, Page, pageSize, toPage } from "./pagination";

/** A row of a tenant table is always addressed by its organization and its id. */
export interface TenantKey {
  organizationId: string;
  id: string;
}

const tenantKey = (k: TenantKey) => `${k.organizationId}:${k.id}`;

/** Runs a read and returns its rows: `em.query`, or on the hot list paths the request's `rows()` (timestamps as ISO strings). */
export type Reader = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * How a loader narrows rows to what the caller may read, checked where the data is
 * read: only the caller's organizations (and row-level security says the same in
 * the database); person-level tables refuse funders; for field partners, only rows
 * their partner registered or recorded (`partnerColumn`).
 */
export interface Scope {
  access: Access;
  personLevel?: boolean;
  partnerColumn?: string;
}

/**
 * The organizations of a batch's keys that the caller holds a role in: what a loader's statement
 * names, so that a batch about one organization (the usual case, and every batch of a request
 * about one organization) routes to that organization's shard once the tables are distributed.
 */
export function batchOrganizations(access: Access, keys: readonly TenantKey[]): string[] {
  const asked = new Set(keys.map((k) => k.organizationId));
  return access.organizationIds.filter((o) => asked.has(o));
}

/**
 * SQL and parameters that restrict alias `t` to the scope (the batch's organizations, see
 * batchOrganizations); `next` is the next free parameter number.
 */
function scopeSql(scope: Scope, next: number, keys: readonly TenantKey[]): { sql: string; params: unknown[] } {
  if (scope.personLevel) scope.access.requirePersonLevel();
  let sql = ` AND t.organization_id = ANY($${next}::uuid[])`;
  const params: unknown[] = [batchOrganizations(scope.access, keys)];
  if (scope.partnerColumn && scope.access.isFieldPartner) {
    const partners = scope.access.organizationIds.map((o) => scope.access.partnerIn(o)).filter((p): p is string => !!p);
    sql += ` AND t.${scope.partnerColumn} = ANY($${next + 1}::uuid[])`;
    params.push(partners);
  }
  return { sql, params };
}

/**
 * Loads rows of one table by `(organization_id, id)`, in one statement per batch,
 * and returns them in the order of the keys (null where missing or out of scope).
 */
export function byIdLoader<T extends { organizationId: string; id: string }>(em: EntityManager, entity: ClassType<T>, table: string, scope: Scope) {
  return new DataLoader<TenantKey, T | null, string>(
    async (keys) => {
      const s = scopeSql(scope, 3, keys);
      const rows: Record<string, unknown>[] = await em.query(
        `SELECT t.* FROM ${table} t JOIN unnest($1::uuid[], $2::uuid[]) AS k(org, id) ON t.organization_id = k.org AND t.id = k.id WHERE true${s.sql}`,
        [keys.map((k) => k.organizationId), keys.map((k) => k.id), ...s.params],
      );
      const found = new Map(rows.map((r) => [`${r.organization_id}:${r.id}`, hydrate(em, entity, r)]));
      return keys.map((k) => found.get(tenantKey(k)) ?? null);
    },
    { cacheKeyFn: tenantKey },
  );
}

/**
 * Loads rows of a small per-organization table (the stages of its lifecycles: a few
 * dozen) by `(organization_id, id)`, reading all of an organization's rows the first
 * time any of them is asked for: one statement per request, however many stages a
 * page refers to and however late in the query it does. `get` answers without a
 * promise once the organization is loaded, which spares graphql-js a promise per field.
 */
export class OrganizationRowsLoader<T extends { organizationId: string; id: string }> extends DataLoader<TenantKey, T | null, string> {
  /** organization id -> its rows by id, once read. */
  private readonly loaded = new Map<string, Map<string, T>>();

  constructor(em: EntityManager, entity: ClassType<T>, table: string, scope: Scope) {
    super(
      async (keys) => {
        const s = scopeSql(scope, 2, keys);
        const organizations = [...new Set(keys.map((k) => k.organizationId))];
        const rows: Record<string, unknown>[] = await em.query(`SELECT t.* FROM ${table} t WHERE t.organization_id = ANY($1::uuid[])${s.sql}`, [organizations, ...s.params]);
        const byOrganization = new Map<string, Map<string, T>>(organizations.map((o) => [o, new Map()]));
        for (const r of rows) {
          const row = hydrate(em, entity, r);
          byOrganization.get(row.organizationId)?.set(row.id, row);
        }
        for (const [organizationId, found] of byOrganization) {
          if (!scope.access.organizationIds.includes(organizationId)) continue;
          this.loaded.set(organizationId, found);
          for (const row of found.values()) this.prime({ organizationId, id: row.id }, row);
        }
        return keys.map((k) => byOrganization.get(k.organizationId)?.get(k.id) ?? null);
      },
      { cacheKeyFn: tenantKey },
    );
  }

  /** The row (or null) when its organization is loaded; otherwise the promise of `load`. */
  get(key: TenantKey): T | null | Promise<T | null> {
    const found = this.loaded.get(key.organizationId);
    return found ? (found.get(key.id) ?? null) : this.load(key);
  }

  override clear(key: TenantKey): this {
    this.loaded.delete(key.organizationId);
    return super.clear(key);
  }

  override clearAll(): this {
    this.loaded.clear();
    return super.clearAll();
  }

  override prime(key: TenantKey, value: T | PromiseLike<T | null> | Error | null): this {
    // Like DataLoader's own cache: a row already there stays (clear it first to replace it).
    const found = this.loaded.get(key.organizationId);
    if (found && !found.has(key.id) && value !== null && !(value instanceof Error) && typeof (value as PromiseLike<T>).then !== "function") found.set(key.id, value as T);
    return super.prime(key, value);
  }
}

/** Loads every child row of each parent (small, bounded lists such as the stages of a lifecycle). */
export function childListLoader<T extends object>(em: EntityManager, entity: ClassType<T>, table: string, parentColumn: string, orderBy: string, scope: Scope) {
  return new DataLoader<TenantKey, T[], string>(
    async (keys) => {
      const s = scopeSql(scope, 3, keys);
      const rows: Record<string, unknown>[] = await em.query(
        `SELECT t.* FROM ${table} t JOIN unnest($1::uuid[], $2::uuid[]) AS k(org, id)
           ON t.organization_id = k.org AND t.${parentColumn} = k.id
         WHERE true${s.sql}
         ORDER BY ${orderBy}`,
        [keys.map((k) => k.organizationId), keys.map((k) => k.id), ...s.params],
      );
      const groups = new Map<string, T[]>();
      for (const r of rows) {
        const key = `${r.organization_id}:${r[parentColumn]}`;
        const list = groups.get(key) ?? [];
        list.push(hydrate(em, entity, r));
        groups.set(key, list);
      }
      return keys.map((k) => groups.get(tenantKey(k)) ?? []);
    },
    { cacheKeyFn: tenantKey },
  );
}

/**
 * Rows linked to each parent through a link table (e.g. a goal's metrics through
 * experience_goal_metrics), in one statement per batch, in `orderBy` order (over alias `t`,
 * the linked table).
 */
export function linkedRowsLoader<T extends object>(em: EntityManager, entity: ClassType<T>, link: { table: string; parentColumn: string; rowColumn: string }, table: string, orderBy: string, scope: Scope) {
  return new DataLoader<TenantKey, T[], string>(
    async (keys) => {
      const s = scopeSql(scope, 3, keys);
      const rows: Record<string, unknown>[] = await em.query(
        `SELECT l.${link.parentColumn} AS __parent, t.* FROM ${link.table} l
           JOIN unnest($1::uuid[], $2::uuid[]) AS k(org, id) ON l.organization_id = k.org AND l.${link.parentColumn} = k.id
           JOIN ${table} t ON t.organization_id = l.organization_id AND t.id = l.${link.rowColumn}
          WHERE true${s.sql}
          ORDER BY ${orderBy}`,
        [keys.map((k) => k.organizationId), keys.map((k) => k.id), ...s.params],
      );
      const byParent = new Map<string, T[]>();
      for (const r of rows) {
        const key = `${r.organization_id}:${r.__parent}`;
        const list = byParent.get(key) ?? [];
        list.push(hydrate(em, entity, r));
        byParent.set(key, list);
      }
      return keys.map((k) => byParent.get(tenantKey(k)) ?? []);
    },
    { cacheKeyFn: tenantKey },
  );
}

export interface ChildPageKey extends TenantKey {
  first?: number | null;
  after?: string | null;
}

/**
 * Pages of child rows for many parents in one statement: for each parent, a LATERAL
 * index scan reads its `first + 1` rows after its cursor and no more. Keyset
 * order is `(sortColumn, id)`. Counts go through a second loader, only when asked.
 */
export function childPageLoader<T extends object>(em: EntityManager, entity: ClassType<T>, table: string, parentColumn: string, sortColumn: string, scope: Scope, read: Reader = (sql, params) => em.query(sql, params)) {
  const counts = new DataLoader<TenantKey, number, string>(
    async (keys) => {
      const s = scopeSql(scope, 3, keys);
      const rows: { org: string; parent: string; n: string }[] = await em.query(
        `SELECT t.organization_id AS org, t.${parentColumn} AS parent, count(*) AS n
           FROM ${table} t JOIN unnest($1::uuid[], $2::uuid[]) AS k(org, id)
             ON t.organization_id = k.org AND t.${parentColumn} = k.id
          WHERE true${s.sql}
          GROUP BY 1, 2`,
        [keys.map((k) => k.organizationId), keys.map((k) => k.id), ...s.params],
      );
      const found = new Map(rows.map((r) => [`${r.org}:${r.parent}`, Number(r.n)]));
      return keys.map((k) => found.get(tenantKey(k)) ?? 0);
    },
    { cacheKeyFn: tenantKey },
  );
  const pageKey = (k: ChildPageKey) => `${k.organizationId}:${k.id}:${k.first ?? ""}:${k.after ?? ""}`;
  const pages = new DataLoader<ChildPageKey, Page<T>, string>(
    async (keys) => {
      // Validate every key first: a bad cursor or page size fails that field only.
      const parsed = keys.map((k) => {
        try {
          return { first: pageSize(k.first), after: decodeCursor(k.after) };
        } catch (error) {
          return error as Error;
        }
      });
      const ok = keys.map((k, i) => ({ k, i, p: parsed[i] })).filter((x) => !(x.p instanceof Error)) as {
        k: ChildPageKey;
        i: number;
        p: { first: number; after: CursorKey | null };
      }[];
      const s = ok.length ? scopeSql(scope, 7, ok.map((x) => x.k)) : { sql: "", params: [] };
      const rows: Record<string, unknown>[] = ok.length
        ? await read(
            `SELECT t.*, k.i AS __key, ${micros(`t.${sortColumn}`)} AS __micros
               FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::uuid[]) AS k(i, org, parent, lim, after_micros, after_id)
              CROSS JOIN LATERAL (
                SELECT t.* FROM ${table} t
                 WHERE t.organization_id = k.org AND t.${parentColumn} = k.parent
                   AND (k.after_micros IS NULL OR (t.${sortColumn}, t.id) > (${fromMicros("k.after_micros")}, k.after_id))${s.sql}
                 ORDER BY t.${sortColumn}, t.id
                 LIMIT k.lim + 1
              ) t
             ORDER BY k.i, t.${sortColumn}, t.id`,
            [
              ok.map((x) => x.i),
              ok.map((x) => x.k.organizationId),
              ok.map((x) => x.k.id),
              ok.map((x) => x.p.first),
              ok.map((x) => x.p.after?.micros ?? null),
              ok.map((x) => x.p.after?.id ?? null),
              ...s.params,
            ],
          )
        : [];
      const byKey = new Map<number, { node: T; key: CursorKey }[]>();
      for (const r of rows) {
        const i = Number(r.__key);
        const list = byKey.get(i) ?? [];
        list.push({ node: hydrate(em, entity, r), key: { micros: String(r.__micros), id: String(r.id) } });
        byKey.set(i, list);
      }
      return keys.map((k, i) => {
        const p = parsed[i];
        if (p instanceof Error) return p;
        return toPage(byKey.get(i) ?? [], p.first, () => counts.load({ organizationId: k.organizationId, id: k.id }));
      });
    },
    { cacheKeyFn: pageKey },
  );
  return pages;
}
