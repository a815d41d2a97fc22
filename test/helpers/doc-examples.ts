import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * The GraphQL examples of README.md and docs/**\/*.md, read from the Markdown (the convention is in
 * docs/contributing.md, "Examples in the docs"):
 *
 *   ```graphql            an operation; its first comment lines say how it runs:
 *   # as: FUNDER          the demo key that sends it (required: MS_ADMIN, MS_STAFF, HS_ADMIN, HS_STAFF, FUNDER, FIELD_APP)
 *   # expect: FORBIDDEN   optional: the error code the example shows (otherwise it must answer without errors)
 *   # keep: metric = createMetric.id   optional, repeatable: a value of the answer, used as "<metric>" later on the page
 *   query … ```
 *   ```json               optional, right after it (only blank lines between): its variables
 *   ```json answer        optional, anywhere after it: a part of its `data` (objects: the keys given;
 *                         arrays: the elements given, in order, among the actual ones)
 *   ```json response      the same, of the whole response (`errors` and `data`)
 */
export interface DocExample {
  file: string;
  line: number;
  query: string;
  as: string;
  expect: string | null;
  keep: { name: string; path: string }[];
  variables: Record<string, unknown> | null;
  /** Parts of the answer's `data` (`json answer`), or of the whole response, `errors` included (`json response`). */
  answers: { line: number; value: unknown; whole: boolean }[];
}

interface Fence {
  info: string;
  body: string;
  line: number;
  /** Index of the line after the closing fence. */
  end: number;
}

function fences(text: string): Fence[] {
  const lines = text.split("\n");
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (!open) continue;
    const marker = open[1];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${marker[0]}{${marker.length},}\\s*$`).test(lines[j])) body.push(lines[j++]);
    out.push({ info: open[2].trim(), body: body.join("\n"), line: i + 1, end: j + 1 });
    i = j;
  }
  return out;
}

/** Whether only blank lines separate the end of fence `a` from the start of fence `b`. */
function adjacent(text: string, a: Fence, b: Fence): boolean {
  const lines = text.split("\n");
  return lines.slice(a.end, b.line - 1).every((l) => l.trim() === "");
}

export function parseExamples(file: string, text: string): DocExample[] {
  const fs = fences(text);
  const examples: DocExample[] = [];
  for (let i = 0; i < fs.length; i++) {
    const f = fs[i];
    const lang = f.info.split(/\s+/)[0];
    if (lang === "graphql") {
      const ex: DocExample = { file, line: f.line, query: f.body, as: "", expect: null, keep: [], variables: null, answers: [] };
      for (const l of f.body.split("\n")) {
        const m = /^#\s*(as|expect|keep):\s*(.*?)\s*$/.exec(l.trim());
        if (!m) {
          if (l.trim().startsWith("#") || l.trim() === "") continue;
          break; // the header ends at the first line of the operation
        }
        if (m[1] === "as") ex.as = m[2];
        else if (m[1] === "expect") ex.expect = m[2];
        else {
          const k = /^([\w-]+)\s*=\s*([\w.]+)$/.exec(m[2]);
          if (!k) throw new Error(`${file}:${f.line}: "# keep:" needs "name = path.in.data", got "${m[2]}"`);
          ex.keep.push({ name: k[1], path: k[2] });
        }
      }
      const next = fs[i + 1];
      if (next && next.info === "json" && adjacent(text, f, next)) {
        try {
          ex.variables = JSON.parse(next.body);
        } catch (e) {
          throw new Error(`${file}:${next.line}: the variables after the example of line ${f.line} are not JSON: ${(e as Error).message}`);
        }
        i++;
      }
      examples.push(ex);
    } else if (lang === "json" && ["answer", "response"].includes(f.info.split(/\s+/)[1])) {
      const last = examples[examples.length - 1];
      if (!last) throw new Error(`${file}:${f.line}: an answer block with no example before it`);
      try {
        last.answers.push({ line: f.line, value: JSON.parse(f.body), whole: f.info.split(/\s+/)[1] === "response" });
      } catch (e) {
        throw new Error(`${file}:${f.line}: the answer block is not JSON: ${(e as Error).message}`);
      }
    }
  }
  return examples;
}

/** README.md, then docs/ (files in name order, folders after files), relative to `root`. */
export function docFiles(root: string): string[] {
  const walk = (dir: string): string[] => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const files = entries.filter((e) => e.isFile() && e.name.endsWith(".md")).map((e) => join(dir, e.name));
    const dirs = entries.filter((e) => e.isDirectory()).flatMap((e) => walk(join(dir, e.name)));
    return [...files, ...dirs];
  };
  return [join(root, "README.md"), ...walk(join(root, "docs"))].map((f) => relative(root, f));
}

export function readExamples(root: string, file: string): DocExample[] {
  return parseExamples(file, readFileSync(join(root, file), "utf8"));
}

/** The value at a dot path ("a.b.0.c") of `data`, or undefined. */
export function valueAt(data: unknown, path: string): unknown {
  let v: any = data;
  for (const part of path.split(".")) {
    if (v === null || v === undefined) return undefined;
    v = v[/^\d+$/.test(part) ? Number(part) : part];
  }
  return v;
}

/** `variables` with every string "<name>" replaced by the value kept under that name. */
export function substitute(value: unknown, kept: Map<string, unknown>, where: string): unknown {
  if (typeof value === "string") {
    const m = /^<([\w-]+)>$/.exec(value);
    if (!m) return value;
    if (!kept.has(m[1])) throw new Error(`${where}: "<${m[1]}>" was not kept by an earlier example of the page ("# keep: ${m[1]} = …")`);
    return kept.get(m[1]);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, kept, where));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, kept, where)]));
  }
  return value;
}

/**
 * Where `actual` differs from `expected`, as a path and a message; null when `expected` is a part of it:
 * objects need the keys given (others are ignored), arrays the elements given in that order among
 * the actual ones, anything else equality.
 */
export function partMismatch(actual: unknown, expected: unknown, path = "data"): string | null {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${JSON.stringify(actual)}`;
    let from = 0;
    for (let i = 0; i < expected.length; i++) {
      let found = -1;
      let closest: string | null = null; // the miss found deepest: the element most like the one expected
      for (let j = from; j < actual.length; j++) {
        const miss = partMismatch(actual[j], expected[i], `${path}[${j}]`);
        if (miss === null) {
          found = j;
          break;
        }
        if (closest === null || miss.split(":")[0].length > closest.split(":")[0].length) closest = miss;
      }
      if (found < 0) return `${path}: no element (after the ones matched) matches ${JSON.stringify(expected[i])}${closest ? `; closest: ${closest}` : ""}`;
      from = found + 1;
    }
    return null;
  }
  if (expected && typeof expected === "object") {
    if (!actual || typeof actual !== "object" || Array.isArray(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const miss = partMismatch((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
      if (miss) return miss;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown text's headings (outside fenced blocks). */
export function anchorsOf(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) out.add(headingAnchor(m[1]));
  }
  return out;
}

/** The relative links of a Markdown text (outside fenced blocks and code spans): target and line. */
export function relativeLinks(text: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  let fenced = false;
  text.split("\n").forEach((line, i) => {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fenced = !fenced;
    if (fenced) return;
    for (const m of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z]+:/i.test(m[1])) out.push({ target: m[1], line: i + 1 });
    }
  });
  return out;
}

/** An operation without its header comments, whitespace collapsed: to compare two spellings of it. */
export function operationText(query: string): string {
  return query
    .split("\n")
    .filter((l) => !l.trim().startsWith("#"))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The GraphQL operations sent by the shell examples (```sh blocks) of a Markdown text: `curl … -H "authorization:
 * Bearer $KEY" … -d '{"query": …}'` and the docs' helper `gql $KEY '<operation>' …`, with the key's variable.
 */
export function shellOperations(text: string): { key: string; query: string; line: number }[] {
  const out: { key: string; query: string; line: number }[] = [];
  const blocks = text.split("\n");
  for (let i = 0; i < blocks.length; i++) {
    if (!/^\s*```sh\s*$/.test(blocks[i])) continue;
    const start = i + 1;
    let j = start;
    while (j < blocks.length && !/^\s*```\s*$/.test(blocks[j])) j++;
    const body = blocks.slice(start, j).join("\n");
    for (const m of body.matchAll(/^gql \$(\w+) '([^']*)'/gm)) {
      out.push({ key: m[1], query: m[2], line: start + body.slice(0, m.index).split("\n").length });
    }
    for (const m of body.matchAll(/^curl (?:[^\n]*\\\n)*[^\n]*/gm)) {
      const key = /Bearer \$(\w+)/.exec(m[0]);
      const data = /-d '(\{[^']*\})'/.exec(m[0]);
      if (key && data) out.push({ key: key[1], query: JSON.parse(data[1]).query, line: start + body.slice(0, m.index).split("\n").length });
    }
    i = j;
  }
  return out;
}
