/**
 * How much of a request-controlled string a log line or an Event carries. Mutating
 * admission runs before the apiserver validates the object, so a pod name can be megabytes
 * when it reaches the webhook; a log line must not be.
 */
export const ECHO_CHARS = 256;

/** `text` cut to about `max` UTF-16 units, never half a character, saying how much was left out. */
export function clip(text: string, max = ECHO_CHARS): string {
  if (text.length <= max) return text;
  const end = isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…(${text.length - end} more)`;
}

/** A request-controlled value for a log line: a string clipped, anything else named by its type and never rendered. */
export function echo(value: unknown, max = ECHO_CHARS): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return clip(value, max);
  return `(not a string: ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`;
}

/**
 * `text` within `maxBytes` of UTF-8, the unit the apiserver counts, ending in "…" when cut;
 * the cut falls between characters, so what is sent stays valid UTF-8. A lone surrogate is
 * counted as the three bytes of the U+FFFD it becomes.
 */
export function clipUtf8(text: string, maxBytes: number): string {
  // No string of n UTF-16 units takes more than 3n bytes.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - ELLIPSIS_BYTES;
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    const size = utf8Size(character.codePointAt(0)!);
    if (bytes + size > budget) break;
    bytes += size;
    end += character.length;
  }
  return `${text.slice(0, end)}…`;
}

const ELLIPSIS_BYTES = Buffer.byteLength('…', 'utf8');

function utf8Size(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint < 0x10000 ? 3 : 4;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
