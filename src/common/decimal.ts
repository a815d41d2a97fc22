/**
 * Exact decimal arithmetic on scaled BigInts, for money rules (no floating point).
 * A Fixed holds value * 10^scale.
 */
export const SCALE = 4;
const FACTOR = 10n ** BigInt(SCALE);

/** "1.25" -> 12500n at scale 4 (more digits are rounded half up). */
export function toFixed(decimal: string): bigint {
  const negative = decimal.startsWith("-");
  const [int, frac = ""] = decimal.replace(/^[-+]/, "").split(".");
  const padded = (frac + "0".repeat(SCALE + 1)).slice(0, SCALE + 1);
  let scaled = BigInt(int || "0") * FACTOR + BigInt(padded.slice(0, SCALE));
  if (Number(padded[SCALE]) >= 5) scaled += 1n;
  return negative ? -scaled : scaled;
}

/** 12500n -> "1.25". */
export function fromFixed(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const int = abs / FACTOR;
  const frac = (abs % FACTOR).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}

/** a / b for non-negative integers, rounded half up to an integer. */
export function divRoundHalfUp(a: bigint, b: bigint): bigint {
  return (a * 2n + b) / (2n * b);
}
