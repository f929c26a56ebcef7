import { describe, expect, it } from 'vitest';
import { escapePointerToken } from './json-patch.ts';

describe(escapePointerToken.name, () => {
  it.each([
    ['plain', 'plain'],
    ['example.com/key', 'example.com~1key'],
    ['a~b', 'a~0b'],
    // "~1" in a key must not turn into "/" on the way back: ~ is escaped first.
    ['odd~1/key', 'odd~01~1key'],
  ])('escapes %s as %s (RFC 6901)', (token, escaped) => {
    expect(escapePointerToken(token)).toBe(escaped);
  });
});
