import { describe, expect, it } from 'vitest';
import { keepOriginalLines } from './keep-original-lines.ts';

describe(keepOriginalLines.name, () => {
  it('restores the spacing before a trailing comment the YAML library normalised', () => {
    const original = 'metadata:\n  name: web     # aligned\nspec: {}\n';
    const rewritten = 'metadata:\n  name: web # aligned\n  annotations:\n    a: b\nspec: {}\n';
    expect(keepOriginalLines(original, rewritten)).toBe('metadata:\n  name: web     # aligned\n  annotations:\n    a: b\nspec: {}\n');
  });

  it('keeps added lines as the library wrote them', () => {
    const original = 'a: 1\n';
    expect(keepOriginalLines(original, 'a: 1\nb: 2 # new\n')).toBe('a: 1\nb: 2 # new\n');
  });

  it('never swaps a line whose content differs, even if only in spaces inside a value', () => {
    const original = 'value: "a  b"\n';
    const rewritten = 'value: "a b"\nvalue2: "a  b"\n';
    expect(keepOriginalLines(original, rewritten)).toBe(rewritten);
  });

  it("leaves the library's text alone when the original lines cannot all be found in order", () => {
    expect(keepOriginalLines('a: 1\nb: 2\n', 'b: 2\na: 1\n')).toBe('b: 2\na: 1\n');
  });

  it('lets blank lines the library dropped stay dropped', () => {
    expect(keepOriginalLines('a: |\n  x\n\nb: 1   # c\n', 'a: |\n  x\nb: 1 # c\nc: 2\n')).toBe('a: |\n  x\nb: 1   # c\nc: 2\n');
  });
});
