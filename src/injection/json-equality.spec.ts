import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * Merging and patch building tell "the same item twice" from "two items under one name"
 * with util.isDeepStrictEqual (it replaced a hand-written JSON equality). On JSON values it
 * must mean: the same JSON, whatever the key order.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);

/** Keys sorted at every level: two values are the same JSON exactly when these are equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, reorder(item)]),
    );
  return value;
}

describe('isDeepStrictEqual on JSON values', () => {
  // JSON text, as pods and templates arrive: -0 and undefined cannot appear after a round trip.
  const json = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

  it(`is JSON equality, key order aside (seed ${SEED})`, () => {
    console.log(`json-equality seed ${SEED} (FUZZ_SEED=${SEED} repeats it)`);
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(isDeepStrictEqual(a, reorder(a))).toBe(true);
        expect(isDeepStrictEqual(a, b)).toBe(canonical(a) === canonical(b));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('tells apart what JSON tells apart', () => {
    expect(isDeepStrictEqual({ a: null }, {})).toBe(false);
    expect(isDeepStrictEqual([1, 2], [2, 1])).toBe(false);
    expect(isDeepStrictEqual({ a: [] }, { a: {} })).toBe(false);
    expect(isDeepStrictEqual({ a: '1' }, { a: 1 })).toBe(false);
  });

  it('differs from JSON only on -0, which a literal "-0" in a pod can give: then it sees a clash, never a false match', () => {
    expect(JSON.stringify(JSON.parse('-0'))).toBe('0');
    expect(isDeepStrictEqual(JSON.parse('{"port":-0}'), { port: 0 })).toBe(false);
  });
});
