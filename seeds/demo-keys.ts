import { promises as fs } from "node:fs";
import path from "node:path";
import { DataSource, EntityManager } from "typeorm";
import { issueKey } from "../src/modules/access/authenticate";
import { parseKey } from "../src/modules/access/keys";
import type { KeyKind, Role } from "../src/common/access";

export interface DemoKeySpec {
  label: string;
  kind: KeyKind;
  role: Role;
  organization: string;
  /** For FIELD_PARTNER keys: the partner's name. */
  partner?: string;
  /** The shell variable the key is given in the demo keys file (and in the README's examples). */
  variable: string;
}

/** A demo key as made at seeding: shown once, then only its hash is stored. */
export interface DemoKey {
  spec: DemoKeySpec;
  key: string;
}

/**
 * One demo key per role, made at random when the demo data is loaded: every installation
 * has its own, so no key is known in advance. They are printed at the first start and kept
 * in the demo keys file (DEMO_KEYS_FILE, readable by its owner only).
 */
export function demoKeySpecs(solarId: string, shoesId: string): DemoKeySpec[] {
  return [
    { label: "Mwanga Solar admin (demo)", kind: "MEMBER", role: "ADMIN", organization: solarId, variable: "MS_ADMIN" },
    { label: "Mwanga Solar staff (demo)", kind: "MEMBER", role: "STAFF", organization: solarId, variable: "MS_STAFF" },
    { label: "Hatua Shoes admin (demo)", kind: "MEMBER", role: "ADMIN", organization: shoesId, variable: "HS_ADMIN" },
    { label: "Hatua Shoes staff (demo)", kind: "MEMBER", role: "STAFF", organization: shoesId, variable: "HS_STAFF" },
    { label: "Green Light Fund, funder of Mwanga Solar (demo)", kind: "FUNDER", role: "FUNDER", organization: solarId, variable: "FUNDER" },
    { label: "Shule Bora Foundation field app, Hatua Shoes (demo)", kind: "FIELD_PARTNER", role: "FIELD_PARTNER", organization: shoesId, partner: "Shule Bora Foundation", variable: "FIELD_APP" },
  ];
}

export async function insertDemoKeys(em: EntityManager, specs: DemoKeySpec[]): Promise<DemoKey[]> {
  const made: DemoKey[] = [];
  for (const spec of specs) {
    let partnerId: string | null = null;
    if (spec.partner) {
      const [p] = await em.query(`SELECT id FROM partners WHERE organization_id = $1 AND name = $2`, [spec.organization, spec.partner]);
      partnerId = p.id;
    }
    const { key } = await issueKey(em, {
      name: spec.label,
      kind: spec.kind,
      issuerOrganizationId: spec.organization,
      grants: [{ organizationId: spec.organization, role: spec.role, partnerId }],
    });
    made.push({ spec, key });
  }
  return made;
}

/** The keys among `keys` that still work in this database (present, not revoked). */
export async function activeDemoKeys<K extends { key: string }>(db: DataSource, keys: K[]): Promise<K[]> {
  const prefixes = keys.map((k) => parseKey(k.key)?.prefix ?? "");
  const rows: { prefix: string }[] = await db.query(`SELECT prefix FROM api_keys WHERE prefix = ANY($1::text[]) AND revoked_at IS NULL`, [prefixes]);
  const active = new Set(rows.map((r) => r.prefix));
  return keys.filter((k) => active.has(parseKey(k.key)?.prefix ?? ""));
}

/** A key read back from the demo keys file. */
export interface SavedDemoKey {
  variable: string;
  key: string;
  label: string;
}

/** The demo keys file: shell assignments (`source` it), each with its role and label in a comment. */
export function demoKeysFileText(keys: DemoKey[], made: Date): string {
  return [
    `# Demo API keys of this installation, made at random on ${made.toISOString()} with the demo data.`,
    `# Demo data only. Use them with: source <this file>; then "Authorization: Bearer $MS_STAFF".`,
    ...keys.map(({ spec, key }) => `${spec.variable}=${key} # ${spec.role}: ${spec.label}`),
    "",
  ].join("\n");
}

export function parseDemoKeysFile(text: string): SavedDemoKey[] {
  const out: SavedDemoKey[] = [];
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(\S+) # (.*)$/.exec(line.trim());
    if (m && parseKey(m[2])) out.push({ variable: m[1], key: m[2], label: m[3] });
  }
  return out;
}

/** Writes the file readable by its owner only (it holds working keys). */
export async function writeDemoKeysFile(file: string, keys: DemoKey[], made = new Date()): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, demoKeysFileText(keys, made), { mode: 0o600 });
  await fs.chmod(file, 0o600);
}

/** The keys of the demo keys file that still work in this database; none when there is no file. */
export async function savedDemoKeys(db: DataSource, file: string): Promise<SavedDemoKey[]> {
  const text = await fs.readFile(file, "utf8").catch(() => null);
  return text === null ? [] : activeDemoKeys(db, parseDemoKeysFile(text));
}
