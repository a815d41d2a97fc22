import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Kind, parse } from "graphql";
import { startTestApp, TestApp } from "../helpers/app";
import { seedDemo } from "../../seeds/demo";
import {
  anchorsOf,
  DocExample,
  docFiles,
  operationText,
  parseExamples,
  partMismatch,
  readExamples,
  relativeLinks,
  shellOperations,
  substitute,
  valueAt,
} from "../helpers/doc-examples";

/**
 * Every GraphQL example of README.md and docs/ runs here against the demo data, as the demo key it
 * names, so that no example can rot: an operation that no longer validates, answers an error it
 * doesn't show, or gives other numbers than its "answer" block says, fails this test. The examples
 * of one page run in the page's order on a fresh demo database (a page's mutations build on each
 * other, as a reader would run them). The convention is in docs/contributing.md.
 */

// The day the demo data of the examples was loaded: the figures shown in the docs are those of this load.
const ANCHOR = new Date("2026-11-26T00:00:00Z");
const ROOT = join(__dirname, "..", "..");
const files = docFiles(ROOT);
const byFile = files.map((file) => ({ file, examples: readExamples(ROOT, file) }));

describe("the Markdown convention", () => {
  it("finds the examples of the docs, each with its caller", () => {
    const all = byFile.flatMap((f) => f.examples);
    expect(files).toContain("README.md");
    expect(byFile.find((f) => f.file === "README.md")!.examples.length).toBeGreaterThanOrEqual(3);
    expect(all.length).toBeGreaterThanOrEqual(60);
    for (const ex of all) expect(`${ex.file}:${ex.line} as ${ex.as}`).toMatch(/ as (MS_ADMIN|MS_STAFF|HS_ADMIN|HS_STAFF|FUNDER|FIELD_APP)$/);
  });

  it("reads variables right after an operation, answers anywhere after it, and the header comments", () => {
    const md = [
      "```graphql",
      "# as: FUNDER",
      "# keep: key = me.keyId",
      "{ me { keyId } }",
      "```",
      "",
      "```json",
      '{ "a": 1 }',
      "```",
      "Some text.",
      "```json",
      '{ "not": "variables" }',
      "```",
      "```json answer",
      '{ "me": {} }',
      "```",
      "```graphql",
      "# as: HS_STAFF",
      "# expect: FORBIDDEN",
      "query { x }",
      "```",
    ].join("\n");
    const [a, b] = parseExamples("x.md", md) as DocExample[];
    expect(a).toMatchObject({ line: 1, as: "FUNDER", expect: null, keep: [{ name: "key", path: "me.keyId" }], variables: { a: 1 } });
    expect(a.answers).toEqual([{ line: 14, value: { me: {} }, whole: false }]);
    expect(b).toMatchObject({ line: 17, as: "HS_STAFF", expect: "FORBIDDEN", variables: null, answers: [] });
  });

  it("links only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const { target, line } of relativeLinks(readFileSync(join(ROOT, file), "utf8"))) {
        const [path, anchor] = target.split("#");
        const to = path ? join(dirname(join(ROOT, file)), path) : join(ROOT, file);
        if (!existsSync(to)) broken.push(`${file}:${line}: ${target} (no such file)`);
        else if (anchor && to.endsWith(".md") && !anchorsOf(readFileSync(to, "utf8")).has(anchor)) broken.push(`${file}:${line}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("sends from the shell only operations that are examples of the same page, with the same key", () => {
    const found: string[] = [];
    const strays: string[] = [];
    for (const { file, examples } of byFile) {
      for (const op of shellOperations(readFileSync(join(ROOT, file), "utf8"))) {
        found.push(`${file}:${op.line}`);
        const same = examples.some((ex) => ex.as === op.key && operationText(ex.query) === operationText(op.query));
        if (!same) strays.push(`${file}:${op.line} ($${op.key}): ${operationText(op.query).slice(0, 120)}`);
      }
    }
    expect(strays).toEqual([]);
    expect(found.length).toBeGreaterThanOrEqual(2); // the README's curl and the helper's example
  });

  it("compares answers as parts: keys given, array elements in order", () => {
    const actual = { a: [{ x: 1, y: 2 }, { x: 2 }, { x: 3 }], b: "s" };
    expect(partMismatch(actual, { a: [{ x: 1 }, { x: 3 }] })).toBeNull();
    expect(partMismatch(actual, { a: [{ x: 3 }, { x: 1 }] })).toMatch(/^data.a: no element/);
    expect(partMismatch(actual, { b: "t" })).toBe('data.b: expected "t", got "s"');
    expect(partMismatch(actual, { c: null })).toBe("data.c: expected null, got undefined");
  });

  it("replaces kept values in variables and refuses a placeholder nothing kept", () => {
    const kept = new Map<string, unknown>([["metric", "m-1"]]);
    expect(substitute({ input: { metricId: "<metric>", list: ["<metric>", "<x y>"], n: 1 } }, kept, "here")).toEqual({
      input: { metricId: "m-1", list: ["m-1", "<x y>"], n: 1 },
    });
    expect(() => substitute({ id: "<survey>" }, kept, "here")).toThrow(/"<survey>" was not kept/);
  });
});

for (const { file, examples } of byFile) {
  if (examples.length === 0) continue;
  describe(`the examples of ${file}`, () => {
    let app: TestApp;
    let keys: Map<string, string>;
    const kept = new Map<string, unknown>();
    beforeAll(async () => {
      app = await startTestApp();
      keys = new Map((await seedDemo(app.db, ANCHOR)).keys.map((k) => [k.spec.variable, k.key]));
    });
    afterAll(() => app.close());

    for (const ex of examples) {
      const where = `${file}:${ex.line}`;
      it(`${where} as ${ex.as}${ex.expect ? `, answering ${ex.expect}` : ""}`, async () => {
        const key = keys.get(ex.as);
        if (!key) throw new Error(`${where}: "# as: ${ex.as}" is not a demo key (${[...keys.keys()].join(", ")})`);
        const declared = new Set(
          parse(ex.query).definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? (d.variableDefinitions ?? []).map((v) => v.variable.name.value) : [])),
        );
        const undeclared = Object.keys(ex.variables ?? {}).filter((name) => !declared.has(name));
        if (undeclared.length) throw new Error(`${where}: the JSON after the example gives ${undeclared.join(", ")}, which the operation doesn't declare (an answer shown right after an example needs prose between them)`);
        const variables = ex.variables ? (substitute(ex.variables, kept, where) as Record<string, unknown>) : undefined;
        const result = await app.as(key).gql(ex.query, variables);
        if (ex.expect) {
          const codes = (result.errors ?? []).map((e) => e.extensions?.code);
          if (!codes.includes(ex.expect)) throw new Error(`${where}: expected an error ${ex.expect}, got ${JSON.stringify(result.errors ?? result.data)}`);
        } else if (result.errors?.length) {
          throw new Error(`${where}: the example answered errors: ${JSON.stringify(result.errors, null, 2)}`);
        }
        for (const { name, path } of ex.keep) {
          const value = valueAt(result.data, path);
          if (value === undefined || value === null) throw new Error(`${where}: "# keep: ${name} = ${path}" found nothing in ${JSON.stringify(result.data)}`);
          kept.set(name, value);
        }
        for (const answer of ex.answers) {
          const miss = answer.whole ? partMismatch(result, answer.value, "response") : partMismatch(result.data, answer.value);
          if (miss) throw new Error(`${file}:${answer.line}: the answer shown differs from the example's: ${miss}\nThe answer: ${JSON.stringify(answer.whole ? result : result.data).slice(0, 6000)}`);
        }
      });
    }
  });
}
