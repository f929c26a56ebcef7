import { Composer, CST, Document, isMap, isScalar, isSeq, LineCounter, Parser, type Node } from 'yaml';
import type { JsonValue } from '../../injection/kubernetes-types.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import type { Manifest, ManifestDocument } from './manifest.ts';
import { formatPath, type PathToken } from './pod-locations.ts';
import { keepOriginalLines } from './keep-original-lines.ts';
import { detectYamlStyle } from './yaml-style.ts';

/** As for the templates file: a manifest has no business expanding aliases much. */
const MAX_ALIAS_COUNT = 100;

/**
 * A multi-document YAML manifest, kept as the YAML library's syntax tree so that edits
 * keep comments, key order and scalar styles. Each document is composed from its own
 * tokens: an unchanged one is written back byte for byte, a changed one re-serialised in
 * the style detected from its own text.
 */
export function parseYamlManifest(text: string, source: string): Manifest {
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const groups: CST.Token[][] = [[]];
  for (const token of tokens) {
    groups.at(-1)!.push(token);
    if (token.type === 'document') groups.push([]);
  }
  // Comments after the last document, and any doc-end marker (`...`) with them.
  const trailing = groups.pop()!;
  if (groups.length > 0) groups.at(-1)!.push(...trailing);

  const problems: string[] = [];
  const documents = groups.map((group, position) => {
    const composed = [...new Composer({ uniqueKeys: true }).compose(group)];
    const document = composed[0] ?? new Document(null);
    const index = position + 1;
    for (const error of composed.flatMap((doc) => doc.errors)) {
      const { line, col } = lines.linePos(error.pos[0]);
      problems.push(`${source}: document ${index}, line ${line}, column ${col}: ${error.message.split('\n')[0]}`);
    }
    return new YamlDocument(index, document, group);
  });
  if (problems.length > 0) throw new CliError(problems, ExitCode.input);
  for (const document of documents) document.readValue(source);

  return {
    format: 'yaml',
    documents,
    render: () => documents.map((document) => document.render()).join('') || (groups.length === 0 ? trailing.map((token) => CST.stringify(token)).join('') : ''),
  };
}

class YamlDocument implements ManifestDocument {
  private json: JsonValue | undefined;
  private edited = false;

  constructor(
    readonly index: number,
    private readonly document: Document,
    private readonly tokens: readonly CST.Token[],
  ) {}

  get value(): JsonValue | undefined {
    return this.json;
  }

  get changed(): boolean {
    return this.edited;
  }

  readValue(source: string): void {
    try {
      this.json = this.document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as JsonValue | undefined;
    } catch (error) {
      throw new CliError([`${source}: document ${this.index}: ${(error as Error).message}`], ExitCode.input);
    }
  }

  add(path: readonly PathToken[], value: JsonValue): void {
    const parent = this.nodeAt(path.slice(0, -1));
    const key = path.at(-1)!;
    const node = this.document.createNode(value, { aliasDuplicateObjects: false });
    if (isSeq(parent)) {
      if (key === '-') parent.items.push(node);
      else parent.items.splice(Number(key), 0, node);
    } else if (isMap(parent)) {
      parent.set(String(key), node);
    } else {
      throw this.cannotEdit(path, 'its parent is not a mapping or a list');
    }
    this.edited = true;
  }

  ensureMap(path: readonly PathToken[]): void {
    const parent = this.nodeAt(path.slice(0, -1));
    const key = String(path.at(-1)!);
    if (!isMap(parent)) throw this.cannotEdit(path, 'its parent is not a mapping');
    if (parent.has(key)) {
      if (isMap(parent.get(key, true))) return;
      parent.set(key, this.document.createNode({}));
    } else {
      // First, where people write a template's metadata (before its spec).
      parent.items.unshift(this.document.createPair(key, {}));
    }
    this.edited = true;
  }

  render(): string {
    const original = this.tokens.map((token) => CST.stringify(token)).join('');
    if (!this.edited) return original;
    return keepOriginalLines(original, this.document.toString(detectYamlStyle(original)));
  }

  private nodeAt(path: readonly PathToken[]): Node | null {
    let node = this.document.contents as Node | null;
    for (const [index, token] of path.entries()) {
      if (isMap(node)) node = node.get(String(token), true) as Node | undefined ?? null;
      else if (isSeq(node)) node = (node.items[Number(token)] as Node | undefined) ?? null;
      else throw this.cannotEdit(path.slice(0, index + 1), node && !isScalar(node) ? 'it goes through a YAML alias' : 'not a mapping or a list');
    }
    return node;
  }

  private cannotEdit(path: readonly PathToken[], why: string): CliError {
    return new CliError([`document ${this.index}: cannot edit ${formatPath(path) || '(document root)'}: ${why}`], ExitCode.input);
  }
}
