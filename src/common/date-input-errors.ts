import { ASTNode, DocumentNode, GraphQLError, Kind, SelectionNode, ValueNode } from "graphql";
import { DATE_INPUT_MESSAGE, DateInputError } from "./timestamps";

/**
 * A bad date (DateInputError, src/common/timestamps.ts) is found by graphql-js either in the
 * document (an inline `from: "2026-13-01"`: a validation error) or in the variables (a
 * coercion error), and worded differently each time. Both are answered the same way here:
 * BAD_USER_INPUT, the field's path (`from`, `input.dueAt`), and one message with examples.
 */
export function nameDateInputErrors(document: DocumentNode | undefined, errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    // graphql-js reports the scalar's own error for a literal, and wraps it for a variable.
    const original = error instanceof DateInputError ? error : error.originalError;
    if (!(original instanceof DateInputError) && !error.message.includes(DATE_INPUT_MESSAGE)) continue;
    const field = (document && (inlineField(document, error.nodes?.[0]) ?? variableField(document, error.message))) ?? null;
    const detail = original instanceof DateInputError ? original.message : error.message.slice(error.message.indexOf(DATE_INPUT_MESSAGE));
    error.message = field ? `${field}: ${detail}` : detail;
    Object.assign(error.extensions as Record<string, unknown>, { code: "BAD_USER_INPUT", ...(field ? { field } : {}) });
  }
}

/** Every argument value of the document's operations and fragments, with its path (`input.dueAt`). */
function* argumentValues(document: DocumentNode): Generator<{ node: ValueNode; path: string }> {
  function* values(node: ValueNode, path: string): Generator<{ node: ValueNode; path: string }> {
    yield { node, path };
    if (node.kind === Kind.OBJECT) for (const f of node.fields) yield* values(f.value, `${path}.${f.name.value}`);
    if (node.kind === Kind.LIST) for (let i = 0; i < node.values.length; i++) yield* values(node.values[i], `${path}.${i}`);
  }
  function* selections(list: readonly SelectionNode[]): Generator<{ node: ValueNode; path: string }> {
    for (const s of list) {
      if (s.kind === Kind.FIELD) for (const a of s.arguments ?? []) yield* values(a.value, a.name.value);
      if (s.kind !== Kind.FRAGMENT_SPREAD && s.selectionSet) yield* selections(s.selectionSet.selections);
    }
  }
  for (const d of document.definitions) {
    if ((d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) && d.selectionSet) yield* selections(d.selectionSet.selections);
  }
}

function inlineField(document: DocumentNode, node: ASTNode | undefined): string | null {
  if (!node) return null;
  for (const v of argumentValues(document)) if (v.node === node) return v.path;
  return null;
}

/** `Variable "$i" got invalid value "x" at "i.dueAt"; ...`: where $i is used, then the path inside it. */
function variableField(document: DocumentNode, message: string): string | null {
  const m = /^Variable "\$(\w+)" got invalid value .*?(?: at "(\w+)((?:\.\w+|\[\d+\])*)")?; /.exec(message);
  if (!m) return null;
  for (const v of argumentValues(document)) {
    if (v.node.kind === Kind.VARIABLE && v.node.name.value === m[1]) return `${v.path}${(m[3] ?? "").replace(/\[(\d+)\]/g, ".$1")}`;
  }
  return null;
}
