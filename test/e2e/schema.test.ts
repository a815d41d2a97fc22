import { readFileSync } from "node:fs";
import path from "node:path";
import { GraphQLInputObjectType, GraphQLObjectType } from "graphql";
import { getSchema, printSdl } from "../../src/schema";

describe("schema.graphql", () => {
  it("is the SDL the code emits (run `npm run schema` after changing a type)", async () => {
    const committed = readFileSync(path.resolve(__dirname, "..", "..", "schema.graphql"), "utf8");
    expect(committed).toBe(await printSdl());
  });

  it("defines the domain core types and the foundation queries", async () => {
    const sdl = await printSdl();
    for (const type of ["Organization", "Lifecycle", "Stage", "Touchpoint", "FunctionalArea", "Partner", "Stakeholder", "StageTransition", "Interaction"]) {
      // Each is a Node: fetched again by its global id with node(id:).
      expect(sdl).toMatch(new RegExp(`^type ${type} implements Node \\{`, "m"));
    }
    expect(sdl).toContain("  node(id: ID!): Node");
    expect(sdl).toContain("  nodes(ids: [ID!]!): [Node]!");
    for (const query of ["organization(id: ID!): Organization!", "organizations(", "stakeholders(", "stakeholder(id: ID!): Stakeholder!", "lifecycleFunnel("]) {
      expect(sdl).toContain(`  ${query}`);
    }
  });
});

describe("money in the schema", () => {
  it("is never a Float: Money holds integer minor units, amounts of money are Money", async () => {
    const schema = await getSchema();
    const offenders: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!(type instanceof GraphQLObjectType || type instanceof GraphQLInputObjectType) || type.name.startsWith("__")) continue;
      for (const field of Object.values(type.getFields())) {
        const named = String(field.type).replace(/[[\]!]/g, "");
        if (named === "Float" && /amount|revenue|contribution|price|money|minor|cost/i.test(field.name)) offenders.push(`${type.name}.${field.name}`);
      }
    }
    expect(offenders).toEqual([]);
    const money = schema.getType("Money") as GraphQLObjectType;
    expect(Object.fromEntries(Object.entries(money.getFields()).map(([k, f]) => [k, String(f.type)]))).toEqual({ amountMinor: "SafeInt!", currency: "String!", amount: "String!" });
  });
});
