import type { JsonValue } from './kubernetes-types.ts';

/** RFC 6902 `add`: the only operation injection needs, since it never removes or rewrites. */
export interface AddOperation {
  readonly op: 'add';
  readonly path: string;
  readonly value: JsonValue;
}

export type JsonPatch = readonly AddOperation[];

/** RFC 6901: `~` must be escaped before `/`, or `/` → `~1` would be re-escaped to `~01`. */
export function escapePointerToken(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
