import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `dbl_<prefix>_<secret>`: the prefix (10 characters) finds the row,
 * the secret (256 random bits) is checked against its stored SHA-256. A slow password
 * hash is not needed: the secret is random, not chosen by a person.
 */
export interface KeyParts {
  prefix: string;
  secret: string;
}

const KEY = /^dbl_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

export function newKey(random: (n: number) => Buffer = randomBytes): { key: string; prefix: string; hash: Buffer } {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const prefix = Array.from(random(10), (b) => alphabet[b % alphabet.length]).join("");
  const secret = random(32).toString("base64url");
  return { key: `dbl_${prefix}_${secret}`, prefix, hash: hashSecret(secret) };
}

export function parseKey(key: string): KeyParts | null {
  const m = KEY.exec(key.trim());
  return m ? { prefix: m[1], secret: m[2] } : null;
}

export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const actual = hashSecret(secret);
  return storedHash.length === actual.length && timingSafeEqual(actual, storedHash);
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The token of an `Authorization: Bearer <token>` header, or null without one. */
export function bearerToken(authorization: string | string[] | undefined): string | null {
  const auth = first(authorization);
  return auth && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, "").trim() : null;
}

/** The key from `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function keyFromHeaders(headers: { authorization?: string | string[]; "x-api-key"?: string | string[] }): string | null {
  const bearer = bearerToken(headers.authorization);
  if (bearer !== null) return bearer;
  // `Authorization: <key>` without "Bearer": taken as it is (a bare key is accepted; anything else
  // is answered by authenticate() with what is wrong, not as if no key had been sent).
  const authorization = first(headers.authorization)?.trim();
  if (authorization) return authorization;
  const header = first(headers["x-api-key"]);
  return header ? header.trim() : null;
}

/** Why a sent value is not a key, in words a client developer can act on. */
export function malformedKeyMessage(value: string): string {
  const scheme = /^([A-Za-z][\w-]*)\s+\S/.exec(value.trim());
  if (scheme && scheme[1].toLowerCase() !== "bearer") {
    return `The Authorization header holds a ${scheme[1]} credential: send the API key as \`Authorization: Bearer <key>\` or \`X-Api-Key: <key>\``;
  }
  return "The API key is malformed";
}
