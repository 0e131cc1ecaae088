/**
 * Exact decimal strings as the API sends them ("125.50", "-7.00"). The browser never turns
 * money into a float: amounts stay strings, comparisons and chart scales use BigInt.
 */

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

export interface ScaledDecimal {
  /** The value times 10^scale, exactly. */
  units: bigint;
  scale: number;
}

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

export function parseDecimal(text: string): ScaledDecimal {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new Error(`not a decimal string: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = ""] = match;
  const units = BigInt(whole + fraction);
  return { units: sign === "-" ? -units : units, scale: fraction.length };
}

/** `value` expressed with `scale` decimal places (scale must not drop digits). */
export function rescale(value: ScaledDecimal, scale: number): bigint {
  if (scale < value.scale) throw new Error("rescale would drop digits");
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** All of `texts` as integers of one common scale, for exact comparison and geometry. */
export function toCommonScale(texts: readonly string[]): { units: bigint[]; scale: number } {
  const parsed = texts.map(parseDecimal);
  const scale = parsed.reduce((most, value) => Math.max(most, value.scale), 0);
  return { units: parsed.map((value) => rescale(value, scale)), scale };
}

export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const {
    units: [x, y],
  } = toCommonScale([a, b]);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isPositive(text: string): boolean {
  return isDecimal(text) && parseDecimal(text).units > 0n;
}

/** Decimal places an amount has, as typed ("12.5" has 1). */
export function decimalPlaces(text: string): number {
  return parseDecimal(text).scale;
}

/** The exact decimal string of `units` / 10^scale ("-1250", 2 -> "-12.50"). */
export function formatUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** a - b, exactly, at the larger of their scales. */
export function subtractDecimals(a: string, b: string): string {
  const {
    units: [x, y],
    scale,
  } = toCommonScale([a, b]);
  return formatUnits(x - y, scale);
}
