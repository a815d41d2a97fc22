import { BadInputError } from "../../src/common/errors";
import { decodeGlobalId, globalId, NODE_TYPES, NodeType, organizationGlobalId, readGlobalId } from "../../src/common/global-ids";

const ORG = "3ece82a1-7998-429f-9dd2-d0cf6df31c2e";
const ROW = "a0000000-0000-4000-8000-000000000001";

describe("global ids", () => {
  it("carry the type, the organization and the row, and read back exactly", () => {
    for (const type of Object.keys(NODE_TYPES) as NodeType[]) {
      const id = globalId(type, ORG, ROW);
      expect(id.startsWith(`${NODE_TYPES[type].prefix}_`)).toBe(true);
      const single = type === "Organization" || type === "ApiKey";
      expect(readGlobalId(id)).toEqual({ type, organizationId: single ? ROW : ORG, id: ROW });
    }
    // 3 + 1 + 43 characters (32 bytes in base64url, no padding); an organization: 3 + 1 + 22.
    expect(globalId("Stakeholder", ORG, ROW)).toBe("stk_Ps6CoXmYQp-d0tDPbfMcLqAAAAAAAEAAgAAAAAAAAAE");
    expect(organizationGlobalId(ROW)).toBe("org_oAAAAAAAQACAAAAAAAAAAQ");
    // The same row in upper case is the same id (PostgreSQL writes lower case; a UUID's case carries nothing).
    expect(globalId("Stakeholder", ORG.toUpperCase(), ROW.toUpperCase())).toBe(globalId("Stakeholder", ORG, ROW));
  });

  it("gives every type its own prefix", () => {
    const prefixes = Object.values(NODE_TYPES).map((t) => t.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });

  it("reads nothing from a string that is not an id", () => {
    const good = globalId("Stakeholder", ORG, ROW);
    for (const bad of [
      "",
      ROW, // a bare UUID
      "stk_",
      "xyz_Ps6CoXmYQp-d0tDPbfMcLqAAAAAAAEAAgAAAAAAAAAE", // no such type
      good.toUpperCase(),
      good.slice(0, -1), // cut
      `${good}A`, // too long
      `${good}=`, // padding is not part of an id
      good.replace("-", "+"), // base64, not base64url
      good.slice(0, -1) + "F", // other trailing bits: not the one spelling of these bytes
      ` ${good}`,
      `${good}\u0000`,
      "stk_" + "A".repeat(200),
    ]) {
      expect({ bad, read: readGlobalId(bad) }).toEqual({ bad, read: null });
    }
    expect(readGlobalId(42)).toBeNull();
    expect(readGlobalId(null)).toBeNull();
  });

  it("refuses, on the field, a value that is not an id or is an id of another type", () => {
    const stage = globalId("Stage", ORG, ROW);
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(BadInputError);
        return { message: (error as BadInputError).message, extensions: (error as BadInputError).extensions };
      }
      throw new Error("not refused");
    };
    expect(refused(() => decodeGlobalId("oops", "touchpointId", ["Touchpoint"]))).toEqual({
      message: 'touchpointId is not an ID of a Touchpoint (IDs are the opaque strings the API returns, e.g. "tpt_…")',
      extensions: { code: "BAD_USER_INPUT", field: "touchpointId" },
    });
    expect(refused(() => decodeGlobalId(stage, "touchpointId", ["Touchpoint"])).message).toBe("touchpointId must be the ID of a Touchpoint, not of a Stage");
    expect(refused(() => decodeGlobalId(globalId("Intervention", ORG, ROW), "organizationId", ["Organization"])).message).toBe("organizationId must be the ID of an Organization, not of an Intervention");
    expect(decodeGlobalId(stage, "id")).toEqual({ type: "Stage", organizationId: ORG, id: ROW });
  });
});
