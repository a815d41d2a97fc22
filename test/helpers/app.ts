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
    (await issueKey(db, { name: keyName, kind, issuerOrganizationId: null, grants })).key;
  const main = caller(await issue("MEMBER", [], "test runner"));
  return {
    ...main,
    db,
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
