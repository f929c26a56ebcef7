import { describe, expect, it } from 'vitest';
import { clipText } from './clip-text.ts';

describe(clipText.name, () => {
  it('keeps text that fits', () => {
    expect(clipText('short', 5)).toBe('short');
    expect(clipText('😀😀', 2)).toBe('😀😀');
  });

  it('shortens to the limit, ellipsis included', () => {
    expect(clipText('abcdef', 4)).toBe('abc…');
    expect([...clipText('x'.repeat(1_000_000), 120)]).toHaveLength(120);
  });

  it('never cuts a character outside the BMP in half', () => {
    const clipped = clipText('😀'.repeat(10), 4);
    expect(clipped).toBe('😀😀😀…');
    expect(clipped.isWellFormed()).toBe(true);
    expect(clipText(`ab😀cd`, 3).isWellFormed()).toBe(true);
  });
});
