import { Document, isMap, isScalar, isSeq, type Node, type ToStringOptions, type YAMLMap, type YAMLSeq } from 'yaml';
import type { JsonValue } from '../../injection/kubernetes-types.ts';
import type { PathToken } from './pod-locations.ts';

export interface AddOperation {
  readonly path: readonly PathToken[];
  readonly value: JsonValue;
  /** A new key goes before the mapping's first key rather than after its last. */
  readonly first?: boolean;
}

/**
 * The document's own text with the added entries and items written in, everything else
 * left as it was, byte for byte. Handles what injection adds: a new key at the end of a
 * block mapping, an item appended to or inserted into a block list. Anything else (a
 * flow collection, replacing a null, a path through something added) gives undefined,
 * and the caller re-serialises the edited syntax tree instead.
 *
 * Offsets in the tree are the whole file's; `start` is where this document's text begins.
 */
export function spliceAdditions(document: Document, original: string, start: number, operations: readonly AddOperation[], style: ToStringOptions): string | undefined {
  const inserts: { at: number; depth: number; text: string }[] = [];
  const lists = new Map<YAMLSeq, { depth: number; items: (Node | string)[] }>();
  for (const { path, value, first } of operations) {
    const parent = resolve(document, path.slice(0, -1), lists);
    const key = path.at(-1)!;
    if (isMap(parent) && !parent.flow && parent.items.length > 0 && !parent.has(String(key))) {
      const keyOffset = firstKeyOffset(parent) - start;
      const column = columnOf(original, keyOffset);
      if (column === undefined) return undefined;
      const text = rendered('entry', String(key), value, column, style);
      if (first) {
        // Only before a key that starts its own line (not the first key of a `- ` item).
        if (original.slice(lineStart(original, keyOffset), keyOffset).trim() !== '') return undefined;
        inserts.push({ at: lineStart(original, keyOffset), depth: path.length - 1, text });
      } else {
        inserts.push({ at: lineEndAfter(original, parent.range![1] - start), depth: path.length - 1, text });
      }
    } else if (isSeq(parent) && !parent.flow && parent.items.length > 0) {
      const column = columnOf(original, parent.range![0] - start);
      if (column === undefined) return undefined;
      const list = lists.get(parent) ?? { depth: path.length - 1, items: [...(parent.items as Node[])] };
      lists.set(parent, list);
      const { items } = list;
      const text = rendered('item', '', value, column, style);
      if (key === '-') items.push(text);
      else if (Number(key) <= items.length) items.splice(Number(key), 0, text);
      else return undefined;
    } else {
      return undefined;
    }
  }
  for (const [list, { depth, items }] of lists) {
    let before: string[] = [];
    for (const item of items) {
      if (typeof item === 'string') {
        before.push(item);
        continue;
      }
      if (before.length > 0) inserts.push({ at: lineStart(original, item.range![0] - start), depth, text: before.join('') });
      before = [];
    }
    if (before.length > 0) inserts.push({ at: lineEndAfter(original, list.range![1] - start), depth, text: before.join('') });
  }
  // Where a list and the mapping holding it end together, the list's items come first;
  // otherwise (stable sort) additions at one place keep the engine's order.
  inserts.sort((a, b) => a.at - b.at || b.depth - a.depth);
  let output = '';
  let at = 0;
  for (const insert of inserts) {
    output += original.slice(at, insert.at);
    if (insert.at > 0 && original[insert.at - 1] !== '\n') output += '\n';
    output += insert.text;
    at = insert.at;
  }
  return output + original.slice(at);
}

/** The node at `path` in the document as read; undefined when the path goes through an added item. */
function resolve(document: Document, path: readonly PathToken[], lists: ReadonlyMap<YAMLSeq, { readonly items: readonly (Node | string)[] }>): Node | undefined {
  let node = document.contents as Node | null | undefined;
  for (const token of path) {
    if (isMap(node)) node = node.get(String(token), true) as Node | undefined;
    else if (isSeq(node)) {
      const item = (lists.get(node)?.items ?? node.items)[Number(token)];
      if (typeof item === 'string') return undefined;
      node = item as Node | undefined;
    } else return undefined;
  }
  return node ?? undefined;
}

function firstKeyOffset(map: YAMLMap): number {
  const key = map.items[0]!.key;
  return isScalar(key) || isMap(key) || isSeq(key) ? (key.range?.[0] ?? -1) : -1;
}

/** Spaces before `offset` on its line; undefined if anything but spaces is there (a `- ` item, a tab). */
function columnOf(text: string, offset: number): number | undefined {
  if (offset < 0) return undefined;
  const lineStartAt = text.lastIndexOf('\n', offset - 1) + 1;
  const prefix = text.slice(lineStartAt, offset);
  if (/^ *$/.test(prefix)) return prefix.length;
  // The first key of a mapping that is a list item: `- name: x`, its keys line up after the dash.
  return /^ *- +$/.test(prefix) ? prefix.length : undefined;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEndAfter(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

/** Rendered values repeat across a manifest's documents (the same sidecar, env, volumes): each is serialised once. */
const cache = new Map<string, string>();
const CACHE_LIMIT = 10_000;

function rendered(kind: 'entry' | 'item', key: string, value: JsonValue, column: number, style: ToStringOptions): string {
  const cacheKey = `${kind}\u0000${key}\u0000${column}\u0000${style.indent}\u0000${String(style.indentSeq)}\u0000${String(style.flowCollectionPadding)}\u0000${JSON.stringify(value)}`;
  let text = cache.get(cacheKey);
  if (text === undefined) {
    const node = new Document(kind === 'entry' ? { [key]: value } : [value], { aliasDuplicateObjects: false });
    const pad = ' '.repeat(column);
    text = node
      .toString(style)
      .split('\n')
      .map((line) => (line === '' ? line : pad + line))
      .join('\n');
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(cacheKey, text);
  }
  return text;
}
