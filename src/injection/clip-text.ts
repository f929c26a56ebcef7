/**
 * Shortens text to at most `max` characters (code points, so a character outside the BMP
 * is never cut in half), ending with "…" when it was shortened. Only the first `max`
 * code points are ever read: the text may be a pod's megabyte-long annotation.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = 0;
  let end = 0;
  while (end < text.length && kept < max) {
    end += isHighSurrogate(text.charCodeAt(end)) && isLowSurrogate(text.charCodeAt(end + 1)) ? 2 : 1;
    kept++;
  }
  if (end >= text.length) return text;
  // Back off one more character to make room for the ellipsis.
  end -= end >= 2 && isLowSurrogate(text.charCodeAt(end - 1)) && isHighSurrogate(text.charCodeAt(end - 2)) ? 2 : 1;
  return `${text.slice(0, end)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
