/**
 * Kubernetes resource quantities ("250m", "1.5Gi", "2e3"), accepted exactly when the
 * apiserver's parser (k8s.io/apimachinery resource.ParseQuantity) accepts them, so a
 * parameter checked here can never make the apiserver refuse the pod it renders into.
 *
 * Grammar: [+-] digits [. digits] suffix, where suffix is a binary SI unit (Ki..Ei), a
 * decimal SI unit (n u m "" k M G T P E) or an exponent (e|E followed by a signed integer).
 * The apiserver's oddities are kept on purpose: "", "1e", "1K", "1KiB" and "1.2.3" are
 * refused; "+", ".", "m" and "e3" are accepted (as zero).
 */
export interface Quantity {
  /** -1, 0 or 1. */
  readonly sign: number;
  /** |value| = mantissa × 10^exponent, mantissa without trailing zeros (0n for zero). */
  readonly mantissa: bigint;
  readonly exponent: number;
}

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const SUFFIX_LETTERS = 'eEinumkKMGTP';
const INT64_MAX = 2n ** 63n - 1n;
/** The apiserver keeps values down to nano on its fast path. */
const NANO = -9;

export function parseQuantity(text: string): Quantity | undefined {
  const end = text.length;
  if (end === 0) return undefined;
  let pos = 0;
  let negative = false;
  if (text[0] === '-' || text[0] === '+') {
    negative = text[0] === '-';
    pos++;
  }
  const integerStart = pos;
  while (pos < end && isDigit(text.charCodeAt(pos))) pos++;
  const integerDigits = text.slice(integerStart, pos);
  let fractionDigits = '';
  if (text[pos] === '.') {
    const fractionStart = ++pos;
    while (pos < end && isDigit(text.charCodeAt(pos))) pos++;
    fractionDigits = text.slice(fractionStart, pos);
  }
  const suffixStart = pos;
  while (pos < end && SUFFIX_LETTERS.includes(text[pos]!)) pos++;
  if (text[pos] === '+' || text[pos] === '-') pos++;
  while (pos < end && isDigit(text.charCodeAt(pos))) pos++;
  if (pos !== end) return undefined;

  const unit = interpretSuffix(text.slice(suffixStart));
  if (!unit) return undefined;
  const hasDigits = integerDigits !== '' || fractionDigits !== '';
  // Without a digit the apiserver accepts only what its fast path handles (decimal units
  // down to nano, binary units up to Ti); its slow path then fails to read a number.
  if (!hasDigits && (unit.binary ? unit.power >= 50 : unit.power < NANO)) return undefined;

  let mantissa = BigInt(integerDigits + fractionDigits || '0');
  let exponent = -fractionDigits.length;
  if (unit.binary) mantissa *= 2n ** BigInt(unit.power);
  else exponent += unit.power;
  if (mantissa === 0n) return { sign: 0, mantissa, exponent: 0 };
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent += 1;
  }
  return { sign: negative ? -1 : 1, mantissa, exponent };
}

/** Exact comparison (no rounding, whatever the exponents): negative when a < b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  if (a.sign !== b.sign) return a.sign - b.sign;
  if (a.sign === 0) return 0;
  return a.sign * compareMagnitudes(a, b);
}

function compareMagnitudes(a: Quantity, b: Quantity): number {
  const aDigits = a.mantissa.toString().length;
  const bDigits = b.mantissa.toString().length;
  // The number of digits before the decimal point decides, unless it is the same; only
  // then are the mantissas aligned, by a shift no longer than the digits themselves.
  const aOrder = aDigits + a.exponent;
  const bOrder = bDigits + b.exponent;
  if (aOrder !== bOrder) return aOrder < bOrder ? -1 : 1;
  const shift = a.exponent - b.exponent;
  const left = shift > 0 ? a.mantissa * 10n ** BigInt(shift) : a.mantissa;
  const right = shift < 0 ? b.mantissa * 10n ** BigInt(-shift) : b.mantissa;
  return left === right ? 0 : left < right ? -1 : 1;
}

function interpretSuffix(suffix: string): { readonly binary: boolean; readonly power: number } | undefined {
  const decimal = DECIMAL_SUFFIXES[suffix];
  if (decimal !== undefined) return { binary: false, power: decimal };
  const binary = BINARY_SUFFIXES[suffix];
  if (binary !== undefined) return { binary: true, power: binary };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const digits = suffix.slice(1);
    if (!/^[+-]?\d+$/.test(digits)) return undefined;
    const value = BigInt(digits);
    if (value > INT64_MAX || value < -INT64_MAX - 1n) return undefined;
    // The apiserver reads the exponent as int64, then keeps its low 32 bits.
    return { binary: false, power: Number(BigInt.asIntN(32, value)) };
  }
  return undefined;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
