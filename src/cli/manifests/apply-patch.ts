import type { JsonPatch } from '../../injection/json-patch.ts';
import type { JsonValue } from '../../injection/kubernetes-types.ts';
import { JsonDocument } from './json-manifest.ts';

/** The engine's patch applied to a plain object (a copy; the input is left alone). */
export function applyPatchToObject<T extends JsonValue>(object: T, patch: JsonPatch): T {
  const document = new JsonDocument(structuredClone(object));
  for (const operation of patch) document.add(parsePointerTokens(operation.path), operation.value);
  return document.value as T;
}

/** RFC 6901 tokens, unescaped (`~1` is `/`, then `~0` is `~`). */
export function parsePointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}
