import { ClassType, Field, Int, ObjectType } from "type-graphql";
import { BadInputError } from "./errors";

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

@ObjectType({ description: "Relay page information", simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the last edge; pass it as `after` for the next page" })
  endCursor!: string | null;
}

/**
 * A keyset cursor: the sort key of a row as exact microseconds since the epoch
 * (as a string, no float rounding) and its id. Opaque to clients (base64url).
 */
export interface CursorKey {
  micros: string;
  id: string;
  /** A whole-number sort key before the time, for orders that have one (actions by status). */
  rank?: number;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key.rank === undefined ? [key.micros, key.id] : [key.micros, key.id, key.rank])).toString("base64url");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(cursor: string | null | undefined, field = "after"): CursorKey | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      (parsed.length === 2 || (parsed.length === 3 && Number.isInteger(parsed[2]) && parsed[2] >= 0 && parsed[2] < 100)) &&
      typeof parsed[0] === "string" &&
      /^-?\d{1,20}$/.test(parsed[0]) &&
      typeof parsed[1] === "string" &&
      UUID.test(parsed[1])
    ) {
      return parsed.length === 3 ? { micros: parsed[0], id: parsed[1], rank: parsed[2] } : { micros: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw new BadInputError(field, "Invalid cursor: pass the endCursor or an edge cursor of a previous page");
}

/** Validates `first` (1..500, default 50). */
export function pageSize(first: number | null | undefined, field = "first"): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadInputError(field, `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

/** SQL for a row's sort key in exact microseconds, to build cursors from. */
export const micros = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint::text`;
/** SQL turning a cursor's microseconds parameter back into a timestamptz, exactly. */
export const fromMicros = (param: string) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;

export interface Page<T> {
  /** The page's rows with their keyset keys; a cursor is encoded only when a client asks for it. */
  nodes: { node: T; key: CursorKey }[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

/** Turns `first + 1` fetched rows (with their cursor keys) into a page. */
export function toPage<T>(rows: { node: T; key: CursorKey }[], first: number, totalCount: () => Promise<number>): Page<T> {
  const hasNextPage = rows.length > first;
  return { nodes: hasNextPage ? rows.slice(0, first) : rows, hasNextPage, totalCount };
}

export interface IEdge<T> {
  cursor: string;
  node: T;
}

/**
 * Builds `<Name>Connection` and `<Name>Edge` types for a node type. `totalCount` is
 * computed only when asked for, and so is each edge's cursor. The three types only
 * hold data (simple resolvers: no per-field wrapper).
 */
export function Connection<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge implements IEdge<T> {
    @Field(() => nodeType)
    node: T;

    constructor(
      node: T,
      private readonly key: CursorKey,
    ) {
      this.node = node;
    }

    @Field()
    get cursor(): string {
      return encodeCursor(this.key);
    }
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items`, simpleResolvers: true })
  class ConnectionType {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    private countFn!: () => Promise<number>;

    @Field(() => Int, { description: "Number of items matching the filter, across all pages" })
    totalCount(): Promise<number> {
      return this.countFn();
    }

    static from(page: Page<T>): ConnectionType {
      const c = new ConnectionType();
      const nodes = page.nodes;
      c.edges = nodes.map((n) => new Edge(n.node, n.key));
      c.pageInfo = { hasNextPage: page.hasNextPage, endCursor: nodes.length ? encodeCursor(nodes[nodes.length - 1].key) : null };
      c.countFn = page.totalCount;
      return c;
    }
  }
  return ConnectionType;
}
