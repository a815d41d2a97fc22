import { createHash } from "node:crypto";
import { Field, Int, ObjectType, registerEnumType } from "type-graphql";

export const MAX_BATCH = 1000;

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

@ObjectType()
export class ItemError {
  @Field({ description: "The item's field, e.g. value, metricId" })
  field!: string;

  @Field()
  message!: string;
}

@ObjectType({ description: "What happened to one item of a batch, in the order sent" })
export class BatchItemResult {
  @Field(() => Int, { description: "0-based position in the batch" })
  index!: number;

  @Field(() => String, { nullable: true })
  clientKey!: string | null;

  @Field(() => BatchItemStatus)
  status!: BatchItemStatus;

  @Field(() => String, { nullable: true, description: "The stored row's id (CREATED, DUPLICATE, CONFLICT)" })
  id!: string | null;

  @Field(() => [ItemError], { description: "Every reason for a REJECTED or CONFLICT item" })
  errors!: ItemError[];
}

@ObjectType({ description: "The answer to a batch: counts, and one result per item" })
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

  static of(items: BatchItemResult[]): BatchResult {
    const r = new BatchResult();
    r.items = items;
    r.created = items.filter((i) => i.status === BatchItemStatus.CREATED).length;
    r.duplicates = items.filter((i) => i.status === BatchItemStatus.DUPLICATE).length;
    r.conflicts = items.filter((i) => i.status === BatchItemStatus.CONFLICT).length;
    r.rejected = items.filter((i) => i.status === BatchItemStatus.REJECTED).length;
    r.valid = items.filter((i) => i.status === BatchItemStatus.VALID).length;
    return r;
  }
}

/** A stable hash of an item's content: keys sorted at every level. */
export function contentHash(content: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object" && !(v instanceof Date)
        ? Object.fromEntries(
            Object.keys(v as Record<string, unknown>)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v instanceof Date
          ? v.toISOString()
          : v;
  return createHash("sha256").update(JSON.stringify(canonical(content))).digest("hex");
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
  const same = existing.content_hash === item.hash;
  return {
    index: item.index,
    clientKey: item.clientKey,
    status: same ? BatchItemStatus.DUPLICATE : BatchItemStatus.CONFLICT,
    id: existing.id,
    errors: same ? [] : [{ field, message: `this ${field === "clientKey" ? "client key" : field} was used before with different content; nothing was changed` }],
  };
}
