import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { DataSource } from "typeorm";
import { ApolloServer } from "@apollo/server";
import { openDatabase, StatementCounter } from "../../src/database/data-source";
import { createApollo } from "../../src/server";
import { Context, createContext } from "../../src/context";
import { authenticate, issueKey } from "../../src/modules/access/authenticate";
import type { Limits } from "../../src/common/hardening";
import type { Role } from "../../src/common/access";
import { globalId, NodeType, readGlobalId } from "../../src/common/global-ids";
import { randomUUID } from "node:crypto";

/** A well-formed global id that names no row: of `organizationId` (a global id or a UUID), or of an organization that does not exist. */
export function unknownId(type: NodeType, organizationId?: string): string {
  const org = organizationId ? String(rowId(organizationId)) : randomUUID();
  return globalId(type, org, type === "Organization" ? org : randomUUID());
}

/** The global id of a row a test read with SQL: its type, its organization (a global id or a UUID) and its UUID. */
export function idOf(type: NodeType, organizationId: string, id: string): string {
  return globalId(type, String(rowId(organizationId)), id);
}

/** A global id as its row's UUID (any other value as it is): tests write SQL with the ids the API gave them. */
export function rowId<T>(value: T): T | string {
  const d = readGlobalId(value);
  return d ? d.id : value;
}

const rowIds = (value: unknown): unknown => (Array.isArray(value) ? value.map(rowIds) : rowId(value));

/** A value as the tables store it: every global id in it (deep, in arrays and objects) as its row's UUID. For comparing SQL rows with what the API gave. */
export function asStored<T>(value: T): T {
  if (Array.isArray(value)) return value.map(asStored) as T;
  if (value && typeof value === "object" && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asStored(v)])) as T;
  return rowId(value) as T;
}

/** SQL parameters with the API's global ids (also inside arrays) as their rows' UUIDs. */
export const sqlParams = (params: unknown[] | undefined): unknown[] | undefined => params?.map(rowIds);

/**
 * The test's view of the database: `query` takes the API's global ids among its parameters and
 * sends their UUIDs (the tables hold UUIDs; the API answers global ids). The server itself keeps
 * the DataSource as it is.
 */
function withRowIds(db: DataSource): DataSource {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "query") return (sql: string, params?: unknown[], ...rest: unknown[]) => (target.query as Function).call(target, sql, sqlParams(params), ...rest);
      if (prop === "createQueryRunner")
        return (...args: unknown[]) => {
          const runner = (target.createQueryRunner as Function).apply(target, args);
          const query = runner.query.bind(runner);
          runner.query = (sql: string, params?: unknown[], ...rest: unknown[]) => query(sql, sqlParams(params), ...rest);
          return runner;
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; locations?: unknown; extensions?: Record<string, any> }[];
}

export interface Caller {
  key: string;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export interface TestApp extends Caller {
  db: DataSource;
  counter: StatementCounter;
  apollo: ApolloServer<Context>;
  logged: Record<string, unknown>[];
  /** Runs operations as another key. */
  as(key: string): Caller;
  /** Issues a key (as the command line does) with roles in organizations. */
  issue(kind: "MEMBER" | "FUNDER" | "FIELD_PARTNER", grants: { organizationId: string; role: Role; partnerId?: string | null }[], name?: string): Promise<string>;
  close(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error("TEST_PG_ADMIN_URL is not set: run the tests through jest (global setup starts PostgreSQL)");
  return url;
}

/**
 * A database of its own for one test file, migrated, with an Apollo server over it (no HTTP).
 * The default caller is a member key with no organization yet: organizations it creates make it their admin.
 */
export async function startTestApp(options: { production?: boolean; limits?: Limits } = {}): Promise<TestApp> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const counter = new StatementCounter();
  const db = await openDatabase({ url: url.toString(), poolMax: 5, connectTimeoutMs: 5000, statementTimeoutMs: 30000, counter });
  const logged: Record<string, unknown>[] = [];
  const apollo = await createApollo({ production: options.production ?? false, log: (e) => logged.push(e), limits: options.limits });
  await apollo.start();

  const caller = (key: string): Caller => {
    const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> => {
      const principal = await authenticate(db, key);
      const contextValue = await createContext(db, principal);
      try {
        const response = await apollo.executeOperation<T>({ query, variables }, { contextValue });
        if (response.body.kind !== "single") throw new Error("unexpected incremental response");
        return response.body.singleResult as GqlResult<T>;
      } finally {
        await contextValue.finish(false).catch(() => undefined);
      }
    };
    return {
      key,
      gql,
      async ok<T>(query: string, variables?: Record<string, unknown>) {
        const result = await gql<T>(query, variables);
        if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
        return result.data as T;
      },
    };
  };
  const issue: TestApp["issue"] = async (kind, grants, keyName = `${kind} test key`) =>
    (
      await issueKey(db, {
        name: keyName,
        kind,
        issuerOrganizationId: null,
        grants: grants.map((g) => ({ ...g, organizationId: String(rowId(g.organizationId)), partnerId: g.partnerId ? String(rowId(g.partnerId)) : g.partnerId })),
      })
    ).key;
  const main = caller(await issue("MEMBER", [], "test runner"));
  return {
    ...main,
    db: withRowIds(db),
    counter,
    apollo,
    logged,
    as: caller,
    issue,
    async close() {
      await apollo.stop();
      await db.destroy();
      const c = new Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
