import { DataSource, EntityManager } from "typeorm";
import { Random } from "./random";
import { issueKey } from "../src/modules/access/authenticate";
import { newKey } from "../src/modules/access/keys";
import type { KeyKind, Role } from "../src/common/access";

export interface DemoKeySpec {
  label: string;
  kind: KeyKind;
  role: Role;
  organization: string;
  /** For FIELD_PARTNER keys: the partner's name. */
  partner?: string;
  seed: number;
}

/**
 * One demo key per role. They are derived from fixed seeds, so they are the same on
 * every machine: demo data only, public by design (README). Revoke them, or set
 * SEED_ON_EMPTY=false, anywhere real data lives.
 */
export function demoKeySpecs(solarId: string, shoesId: string): DemoKeySpec[] {
  return [
    { label: "Mwanga Solar admin (demo)", kind: "MEMBER", role: "ADMIN", organization: solarId, seed: 9001 },
    { label: "Mwanga Solar staff (demo)", kind: "MEMBER", role: "STAFF", organization: solarId, seed: 9002 },
    { label: "Hatua Shoes admin (demo)", kind: "MEMBER", role: "ADMIN", organization: shoesId, seed: 9003 },
    { label: "Hatua Shoes staff (demo)", kind: "MEMBER", role: "STAFF", organization: shoesId, seed: 9004 },
    { label: "Green Light Fund, funder of Mwanga Solar (demo)", kind: "FUNDER", role: "FUNDER", organization: solarId, seed: 9005 },
    { label: "Shule Bora Foundation field app, Hatua Shoes (demo)", kind: "FIELD_PARTNER", role: "FIELD_PARTNER", organization: shoesId, partner: "Shule Bora Foundation", seed: 9006 },
  ];
}

function randomFor(seed: number): (n: number) => Buffer {
  const rng = new Random(seed);
  return (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rng.next() * 256)));
}

export function demoKey(spec: DemoKeySpec): string {
  return newKey(randomFor(spec.seed)).key;
}

export async function insertDemoKeys(em: EntityManager, specs: DemoKeySpec[]): Promise<void> {
  for (const spec of specs) {
    let partnerId: string | null = null;
    if (spec.partner) {
      const [p] = await em.query(`SELECT id FROM partners WHERE organization_id = $1 AND name = $2`, [spec.organization, spec.partner]);
      partnerId = p.id;
    }
    await issueKey(em, {
      name: spec.label,
      kind: spec.kind,
      issuerOrganizationId: spec.organization,
      grants: [{ organizationId: spec.organization, role: spec.role, partnerId }],
      random: randomFor(spec.seed),
    });
  }
}

/** The demo keys that still work in this database (present, not revoked). */
export async function activeDemoKeys(db: DataSource, specs: DemoKeySpec[]): Promise<{ spec: DemoKeySpec; key: string }[]> {
  const keys = specs.map((spec) => ({ spec, key: demoKey(spec) }));
  const prefixes = keys.map((k) => k.key.split("_")[1]);
  const rows: { prefix: string }[] = await db.query(`SELECT prefix FROM api_keys WHERE prefix = ANY($1::text[]) AND revoked_at IS NULL`, [prefixes]);
  const active = new Set(rows.map((r) => r.prefix));
  return keys.filter((k) => active.has(k.key.split("_")[1]));
}
