import { describe, expect, it } from 'vitest';
import { detectYamlStyle } from './yaml-style.ts';

describe(detectYamlStyle.name, () => {
  it("sees kubectl's style: two spaces, lists flush with their key", () => {
    expect(detectYamlStyle('spec:\n  containers:\n  - name: a\n    image: b\n')).toMatchObject({ indent: 2, indentSeq: false });
  });

  it('sees indented lists and a wider indent', () => {
    expect(detectYamlStyle('spec:\n    containers:\n        - name: a\n')).toMatchObject({ indent: 4, indentSeq: true });
  });

  it('sees whether flow collections are padded', () => {
    expect(detectYamlStyle('labels: {app: web}\nports: [80]\n').flowCollectionPadding).toBe(false);
    expect(detectYamlStyle('labels: { app: web }\n').flowCollectionPadding).toBe(true);
  });

  it('never folds long lines', () => {
    expect(detectYamlStyle('a: b\n').lineWidth).toBe(0);
  });
});
