import type { RequestSummary, ScenarioResult } from "./scenarios";

/** A plain-text table with a header row; columns as wide as their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (c ?? "").padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, n]) => `${k} ×${n}`).join(", ") : "none";
}

function ms(value: number | null): string {
  return value === null ? "-" : String(value);
}

function secs(value: number | null): string {
  return value === null ? "never" : (value / 1000).toFixed(1);
}

/** Requests without an answer: cut off (connection closed or reset with no response) or no response within the client's ceiling. */
export function withoutAnswer(r: RequestSummary): number {
  return r.withoutAnswer + r.timeouts;
}

function requestRows(name: string, r: RequestSummary): string[][] {
  return [
    [`${name}: sent / answered / refused (nothing listening) / without an answer`, `${r.sent} / ${r.answered} / ${r.refused} / ${withoutAnswer(r)}${r.timeouts ? ` (${r.timeouts} after the client's ceiling)` : ""}`],
    [`${name}: answers by status and error code`, counts(r.byAnswer)],
    [`${name}: 5xx (and INTERNAL_SERVER_ERROR) by code`, counts(r.serverErrors)],
    ...(r.unavailable ? [[`${name}: 503 with Retry-After`, `${r.unavailableWithRetryAfter} of ${r.unavailable}`]] : []),
    [`${name}: successful p50 / p95 / max, ms`, `${ms(r.okP50Ms)} / ${ms(r.okP95Ms)} / ${ms(r.okMaxMs)}`],
    ...(r.noAnswerExamples.length ? [[`${name}: examples without an answer`, r.noAnswerExamples.join("; ")]] : []),
  ];
}

/** One table for a scenario: the ledger, the requests, each fault, the other figures. */
export function scenarioTable(n: number, s: ScenarioResult): string {
  const rows: string[][] = [];
  if (s.ledger) {
    const l = s.ledger;
    rows.push(["items sent / acknowledged / stored", `${l.sent} / ${l.acknowledged} / ${l.stored}`]);
    rows.push(["acknowledged items duplicated / lost", `${l.duplicated} / ${l.lost}`]);
    rows.push(["stored but never acknowledged (the client stopped before its retry)", String(l.storedUnacknowledged)]);
    rows.push(["item answers CREATED / DUPLICATE (a retry recognised) / REJECTED / CONFLICT", `${l.createdAnswers} / ${l.duplicateAnswers} / ${l.rejected} / ${l.conflicts}`]);
    if (l.batchesGivenUp) rows.push(["batches a client gave up on", String(l.batchesGivenUp)]);
    if (l.examples.length) rows.push(["examples", l.examples.join("; ")]);
  }
  for (const [name, r] of Object.entries(s.requests)) rows.push(...requestRows(name, r));
  for (const f of s.faults) {
    rows.push([`round ${f.round}, ${f.fault}: ready again after, s`, secs(f.readyMs)]);
    rows.push([`round ${f.round}, ${f.fault}: ingest resumed, s after ready`, secs(f.resumedMs)]);
    for (const [k, v] of Object.entries(f.detail)) rows.push([`round ${f.round}, ${f.fault}: ${k}`, String(v)]);
  }
  rows.push(...s.figures);
  if (s.error) rows.push(["DID NOT FINISH", s.error]);
  rows.push(["service log", s.logFile]);
  return `\n${n}. ${s.name}: ${s.title} (${s.seconds} s)\n${table(["figure", "value"], rows)}`;
}

/** One row per scenario. */
export function summaryTable(results: ScenarioResult[]): string {
  const rows = results.map((s) => {
    // The API's own requests; probes of /readyz and /healthz are in the scenario's table.
    const all = Object.entries(s.requests)
      .filter(([name]) => !name.startsWith("/"))
      .map(([, r]) => r);
    const sent = all.reduce((a, r) => a + r.sent, 0);
    const answered = all.reduce((a, r) => a + r.answered, 0);
    const refused = all.reduce((a, r) => a + r.refused, 0);
    const none = all.reduce((a, r) => a + withoutAnswer(r), 0);
    const errors: Record<string, number> = {};
    for (const r of all) for (const [k, n] of Object.entries(r.serverErrors)) errors[k] = (errors[k] ?? 0) + n;
    const ready = s.faults.map((f) => secs(f.readyMs)).join(", ");
    return [
      s.name,
      s.ledger ? String(s.ledger.acknowledged) : "-",
      s.ledger ? String(s.ledger.stored) : "-",
      s.ledger ? String(s.ledger.duplicated) : "-",
      s.ledger ? String(s.ledger.lost) : "-",
      String(sent),
      String(answered),
      String(refused),
      String(none),
      counts(errors),
      ready || "-",
      s.error ? `did not finish: ${s.error}` : "finished",
    ];
  });
  return table(["scenario", "acknowledged", "stored", "duplicated", "lost", "requests sent", "answered", "refused", "without answer", "5xx by code", "ready after fault, s", "run"], rows);
}
