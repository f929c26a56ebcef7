import { describe, expect, it } from 'vitest';
import { compareQuantities, parseQuantity } from './quantity.ts';

/**
 * What the apiserver accepts as a quantity; test/cluster/quantities.e2e-spec.ts sends the
 * same strings to a real apiserver and checks that it agrees with parseQuantity.
 */
export const ACCEPTED_QUANTITIES = [
  '0', '1', '250m', '1.5', '100Mi', '1Gi', '2Ei', '5E', '1e3', '1E3', '1e-3', '1e+3', '+1', '-1', '-250m', '0.5n', '1u', '12k', '3M', '4G', '5T', '6P', '7Ki', '8Ti', '9Pi',
  '1.', '.5', '00010', '18446744073709551616', '1.23456789012345678901234567890', '1e9223372036854775807',
  // The apiserver's parser takes these as zero; so does ours.
  '+', '-', '.', 'm', 'e3', 'Ki', 'Ti', '0Pi', '0e-20',
];
export const REFUSED_QUANTITIES = [
  '', ' 1', '1 ', '1K', '1KiB', '1e', '1ee3', '1e3m', '1Mi3', '1.2.3', '--1', '0x10', '1,5', '１', 'one', 'Pi', 'Ei', '-e-20', 'e-10', '1e9223372036854775808', '1e1.5', '1mm', '1m1',
];

describe(parseQuantity.name, () => {
  it.each(ACCEPTED_QUANTITIES)('accepts %j as the apiserver does', (text) => {
    expect(parseQuantity(text)).toBeDefined();
  });

  it.each(REFUSED_QUANTITIES)('refuses %j as the apiserver does', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe(compareQuantities.name, () => {
  const order = (a: string, b: string) => Math.sign(compareQuantities(parseQuantity(a)!, parseQuantity(b)!));

  it.each([
    ['100m', '0.1', 0],
    ['1', '1000m', 0],
    ['1Ki', '1024', 0],
    ['1k', '1Ki', -1],
    ['1e3', '1k', 0],
    ['999m', '1', -1],
    ['1.0001', '1', 1],
    ['-1', '0', -1],
    ['-2', '-1', -1],
    ['0', '-0', 0],
    ['1e9223372036854775807', '1E', -1], // the exponent wraps to -1, as on the apiserver
    ['1e2000000000', '1e1999999999', 1],
    ['123456789012345678901234567890', '1.23456789012345678901234567891e29', -1],
  ])('orders %s against %s as %d, exactly', (a, b, expected) => {
    expect(order(a, b)).toBe(expected);
    expect(order(b, a)).toBe(-expected || 0);
  });
});
