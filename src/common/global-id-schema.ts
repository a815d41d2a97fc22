/**
 * Where global ids (common/global-ids.ts) meet the schema: one pass over the built schema that
 *  - encodes every `ID` field of every object type on the way out (its type from the field: `id` is
 *    the object's own type, `stageId` a Stage, …; its organization from the row), and
 *  - decodes every `ID` argument and input field on the way in, before any resolver runs: a
 *    malformed id, or one of another type, is BAD_USER_INPUT on its field; the ids of one operation
 *    must all be of one organization (the `organizationId` it names, else the first id's), and an id
 *    of another one is NOT_FOUND, exactly as an id that does not exist. Resolvers and services get
 *    the row's UUID, and `ctx.ids` says which organization each decoded UUID belongs to, so a
 *    look-up by id names `organization_id = $1 AND id = $2`.
 * Batch items are the exception: their ids are decoded item by item in the batch's check step
 * (`batchItemId`), so that one bad id rejects its item, not the batch.
 *
 * A field the pass cannot type fails the schema build (at start and in the tests) with its name:
 * add it to the maps below.
 */
import {
  GraphQLArgument,
  GraphQLField,
  GraphQLInputObjectType,
  GraphQLInputType,
  GraphQLSchema,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
} from "graphql";
import { NotFoundError } from "./errors";
import { decodeGlobalId, DecodedId, globalId, isNodeType, NO_ROW, nodeTypeOfTable, NodeType, readGlobalId } from "./global-ids";

/** `xxxId` / `xxxIds` fields, in and out, by name: the type they name. */
const FIELD_TYPES: Record<string, NodeType> = {
  organizationId: "Organization",
  apiKeyId: "ApiKey",
  keyId: "ApiKey",
  lifecycleId: "Lifecycle",
  stageId: "Stage",
  exitStageId: "Stage",
  outcomeStageId: "Stage",
  functionalAreaId: "FunctionalArea",
  ownerAreaId: "FunctionalArea",
  partnerId: "Partner",
  deliveredByPartnerId: "Partner",
  touchpointId: "Touchpoint",
  stakeholderId: "Stakeholder",
  beneficiaryId: "Stakeholder",
  customerId: "Stakeholder",
  metricId: "Metric",
  offeringId: "Offering",
  saleId: "Sale",
  programmeId: "Programme",
  surveyId: "Survey",
  responseId: "FeedbackResponse",
  actionId: "Action",
  goalId: "ExperienceGoal",
};

/** The type an `xxxId` / `xxxIds` input field names, or null (for a batch item's fields, decoded by the batch). */
export function inputFieldType(field: string): NodeType | null {
  return FIELD_TYPES[field] ?? FIELD_TYPES[field.replace(/Ids$/, "Id")] ?? null;
}

/** An `id` argument of a query or mutation: the type it names (Update<Type>Input.id needs no entry). */
const ID_ARGUMENTS: Record<string, NodeType> = {
  "Query.action": "Action",
  "Query.metric": "Metric",
  "Query.organization": "Organization",
  "Query.programme": "Programme",
  "Query.stakeholder": "Stakeholder",
  "Query.stakeholderExport": "Stakeholder",
  "Query.survey": "Survey",
  "Mutation.forgetStakeholder": "Stakeholder",
  "Mutation.revokeApiKey": "ApiKey",
};

/** Object types whose `id` is that of another type (a view of it). */
const ID_OF: Record<string, NodeType> = { ApiKeyWithRole: "ApiKey" };

/** Input types of batch items: their ids are decoded by the batch's check step, item by item (`batchItemId`). */
export const BATCH_ITEM_INPUTS = new Set(["FeedbackItemInput", "ObservationItemInput", "SaleItemInput", "DeliveryItemInput"]);

/** Inputs that take an id of any type. */
const ANY_TYPE_INPUTS = new Set(["AuditFilter.entityId"]);

/** Operations that decode their ids themselves: `node` and `nodes` take ids of any type and organization, each read on its own. */
const DECODED_BY_RESOLVER = new Set(["Query.node", "Query.nodes"]);

/** Output ID fields encoded by the code that makes them (a batch answers ids of the type it writes). */
const ENCODED_BY_PRODUCER = new Set(["BatchItemResult.id"]);

/** Which organization each UUID decoded in this request belongs to: what a look-up by id names. */
export class DecodedIds {
  private readonly organizations = new Map<string, string>();

  remember(d: DecodedId): void {
    this.organizations.set(d.id, d.organizationId);
  }

  /**
   * The organization of an id the caller gave (decoded from its global id). An id never decoded
   * in this request is NOT_FOUND on `field`: only what the caller named can be looked up.
   */
  organizationOf(id: string, what: string, field: string): string {
    const organizationId = this.organizations.get(id);
    if (!organizationId) throw new NotFoundError(what, field);
    return organizationId;
  }
}

function typeOfInput(container: string, field: string): NodeType | "any" {
  if (ANY_TYPE_INPUTS.has(`${container}.${field}`)) return "any";
  if (field === "id") {
    const argument = ID_ARGUMENTS[container];
    if (argument) return argument;
    const m = /^Update(\w+)Input$/.exec(container);
    if (m && isNodeType(m[1])) return m[1];
  } else {
    const single = FIELD_TYPES[field] ?? FIELD_TYPES[field.replace(/Ids$/, "Id")];
    if (single) return single;
  }
  throw new Error(`global ids: the ID input ${container}.${field} names no type; add it to src/common/global-id-schema.ts`);
}

/** A plan for decoding one input value: where its ids are and what type each must be. */
type Plan =
  | { kind: "id"; type: NodeType | "any" }
  | { kind: "list"; of: Plan }
  | { kind: "object"; fields: [string, Plan][] }
  | { kind: "batchItems" };

function planFor(type: GraphQLInputType, container: string, field: string, seen: Map<string, Plan | null>): Plan | null {
  if (isNonNullType(type)) return planFor(type.ofType, container, field, seen);
  if (isListType(type)) {
    const of = planFor(type.ofType, container, field, seen);
    return of ? { kind: "list", of } : null;
  }
  if (isInputObjectType(type)) return objectPlan(type, seen);
  return type.name === "ID" ? { kind: "id", type: typeOfInput(container, field) } : null;
}

function objectPlan(type: GraphQLInputObjectType, seen: Map<string, Plan | null>): Plan | null {
  if (BATCH_ITEM_INPUTS.has(type.name)) return { kind: "batchItems" };
  if (seen.has(type.name)) return seen.get(type.name)!;
  seen.set(type.name, null);
  const fields: [string, Plan][] = [];
  for (const f of Object.values(type.getFields())) {
    const p = planFor(f.type, type.name, f.name, seen);
    if (p) fields.push([f.name, p]);
  }
  const plan: Plan | null = fields.length ? { kind: "object", fields } : null;
  seen.set(type.name, plan);
  return plan;
}

/** Rewrites the ids in `value` per `plan` with `visit` (a new value; the arguments given are not changed). */
function walk(value: unknown, plan: Plan, path: string, visit: (value: unknown, type: NodeType | "any", path: string) => unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (plan.kind) {
    case "id":
      return visit(value, plan.type, path);
    case "list":
      // A list of ids is one field ("stageIds"), as the services name it; a list of inputs names each item.
      return (value as unknown[]).map((v, i) => walk(v, plan.of, plan.of.kind === "id" ? path : `${path}.${i}`, visit));
    case "object": {
      const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const [name, p] of plan.fields) {
        if (name in out) out[name] = walk(out[name], p, path ? `${path}.${name}` : name, visit);
      }
      return out;
    }
    case "batchItems":
      return value;
  }
}

/** Wraps a field that takes ids: decode them, keep those of the operation's organization, remember them. */
function decodeArguments(parent: string, field: GraphQLField<unknown, unknown>): void {
  if (DECODED_BY_RESOLVER.has(`${parent}.${field.name}`)) return;
  const seen = new Map<string, Plan | null>();
  const plans: [GraphQLArgument, Plan][] = [];
  for (const a of field.args) {
    const p = planFor(a.type, `${parent}.${field.name}`, a.name, seen);
    if (p) plans.push([a, p]);
  }
  if (!plans.length) return;
  const resolve = field.resolve!;
  // Errors name the field inside `input` as the services do ("stageId"), other arguments by their path ("filter.stageId").
  const base = (name: string) => (name === "input" ? "" : name);
  field.resolve = (source, args: Record<string, unknown>, context, info) => {
    // 1. Every id must be an id of its field's type: BAD_USER_INPUT on the field otherwise.
    const found: { decoded: DecodedId; path: string }[] = [];
    for (const [a, p] of plans) {
      walk(args[a.name], p, base(a.name), (value, type, path) => {
        found.push({ decoded: decodeGlobalId(value, path, type === "any" ? undefined : [type]), path });
        return value;
      });
    }
    // 2. Its UUID when it is of the operation's organization; else NO_ROW, which names no row, so the
    //    service answers exactly as for an id that does not exist (never "it exists elsewhere").
    const organizationId = operationOrganization(found);
    const ids = (context as { ids?: DecodedIds }).ids;
    const decodedArgs = { ...args };
    for (const [a, p] of plans) {
      if (!(a.name in args)) continue;
      decodedArgs[a.name] = walk(args[a.name], p, base(a.name), (value) => {
        const d = readGlobalId(value)!;
        if (d.type !== "ApiKey" && d.organizationId !== organizationId) return NO_ROW;
        ids?.remember(d);
        return d.id;
      });
    }
    return resolve(source, decodedArgs, context, info);
  };
}

/**
 * The organization an operation is about: the one it names (`organizationId`), else its first
 * id's. An API key is of none (keys are shared by organizations through their grants).
 */
function operationOrganization(found: { decoded: DecodedId; path: string }[]): string | null {
  const scoped = found.filter((f) => f.decoded.type !== "ApiKey");
  const named = scoped.find((f) => f.decoded.type === "Organization" && /(^|\.)organizationId$/.test(f.path)) ?? scoped[0];
  return named?.decoded.organizationId ?? null;
}

type Source = Record<string, unknown>;

/** How an output ID field is encoded: the type it names, given the row. */
function outputType(objectType: string, field: string): ((row: Source) => NodeType | null) | null {
  if (ENCODED_BY_PRODUCER.has(`${objectType}.${field}`)) return null;
  if (field === "id") {
    const own = ID_OF[objectType] ?? objectType;
    if (isNodeType(own)) return () => own;
  } else if (objectType === "AuditEntry" && field === "entityId") {
    // The audited row's type, from its table; rows of tables that are not types of the API (link tables) have no id of their own.
    return (row) => nodeTypeOfTable(String(row.entity));
  } else {
    const named = FIELD_TYPES[field];
    if (named) return () => named;
  }
  throw new Error(`global ids: the ID field ${objectType}.${field} names no type; add it to src/common/global-id-schema.ts`);
}

function encodeOne(value: unknown, type: NodeType | null, row: Source): string | null {
  if (value === null || value === undefined || type === null) return null;
  const id = String(value);
  if (type === "Organization" || type === "ApiKey") return globalId(type, id, id);
  const organizationId = row.organizationId;
  if (typeof organizationId !== "string") throw new Error(`global ids: a ${type} id without its row's organizationId`);
  return globalId(type, organizationId, id);
}

function encodeField(objectType: string, field: GraphQLField<unknown, unknown>): void {
  const typeOf = outputType(objectType, field.name);
  if (!typeOf) return;
  const name = field.name;
  const encode = (value: unknown, row: Source): unknown => {
    const type = typeOf(row);
    return Array.isArray(value) ? value.map((v) => encodeOne(v, type, row)) : encodeOne(value, type, row);
  };
  const resolve = field.resolve;
  field.resolve = resolve
    ? (source, args, context, info) => {
        const value = resolve(source, args, context, info);
        return value instanceof Promise ? value.then((v) => encode(v, source as Source)) : encode(value, source as Source);
      }
    : (source) => encode((source as Source)[name], source as Source);
}

/**
 * A plain object graph (a report written as JSON for a download) with its ids written as the
 * schema writes them: fields of the GraphQL type `typeName` by the same rules as above, and the
 * object's other `xxxId` properties (those the schema shows as objects) by their names.
 */
export function encodeIdsAs(schema: GraphQLSchema, typeName: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => encodeIdsAs(schema, typeName, v));
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  const type = schema.getType(typeName);
  const fields = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields() : {};
  const row = value as Source;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(row)) {
    const field = fields[key];
    const named = field ? getNamedType(field.type) : null;
    if (named?.name === "ID" || (!field && FIELD_TYPES[key] && (typeof v === "string" || v === null))) {
      const typeOf = named?.name === "ID" ? outputType(typeName, key) : () => FIELD_TYPES[key];
      out[key] = typeOf ? (Array.isArray(v) ? v.map((x) => encodeOne(x, typeOf(row), row)) : encodeOne(v, typeOf(row), row)) : v;
    } else if (named && (isObjectType(named) || isInterfaceType(named))) {
      out[key] = encodeIdsAs(schema, named.name, v);
    } else {
      out[key] = v;
    }
  }
  return out;
}

/** Applies global ids to the built schema (once; it changes the fields' resolvers in place). */
export function withGlobalIds(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      if (isObjectType(type) && getNamedType(field.type).name === "ID") encodeField(type.name, field as GraphQLField<unknown, unknown>);
      if (isObjectType(type) && field.resolve) decodeArguments(type.name, field as GraphQLField<unknown, unknown>);
    }
  }
  return schema;
}
