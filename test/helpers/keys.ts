import { KeyParts, parseKey } from "../../src/modules/access/keys";

/**
 * The prefix and secret of an API key, read the way the service reads them (`parseKey`).
 * Never `key.split("_")`: the secret is base64url, whose alphabet includes "_".
 */
export function keyParts(key: string): KeyParts {
  const parts = parseKey(key);
  if (!parts) throw new Error(`not an API key: ${key.slice(0, 8)}…`);
  return parts;
}

export const keyPrefix = (key: string): string => keyParts(key).prefix;

/** The same key with a secret that is certainly not its own (every character changed), for refusals. */
export function withOtherSecret(key: string): string {
  const { prefix, secret } = keyParts(key);
  const other = Array.from(secret, (c) => (c === "A" ? "B" : "A")).join("");
  return `dbl_${prefix}_${other}`;
}
