import { GraphQLError, GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { ArgumentValidationError } from "type-graphql";
import type { ValidationError as ClassValidatorError } from "class-validator";

/** The codes a client can rely on. Anything else becomes INTERNAL_SERVER_ERROR. */
export type ErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "CONFLICT"
  | "FORBIDDEN"
  | "UNAUTHENTICATED"
  | "QUERY_TIMEOUT"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL_SERVER_ERROR";

export class AppError extends GraphQLError {
  constructor(message: string, code: ErrorCode, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

/** Bad input: names the field it concerns (dotted path, e.g. `input.name`). */
export class BadInputError extends AppError {
  constructor(field: string, message: string) {
    super(message, "BAD_USER_INPUT", { field });
  }
}

/** The thing asked for is not there, or not visible to the caller (the two are never told apart). */
export class NotFoundError extends AppError {
  constructor(what: string, field?: string) {
    super(`${what} not found`, "NOT_FOUND", field ? { field } : {});
  }
}

export class ConflictError extends AppError {
  /** `extra`: what the caller can use instead (e.g. `existingId`), added to the extensions. */
  constructor(field: string, message: string, extra: Record<string, unknown> = {}) {
    super(message, "CONFLICT", { field, ...extra });
  }
}

const PUBLIC_CODES = new Set([
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "FORBIDDEN",
  "UNAUTHENTICATED",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "QUERY_TOO_COSTLY",
  "RATE_LIMITED",
  "PAYLOAD_TOO_LARGE",
  "QUERY_TIMEOUT",
  "SERVICE_UNAVAILABLE",
]);

/** Seconds a client is asked to wait before retrying when the service is busy or its database is away. */
export const RETRY_AFTER_SECONDS = 2;

/**
 * What a database failure means for the client, or null when it is not one of these:
 * - QUERY_TIMEOUT: the statement ran past statement_timeout (SQLSTATE 57014 with that reason);
 * - SERVICE_UNAVAILABLE: no connection came in time (the pool is busy), the database is away
 *   (refused, terminated, shutting down or starting up), or the transaction was rolled back as a
 *   deadlock's victim or a serialization failure: retrying shortly is the right answer.
 */
export function databaseFailure(error: unknown): "QUERY_TIMEOUT" | "SERVICE_UNAVAILABLE" | null {
  const e = error as { code?: string; message?: string; driverError?: { code?: string; message?: string } } | null;
  if (!e || typeof e !== "object") return null;
  const code = e.driverError?.code ?? e.code;
  const message = `${e.driverError?.message ?? ""} ${e.message ?? ""}`;
  if (code === "57014" && /statement timeout/.test(message)) return "QUERY_TIMEOUT";
  if (code && /^(57P01|57P02|57P03|08000|08001|08003|08004|08006|53300)$/.test(code)) return "SERVICE_UNAVAILABLE";
  // Chosen as a deadlock's victim or a serialization failure: the whole transaction was rolled back (nothing
  // written), and the same request again is the right answer (batches are idempotent by their client keys).
  if (code === "40P01" || code === "40001") return "SERVICE_UNAVAILABLE";
  if (code && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)$/.test(code)) return "SERVICE_UNAVAILABLE";
  // TypeORM releases a query runner whose connection died (a terminated backend, a restart); a request's
  // runner is released nowhere else before its end, so its next statement failing this way is an outage.
  if ((error as Error).name === "QueryRunnerAlreadyReleasedError") return "SERVICE_UNAVAILABLE";
  if (/timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)/.test(message)) {
    return "SERVICE_UNAVAILABLE";
  }
  return null;
}

export const DATABASE_FAILURE_MESSAGES: Record<"QUERY_TIMEOUT" | "SERVICE_UNAVAILABLE", string> = {
  QUERY_TIMEOUT: "The query ran longer than the time allowed and was stopped: ask for a shorter period, fewer groups or a smaller page, or retry later",
  SERVICE_UNAVAILABLE: `The service is busy or its database is briefly unavailable: retry in ${RETRY_AFTER_SECONDS} s`,
};

/**
 * Errors graphql-js and Apollo raise themselves without a code (they would read as internal
 * errors): each gets the code of what it is, a mistake in the request. Apollo already answers
 * them with HTTP 400.
 */
const LIBRARY_ERRORS = new Map<string, { code: string; message: string }>([
  [
    "Too many errors processing variables, error limit reached. Execution aborted.",
    { code: "BAD_USER_INPUT", message: "Too many invalid variable values: the first 50 are reported above; nothing was run" },
  ],
  ["provided sha does not match query", { code: "BAD_REQUEST", message: "The persisted query's sha256Hash is not the SHA-256 of the query sent with it" }],
  ["Unsupported persisted query version", { code: "BAD_REQUEST", message: "Unsupported persisted query version: only version 1 is supported" }],
]);

function flattenValidation(errors: ClassValidatorError[], prefix: string): { field: string; messages: string[] }[] {
  const out: { field: string; messages: string[] }[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out.push({ field, messages: Object.values(e.constraints) });
    if (e.children?.length) out.push(...flattenValidation(e.children, field));
  }
  return out;
}

export type Logger = (entry: Record<string, unknown>) => void;

/**
 * Apollo's formatError: known errors keep their code and field; validation errors
 * from class-validator become BAD_USER_INPUT naming each field; anything else is
 * logged and replaced by a generic INTERNAL_SERVER_ERROR (no SQL, no stack).
 */
export function makeFormatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof ArgumentValidationError) {
      const fields = flattenValidation(original.extensions.validationErrors as ClassValidatorError[], "");
      const first = fields[0];
      return {
        message: first ? `${first.field}: ${first.messages.join("; ")}` : "Invalid input",
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: "BAD_USER_INPUT", field: first?.field, fields },
      };
    }
    if (original instanceof AppError) {
      const { http: _http, ...extensions } = original.extensions as Record<string, unknown>;
      return { message: original.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    // Resolver errors come unwrapped; others (a failed context, a failed plugin hook) wrap the database's error.
    const failure = databaseFailure(original) ?? (original instanceof GraphQLError ? databaseFailure(original.originalError) : null);
    if (failure) {
      log({ level: "warn", msg: failure === "QUERY_TIMEOUT" ? "query timeout" : "database unavailable", error: original instanceof Error ? original.message : String(original), path: formatted.path });
      return { message: DATABASE_FAILURE_MESSAGES[failure], locations: formatted.locations, path: formatted.path, extensions: { code: failure } };
    }
    const library = original instanceof GraphQLError && !original.originalError ? LIBRARY_ERRORS.get(original.message) : undefined;
    if (library) return { message: library.message, locations: formatted.locations, extensions: { code: library.code } };
    const code = formatted.extensions?.code as string | undefined;
    const isOwnGraphQLError = original instanceof GraphQLError && !(original.originalError && !(original.originalError instanceof GraphQLError));
    if (code && PUBLIC_CODES.has(code) && (isOwnGraphQLError || !(original instanceof Error) || original === error)) {
      const { stacktrace: _drop, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { ...formatted, extensions };
    }
    log({
      level: "error",
      msg: "unexpected error",
      error: original instanceof Error ? original.message : String(original),
      stack: original instanceof Error ? original.stack : undefined,
      path: formatted.path,
    });
    return { message: "Internal server error", path: formatted.path, locations: formatted.locations, extensions: { code: "INTERNAL_SERVER_ERROR" } };
  };
}
