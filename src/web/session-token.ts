import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The browser sign-in's session token (src/web/report-session.ts): what the cookie
 * holds instead of the API key.
 *
 *     v1.<key id>.<expires at, epoch seconds>.<mac>
 *
 * mac = HMAC-SHA256(server secret, "v1.<key id>.<expires at>"), base64url (43
 * characters). Every part is cookie-safe. The token names the key by its id (not
 * secret: admins see it, the access log records it) and never holds the key or any
 * part of it, so a leaked cookie is good for the reports and downloads of that key
 * until it expires (8 hours after sign-in, not extended by use) or the key is
 * revoked, and never for GraphQL. Nothing is stored on the server: any process with
 * the same secret can check a token; a new secret ends every session.
 */

/** How long a session lasts from sign-in (not extended by use): 8 hours. */
export const SESSION_SECONDS = 8 * 60 * 60;
/** Shortest secret accepted, in bytes (REPORT_SESSION_SECRET: as many visible ASCII characters). */
export const MIN_SECRET_BYTES = 32;

const VERSION = "v1";
const TOKEN = /^v1\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})$/;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ReportSessionOptions {
  /** The server secret (REPORT_SESSION_SECRET): at least 32 bytes. */
  secret: string | Buffer;
  /** The clock, milliseconds since the epoch (tests). */
  now?: () => number;
}

/** Issues and checks session tokens with one secret. Holds no sessions. */
export class ReportSessions {
  private readonly secret: Buffer;
  private readonly now: () => number;

  constructor(options: ReportSessionOptions) {
    const secret = typeof options.secret === "string" ? Buffer.from(options.secret, "utf8") : Buffer.from(options.secret);
    if (secret.length < MIN_SECRET_BYTES) throw new Error(`The report session secret must be at least ${MIN_SECRET_BYTES} bytes`);
    this.secret = secret;
    this.now = options.now ?? Date.now;
  }

  /** Sessions with a new random secret: they end with the process, and only this process accepts them. */
  static withRandomSecret(options: Omit<ReportSessionOptions, "secret"> = {}): ReportSessions {
    return new ReportSessions({ ...options, secret: randomBytes(32) });
  }

  private mac(payload: string): string {
    return createHmac("sha256", this.secret).update(payload, "utf8").digest("base64url");
  }

  /** A token for the key (its id, lower-case UUID), expiring SESSION_SECONDS from now. */
  issue(keyId: string): { token: string; expiresAt: Date } {
    if (!KEY_ID.test(keyId)) throw new Error("A session names a key by its id (a lower-case UUID)");
    const expires = Math.floor(this.now() / 1000) + SESSION_SECONDS;
    const payload = `${VERSION}.${keyId}.${expires}`;
    return { token: `${payload}.${this.mac(payload)}`, expiresAt: new Date(expires * 1000) };
  }

  /**
   * The key id of a token this secret signed that has not expired; null for anything
   * else (malformed, another version, a MAC that doesn't match, expired). Whether
   * the key is still valid is for authenticateKeyId() to say.
   */
  verify(token: string): string | null {
    const m = TOKEN.exec(token);
    if (!m) return null;
    const payload = `${VERSION}.${m[1]}.${m[2]}`;
    // Compared as text of fixed length: base64url's last character has spare bits, so decoded bytes could match for two spellings.
    const expected = Buffer.from(this.mac(payload), "ascii");
    const given = Buffer.from(m[3], "ascii");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (this.now() >= Number(m[2]) * 1000) return null;
    return m[1];
  }
}
