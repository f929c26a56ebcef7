import { Composer, CST, Document, isMap, isScalar, isSeq, LineCounter, Parser, type Node } from 'yaml';
import type { JsonValue } from '../../injection/kubernetes-types.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import type { Manifest, ManifestDocument } from './manifest.ts';
import { formatPath, type PathToken } from './pod-locations.ts';
import { keepOriginalLines } from './keep-original-lines.ts';
import { spliceAdditions } from './yaml-splice.ts';
import { detectYamlStyle } from './yaml-style.ts';

/** As for the templates file: a manifest has no business expanding aliases much. */
const MAX_ALIAS_COUNT = 100;

/** Where a slice of a larger file begins, so that messages number documents and lines as in the file. */
export interface ChunkPosition {
  readonly documentsBefore: number;
  readonly linesBefore: number;
}

/**
 * A multi-document YAML manifest, kept as the YAML library's syntax tree so that edits
 * keep comments, key order and scalar styles. Documents are parsed one at a time as they
 * are reached and let go once done with, so a 10,000-document file never holds 10,000
 * syntax trees. Each is composed from its own tokens: an unchanged one is written back
 * byte for byte, a changed one re-serialised in the style detected from its own text.
 * Syntax errors in any document are thrown (all of them) once every document was read.
 */
export function parseYamlManifest(text: string, source: string, position: ChunkPosition = { documentsBefore: 0, linesBefore: 0 }): Manifest {
  const rendered: string[] = [];
  let consumed = false;
  return {
    format: 'yaml',
    *documents() {
      if (consumed) throw new Error('a YAML manifest is read once');
      consumed = true;
      const lines = new LineCounter();
      const problems: string[] = [];
      let index = position.documentsBefore;
      const finish = function* (group: CST.Token[], end: number): Generator<YamlDocument> {
        index += 1;
        const start = group[0]!.offset;
        const composed = [...new Composer({ uniqueKeys: true }).compose(group)];
        const errors = composed.flatMap((doc) => doc.errors);
        for (const error of errors) {
          const { line, col } = lines.linePos(error.pos[0]);
          problems.push(`${source}: document ${index}, line ${line + position.linesBefore}, column ${col}: ${error.message.split('\n')[0]}`);
        }
        if (errors.length > 0 || problems.length > 0) return;
        const document = new YamlDocument(index, composed[0] ?? new Document(null), text.slice(start, end), start, source);
        yield document;
        rendered.push(document.render());
      };
      // A group is a document with the comments and directives before it; it is complete once the next one starts.
      let pending: CST.Token[] | undefined;
      let group: CST.Token[] = [];
      for (const token of new Parser(lines.addNewLine).parse(text)) {
        if (pending && token.type !== 'document' && group.length === 0 && token.type === 'doc-end') {
          pending.push(token);
          continue;
        }
        group.push(token);
        if (token.type !== 'document') continue;
        if (pending) yield* finish(pending, group[0]!.offset);
        pending = group;
        group = [];
      }
      // Comments after the last document stay with it; a file with no document is only those.
      if (pending) yield* finish([...pending, ...group], text.length);
      else rendered.push(text);
      if (problems.length > 0) throw new CliError(problems, ExitCode.input);
    },
    render: () => {
      if (!consumed) throw new Error('render() before the documents were read');
      return rendered.join('');
    },
  };
}

interface Edit {
  readonly path: readonly PathToken[];
  readonly value: JsonValue;
  readonly first: boolean;
}

/**
 * Edits are recorded and written at render(): spliced into the original text when they
 * are the additions injection makes (the usual case, and the fast one), otherwise applied
 * to the syntax tree and the document re-serialised.
 */
class YamlDocument implements ManifestDocument {
  private readonly json: JsonValue | undefined;
  private readonly edits: Edit[] = [];

  constructor(
    readonly index: number,
    private readonly document: Document,
    /** This document's own source text, leading comments included. */
    private readonly original: string,
    /** Where `original` begins in the file: the tree's offsets are the file's. */
    private readonly start: number,
    source: string,
  ) {
    try {
      this.json = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as JsonValue | undefined;
    } catch (error) {
      throw new CliError([`${source}: document ${index}: ${(error as Error).message}`], ExitCode.input);
    }
  }

  get value(): JsonValue | undefined {
    return this.json;
  }

  get changed(): boolean {
    return this.edits.length > 0;
  }

  add(path: readonly PathToken[], value: JsonValue, options: { readonly first?: boolean } = {}): void {
    this.edits.push({ path, value, first: options.first === true });
  }

  render(): string {
    if (this.edits.length === 0) return this.original;
    const style = detectYamlStyle(this.original);
    const spliced = spliceAdditions(this.document, this.original, this.start, this.edits, style);
    if (spliced !== undefined) return spliced;
    for (const edit of this.edits) this.addToTree(edit);
    return keepOriginalLines(this.original, this.document.toString(style));
  }

  private addToTree({ path, value, first }: Edit): void {
    const parent = this.nodeAt(path.slice(0, -1));
    const key = path.at(-1)!;
    if (isSeq(parent)) {
      const node = this.document.createNode(value, { aliasDuplicateObjects: false });
      if (key === '-') parent.items.push(node);
      else parent.items.splice(Number(key), 0, node);
    } else if (isMap(parent)) {
      if (first && !parent.has(String(key))) parent.items.unshift(this.document.createPair(String(key), value, { aliasDuplicateObjects: false }));
      else parent.set(String(key), this.document.createNode(value, { aliasDuplicateObjects: false }));
    } else {
      throw this.cannotEdit(path, 'its parent is not a mapping or a list');
    }
  }

  private nodeAt(path: readonly PathToken[]): Node | null {
    let node = this.document.contents as Node | null;
    for (const [index, token] of path.entries()) {
      if (isMap(node)) node = (node.get(String(token), true) as Node | undefined) ?? null;
      else if (isSeq(node)) node = (node.items[Number(token)] as Node | undefined) ?? null;
      else throw this.cannotEdit(path.slice(0, index + 1), node && !isScalar(node) ? 'it goes through a YAML alias' : 'not a mapping or a list');
    }
    return node;
  }

  private cannotEdit(path: readonly PathToken[], why: string): CliError {
    return new CliError([`document ${this.index}: cannot edit ${formatPath(path) || '(document root)'}: ${why}`], ExitCode.input);
  }
}
