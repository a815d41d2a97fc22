import http from "node:http";
import { randomUUID } from "node:crypto";

/**
 * What became of one request:
 * - answered: an HTTP response arrived, body and all;
 * - refused: no connection (nothing listening), so the service never had it;
 * - no-answer: sent on a connection that was then closed (or reset) with no complete response;
 * - timeout: no response within the client's ceiling (the client gave up).
 */
export type OutcomeKind = "answered" | "refused" | "no-answer" | "timeout";

export interface Outcome {
  kind: OutcomeKind;
  requestId: string;
  status: number;
  /** extensions.code of every GraphQL error in the body (or the body's own code), in order. */
  codes: string[];
  retryAfter: string | undefined;
  connectionClose: boolean;
  sentAt: number;
  ms: number;
  body: unknown;
  error?: string;
}

export function request(
  baseUrl: string,
  options: { method: "GET" | "POST"; path: string; body?: string; headers?: Record<string, string>; agent?: http.Agent; timeoutMs?: number; tally?: Tally },
): Promise<Outcome> {
  const requestId = `faults-${randomUUID()}`;
  const sentAt = Date.now();
  const tally = options.tally;
  if (tally) tally.sent += 1;
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const done = (outcome: Omit<Outcome, "requestId" | "sentAt" | "ms">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const full: Outcome = { ...outcome, requestId, sentAt, ms: Date.now() - sentAt };
      tally?.add(full);
      resolve(full);
    };
    const url = new URL(options.path, baseUrl);
    const req = http.request(url, {
      method: options.method,
      agent: options.agent ?? false,
      headers: {
        "x-request-id": requestId,
        ...(options.body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(options.body)) } : {}),
        ...options.headers,
      },
    });
    const empty = { status: 0, codes: [], retryAfter: undefined, connectionClose: false, body: undefined };
    const timer = setTimeout(() => {
      done({ ...empty, kind: "timeout", error: `no answer within ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs ?? 120000);
    req.on("error", (error: NodeJS.ErrnoException) => {
      done({ ...empty, kind: error.code === "ECONNREFUSED" ? "refused" : "no-answer", error: error.code ?? error.message });
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("aborted", () => done({ ...empty, kind: "no-answer", status: res.statusCode ?? 0, error: "response cut off" }));
      res.on("error", () => done({ ...empty, kind: "no-answer", status: res.statusCode ?? 0, error: "response cut off" }));
      res.on("close", () => {
        if (!res.complete) done({ ...empty, kind: "no-answer", status: res.statusCode ?? 0, error: "response cut off" });
      });
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON (e.g. /metrics): kept as text
        }
        const retryAfter = res.headers["retry-after"];
        done({
          kind: "answered",
          status: res.statusCode ?? 0,
          codes: errorCodes(body),
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          connectionClose: String(res.headers.connection ?? "").toLowerCase() === "close",
          body,
        });
      });
    });
    req.end(options.body);
  });
}

export function get(baseUrl: string, path: string, options: { timeoutMs?: number; headers?: Record<string, string>; tally?: Tally } = {}): Promise<Outcome> {
  return request(baseUrl, { method: "GET", path, ...options });
}

export function graphql(
  baseUrl: string,
  key: string,
  query: string,
  variables: Record<string, unknown>,
  options: { agent?: http.Agent; tally?: Tally; timeoutMs?: number } = {},
): Promise<Outcome> {
  return request(baseUrl, {
    method: "POST",
    path: "/graphql",
    body: JSON.stringify({ query, variables }),
    headers: { authorization: `Bearer ${key}` },
    ...options,
  });
}

function errorCodes(body: unknown): string[] {
  if (!body || typeof body !== "object") return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e: { extensions?: { code?: unknown } }) => (typeof e?.extensions?.code === "string" ? e.extensions.code : "NO_CODE"));
}

/** The label of an answer: its status and its first error code ("200", "503 SERVICE_UNAVAILABLE", "200 INTERNAL_SERVER_ERROR"). */
export function answerLabel(outcome: Outcome): string {
  return outcome.codes.length ? `${outcome.status} ${outcome.codes[0]}` : String(outcome.status);
}

export interface OutcomeRecord {
  requestId: string;
  sentAt: number;
  endAt: number;
  kind: OutcomeKind;
  label: string;
  retryAfter: boolean;
  connectionClose: boolean;
}

/** Counts of what became of a group of requests. */
export class Tally {
  sent = 0;
  answered = 0;
  refused = 0;
  noAnswer = 0;
  timeouts = 0;
  /** Answers by label (see answerLabel). */
  readonly byAnswer: Record<string, number> = {};
  /** 503 answers, and how many of them carried Retry-After. */
  unavailable = 0;
  unavailableWithRetryAfter = 0;
  /** Milliseconds of each answered request with status 200 and no error. */
  readonly okMs: number[] = [];
  /** Milliseconds of every answered request. */
  readonly answeredMs: number[] = [];
  /** A few examples of requests without an answer (request id, error). */
  readonly noAnswerExamples: string[] = [];
  /** Every request, briefly (the SIGTERM scenario sorts them by when they were sent and ended). */
  readonly records: OutcomeRecord[] = [];

  add(outcome: Outcome): void {
    this.records.push({
      requestId: outcome.requestId,
      sentAt: outcome.sentAt,
      endAt: outcome.sentAt + outcome.ms,
      kind: outcome.kind,
      label: outcome.kind === "answered" ? answerLabel(outcome) : outcome.kind,
      retryAfter: outcome.retryAfter !== undefined,
      connectionClose: outcome.connectionClose,
    });
    switch (outcome.kind) {
      case "answered": {
        this.answered += 1;
        const label = answerLabel(outcome);
        this.byAnswer[label] = (this.byAnswer[label] ?? 0) + 1;
        this.answeredMs.push(outcome.ms);
        if (outcome.status === 200 && outcome.codes.length === 0) this.okMs.push(outcome.ms);
        if (outcome.status === 503) {
          this.unavailable += 1;
          if (outcome.retryAfter !== undefined) this.unavailableWithRetryAfter += 1;
        }
        break;
      }
      case "refused":
        this.refused += 1;
        break;
      case "no-answer":
        this.noAnswer += 1;
        if (this.noAnswerExamples.length < 3) this.noAnswerExamples.push(`${outcome.requestId} ${outcome.error ?? ""}`);
        break;
      case "timeout":
        this.timeouts += 1;
        break;
    }
  }

  /** Answers with status 5xx, or with INTERNAL_SERVER_ERROR inside a 200, by label. */
  serverErrors(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [label, n] of Object.entries(this.byAnswer)) {
      if (/^5\d\d/.test(label) || label.includes("INTERNAL_SERVER_ERROR")) out[label] = n;
    }
    return out;
  }

  merge(other: Tally): void {
    this.sent += other.sent;
    this.answered += other.answered;
    this.refused += other.refused;
    this.noAnswer += other.noAnswer;
    this.timeouts += other.timeouts;
    for (const [label, n] of Object.entries(other.byAnswer)) this.byAnswer[label] = (this.byAnswer[label] ?? 0) + n;
    this.unavailable += other.unavailable;
    this.unavailableWithRetryAfter += other.unavailableWithRetryAfter;
    for (const ms of other.okMs) this.okMs.push(ms);
    for (const ms of other.answeredMs) this.answeredMs.push(ms);
    for (const e of other.noAnswerExamples) if (this.noAnswerExamples.length < 3) this.noAnswerExamples.push(e);
    for (const r of other.records) this.records.push(r);
  }
}

/** The p-th percentile (0..100) of `values`, nearest rank; null when empty. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
