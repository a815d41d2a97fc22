import { readFileSync } from "node:fs";
import path from "node:path";
import { printSdl } from "../../src/schema";

describe("schema.graphql", () => {
  it("is the SDL the code emits (run `npm run schema` after changing a type)", async () => {
    const committed = readFileSync(path.resolve(__dirname, "..", "..", "schema.graphql"), "utf8");
    expect(committed).toBe(await printSdl());
  });

  it("defines the domain core types and the foundation queries", async () => {
    const sdl = await printSdl();
    for (const type of ["Organization", "Lifecycle", "Stage", "Touchpoint", "FunctionalArea", "Partner", "Stakeholder", "StageTransition", "Interaction"]) {
      expect(sdl).toMatch(new RegExp(`^type ${type} \\{`, "m"));
    }
    for (const query of ["organization(id: ID!): Organization!", "organizations(", "stakeholders(", "stakeholder(id: ID!): Stakeholder!", "lifecycleFunnel("]) {
      expect(sdl).toContain(`  ${query}`);
    }
  });
});
