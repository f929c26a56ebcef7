import { describe, expect, it } from 'vitest';
import { clip, clipUtf8, echo } from './clip.ts';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** Whether the text survives a UTF-8 round trip unchanged: no half character, no lone surrogate. */
const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8') === text;

describe(clip.name, () => {
  it('leaves short text alone', () => {
    expect(clip('web-7d9f')).toBe('web-7d9f');
    expect(clip('x'.repeat(256))).toBe('x'.repeat(256));
  });

  it('cuts long text and says how much was left out', () => {
    expect(clip('x'.repeat(5_000_000), 10)).toBe('xxxxxxxxxx…(4999990 more)');
  });

  it('never keeps half of a character made of two UTF-16 units', () => {
    const text = `${'x'.repeat(9)}😀😀`;
    expect(clip(text, 10)).toBe(`${'x'.repeat(9)}…(4 more)`);
    expect(wellFormed(clip(text, 10))).toBe(true);
  });
});

describe(echo.name, () => {
  it('clips strings and names other values by their type without rendering them', () => {
    expect(echo('x'.repeat(300))).toHaveLength(256 + '…(44 more)'.length);
    expect(echo(undefined)).toBeUndefined();
    expect(echo({ toString: 1 })).toBe('(not a string: object)');
    expect(echo(['a'.repeat(1_000_000)])).toBe('(not a string: array)');
    expect(echo(null)).toBe('(not a string: null)');
    expect(echo(7)).toBe('(not a string: number)');
  });
});

describe(clipUtf8.name, () => {
  it('leaves text within the limit alone, counting bytes', () => {
    expect(clipUtf8('x'.repeat(1024), 1024)).toBe('x'.repeat(1024));
    expect(clipUtf8('é'.repeat(512), 1024)).toBe('é'.repeat(512));
  });

  it.each([
    ['ASCII', 'x'],
    ['two-byte characters', 'é'],
    ['three-byte characters', '€'],
    ['four-byte characters', '😀'],
    ['a mix', 'aé€😀'],
  ])('cuts %s to at most the limit, between characters, ending in "…"', (_name, unit) => {
    for (let extra = 0; extra < 8; extra++) {
      const text = 'p'.repeat(extra) + unit.repeat(2_000);
      const clipped = clipUtf8(text, 1024);
      expect(bytes(clipped)).toBeLessThanOrEqual(1024);
      // Within one character of the limit: nothing is given up that would have fitted.
      expect(bytes(clipped)).toBeGreaterThan(1024 - 4);
      expect(clipped.endsWith('…')).toBe(true);
      expect(wellFormed(clipped)).toBe(true);
      expect(text.startsWith(clipped.slice(0, -1))).toBe(true);
    }
  });

  it('counts a lone surrogate as the three bytes it becomes', () => {
    const text = '\uD800'.repeat(400);
    expect(bytes(text)).toBe(1200);
    expect(bytes(clipUtf8(text, 1024))).toBeLessThanOrEqual(1024);
  });
});
