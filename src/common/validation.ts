import { registerDecorator, ValidationArguments, ValidationOptions } from "class-validator";
import { BadInputError } from "./errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** Ids are UUIDs; anything else is bad input for that field (never sent to SQL). */
export function assertId(value: string, field: string): string {
  if (!isUuid(value)) throw new BadInputError(field, `${field} must be an ID (UUID)`);
  return value.toLowerCase();
}

/** Clock skew allowed for field devices when a time must not be in the future. */
export const FUTURE_SKEW_MS = 5 * 60 * 1000;

export function assertNotFuture(value: Date, field: string, now = new Date()): void {
  if (value.getTime() > now.getTime() + FUTURE_SKEW_MS) throw new BadInputError(field, `${field} is in the future`);
}

const MAX_PERIOD_MS = 20 * 366 * 24 * 3600 * 1000;

/** A half-open period [from, to): from must be before to, and it spans at most 20 years. */
export function assertPeriod(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime())) throw new BadInputError("from", "from is not a valid date-time");
  if (Number.isNaN(to.getTime())) throw new BadInputError("to", "to is not a valid date-time");
  if (from.getTime() >= to.getTime()) throw new BadInputError("to", "to must be after from (periods are [from, to))");
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS) throw new BadInputError("to", "a period spans at most 20 years");
}

/** Optional free text as stored: trimmed, and blank or missing as null. */
export function optionalText(value: string | null | undefined): string | null {
  return value?.trim() || null;
}

/** Trims a name and rejects an empty one. */
export function cleanName(value: string, field: string, max: number): string {
  const name = value.trim();
  if (name.length === 0) throw new BadInputError(field, `${field} must not be empty`);
  if (name.length > max) throw new BadInputError(field, `${field} must be at most ${max} characters`);
  return name;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A date-only value, YYYY-MM-DD, that exists on the (proleptic Gregorian) calendar: month 01..12,
 * day within the month (29 February only in leap years), year 0001..9999. "2027-02-30" and
 * "2026-13-01" match the pattern but are not dates.
 */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const m = DATE_ONLY.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

/**
 * class-validator decorator for every date-only input (YYYY-MM-DD): the value must be a real
 * calendar date, else BAD_USER_INPUT naming the field ("endsOn must be a date YYYY-MM-DD that
 * exists, e.g. 2026-02-28"). null and undefined pass (pair it with @IsOptional() or not).
 */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: "isCalendarDate",
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: (args: ValidationArguments) => `${args.property} must be a date YYYY-MM-DD that exists, e.g. 2026-02-28`, ...options },
      validator: {
        validate: (value: unknown) => value === null || value === undefined || isCalendarDate(value),
      },
    });
}

/**
 * class-validator decorator for a required text: it must hold a visible character. One error
 * for "" and for "   " alike ("name must not be empty or blank"), not one per rule.
 */
export function NotBlank(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: "notBlank",
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: (args: ValidationArguments) => `${args.property} must not be empty or blank`, ...options },
      validator: {
        validate: (value: unknown) => typeof value === "string" && /\S/.test(value),
      },
    });
}
