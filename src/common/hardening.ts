import { DocumentNode, getNamedType, GraphQLError, GraphQLObjectType, GraphQLSchema, ValidationContext, ValidationRule } from "graphql";
import { getComplexity, simpleEstimator, ComplexityEstimator } from "graphql-query-complexity";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./pagination";

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
}

export const DEFAULT_LIMITS: Limits = { maxDepth: 12, maxAliases: 30, maxDirectives: 20, maxTokens: 4000, maxCost: 50000 };

/** Validation rules for depth, aliases and directives (a fragment named `__schema` counts like any other). */
/** This API has no subscriptions: such an operation is a validation error (HTTP 400), not an execution failure. */
const noSubscriptions: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === "subscription") {
      context.reportError(new GraphQLError("Subscriptions are not supported by this API: use a query, or poll", { nodes: [node] }));
    }
  },
});

export function limitRules(limits: Limits): ValidationRule[] {
  // Report through the validation context (GRAPHQL_VALIDATION_FAILED, HTTP 400): a rule
  // that throws inside validate() would surface as an internal server error.
  const report = { propagateOnRejection: false, onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)] };
  return [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: false, exposeLimits: true, ...report }),
    maxAliasesRule({ n: limits.maxAliases, exposeLimits: true, ...report }),
    maxDirectivesRule({ n: limits.maxDirectives, exposeLimits: true, ...report }),
    noSubscriptions,
  ] as unknown as ValidationRule[];
}

/**
 * Upper sizes of the plain (unpaginated) lists: lifecycles are two, stages at most 30 (usually 6);
 * a quality-of-experience group has exactly three perspectives, each of at most three components.
 */
const LIST_SIZE: Record<string, number> = { Lifecycle: 2, Stage: 10, FunnelStage: 10, FunnelGroup: 10, ApiKeyGrant: 5, QoePerspectiveScore: 3, QoeComponent: 3 };

/**
 * The cost of a field: 1, plus its children's cost times the number of items it can
 * return. A connection returns `first` items (its default page when not given) when
 * its `edges` are asked for; `totalCount` and `pageInfo` alone cost nothing per item.
 * A plain list counts its known upper size (10 when unknown).
 */
const pagedEstimator: ComplexityEstimator = ({ args, childComplexity, field, node }) => {
  const named = getNamedType(field.type);
  const isConnection = named instanceof GraphQLObjectType && named.name.endsWith("Connection");
  if (isConnection) {
    const asksForItems = node.selectionSet?.selections.some((s) => s.kind !== "Field" || s.name.value === "edges") ?? false;
    if (!asksForItems) return 1 + childComplexity;
    // Past the cap `first` is refused anyway (BAD_USER_INPUT on that field): cost it at the cap.
    const first = typeof args.first === "number" && args.first > 0 ? Math.min(args.first, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
    return 1 + childComplexity * first;
  }
  if (String(field.type).includes("[")) {
    // A connection's edges are already counted by its `first`.
    if (named.name.endsWith("Edge") || named.name === "String" || named.name === "ID") return 1 + childComplexity;
    return 1 + childComplexity * (LIST_SIZE[named.name] ?? 10);
  }
  return undefined;
};

/** The operation's cost; null when its variables do not fit it (execution then reports that as BAD_USER_INPUT). */
export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName?: string): number | null {
  try {
    return computeCost(schema, document, variables, operationName);
  } catch {
    return null;
  }
}

function computeCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName?: string): number {
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName,
    estimators: [pagedEstimator, simpleEstimator({ defaultComplexity: 1 })],
  });
}

export class QueryTooCostlyError extends GraphQLError {
  constructor(cost: number, max: number) {
    super(`The query costs ${cost}, more than the limit of ${max}: ask for fewer items (first) or fewer nested lists`, {
      extensions: { code: "QUERY_TOO_COSTLY", cost, maxCost: max, http: { status: 400 } },
    });
  }
}

export { RateLimiter } from "./rate-limit";
