import { ERASED_MARKER } from "./personal-data";
import { createHash } from "node:crypto";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { textProblem, textProblems } from "./text";
import { BadInputError } from "./errors";
import { globalId, idProblem, NO_ROW, NodeType, readGlobalId } from "./global-ids";
import { FUTURE_SKEW_MS, isCalendarDate } from "./validation";

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

  @Field(() => String, {
    description:
      "Why, as a code: BAD_USER_INPUT (the value is wrong), NOT_FOUND (no such row in the organization, or none the caller may see), FORBIDDEN (the caller's role or partner may not do this), CONFLICT (the client key was used before with other content)",
  })
  code?: ItemErrorCode;
}

export type ItemErrorCode = "BAD_USER_INPUT" | "NOT_FOUND" | "FORBIDDEN" | "CONFLICT";

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
    // Every reason has a code: a CONFLICT item's are CONFLICT; a reason given without one is BAD_USER_INPUT.
    for (const item of items) for (const e of item.errors) e.code ??= item.status === BatchItemStatus.CONFLICT ? "CONFLICT" : "BAD_USER_INPUT";
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
  add(field: string, message: string, code?: ItemErrorCode): void {
    this.errors.push(code ? { field, message, code } : { field, message });
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

// ---------------------------------------------------------------------------------------------
// The contract's steps every keyed batch shares (submitFeedback, recordDeliveries)
// ---------------------------------------------------------------------------------------------

/** A client key is at most this long (the column is varchar(120)). */
export const MAX_CLIENT_KEY = 120;

/**
 * An item's client key, checked: trimmed; empty or longer than MAX_CLIENT_KEY is a reason on
 * `field`. A key that is not clean text (its reason is among `text` already) gives "" and no
 * second reason, and is not echoed back.
 */
export function itemClientKey(value: string | null | undefined, field: string, text: ItemError[], p: ItemProblems): string {
  const keyNotText = text.some((e) => e.field === field);
  const clientKey = keyNotText ? "" : (value?.trim() ?? "");
  if (!clientKey && !keyNotText) p.add(field, `${field} must not be empty`);
  else if (clientKey.length > MAX_CLIENT_KEY) p.add(field, `${field} must be at most ${MAX_CLIENT_KEY} characters`);
  return clientKey;
}

/** The client keys worth looking up: trimmed, not empty, not too long, each once. */
export function lookupKeys(values: (string | null | undefined)[]): string[] {
  return [...new Set(values.map((v) => v?.trim()).filter((k): k is string => !!k && k.length <= MAX_CLIENT_KEY))];
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A batch item's time (a string, so that one bad item is rejected alone rather than failing the
 * whole batch as a DateTime argument would): ISO 8601 with a time zone, a day that exists on the
 * calendar (Date.parse rolls "2026-02-30T…" over to March 2), and not later than `now` plus the
 * allowed clock skew. null, with the reason on `field`, otherwise.
 */
export function itemTimestamp(value: unknown, field: string, now: number, p: ItemProblems): Date | null {
  if (typeof value !== "string" || !ISO_TIMESTAMP.test(value.trim()) || !isCalendarDate(value.trim().slice(0, 10)) || Number.isNaN(Date.parse(value))) {
    p.add(field, `${field} must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T09:30:00Z`);
    return null;
  }
  const at = new Date(value);
  if (at.getTime() > now + FUTURE_SKEW_MS) p.add(field, `${field} is in the future`);
  return at;
}

/** A row stored under a client key: what a retry is compared with. */
export interface StoredItem {
  id: string;
  content_hash: string;
}

/**
 * What happens to the items that passed their checks, before anything is written:
 * - a dry run answers VALID, or DUPLICATE / CONFLICT against what is stored or an earlier item of the batch;
 * - otherwise an item whose client key is stored already is a DUPLICATE or CONFLICT, and the rest are
 *   to be stored (`toStore`; two items of the batch with one key are sorted out by the insert).
 * `field` names the input field that holds the key.
 */
export function classifyKeyed<T extends Keyed & { clientKey: string }>(ready: T[], taken: Map<string, StoredItem>, dryRun: boolean, field: string): { results: BatchItemResult[]; toStore: T[] } {
  const results: BatchItemResult[] = [];
  const toStore: T[] = [];
  const firstSeen = new Map<string, T>();
  for (const r of ready) {
    const keyed = { index: r.index, clientKey: r.clientKey, hash: r.hash };
    const stored = taken.get(r.clientKey);
    if (dryRun) {
      const earlier = stored ?? (firstSeen.has(r.clientKey) ? { id: "", content_hash: firstSeen.get(r.clientKey)!.hash } : undefined);
      const classified = classifyExisting(keyed, earlier, field);
      if (classified) results.push({ ...classified, id: classified.id || null });
      else {
        firstSeen.set(r.clientKey, r);
        results.push({
          index: r.index,
          clientKey: r.clientKey,
          status: BatchItemStatus.VALID,
          id: null,
          errors: [],
        });
      }
    } else if (stored) {
      results.push(classifyExisting(keyed, stored, field)!);
    } else {
      toStore.push(r);
    }
  }
  return { results, toStore };
}

/** Orders rows by a key so that concurrent batches take their unique-index locks in the same order (no deadlock). */
export function byKey<T>(rows: T[], key: (r: T) => string): T[] {
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The answers for the items a batch tried to store: CREATED for those the insert stored (`created`:
 * item to its new id); the others' keys were taken meanwhile (by a concurrent request, or by an
 * earlier item of the same batch), so they are read again (`loadTaken`, one statement) and answer
 * DUPLICATE or CONFLICT; an item whose key is not found either answers `unresolved(item)`.
 */
export async function settleKeyed<T extends Keyed & { clientKey: string }>(
  toStore: T[],
  created: Map<T, string>,
  loadTaken: (keys: string[]) => Promise<Map<string, StoredItem>>,
  field: string,
  unresolved: (item: T) => BatchItemResult,
): Promise<BatchItemResult[]> {
  const results: BatchItemResult[] = [];
  const pending: T[] = [];
  for (const r of toStore) {
    const id = created.get(r);
    if (id)
      results.push({
        index: r.index,
        clientKey: r.clientKey,
        status: BatchItemStatus.CREATED,
        id,
        errors: [],
      });
    else pending.push(r);
  }
  if (pending.length) {
    const existing = await loadTaken(pending.map((r) => r.clientKey));
    for (const r of pending) results.push(classifyExisting({ index: r.index, clientKey: r.clientKey, hash: r.hash }, existing.get(r.clientKey), field) ?? unresolved(r));
  }
  return results;
}
