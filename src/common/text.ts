import {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLInputType,
  GraphQLSchema,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  OperationDefinitionNode,
  SelectionNode,
  ValueNode,
} from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import { HeaderMap } from "@apollo/server";
import { BadInputError } from "./errors";

/**
 * Text hygiene, in one place: PostgreSQL cannot store the NUL character (U+0000), and a
 * lone UTF-16 surrogate is not a character at all (it would be stored as U+FFFD, silently
 * changing what was sent). Every text a client sends is checked here before any statement runs:
 * arguments and input fields by the plugin below (BAD_USER_INPUT naming the field), and the
 * items of a batch by the batch itself with `textProblems` (that item REJECTED, the rest stored).
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with one string, or null. */
export function textProblem(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain the NUL character (U+0000)";
  const lone = LONE_SURROGATE.exec(text);
  if (lone) return `must be valid Unicode text (it holds a lone surrogate U+${lone[0].charCodeAt(0).toString(16).toUpperCase()})`;
  return null;
}

/**
 * Every bad string in a value (strings, and strings inside lists and objects, keys included),
 * with its dotted path from `field` (list positions as numbers: `items.3.comment`).
 */
export function textProblems(value: unknown, field: string): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const walk = (v: unknown, at: string, depth: number) => {
    if (typeof v === "string") {
      const problem = textProblem(v);
      if (problem) out.push({ field: at, message: `${at}: ${problem}` });
    } else if (Array.isArray(v) && depth < 64) {
      v.forEach((item, i) => walk(item, `${at}.${i}`, depth + 1));
    } else if (v !== null && typeof v === "object" && depth < 64) {
      for (const [key, item] of Object.entries(v)) {
        const keyProblem = textProblem(key);
        if (keyProblem) out.push({ field: at, message: `${at}: a key ${keyProblem}` });
        walk(item, `${at}.${key}`, depth + 1);
      }
    }
  };
  walk(value, field, 0);
  return out;
}

/**
 * The input object types that are items of a batch: their texts are checked item by item by
 * the batch, so that one bad item is REJECTED and the good ones are stored.
 */
export const BATCH_ITEM_TYPES = new Set(["FeedbackItemInput", "SaleItemInput", "ObservationItemInput"]);

type Problem = { field: string; message: string };
type FieldDef = { args: readonly { name: string; type: GraphQLInputType }[]; type: unknown };

/**
 * The first bad text in an operation's field arguments, inline or through variables, named by
 * the argument's path (`filter.region`, `input.name`) either way; batch items are skipped. Null when all are clean.
 */
export function firstTextProblem(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): Problem | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const visit = (node: ValueNode, type: GraphQLInputType | null, at: string): Problem | null => {
    if (node.kind === Kind.VARIABLE) return typedProblem(type, variables?.[node.name.value], at);
    const named = type ? namedInputType(type) : null;
    if (named && BATCH_ITEM_TYPES.has(named)) return null;
    switch (node.kind) {
      case Kind.STRING: {
        const problem = textProblem(node.value);
        return problem ? { field: at, message: `${at}: ${problem}` } : null;
      }
      case Kind.LIST: {
        const item = type ? listItemType(type) : null;
        for (let i = 0; i < node.values.length; i++) {
          const found = visit(node.values[i], item, `${at}.${i}`);
          if (found) return found;
        }
        return null;
      }
      case Kind.OBJECT: {
        const object = named ? schema.getType(named) : null;
        const fields = object && isInputObjectType(object) ? object.getFields() : null;
        for (const f of node.fields) {
          const found = visit(f.value, fields?.[f.name.value]?.type ?? null, `${at}.${f.name.value}`);
          if (found) return found;
        }
        return null;
      }
      default:
        return null;
    }
  };
  const seen = new Set<string>(); // each fragment once (a cycle is a validation error anyway)
  const walk = (selections: readonly SelectionNode[], parentType: string | null): Problem | null => {
    for (const selection of selections) {
      let found: Problem | null = null;
      if (selection.kind === Kind.FIELD) {
        const parent = parentType ? schema.getType(parentType) : null;
        const field = parent && "getFields" in parent ? ((parent.getFields() as Record<string, FieldDef>)[selection.name.value] as FieldDef | undefined) : undefined;
        for (const argument of selection.arguments ?? []) {
          const arg = field?.args.find((a) => a.name === argument.name.value);
          found ??= visit(argument.value, arg?.type ?? null, argument.name.value);
        }
        if (!found && selection.selectionSet) found = walk(selection.selectionSet.selections, field ? namedOutputType(field.type) : null);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        found = walk(selection.selectionSet.selections, selection.typeCondition?.name.value ?? parentType);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          seen.add(fragment.name.value);
          found = walk(fragment.selectionSet.selections, fragment.typeCondition.name.value);
        }
      }
      if (found) return found;
    }
    return null;
  };
  const root = operation.operation === "mutation" ? schema.getMutationType() : schema.getQueryType();
  return walk(operation.selectionSet.selections, root?.name ?? null);
}

/** A variable's value, walked with the type of the place it is used, so a batch's items can be left to the batch. */
function typedProblem(type: GraphQLInputType | null, value: unknown, at: string): Problem | null {
  if (value === null || value === undefined) return null;
  if (type === null) return textProblems(value, at)[0] ?? null;
  if (isNonNullType(type)) return typedProblem(type.ofType, value, at);
  if (isListType(type)) {
    if (!Array.isArray(value)) return typedProblem(type.ofType, value, at); // a single value where a list is expected
    for (let i = 0; i < value.length; i++) {
      const found = typedProblem(type.ofType, value[i], `${at}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (isInputObjectType(type)) {
    if (BATCH_ITEM_TYPES.has(type.name)) return null;
    if (typeof value !== "object" || Array.isArray(value)) return textProblems(value, at)[0] ?? null;
    const fields = type.getFields();
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const found = typedProblem(fields[key]?.type ?? null, item, `${at}.${key}`);
      if (found) return found;
    }
    return null;
  }
  return textProblems(value, at)[0] ?? null; // scalars and enums (a JSON scalar may hold nested strings)
}

function listItemType(type: GraphQLInputType): GraphQLInputType | null {
  const t = isNonNullType(type) ? type.ofType : type;
  return isListType(t) ? (t.ofType as GraphQLInputType) : t;
}

function namedInputType(type: GraphQLInputType): string {
  let t: GraphQLInputType = type;
  while (isNonNullType(t) || isListType(t)) t = t.ofType;
  return t.name;
}

function namedOutputType(type: unknown): string | null {
  let t = type as { ofType?: unknown; name?: string };
  while (t && t.ofType) t = t.ofType as { ofType?: unknown; name?: string };
  return t?.name ?? null;
}

/**
 * Apollo plugin: refuses an operation whose arguments hold a bad text with BAD_USER_INPUT and
 * the field, before any resolver (and so any statement) runs. Batch items are left to their batch.
 */
export function textHygienePlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) return;
          const found = firstTextProblem(schema, document, operation, request.variables as Record<string, unknown> | undefined);
          if (found) throw withHttpStatus(new BadInputError(found.field, found.message), 400);
        },
      };
    },
  };
}


/** An error thrown from a plugin hook is answered with this HTTP status (Apollo reads and removes `extensions.http`). */
function withHttpStatus<E extends { extensions: Record<string, unknown> }>(error: E, status: number): E {
  (error.extensions as Record<string, unknown>).http = { status, headers: new HeaderMap() };
  return error;
}
