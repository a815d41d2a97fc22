import { ERASED_MARKER } from "./personal-data";
import { createHash } from "node:crypto";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { textProblem, textProblems } from "./text";
import { BadInputError } from "./errors";
import { globalId, idProblem, NO_ROW, NodeType, readGlobalId } from "./global-ids";

export const MAX_BATCH = 1000;

/**
 * The most a batch's items may take, written as compact JSON (JSON.stringify): 7,000,000 bytes.
 * Each item keeps its own limits (a comment 4000 characters, a text answer 2000, ...); together,
 * 1000 items at every limit would be far larger (about 75 MB in three-byte characters), so the
 * batch as a whole has this budget, and the HTTP body limit (src/server.ts) is computed from it:
 * every batch within it fits through the door, even pretty-printed. Over it, the batch is
 * refused whole (BAD_USER_INPUT on `input.items`) before anything is checked or written.
 */
export const MAX_BATCH_JSON_BYTES = 7_000_000;

/** Refuses a batch whose items take more than MAX_BATCH_JSON_BYTES as compact JSON. */
export function checkBatchSize(items: unknown[], field = "input.items"): void {
  const bytes = Buffer.byteLength(JSON.stringify(items) ?? "", "utf8");
  if (bytes > MAX_BATCH_JSON_BYTES) {
    throw new BadInputError(field, `the batch's items take ${bytes} bytes as JSON; at most ${MAX_BATCH_JSON_BYTES}: send them in smaller batches (nothing was stored)`);
  }
}

export enum BatchItemStatus {
  CREATED = "CREATED",
  DUPLICATE = "DUPLICATE",
  CONFLICT = "CONFLICT",
  REJECTED = "REJECTED",
  VALID = "VALID",
}
registerEnumType(BatchItemStatus, {
  name: "BatchItemStatus",
  description:
    "CREATED: stored now. DUPLICATE: this client key was stored before with the same content; nothing stored again. CONFLICT: this client key was stored before with different content; nothing changed. REJECTED: invalid, see errors. VALID: a dry run found nothing wrong; nothing was stored.",
});

@ObjectType({ simpleResolvers: true })
export class ItemError {
  @Field({ description: "The item's field, e.g. value, metricId" })
  field!: string;

  @Field()
  message!: string;
}

@ObjectType({ description: "What happened to one item of a batch, in the order sent", simpleResolvers: true })
export class BatchItemResult {
  @Field(() => Int, { description: "0-based position in the batch" })
  index!: number;

  @Field(() => String, { nullable: true })
  clientKey!: string | null;

  @Field(() => BatchItemStatus)
  status!: BatchItemStatus;

  @Field(() => ID, { nullable: true, description: "The stored row's id (CREATED, DUPLICATE, CONFLICT)" })
  id!: string | null;

  @Field(() => [ItemError], { description: "Every reason for a REJECTED or CONFLICT item" })
  errors!: ItemError[];
}

@ObjectType({ description: "The answer to a batch: counts, and one result per item", simpleResolvers: true })
export class BatchResult {
  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  duplicates!: number;

  @Field(() => Int)
  conflicts!: number;

  @Field(() => Int)
  rejected!: number;

  @Field(() => Int, { description: "Dry runs: items that would be stored" })
  valid!: number;

  @Field(() => [BatchItemResult])
  items!: BatchItemResult[];

  /** The answer of a batch that writes rows of `type` in organization `organizationId`: items in their order, their ids global. */
  static of(items: BatchItemResult[], type: NodeType, organizationId: string): BatchResult {
    const r = new BatchResult();
    r.items = items.sort((a, b) => a.index - b.index).map((i) => (i.id ? { ...i, id: globalId(type, organizationId, i.id) } : i));
    r.created = items.filter((i) => i.status === BatchItemStatus.CREATED).length;
    r.duplicates = items.filter((i) => i.status === BatchItemStatus.DUPLICATE).length;
    r.conflicts = items.filter((i) => i.status === BatchItemStatus.CONFLICT).length;
    r.rejected = items.filter((i) => i.status === BatchItemStatus.REJECTED).length;
    r.valid = items.filter((i) => i.status === BatchItemStatus.VALID).length;
    return r;
  }
}

/**
 * A stable hash of an item's content: SHA-256 of its JSON with the keys of every object
 * sorted, dates as ISO strings. Stored as content_hash, so it must never change: a retry
 * of an item stored long ago is recognised by it.
 */
export function contentHash(content: unknown): string {
  return createHash("sha256").update(canonicalJson(content)!).digest("hex");
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isArrayIndex = (k: string) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;

/**
 * The order JSON.stringify writes a copy's keys in when the copy was made with sorted keys:
 * keys that are array indexes ("0", "2", "102") first, in numeric order (JavaScript objects
 * always list those first), then the others sorted.
 */
function jsonKeyOrder(a: string, b: string): number {
  const ia = isArrayIndex(a);
  const ib = isArrayIndex(b);
  if (ia && ib) return Number(a) - Number(b);
  if (ia !== ib) return ia ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The JSON text of a value with object keys sorted at every level and dates as ISO strings:
 * exactly `JSON.stringify` of a copy made that way (undefined, functions and symbols are left
 * out of objects and are `null` in arrays, as JSON.stringify does), written in one pass.
 */
export function canonicalJson(v: unknown): string | undefined {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
    case "boolean":
      return JSON.stringify(v);
    case "object": {
      if (v instanceof Date) return JSON.stringify(v.toISOString());
      if (Array.isArray(v)) {
        let out = "[";
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out += ",";
          out += canonicalJson(v[i]) ?? "null";
        }
        return out + "]";
      }
      const keys = Object.keys(v).sort(jsonKeyOrder);
      let out = "{";
      let first = true;
      for (const k of keys) {
        const item = canonicalJson((v as Record<string, unknown>)[k]);
        if (item === undefined) continue;
        out += (first ? "" : ",") + JSON.stringify(k) + ":" + item;
        first = false;
      }
      return out + "}";
    }
    case "bigint":
      return JSON.stringify(v); // throws, as JSON.stringify does
    default:
      return undefined; // undefined, functions, symbols
  }
}

/**
 * Text hygiene for one batch item (src/common/text.ts): every string in it with a NUL or a lone
 * surrogate, named by its path in the item (`comment`, `answers.2.text`, `dimensions.region`).
 * The item is REJECTED with these reasons and its strings never reach a statement; the rest of
 * the batch goes on.
 */
export function itemTextProblems(item: object): ItemError[] {
  return Object.entries(item).flatMap(([field, value]) => textProblems(value, field));
}

/** What a batch item's id field holds when it was not an id of its type: never a UUID, so the item's check refuses it (see itemIdProblem). */
const NOT_AN_ID = "not-an-id:";

/**
 * A batch's item ids (global ids, common/global-ids.ts), decoded before the items are checked, so
 * that the checks and the loads see UUIDs: an id of the batch's organization becomes its row's
 * UUID; an id of another organization becomes NO_ROW (the item answers "no … with this id in the
 * organization", as for an id that does not exist); anything else is kept, marked, for the item's
 * check to refuse with itemIdProblem. One bad id rejects its item, never the batch.
 */
export function decodeItemIds<T extends object>(items: T[], fields: Partial<Record<keyof T & string, NodeType>>, organizationId: string): T[] {
  const entries = Object.entries(fields) as [keyof T & string, NodeType][];
  return items.map((item) => {
    let out: T | null = null;
    for (const [field, type] of entries) {
      const value = item[field] as unknown;
      if (value === null || value === undefined) continue;
      const d = readGlobalId(value);
      const decoded = d && d.type === type ? (d.organizationId === organizationId ? d.id : NO_ROW) : `${NOT_AN_ID}${String(value)}`;
      out ??= { ...item };
      (out as Record<string, unknown>)[field] = decoded;
    }
    return out ?? item;
  });
}

/** Why a batch item's id field (decoded by decodeItemIds) holds no UUID: not an id, or an id of another type. */
export function itemIdProblem(value: unknown, field: string, type: NodeType): string {
  return idProblem(typeof value === "string" && value.startsWith(NOT_AN_ID) ? value.slice(NOT_AN_ID.length) : value, field, [type]);
}

/** A client key as a result echoes it: trimmed, or null when empty or not clean text. */
export function echoedKey(key: string | null | undefined): string | null {
  const trimmed = key?.trim();
  return trimmed && textProblem(trimmed) === null ? trimmed : null;
}

/** Collects the reasons an item is rejected. */
export class ItemProblems {
  readonly errors: ItemError[] = [];
  add(field: string, message: string): void {
    this.errors.push({ field, message });
  }
  get ok(): boolean {
    return this.errors.length === 0;
  }
}

export interface Keyed {
  index: number;
  clientKey: string | null;
  hash: string;
}

/**
 * Classifies items whose client key was already taken (by an earlier call, or by an
 * earlier item of the same batch): same content is a DUPLICATE, different content a CONFLICT.
 * `field` is the input field that holds the key, named in the CONFLICT's error
 * (`clientKey` for observations and sales, `clientSubmissionId` for feedback).
 */
export function classifyExisting(item: Keyed, existing: { id: string; content_hash: string } | undefined, field = "clientKey"): BatchItemResult | null {
  if (!existing) return null;
  if (existing.content_hash.trimEnd() === ERASED_MARKER) {
    // The stored row's content was erased with its person (src/common/personal-data.ts): nothing to compare, and nothing to confirm.
    return {
      index: item.index,
      clientKey: item.clientKey,
      status: BatchItemStatus.CONFLICT,
      id: existing.id,
      errors: [{ field, message: `this ${field === "clientKey" ? "client key" : field} was used before by a stakeholder who was erased: its content can't be compared; nothing was changed` }],
    };
  }
  const same = existing.content_hash === item.hash;
  return {
    index: item.index,
    clientKey: item.clientKey,
    status: same ? BatchItemStatus.DUPLICATE : BatchItemStatus.CONFLICT,
    id: existing.id,
    errors: same ? [] : [{ field, message: `this ${field === "clientKey" ? "client key" : field} was used before with different content; nothing was changed` }],
  };
}
