/**
 * Global object ids (Relay's object identification): every id the API returns or takes is an
 * opaque string that carries the object's type, its organization and its row id, so that a
 * statement can name `organization_id = $1 AND id = $2` before it runs, whatever the caller
 * holds roles in (docs/SCALING.md: every request routes to one shard).
 *
 *   <prefix>_<base64url(organization uuid ‖ row uuid)>     e.g. stk_3q2-7wAAQ…  (47 characters)
 *   org_<base64url(organization uuid)>                      an organization: its own organization
 *   key_<base64url(key uuid)>                               an API key: a reference table, no organization
 *
 * The prefix says the type to a person reading a log; the API decodes it and checks it. Rows keep
 * their UUIDs: the ids are made when a row is answered, not stored.
 */
import { BadInputError } from "./errors";

/** Every type the API gives an id, its prefix (never change one: stored links would break) and its table. */
export const NODE_TYPES = {
  Organization: { prefix: "org", table: "organizations" },
  ApiKey: { prefix: "key", table: "api_keys" },
  Lifecycle: { prefix: "lcy", table: "lifecycles" },
  Stage: { prefix: "stg", table: "stages" },
  FunctionalArea: { prefix: "fna", table: "functional_areas" },
  Partner: { prefix: "ptn", table: "partners" },
  Touchpoint: { prefix: "tpt", table: "touchpoints" },
  Stakeholder: { prefix: "stk", table: "stakeholders" },
  StageTransition: { prefix: "trn", table: "stage_transitions" },
  Interaction: { prefix: "itr", table: "interactions" },
  AuditEntry: { prefix: "aud", table: "audit_log" },
  Metric: { prefix: "met", table: "metrics" },
  MetricTarget: { prefix: "mtg", table: "metric_targets" },
  Observation: { prefix: "obs", table: "observations" },
  Offering: { prefix: "ofr", table: "offerings" },
  Sale: { prefix: "sal", table: "sales" },
  Programme: { prefix: "prg", table: "programmes" },
  ProgrammeEnrolment: { prefix: "enr", table: "programme_enrolments" },
  Delivery: { prefix: "dlv", table: "deliveries" },
  Survey: { prefix: "srv", table: "surveys" },
  SurveyVersion: { prefix: "svv", table: "survey_versions" },
  SurveyQuestion: { prefix: "qst", table: "survey_questions" },
  FeedbackResponse: { prefix: "rsp", table: "feedback_responses" },
  Action: { prefix: "act", table: "actions" },
  ActionRule: { prefix: "arl", table: "action_rules" },
  ExperienceGoal: { prefix: "gol", table: "experience_goals" },
  Intervention: { prefix: "itv", table: "interventions" },
} as const;

export type NodeType = keyof typeof NODE_TYPES;

/** Types whose id is their own row alone: an organization (it is its own organization) and an API key (a reference table). */
const WITHOUT_ORGANIZATION = new Set<NodeType>(["Organization", "ApiKey"]);

const BY_PREFIX = new Map<string, NodeType>(Object.entries(NODE_TYPES).map(([type, t]) => [t.prefix, type as NodeType]));
const BY_TABLE = new Map<string, NodeType>(Object.entries(NODE_TYPES).map(([type, t]) => [t.table, type as NodeType]));

/** The type whose rows a table holds (an audit entry names its table), or null. */
export function nodeTypeOfTable(table: string): NodeType | null {
  return BY_TABLE.get(table) ?? null;
}

export function isNodeType(name: string): name is NodeType {
  return Object.prototype.hasOwnProperty.call(NODE_TYPES, name);
}

/** Where ids are encoded: one buffer, reused (encoding runs for every id of every answer, so it allocates nothing but the string). */
const SCRATCH = Buffer.alloc(32);

/** Writes a canonical UUID (8-4-4-4-12 hex digits) as 16 bytes at `at`; false when it is not one. */
function writeUuid(uuid: string, at: number): boolean {
  return (
    uuid.length === 36 &&
    SCRATCH.write(uuid.slice(0, 8), at, "hex") === 4 &&
    uuid.charCodeAt(8) === 45 &&
    SCRATCH.write(uuid.slice(9, 13), at + 4, "hex") === 2 &&
    uuid.charCodeAt(13) === 45 &&
    SCRATCH.write(uuid.slice(14, 18), at + 6, "hex") === 2 &&
    uuid.charCodeAt(18) === 45 &&
    SCRATCH.write(uuid.slice(19, 23), at + 8, "hex") === 2 &&
    uuid.charCodeAt(23) === 45 &&
    SCRATCH.write(uuid.slice(24), at + 10, "hex") === 6
  );
}

function uuidText(bytes: Buffer, at: number): string {
  const h = bytes.toString("hex", at, at + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The global id of a row: its type, its organization and its UUID. */
export function globalId(type: NodeType, organizationId: string, id: string): string {
  const { prefix } = NODE_TYPES[type];
  if (WITHOUT_ORGANIZATION.has(type)) {
    if (!writeUuid(id, 0)) throw new Error(`not a UUID: ${id}`);
    return `${prefix}_${SCRATCH.toString("base64url", 0, 16)}`;
  }
  if (!writeUuid(organizationId, 0) || !writeUuid(id, 16)) throw new Error(`not a UUID: ${organizationId} ${id}`);
  return `${prefix}_${SCRATCH.toString("base64url", 0, 32)}`;
}

/** The global id of an organization. */
export const organizationGlobalId = (organizationId: string) => globalId("Organization", organizationId, organizationId);

export interface DecodedId {
  type: NodeType;
  organizationId: string;
  id: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Reads a global id, or null when the value is not one (not a string, unknown prefix, wrong length). */
export function readGlobalId(value: unknown): DecodedId | null {
  if (typeof value !== "string" || value.length > 64) return null;
  const sep = value.indexOf("_");
  if (sep < 1) return null;
  const type = BY_PREFIX.get(value.slice(0, sep));
  const body = value.slice(sep + 1);
  if (!type || !BASE64URL.test(body)) return null;
  const bytes = Buffer.from(body, "base64url");
  const single = WITHOUT_ORGANIZATION.has(type);
  if (bytes.length !== (single ? 16 : 32)) return null;
  // One spelling per id: a body that decodes but is not the canonical text (e.g. other trailing bits) is not an id.
  if (bytes.toString("base64url") !== body) return null;
  const id = uuidText(bytes, single ? 0 : 16);
  return { type, organizationId: single ? id : uuidText(bytes, 0), id };
}

/** The article and name of a type for messages: "a Stakeholder", "an Organization". */
function named(types: readonly NodeType[]): string {
  const one = (t: NodeType) => `${/^[AEIOU]/.test(t) ? "an" : "a"} ${t}`;
  return types.length === 1 ? one(types[0]) : `${types.slice(0, -1).map(one).join(", ")} or ${one(types[types.length - 1])}`;
}

/**
 * Decodes a global id that must be of one of `types` (all types when none is given): BAD_USER_INPUT
 * on `field` when it is not an id, or is one of another type. It says nothing about whether the row
 * exists or whose it is: that is for the statement that reads it.
 */
export function decodeGlobalId(value: unknown, field: string, types?: readonly NodeType[]): DecodedId {
  const decoded = readGlobalId(value);
  if (!decoded || (types && !types.includes(decoded.type))) throw new BadInputError(field, idProblem(value, field, types));
  return decoded;
}

/** Why `value` is not an id of `types` (all types when none is given), said for `field`. */
export function idProblem(value: unknown, field: string, types?: readonly NodeType[]): string {
  const decoded = readGlobalId(value);
  if (decoded && types && !types.includes(decoded.type)) return `${field} must be the ID of ${named(types)}, not of ${named([decoded.type])}`;
  return `${field} is not an ID${types ? ` of ${named(types)}` : ""} (IDs are the opaque strings the API returns, e.g. "${NODE_TYPES[types?.[0] ?? "Stakeholder"].prefix}_…")`;
}

/** A UUID no row has (ids are random v4 UUIDs): what an id of another organization names inside a batch, so the batch answers NOT_FOUND as for any id that is not there. */
export const NO_ROW = "00000000-0000-0000-0000-000000000000";

/**
 * A batch item's id, decoded in the batch's check step (one bad item never fails the others):
 * BAD_USER_INPUT on `field` when malformed or of another type; the row's UUID when the id is of
 * the batch's organization; NO_ROW when it is of another one (so the item is NOT_FOUND, like an id
 * that does not exist).
 */
export function batchItemId(value: unknown, field: string, type: NodeType, organizationId: string): string {
  const decoded = decodeGlobalId(value, field, [type]);
  return decoded.organizationId === organizationId ? decoded.id : NO_ROW;
}
