import type { ToStringOptions } from 'yaml';

/**
 * Serialisation options that make a re-written document look like the one that was read,
 * so a diff shows the injection and not a reformatting: the indent width, whether block
 * lists are indented under their key (kubectl writes them flush, many editors indent), and
 * whether flow collections are padded (`{ a: b }` or `{a: b}`). Long lines are never folded.
 */
export function detectYamlStyle(source: string): ToStringOptions {
  const lines = source.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  let indent: number | undefined;
  let indentSeq: boolean | undefined;
  for (let index = 1; index < lines.length && (indent === undefined || indentSeq === undefined); index++) {
    const previous = lines[index - 1]!;
    if (!/:\s*(#.*)?$/.test(previous)) continue;
    const outer = leadingSpaces(previous) + (previous.trimStart().startsWith('- ') ? 2 : 0);
    const line = lines[index]!;
    const inner = leadingSpaces(line);
    if (line.trimStart().startsWith('- ')) {
      indentSeq ??= inner > outer;
      if (inner > outer) indent ??= inner - outer;
    } else if (inner > outer) {
      indent ??= inner - outer;
    }
  }
  const padded = (source.match(/[{[] [^\s\]}]/g) ?? []).length;
  const tight = (source.match(/[{[][^\s\]}]/g) ?? []).length;
  return {
    indent: indent !== undefined && indent >= 1 && indent <= 8 ? indent : 2,
    indentSeq: indentSeq ?? true,
    flowCollectionPadding: padded >= tight,
    lineWidth: 0,
    minContentWidth: 0,
  };
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length;
}
