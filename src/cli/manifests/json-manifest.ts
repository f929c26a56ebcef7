import type { JsonValue } from '../../injection/kubernetes-types.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import type { Manifest, ManifestDocument } from './manifest.ts';
import { formatPath, type PathToken } from './pod-locations.ts';

/** A JSON manifest (one object, or a List) when the text parses as JSON; undefined otherwise. */
export function parseJsonManifest(text: string): Manifest | undefined {
  if (!/^\s*[{[]/.test(text)) return undefined;
  let root: JsonValue;
  try {
    root = JSON.parse(text) as JsonValue;
  } catch {
    // Flow-style YAML starts the same way; the YAML reader tells the two apart and names the line.
    return undefined;
  }
  const document = new JsonDocument(root);
  return {
    format: 'json',
    documents: () => [document],
    render: () => (document.changed ? `${JSON.stringify(document.value, null, detectIndent(text))}${text.endsWith('\n') ? '\n' : ''}` : text),
  };
}

/** A JSON value edited in place; the caller hands over a value no one else holds. */
export class JsonDocument implements ManifestDocument {
  private readonly holder: { root: JsonValue };
  private edited = false;

  constructor(
    root: JsonValue,
    readonly index = 1,
  ) {
    this.holder = { root };
  }

  get value(): JsonValue {
    return this.holder.root;
  }

  get changed(): boolean {
    return this.edited;
  }

  add(path: readonly PathToken[], value: JsonValue, options: { readonly first?: boolean } = {}): void {
    // A copy: the engine's values may be shared with its compiled templates.
    addAt(this.holder, ['root', ...path], structuredClone(value) as JsonValue, options.first === true);
    this.edited = true;
  }
}

type Container = Record<string, unknown> | unknown[];

function addAt(holder: { root: JsonValue }, path: readonly PathToken[], value: JsonValue, first: boolean): void {
  const parent = walk(holder, path.slice(0, -1));
  const key = path.at(-1)!;
  if (Array.isArray(parent)) {
    if (key === '-') parent.push(value);
    else parent.splice(Number(key), 0, value);
  } else if (first && !Object.hasOwn(parent, String(key))) {
    const rest = { ...parent };
    for (const own of Object.keys(parent)) delete parent[own];
    Object.assign(parent, { [String(key)]: value }, rest);
  } else {
    assign(parent, key, value, path);
  }
}

function walk(holder: { root: JsonValue }, path: readonly PathToken[]): Container {
  let current: unknown = holder;
  for (const [index, token] of path.entries()) {
    current = readChild(current as Container, token);
    if (current === null || typeof current !== 'object') throw new CliError([`cannot edit ${formatPath(path.slice(1, index + 1))}: not an object or list`], ExitCode.input);
  }
  return current as Container;
}

function readChild(parent: Container, token: PathToken): unknown {
  return Array.isArray(parent) ? parent[Number(token)] : parent[String(token)];
}

function assign(parent: Container, key: PathToken, value: unknown, path: readonly PathToken[]): void {
  if (Array.isArray(parent)) throw new CliError([`cannot edit ${formatPath(path)}: its parent is a list`], ExitCode.input);
  parent[String(key)] = value;
}

/** The indentation of the first indented line: 2 for kubectl's output, 0 for one-line JSON. */
function detectIndent(text: string): number | string {
  const match = /\n([ \t]+)\S/.exec(text);
  if (!match) return 0;
  return match[1]!.startsWith('\t') ? '\t' : match[1]!.length;
}
