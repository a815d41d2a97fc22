import "reflect-metadata";
import { createHash } from "node:crypto";
import { canonicalJson, contentHash } from "../../src/common/batch";

/** The hash as it was first written (keys sorted by building a sorted copy, then JSON.stringify): every stored content_hash was made this way. */
function referenceHash(content: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === "object" && !(v instanceof Date)
        ? Object.fromEntries(
            Object.keys(v as Record<string, unknown>)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v instanceof Date
          ? v.toISOString()
          : v;
  return createHash("sha256").update(JSON.stringify(canonical(content))).digest("hex");
}

class Beneficiary {
  externalRef!: string;
  gender?: string | null;
  region?: string | null;
}

/** A small deterministic generator (no Math.random: a failure must be repeatable). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 8 : 11));
  const word = () => ["a", "Zeta", "ä", 'q"uote', "back\\slash", "new\nline", "", "日本", "10"][Math.floor(next() * 9)];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return Math.floor(next() * 21) - 10;
    case 3:
      return next() * 1000;
    case 4:
      return next() < 0.5;
    case 5:
      return word();
    case 6:
      return new Date(Date.UTC(2020, 0, 1) + Math.floor(next() * 2e11));
    case 7:
      return [NaN, Infinity, -0][Math.floor(next() * 3)];
    case 8:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    case 9: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i--) o[word() + String(Math.floor(next() * 3))] = randomValue(next, depth + 1);
      return o;
    }
    default: {
      const b = new Beneficiary();
      b.externalRef = word();
      if (next() < 0.5) b.gender = next() < 0.5 ? null : "FEMALE";
      if (next() < 0.5) b.region = undefined;
      return b;
    }
  }
}

describe("contentHash (the client-key retry check)", () => {
  it("gives exactly the hash stored responses, sales and observations were made with", () => {
    // A response as submitFeedback hashes it: its canonical JSON written out by hand, and the first implementation's hash.
    const item = {
      survey: "9f1c2d34-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
      version: 1,
      stakeholder: null,
      newBeneficiary: Object.assign(new Beneficiary(), { externalRef: "CHILD-1", gender: "FEMALE", region: "Siaya" }),
      touchpoint: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
      collectedAt: new Date("2026-03-02T08:00:00Z"),
      answers: [
        { key: "dry", value: true },
        { key: "fit", value: 4 },
        { key: "nps", value: 1 },
        { key: "walk", value: "Walk" },
      ],
      comment: "Child 1",
    };
    expect(canonicalJson(item)).toBe(
      '{"answers":[{"key":"dry","value":true},{"key":"fit","value":4},{"key":"nps","value":1},{"key":"walk","value":"Walk"}],"collectedAt":"2026-03-02T08:00:00.000Z","comment":"Child 1",' +
        '"newBeneficiary":{"externalRef":"CHILD-1","gender":"FEMALE","region":"Siaya"},"stakeholder":null,"survey":"9f1c2d34-5e6f-4a7b-8c9d-0e1f2a3b4c5d","touchpoint":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","version":1}',
    );
    expect(contentHash(item)).toBe(referenceHash(item));
    // Keys in another order, undefined fields: the same content, the same hash.
    expect(contentHash({ b: 1, a: [2, { d: undefined, c: "x" }] })).toBe(contentHash({ a: [2, { c: "x" }], b: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: "1" }));
    // Keys that are array indexes come first, in numeric order (as in any JavaScript object), then the rest sorted.
    expect(canonicalJson({ b: 1, 10: 2, 2: 3, a: 4 })).toBe('{"2":3,"10":2,"a":4,"b":1}');
  });

  it("matches the first implementation on 5000 random values", () => {
    const next = rng(20261202);
    for (let i = 0; i < 5000; i++) {
      const value = { root: randomValue(next, 0), list: [randomValue(next, 1), randomValue(next, 1)] };
      expect(contentHash(value)).toBe(referenceHash(value));
    }
  });
});
