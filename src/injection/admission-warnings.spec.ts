import { describe, expect, it } from 'vitest';
import { limitWarnings, MAX_WARNING_LENGTH, MAX_WARNINGS_TOTAL } from './admission-warnings.ts';

describe(limitWarnings.name, () => {
  it('passes short warnings through, in order', () => {
    expect(limitWarnings(['one', 'two'])).toEqual(['one', 'two']);
  });

  it('clips each warning to 120 characters, as Kubernetes asks', () => {
    const [line] = limitWarnings([`sidecar "x": ${'y'.repeat(500)}`]);
    expect([...line!]).toHaveLength(MAX_WARNING_LENGTH);
    expect(line!.endsWith('…')).toBe(true);
  });

  it('puts each warning on one printable line (they travel in HTTP headers)', () => {
    expect(limitWarnings(['a\nb\tc\u0000d\u009be'])).toEqual(['a b c d e']);
  });

  it('keeps within its share of the apiserver budget and says how many were left out', () => {
    const warnings = Array.from({ length: 50 }, (_, index) => `warning ${index} ${'z'.repeat(100)}`);
    const lines = limitWarnings(warnings);
    expect(lines.join('').length).toBeLessThanOrEqual(MAX_WARNINGS_TOTAL);
    const shown = lines.length - 1;
    expect(lines.slice(0, shown)).toEqual(warnings.slice(0, shown).map((warning) => warning.slice(0, MAX_WARNING_LENGTH)));
    expect(lines.at(-1)).toBe(`${50 - shown} more sidecar-injector warnings not shown`);
  });

  it('does not summarise when everything fits', () => {
    const warnings = Array.from({ length: 8 }, () => 'x'.repeat(MAX_WARNING_LENGTH));
    expect(limitWarnings(warnings)).toEqual(warnings);
  });
});
