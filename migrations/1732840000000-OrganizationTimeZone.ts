import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * An organization's time zone (IANA name, e.g. Africa/Nairobi): the named periods of the views
 * (LAST_MONTH, YEAR_TO_DATE, ...) start and end at midnight there. UTC for every existing
 * organization, as their periods were until now. PostgreSQL checks the name (the same list the
 * periods are computed with), so no organization can hold one it does not know.
 */
export class OrganizationTimeZone1732840000000 implements MigrationInterface {
  name = "OrganizationTimeZone1732840000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations DROP COLUMN time_zone`);
  }
}
