import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Item, Results } from "./common";

/** Writes results.json and RESULTS.md (keeping RESULTS.md's hand-written intro: everything above the marker). */

const MARKER = "<!-- everything below is written by `npm run bench` -->";

const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : String(v));
const met = (m: boolean | null) => (m === null ? "" : m ? "**met**" : "not met");

function table(items: Item[]): string {
  const names = [...new Set(items.flatMap((i) => Object.keys(i.contenders)))];
  const head = `| item | unit | this API | ${names.join(" | ")} | ratio | target | met |\n|---|---|---|${names.map(() => "---|").join("")}---|---|---|`;
  const rows = items.map(
    (i) =>
      `| ${i.name} | ${i.unit} | ${fmt(i.api)} | ${names.map((n) => fmt(i.contenders[n])).join(" | ")} | ${i.ratio === null ? "—" : `${i.ratio}× ${i.ratioAgainst}`} | ${i.target} | ${met(i.met)} |`,
  );
  return [head, ...rows].join("\n");
}

export function writeResults(dir: string, r: Results): void {
  mkdirSync(dir, { recursive: true }); // --out may name a folder that is not there yet
  writeFileSync(path.join(dir, "results.json"), `${JSON.stringify(r, null, 2)}\n`);
  const file = path.join(dir, "RESULTS.md");
  const old = existsSync(file) ? readFileSync(file, "utf8") : "";
  const intro = old.includes(MARKER) ? old.slice(0, old.indexOf(MARKER)) : "# Benchmark results\n\n";
  const groups: [Item["group"], string][] = [
    ["lists", "List pages over HTTP (16 connections, interleaved rounds)"],
    ["views", "Views against the best hand-written SQL (one request at a time, interleaved)"],
    ["ingest", "Ingest (batches over HTTP against a raw INSERT … SELECT FROM unnest, interleaved)"],
  ];
  const metCount = r.items.filter((i) => i.met === true).length;
  const targetCount = r.items.filter((i) => i.met !== null).length;
  const body = [
    MARKER,
    "",
    `Command: \`${r.command}\``,
    `Date: ${r.date}`,
    `Machine: ${r.machine}; Node ${r.node}`,
    `Database: ${r.database}`,
    `Data size (the organization measured): ${Object.entries(r.dataSize)
      .map(([k, v]) => `${v.toLocaleString("en")} ${k}`)
      .join(", ")}`,
    "",
    `Targets met: ${metCount} of ${targetCount}.`,
    r.mismatches.length ? `\n**MISMATCHES (the figures below them are not comparable until fixed):**\n\n${r.mismatches.map((m) => `- ${m}`).join("\n")}` : "\nEvery contender returned the same rows and the same figures as the API.",
    ...groups.flatMap(([g, title]) => {
      const items = r.items.filter((i) => i.group === g);
      return items.length ? [`\n## ${title}\n`, table(items)] : [];
    }),
    r.notes.length ? `\n## Notes from the run\n\n${r.notes.map((n) => `- ${n}`).join("\n")}` : "",
    "\nThe full figures (p95, CPU and memory of every contender, statements per request, what each comparison covers) are in `bench/results.json`.",
    "",
  ];
  writeFileSync(file, `${intro.trimEnd()}\n\n${body.join("\n")}`);
}
