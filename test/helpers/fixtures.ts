import type { TestApp } from "./app";

export interface OrgFixture {
  id: string;
  customerStages: Record<string, string>;
  beneficiaryStages: Record<string, string>;
  areas: Record<string, string>;
}

/** Creates an organization through the API and returns its stage and area ids by name. */
export async function createOrg(app: TestApp, name = "Test Org", impactModel = "HYBRID"): Promise<OrgFixture> {
  const data = await app.ok<any>(
    `mutation($input: CreateOrganizationInput!) {
       createOrganization(input: $input) {
         id
         lifecycles { kind stages { id name } }
         functionalAreas(first: 50) { edges { node { id name } } }
       }
     }`,
    { input: { name, impactModel, currency: "KES" } },
  );
  const org = data.createOrganization;
  const stagesOf = (kind: string) =>
    Object.fromEntries(org.lifecycles.find((l: any) => l.kind === kind).stages.map((s: any) => [s.name, s.id])) as Record<string, string>;
  return {
    id: org.id,
    customerStages: stagesOf("CUSTOMER"),
    beneficiaryStages: stagesOf("BENEFICIARY"),
    areas: Object.fromEntries(org.functionalAreas.edges.map((e: any) => [e.node.name, e.node.id])),
  };
}

export async function createStakeholder(app: TestApp, input: Record<string, unknown>): Promise<string> {
  const data = await app.ok<any>(`mutation($input: CreateStakeholderInput!) { createStakeholder(input: $input) { id } }`, { input });
  return data.createStakeholder.id;
}

export async function move(app: TestApp, stakeholderId: string, stageId: string, occurredAt: string): Promise<void> {
  await app.ok(`mutation($input: MoveStakeholderInput!) { moveStakeholder(input: $input) { id } }`, { input: { stakeholderId, stageId, occurredAt } });
}

export async function count(app: TestApp, table: string): Promise<number> {
  const [{ n }] = await app.db.query(`SELECT count(*)::int AS n FROM ${table}`);
  return n;
}
