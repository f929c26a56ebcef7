/**
 * Puts the original text back on lines the YAML library only respaced. Injection only
 * adds, so every original line reappears in the re-serialised document, in order; the
 * library normalises the gap before a trailing comment (`name: web   # note` comes back
 * as `name: web # note`). Walking both texts once, a re-serialised line that equals the
 * next original one up to that gap is replaced by the original; anything else is new.
 * Original blank lines the library dropped stay dropped (inside a new block scalar a
 * blank line would be content). If the original lines cannot all be found in order, the
 * library's text is kept as it is.
 */
export function keepOriginalLines(original: string, rewritten: string): string {
  const before = original.split('\n');
  const after = rewritten.split('\n');
  const kept: string[] = [];
  let next = 0;
  for (const line of after) {
    while (next < before.length && before[next]!.trim() === '' && line.trim() !== '') next += 1;
    const candidate = before[next];
    if (candidate !== undefined && (candidate === line || sameUpToCommentGap(candidate, line))) {
      kept.push(candidate);
      next += 1;
    } else {
      kept.push(line);
    }
  }
  const unmatched = before.slice(next).some((line) => line.trim() !== '');
  return unmatched ? rewritten : kept.join('\n');
}

function sameUpToCommentGap(a: string, b: string): boolean {
  if (!a.includes('#') || !b.includes('#')) return false;
  return withoutCommentGap(a) === withoutCommentGap(b);
}

function withoutCommentGap(line: string): string {
  return line.replace(/[ \t]+#/g, ' #').trimEnd();
}
