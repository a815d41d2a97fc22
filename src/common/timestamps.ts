import { GraphQLError, GraphQLScalarType, Kind, print, ValueNode } from "graphql";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { types } from "pg";

/** pg's own parser for timestamptz (1184): its text to a Date. */
const parsePgDate = types.getTypeParser(1184, "text") as (text: string) => Date | number;

/**
 * Timestamps as strings end to end on the hot read paths: PostgreSQL's text for a
 * timestamptz (the session runs in UTC: "2026-01-01 00:00:00+00", fractions up to
 * microseconds, trailing zeros dropped) becomes the API's ISO form
 * ("2026-01-01T00:00:00.000Z") by slicing, without a Date in between. The result is
 * what pg's parser followed by Date#toISOString gives (milliseconds truncated, as
 * Date truncates the parsed fraction); anything else (another offset, a year past
 * 9999, BC, infinity) goes through pg's own parser and stays a Date, as before.
 */
export function pgTimestampToIso(text: string): string | Date | number {
  const n = text.length;
  // "YYYY-MM-DD HH:MM:SS" then an optional ".f{1,6}" then "+00"
  if (n >= 22 && n <= 29 && text.charCodeAt(4) === 45 && text.charCodeAt(10) === 32 && text.charCodeAt(n - 3) === 43 && text.charCodeAt(n - 2) === 48 && text.charCodeAt(n - 1) === 48) {
    const head = `${text.slice(0, 10)}T${text.slice(11, 19)}.`;
    if (n === 22) return `${head}000Z`;
    if (text.charCodeAt(19) === 46 && n >= 24) {
      const fraction = text.slice(20, n - 3);
      return `${head}${fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, "0")}Z`;
    }
  }
  return parsePgDate(text);
}

/**
 * A timestamptz as read: a Date (TypeORM, most services), or on the hot read paths the
 * ISO string the API answers with (`RequestDb.rows`). The DateTimeISO scalar gives the
 * same output for both.
 */
export type Timestamp = Date | string;

/** The exact form Date#toISOString gives for years 0000..9999. */
const ISO_MS = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * The DateTimeISO scalar of type-graphql (graphql-scalars' config: same name,
 * description and input parsing), whose output also takes a string already in
 * Date#toISOString's form as it is, instead of parsing it into a Date and formatting
 * it again. Everything else is serialized exactly as before.
 */
const base = GraphQLDateTimeISO.toConfig();

export const DateTimeISOScalar = new GraphQLScalarType({
  ...base,
  description: `${base.description ?? ""} As input it also takes a calendar date, 2026-07-01: the start of that day (in a view's period, in the organization's time zone; elsewhere in UTC).`,
  serialize(value: unknown) {
    if (typeof value === "string" && value.length === 24 && ISO_MS.test(value)) return value;
    return base.serialize!(value);
  },
  parseValue: parseDateInput,
  parseLiteral(ast: ValueNode) {
    return parseDateInput(ast.kind === Kind.STRING ? ast.value : undefined, ast);
  },
});

/**
 * A calendar date given where a date-time is taken (`from: "2026-07-01"`): a Date at that day's
 * midnight UTC that remembers the day, so that a view's period can begin it at midnight in the
 * organization's time zone instead (src/common/periods.ts).
 */
export class CalendarDay extends Date {
  constructor(readonly day: string) {
    super(`${day}T00:00:00.000Z`);
  }
}

/** The message of a date input that is neither a date-time with a zone nor a calendar date (the field is added where it is known). */
export const DATE_INPUT_MESSAGE = "must be a date-time with a time zone, e.g. 2026-07-01T00:00:00Z, or a calendar date, e.g. 2026-07-01";

/** The error of a bad date input: the same inline and as a variable (src/common/date-input-errors.ts names its field). */
export class DateInputError extends GraphQLError {
  /** `node`: the literal in the document, when it was one (how its field is found). */
  constructor(shown: string, node?: ValueNode) {
    super(`${DATE_INPUT_MESSAGE} (${shown} is neither)`, { nodes: node, extensions: { code: "BAD_USER_INPUT" } });
  }
}

const CALENDAR_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDateInput(value: unknown, node?: ValueNode): Date {
  if (typeof value === "string") {
    const m = CALENDAR_DAY.exec(value);
    if (m) {
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      if (d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])) return new CalendarDay(value);
    } else {
      try {
        return base.parseValue!(value) as Date;
      } catch {
        // answered below, with the same message as every other bad date
      }
    }
  }
  const written = typeof value === "string" ? JSON.stringify(value) : node ? print(node) : (JSON.stringify(value) ?? typeof value);
  throw new DateInputError(written.length > 42 ? `${written.slice(0, 40)}...` : written, node);
}
