import { describe, expect, it } from 'vitest';
import { ACCEPTED_QUANTITIES, REFUSED_QUANTITIES } from '../../test/fixtures/quantities.ts';
import { compareQuantities, parseQuantity } from './quantity.ts';

describe(parseQuantity.name, () => {
  it.each(ACCEPTED_QUANTITIES)('accepts %j as the apiserver does', (text) => {
    expect(parseQuantity(text)).toBeDefined();
  });

  it.each(REFUSED_QUANTITIES)('refuses %j as the apiserver does', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  it('refuses surrounding spaces, which only the JSON decoding of the apiserver trims (parameters are trimmed before parsing)', () => {
    expect(parseQuantity(' 1')).toBeUndefined();
    expect(parseQuantity('1 ')).toBeUndefined();
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
