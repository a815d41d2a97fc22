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

/** Trims a name and rejects an empty one. */
export function cleanName(value: string, field: string, max: number): string {
  const name = value.trim();
  if (name.length === 0) throw new BadInputError(field, `${field} must not be empty`);
  if (name.length > max) throw new BadInputError(field, `${field} must be at most ${max} characters`);
  return name;
}
