import type { QueryRunner } from "typeorm";

/**
 * Who may be told about every statement the API sends: the test suite's routability check
 * (test/routability/) records them all. Nothing listens in production; each listener costs
 * one function call per statement. `failed` is set when PostgreSQL refused the statement.
 */
export type StatementListener = (sql: string, parameters: readonly unknown[] | undefined, runner: QueryRunner | undefined, failed: boolean) => void;

const listeners = new Set<StatementListener>();

/** Adds a listener; returns the function that removes it. */
export function listenToStatements(listener: StatementListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function notifyStatement(sql: string, parameters: readonly unknown[] | undefined, runner: QueryRunner | undefined, failed = false): void {
  for (const listener of listeners) listener(sql, parameters, runner, failed);
}

/**
 * What the API knows about a statement's origin, kept in the query runner's `data`
 * (TypeORM's place for user data on a runner): `request` for a GraphQL request's
 * transaction (src/database/request-db.ts), `authentication` for the key look-up.
 */
export interface StatementOrigin {
  origin: "request" | "authentication";
  /** The caller's organizations when the statement was sent (row-level security's app.org_ids). */
  organizationIds?: () => string[];
  /** The GraphQL operation (for a request), when known. */
  operation?: () => string | null;
}

export function originOf(runner: QueryRunner | undefined): StatementOrigin | null {
  const data = runner?.data as { origin?: StatementOrigin } | undefined;
  return data?.origin ?? null;
}
