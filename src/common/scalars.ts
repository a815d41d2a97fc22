import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { Field, ObjectType } from "type-graphql";
import { GraphQLSafeInt } from "graphql-scalars";

const DECIMAL = /^-?\d{1,14}(\.\d{1,6})?$/;

/** Normalises a decimal string: no leading zeros, no trailing fractional zeros ("61.730" -> "61.73", "-0" -> "0"). */
export function normalizeDecimal(value: string): string {
  let [int, frac = ""] = value.replace(/^\+/, "").split(".");
  const negative = int.startsWith("-");
  int = int.replace(/^-/, "").replace(/^0+(?=\d)/, "");
  frac = frac.replace(/0+$/, "");
  const body = frac ? `${int}.${frac}` : int;
  return negative && body !== "0" ? `-${body}` : body;
}

function parseDecimal(value: unknown): string {
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : typeof value === "string" ? value.trim() : "";
  if (/e/i.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n) && DECIMAL.test(String(n))) return normalizeDecimal(String(n));
  }
  if (!DECIMAL.test(text)) {
    throw new GraphQLError("Decimal must be a number with at most 14 digits before and 6 after the point, e.g. \"61.73\"", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  return normalizeDecimal(text);
}

/**
 * An exact decimal, written as a string ("61.73") so no precision is lost to
 * floating point. Accepts a string or a number as input.
 */
export const DecimalScalar = new GraphQLScalarType({
  name: "Decimal",
  description: 'An exact decimal number as a string, e.g. "61.73" (up to 14 digits before and 6 after the point). Inputs may also be numbers.',
  serialize: (value) => (typeof value === "string" ? normalizeDecimal(value) : parseDecimal(value)),
  parseValue: parseDecimal,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.FLOAT || ast.kind === Kind.INT) return parseDecimal(ast.value);
    throw new GraphQLError("Decimal must be a string or a number", { extensions: { code: "BAD_USER_INPUT" } });
  },
});

export { GraphQLSafeInt as SafeIntScalar };

const fractionDigitsCache = new Map<string, number>();

/** Digits after the decimal point of a currency's minor unit (2 for KES and USD, 0 for JPY, 3 for KWD). */
export function minorDigits(currency: string): number {
  let digits = fractionDigitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    fractionDigitsCache.set(currency, digits);
  }
  return digits;
}

/** "123456" minor units of KES -> "1234.56". Exact, on strings (no floating point). */
export function formatMinor(minor: string | number | bigint, currency: string): string {
  const digits = minorDigits(currency);
  let s = BigInt(minor).toString();
  const negative = s.startsWith("-");
  if (negative) s = s.slice(1);
  if (digits === 0) return (negative ? "-" : "") + s;
  s = s.padStart(digits + 1, "0");
  return `${negative ? "-" : ""}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

@ObjectType({ description: "An amount of money: integer minor units (cents) and its currency; never a float" })
export class Money {
  @Field(() => GraphQLSafeInt, { description: "In minor units of the currency (e.g. cents)" })
  amountMinor!: number;

  @Field({ description: "ISO 4217 code" })
  currency!: string;

  @Field({ description: 'The same amount in major units, exact, with the currency\'s minor digits: "1234.56", "0.00"' })
  amount!: string;

  static of(minor: string | number | bigint, currency: string): Money {
    const m = new Money();
    const n = BigInt(minor);
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("amount out of the safe integer range");
    m.amountMinor = Number(n);
    m.currency = currency;
    m.amount = formatMinor(n, currency);
    return m;
  }
}
