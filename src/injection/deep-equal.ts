import type { JsonValue } from './kubernetes-types.ts';

/**
 * Structural equality of JSON values, used to tell "the same sidecar twice" (dedupe)
 * from "two different things under one name" (refuse). Key order does not matter;
 * an absent key equals an undefined one, as both serialise the same.
 */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, (b as readonly JsonValue[])[index]));
  }
  const left = a as Readonly<Record<string, JsonValue | undefined>>;
  const right = b as Readonly<Record<string, JsonValue | undefined>>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) if (!jsonEqual(left[key], right[key])) return false;
  return true;
}
