import { EntityManager } from "typeorm";
import { ArgsType, Field, registerEnumType } from "type-graphql";
import { Access, ROLES } from "./access";
import { BadInputError } from "./errors";
import { assertId, assertPeriod } from "./validation";
import { CalendarDay } from "./timestamps";

/**
 * Periods people say. Every view that takes a period `[from, to)` also takes a named one,
 * and `from`/`to` may be calendar dates ("2026-07-01": midnight in the organization's zone),
 * resolved in the organization's time zone (organizations.time_zone, UTC by default): days,
 * months, quarters and years begin at midnight there. "Last" periods are whole days or whole
 * calendar months; "to date" periods and the day counts run to the end of today (so they include
 * today's data so far).
 */
export enum NamedPeriod {
  LAST_7_DAYS = "LAST_7_DAYS",
  LAST_30_DAYS = "LAST_30_DAYS",
  LAST_90_DAYS = "LAST_90_DAYS",
  LAST_MONTH = "LAST_MONTH",
  LAST_QUARTER = "LAST_QUARTER",
  LAST_12_MONTHS = "LAST_12_MONTHS",
  MONTH_TO_DATE = "MONTH_TO_DATE",
  QUARTER_TO_DATE = "QUARTER_TO_DATE",
  YEAR_TO_DATE = "YEAR_TO_DATE",
}
registerEnumType(NamedPeriod, {
  name: "NamedPeriod",
  description:
    "A period in the organization's time zone. LAST_7_DAYS, LAST_30_DAYS, LAST_90_DAYS: that many days ending with today. LAST_MONTH, LAST_QUARTER: the previous whole calendar month or quarter. LAST_12_MONTHS: the twelve whole calendar months before this one (the report page's default). MONTH_TO_DATE, QUARTER_TO_DATE, YEAR_TO_DATE: from the start of this month, quarter or year to the end of today",
});

export enum ComparePeriod {
  PREVIOUS_PERIOD = "PREVIOUS_PERIOD",
  SAME_PERIOD_LAST_YEAR = "SAME_PERIOD_LAST_YEAR",
}
registerEnumType(ComparePeriod, {
  name: "ComparePeriod",
  description:
    "PREVIOUS_PERIOD: the period just before, of the same kind (the month before LAST_MONTH, the 7 days before LAST_7_DAYS, the same days of last month for MONTH_TO_DATE; for from/to, the same length just before). SAME_PERIOD_LAST_YEAR: the same dates a year earlier",
});

export interface Period {
  from: Date;
  to: Date;
}

export interface PeriodArgs {
  from?: Date | null;
  to?: Date | null;
  period?: NamedPeriod | null;
}

/** The period arguments every view takes: `from` and `to`, or `period` (checked by resolvePeriod). */
@ArgsType()
export class PeriodArgsInput implements PeriodArgs {
  @Field(() => Date, { nullable: true, description: "Start, included: a date-time with a zone, or a calendar date (midnight in the organization's time zone)" })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: "End, excluded: a date-time with a zone, or a calendar date" })
  to?: Date | null;

  @Field(() => NamedPeriod, { nullable: true, description: "Instead of from and to: a period in the organization's time zone" })
  period?: NamedPeriod | null;
}

/** Each named period in local time: its start, its end, and the step back to the previous one. */
const NAMED_SQL = `VALUES
  ('LAST_7_DAYS', b.today - interval '6 days', b.today + interval '1 day', interval '7 days'),
  ('LAST_30_DAYS', b.today - interval '29 days', b.today + interval '1 day', interval '30 days'),
  ('LAST_90_DAYS', b.today - interval '89 days', b.today + interval '1 day', interval '90 days'),
  ('LAST_MONTH', b.month - interval '1 month', b.month, interval '1 month'),
  ('LAST_QUARTER', b.quarter - interval '3 months', b.quarter, interval '3 months'),
  ('LAST_12_MONTHS', b.month - interval '12 months', b.month, interval '12 months'),
  ('MONTH_TO_DATE', b.month, b.today + interval '1 day', interval '1 month'),
  ('QUARTER_TO_DATE', b.quarter, b.today + interval '1 day', interval '3 months'),
  ('YEAR_TO_DATE', b.year, b.today + interval '1 day', interval '1 year')`;

/**
 * The period a view was asked for: `from` and `to`, or a named `period` (not both), with the
 * comparison period of `compare` when asked. One statement, only when a named period or a
 * comparison needs the organization's time zone; `now` is for tests.
 */
export async function resolvePeriod(
  em: EntityManager,
  access: Access,
  organizationId: string,
  args: PeriodArgs,
  compare: ComparePeriod | null = null,
  now: Date = new Date(),
): Promise<Period & { compare: Period | null }> {
  const given = args.from !== null && args.from !== undefined ? (args.to !== null && args.to !== undefined ? "both" : "from") : args.to !== null && args.to !== undefined ? "to" : "none";
  if (args.period && given !== "none") throw new BadInputError("period", "give either a named period or from and to, not both");
  if (!args.period) {
    if (given === "none") throw new BadInputError("from", "give from and to (ISO 8601 date-times with a zone, e.g. 2026-07-01T00:00:00Z), or a named period, e.g. period: LAST_QUARTER");
    if (given === "from") throw new BadInputError("to", "to is missing: give from and to, or a named period");
    if (given === "to") throw new BadInputError("from", "from is missing: give from and to, or a named period");
    const days = args.from instanceof CalendarDay || args.to instanceof CalendarDay;
    if (!days) assertPeriod(args.from!, args.to!);
    if (!days && compare === null) return { from: args.from!, to: args.to!, compare: null };
    if (!days && compare === ComparePeriod.PREVIOUS_PERIOD) {
      const length = args.to!.getTime() - args.from!.getTime();
      return { from: args.from!, to: args.to!, compare: { from: new Date(args.from!.getTime() - length), to: args.from! } };
    }
  }
  const org = assertId(organizationId, "organizationId");
  access.require(org, ROLES.structure); // every role that reads a view; the view checks its own after
  const rows: { from: Date; to: Date; previous_from: Date; previous_to: Date; last_year_from: Date; last_year_to: Date }[] = await em.query(
    `WITH b AS (
       SELECT o.time_zone AS tz, date_trunc('day', l) AS today, date_trunc('month', l) AS month, date_trunc('quarter', l) AS quarter, date_trunc('year', l) AS year
         FROM organizations o, LATERAL (SELECT $2::timestamptz AT TIME ZONE o.time_zone AS l) n
        WHERE o.id = $1)
     SELECT p.f AT TIME ZONE b.tz AS "from", p.t AT TIME ZONE b.tz AS "to",
            (p.f - p.step) AT TIME ZONE b.tz AS previous_from, (p.t - p.step) AT TIME ZONE b.tz AS previous_to,
            (p.f - interval '1 year') AT TIME ZONE b.tz AS last_year_from, (p.t - interval '1 year') AT TIME ZONE b.tz AS last_year_to
       FROM b, LATERAL (
         SELECT * FROM (${NAMED_SQL}) AS v(name, f, t, step) WHERE v.name = $3
         UNION ALL
         -- Given: a calendar day begins at its midnight in the zone; a date-time is where it is.
         SELECT 'GIVEN', g.f, g.t, g.t - g.f
           FROM (SELECT coalesce($6::date::timestamp, $4::timestamptz AT TIME ZONE b.tz) AS f, coalesce($7::date::timestamp, $5::timestamptz AT TIME ZONE b.tz) AS t) g
          WHERE $3 IS NULL
       ) p`,
    [
      org,
      now,
      args.period ?? null,
      args.period || args.from instanceof CalendarDay ? null : args.from,
      args.period || args.to instanceof CalendarDay ? null : args.to,
      !args.period && args.from instanceof CalendarDay ? args.from.day : null,
      !args.period && args.to instanceof CalendarDay ? args.to.day : null,
    ],
  );
  if (rows.length === 0) throw new BadInputError("organizationId", "no organization with this id"); // not reached: require() passed
  const r = rows[0];
  const period = { from: new Date(r.from), to: new Date(r.to) };
  assertPeriod(period.from, period.to);
  const previous = { from: new Date(r.previous_from), to: new Date(r.previous_to) };
  const lastYear = { from: new Date(r.last_year_from), to: new Date(r.last_year_to) };
  return { ...period, compare: compare === ComparePeriod.PREVIOUS_PERIOD ? previous : compare === ComparePeriod.SAME_PERIOD_LAST_YEAR ? lastYear : null };
}

/** Period resolution for the resolvers, on the request's connection and rights. */
export class PeriodService {
  constructor(private readonly sc: { em: EntityManager; access: Access }) {}

  resolve(organizationId: string, args: PeriodArgs, compare: ComparePeriod | null = null): Promise<Period & { compare: Period | null }> {
    return resolvePeriod(this.sc.em, this.sc.access, organizationId, args, compare);
  }
}
