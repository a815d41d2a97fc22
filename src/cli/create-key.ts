import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { loadConfig } from "../config";
import { connect } from "../database/connect";
import { jsonLog } from "../server";
import { issueKey } from "../modules/access/authenticate";
import { createDefaults } from "../modules/organization/organization.service";
import type { KeyKind, Role } from "../common/access";

const USAGE = `Creates an API key and prints it (once: only its hash is stored).

  npm run create-key -- --new-organization "Name" [--impact-model HYBRID] [--currency USD] [--name "label"]
      a new organization (with its default lifecycles) and an ADMIN key for it
  npm run create-key -- --organization <id> --role ADMIN|STAFF|FUNDER|FIELD_PARTNER [--partner <id>] [--name "label"]
      a key with a role in an existing organization (FIELD_PARTNER needs --partner)
  npm run create-key -- --member [--name "label"]
      a member key with no organization yet: it can create organizations (it becomes their admin)
`;

function args(argv: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) out[a.slice(2)] = true;
    else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}

const KIND: Record<Role, KeyKind> = { ADMIN: "MEMBER", STAFF: "MEMBER", FUNDER: "FUNDER", FIELD_PARTNER: "FIELD_PARTNER" };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(): Promise<number> {
  let a: Record<string, string | true>;
  try {
    a = args(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (a.help || (!a["new-organization"] && !a.organization && !a.member)) {
    process.stdout.write(USAGE);
    return a.help ? 0 : 2;
  }
  const str = (k: string) => (typeof a[k] === "string" ? (a[k] as string) : undefined);
  let database: Awaited<ReturnType<typeof connect>>;
  try {
    database = await connect(loadConfig(), (e) => (e.level === "error" ? jsonLog(e) : undefined));
  } catch (error) {
    process.stderr.write(`create-key: could not open the database: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    return await database.db.transaction(async (em) => {
      await em.query(`SELECT set_config('app.operation', 'cli', true)`);
      let org: string | null = null;
      let role: Role;
      let partner: string | null = null;
      if (a["new-organization"]) {
        const name = str("new-organization")?.trim();
        if (!name) throw new Error("--new-organization needs a name");
        const model = str("impact-model") ?? "HYBRID";
        if (!["CUSTOMER_IS_BENEFICIARY", "CUSTOMER_FUNDS_BENEFICIARY", "HYBRID"].includes(model)) throw new Error("--impact-model must be CUSTOMER_IS_BENEFICIARY, CUSTOMER_FUNDS_BENEFICIARY or HYBRID");
        const currency = str("currency") ?? "USD";
        if (!/^[A-Z]{3}$/.test(currency)) throw new Error("--currency must be a three-letter ISO 4217 code in capitals");
        org = randomUUID();
        await em.query(`INSERT INTO organizations (id, name, impact_model, currency) VALUES ($1, $2, $3, $4)`, [org, name.slice(0, 200), model, currency]);
        await createDefaults(em, org);
        role = "ADMIN";
        process.stdout.write(`organization ${org} "${name}" created\n`);
      } else if (a.organization) {
        org = str("organization") ?? "";
        if (!UUID.test(org)) throw new Error("--organization must be an organization id (UUID)");
        const found = await em.query(`SELECT name FROM organizations WHERE id = $1`, [org]);
        if (found.length === 0) throw new Error(`no organization ${org}`);
        const r = str("role") as Role | undefined;
        if (!r || !(r in KIND)) throw new Error("--role must be ADMIN, STAFF, FUNDER or FIELD_PARTNER");
        role = r;
        if (role === "FIELD_PARTNER") {
          partner = str("partner") ?? null;
          if (!partner || !UUID.test(partner)) throw new Error("a FIELD_PARTNER key needs --partner <partner id>");
          const p = await em.query(`SELECT 1 FROM partners WHERE organization_id = $1 AND id = $2`, [org, partner]);
          if (p.length === 0) throw new Error(`no partner ${partner} in organization ${org}`);
        }
      } else {
        role = "ADMIN";
      }
      const made = await issueKey(em, {
        name: (str("name") ?? `${role.toLowerCase()} key`).slice(0, 200),
        kind: a.member ? "MEMBER" : KIND[role],
        issuerOrganizationId: org,
        grants: org ? [{ organizationId: org, role, partnerId: partner }] : [],
      });
      process.stdout.write(`${a.member ? "MEMBER (no organization yet)" : role} key ${made.id}:\n\n  ${made.key}\n\nStore it now: it is not shown again.\n`);
      return 0;
    });
  } catch (error) {
    process.stderr.write(`create-key: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await database.close();
  }
}

main().then((code) => process.exit(code));
