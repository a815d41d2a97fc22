import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { DataSource } from "typeorm";
import { ApolloServer } from "@apollo/server";
import { openDatabase, StatementCounter } from "../../src/database/data-source";
import { createApollo } from "../../src/server";
import { Context, createContext } from "../../src/context";

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface TestApp {
  db: DataSource;
  counter: StatementCounter;
  apollo: ApolloServer<Context>;
  /** Runs one operation with a fresh per-request context, as HTTP would. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error("TEST_PG_ADMIN_URL is not set: run the tests through jest (global setup starts PostgreSQL)");
  return url;
}

/** A database of its own for one test file, migrated, with an Apollo server over it (no HTTP). */
export async function startTestApp(options: { production?: boolean } = {}): Promise<TestApp> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const counter = new StatementCounter();
  const db = await openDatabase({ url: url.toString(), poolMax: 5, connectTimeoutMs: 5000, statementTimeoutMs: 30000, counter });
  const logged: unknown[] = [];
  const apollo = await createApollo(db, { production: options.production ?? false, log: (e) => logged.push(e) });
  await apollo.start();
  const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> => {
    const response = await apollo.executeOperation<T>({ query, variables }, { contextValue: createContext(db) });
    if (response.body.kind !== "single") throw new Error("unexpected incremental response");
    return response.body.singleResult as GqlResult<T>;
  };
  return {
    db,
    counter,
    apollo,
    gql,
    async ok<T>(query: string, variables?: Record<string, unknown>) {
      const result = await gql<T>(query, variables);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
      return result.data as T;
    },
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
