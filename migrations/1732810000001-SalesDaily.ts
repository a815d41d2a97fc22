import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Sales per UTC day and offering, kept ready at write time: what impactAtSale,
 * doubleBottomLine and the report add up (count, units, revenue, contribution, units given,
 * beneficiaries funded). A period reads the whole days it covers here and only its partial
 * first and last days from `sales`, so its cost grows with its days, not with its sales.
 *
 * Kept right in the same transaction as every write to `sales` by statement-level triggers
 * with transition tables: one aggregated upsert per statement, in key order (no deadlock
 * between concurrent writers); updates and deletes subtract what they remove, and a day's
 * row that no sale is left in goes. The functions run as the table owner (SECURITY DEFINER,
 * fixed search_path) so that they work for the API role under row-level security; rows carry
 * their organization and are read under the same policy as every tenant table.
 */
export class SalesDaily1732810000001 implements MigrationInterface {
  name = "SalesDaily1732810000001";

  public async up(q: QueryRunner): Promise<void> {
    // The backfill reads every sale: not bound by the API's statement timeout.
    await q.query(`SET LOCAL statement_timeout = 0`);
    await q.query(`
      CREATE TABLE sales_daily (
        organization_id uuid NOT NULL,
        day timestamptz NOT NULL,
        offering_id uuid NOT NULL,
        sales bigint NOT NULL,
        units bigint NOT NULL,
        amount_minor numeric NOT NULL,
        contribution_minor numeric NOT NULL,
        units_given numeric NOT NULL,
        beneficiaries_funded numeric NOT NULL,
        CONSTRAINT pk_sales_daily PRIMARY KEY (organization_id, day, offering_id),
        CONSTRAINT fk_sales_daily_offering FOREIGN KEY (organization_id, offering_id) REFERENCES offerings (organization_id, id) ON DELETE CASCADE,
        CONSTRAINT ck_sales_daily_day CHECK (day = date_trunc('day', day, 'UTC'))
      );

      CREATE FUNCTION sales_daily_after_insert() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        INSERT INTO sales_daily AS d (organization_id, day, offering_id, sales, units, amount_minor, contribution_minor, units_given, beneficiaries_funded)
        SELECT n.organization_id, date_trunc('day', n.occurred_at, 'UTC'), n.offering_id, count(*), sum(n.units), sum(n.amount_minor),
               sum(n.contribution_minor), sum(n.units_given), sum(n.beneficiaries_funded)
          FROM new_rows n GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (organization_id, day, offering_id) DO UPDATE
           SET sales = d.sales + excluded.sales, units = d.units + excluded.units, amount_minor = d.amount_minor + excluded.amount_minor,
               contribution_minor = d.contribution_minor + excluded.contribution_minor, units_given = d.units_given + excluded.units_given,
               beneficiaries_funded = d.beneficiaries_funded + excluded.beneficiaries_funded;
        RETURN NULL;
      END $$;

      -- Updates and deletes: what the old rows held comes off (sign -1), what the new rows hold goes on,
      -- in one upsert in key order; a day and offering no sale is left in goes.
      CREATE FUNCTION sales_daily_after_update() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        INSERT INTO sales_daily AS d (organization_id, day, offering_id, sales, units, amount_minor, contribution_minor, units_given, beneficiaries_funded)
        SELECT c.organization_id, c.day, c.offering_id, sum(c.sign), sum(c.sign * c.units), sum(c.sign * c.amount_minor),
               sum(c.sign * c.contribution_minor), sum(c.sign * c.units_given), sum(c.sign * c.beneficiaries_funded)
          FROM (SELECT o.organization_id, date_trunc('day', o.occurred_at, 'UTC') AS day, o.offering_id, -1 AS sign, o.units, o.amount_minor,
                       o.contribution_minor, o.units_given, o.beneficiaries_funded FROM old_rows o
                UNION ALL
                SELECT n.organization_id, date_trunc('day', n.occurred_at, 'UTC'), n.offering_id, 1, n.units, n.amount_minor,
                       n.contribution_minor, n.units_given, n.beneficiaries_funded FROM new_rows n) c
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (organization_id, day, offering_id) DO UPDATE
           SET sales = d.sales + excluded.sales, units = d.units + excluded.units, amount_minor = d.amount_minor + excluded.amount_minor,
               contribution_minor = d.contribution_minor + excluded.contribution_minor, units_given = d.units_given + excluded.units_given,
               beneficiaries_funded = d.beneficiaries_funded + excluded.beneficiaries_funded;
        DELETE FROM sales_daily d USING (SELECT DISTINCT organization_id, date_trunc('day', occurred_at, 'UTC') AS day, offering_id FROM old_rows) o
         WHERE d.organization_id = o.organization_id AND d.day = o.day AND d.offering_id = o.offering_id AND d.sales = 0;
        RETURN NULL;
      END $$;

      CREATE FUNCTION sales_daily_after_delete() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        INSERT INTO sales_daily AS d (organization_id, day, offering_id, sales, units, amount_minor, contribution_minor, units_given, beneficiaries_funded)
        SELECT c.organization_id, c.day, c.offering_id, sum(c.sign), sum(c.sign * c.units), sum(c.sign * c.amount_minor),
               sum(c.sign * c.contribution_minor), sum(c.sign * c.units_given), sum(c.sign * c.beneficiaries_funded)
          FROM (SELECT o.organization_id, date_trunc('day', o.occurred_at, 'UTC') AS day, o.offering_id, -1 AS sign, o.units, o.amount_minor,
                       o.contribution_minor, o.units_given, o.beneficiaries_funded FROM old_rows o) c
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (organization_id, day, offering_id) DO UPDATE
           SET sales = d.sales + excluded.sales, units = d.units + excluded.units, amount_minor = d.amount_minor + excluded.amount_minor,
               contribution_minor = d.contribution_minor + excluded.contribution_minor, units_given = d.units_given + excluded.units_given,
               beneficiaries_funded = d.beneficiaries_funded + excluded.beneficiaries_funded;
        DELETE FROM sales_daily d USING (SELECT DISTINCT organization_id, date_trunc('day', occurred_at, 'UTC') AS day, offering_id FROM old_rows) o
         WHERE d.organization_id = o.organization_id AND d.day = o.day AND d.offering_id = o.offering_id AND d.sales = 0;
        RETURN NULL;
      END $$;

      CREATE TRIGGER sales_daily_insert AFTER INSERT ON sales
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_daily_after_insert();
      CREATE TRIGGER sales_daily_update AFTER UPDATE ON sales
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_daily_after_update();
      CREATE TRIGGER sales_daily_delete AFTER DELETE ON sales
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sales_daily_after_delete();

      -- Backfill from every organization's sales.
      INSERT INTO sales_daily (organization_id, day, offering_id, sales, units, amount_minor, contribution_minor, units_given, beneficiaries_funded)
      SELECT organization_id, date_trunc('day', occurred_at, 'UTC'), offering_id, count(*), sum(units), sum(amount_minor),
             sum(contribution_minor), sum(units_given), sum(beneficiaries_funded)
        FROM sales GROUP BY 1, 2, 3;

      ALTER TABLE sales_daily ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON sales_daily USING (organization_id = ANY (app_org_ids())) WITH CHECK (organization_id = ANY (app_org_ids()));
      GRANT SELECT ON sales_daily TO dbl_app;
      ANALYZE sales_daily;
    `);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER sales_daily_insert ON sales;
      DROP TRIGGER sales_daily_update ON sales;
      DROP TRIGGER sales_daily_delete ON sales;
      DROP FUNCTION sales_daily_after_insert(), sales_daily_after_update(), sales_daily_after_delete();
      DROP TABLE sales_daily;
    `);
  }
}
