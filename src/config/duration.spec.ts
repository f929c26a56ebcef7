import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe(parseDuration.name, () => {
  it.each([
    ['8760h', 8760 * 3_600_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1_500],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 'h', '1d', '-5s', '5 s', '1h 30m'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());

  it('formats back', () => {
    expect(formatDuration(93_784_000)).toBe('26h3m4s');
    expect(formatDuration(250)).toBe('250ms');
  });
});
