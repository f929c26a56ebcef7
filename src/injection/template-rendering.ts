import type { JsonValue } from './kubernetes-types.ts';
import type { RenderContext } from './sidecar-config.ts';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * The whole template language: a fixed set of names, substituted into strings. Values
 * come from the apiserver's view of the pod, never from free-form pod annotations, so a
 * pod cannot steer what an operator's template produces.
 */
const POD_VARIABLES: Readonly<Record<string, (context: RenderContext) => string>> = {
  'pod.name': (context) => context.podName,
  'pod.namespace': (context) => context.namespace,
  'pod.serviceAccountName': (context) => context.serviceAccountName,
};
const SIDECAR_NAME = 'sidecar.name';

export const TEMPLATE_VARIABLES: readonly string[] = [...Object.keys(POD_VARIABLES), SIDECAR_NAME];

export interface Placeholder {
  /** Where it was found, as a dotted path from the template's root. */
  readonly path: string;
  readonly variable: string;
}

export function findPlaceholders(value: JsonValue | undefined, path = ''): Placeholder[] {
  const found: Placeholder[] = [];
  visitStrings(value, path, (text, at) => {
    for (const match of text.matchAll(PLACEHOLDER)) found.push({ path: at, variable: match[1] ?? '' });
  });
  return found;
}

/**
 * Turns a validated template into a renderer. `sidecar.name` is fixed per template and
 * substituted once here; a template without pod variables renders to one shared,
 * frozen value, so the hot path does no work for it. With pod variables, only the
 * branches that hold one are copied on each render; the rest stays shared.
 */
export function compileTemplate<T extends JsonValue>(value: T, sidecarName: string): (context: RenderContext) => T {
  const withName = mapStrings(value, (text) =>
    text.replace(PLACEHOLDER, (whole, variable: string) => (variable === SIDECAR_NAME ? sidecarName : whole)),
  );
  const fixed = deepFreeze(withName);
  if (findPlaceholders(fixed).length === 0) return () => fixed;
  const dynamic = new WeakSet<object>();
  markDynamic(fixed, dynamic);
  const strings = new Map<string, (context: RenderContext) => string>();
  return (context) => renderDynamic(fixed, { dynamic, strings }, context);
}

interface Compiled {
  /** Objects and arrays on a path to a placeholder; everything else is shared as is. */
  readonly dynamic: WeakSet<object>;
  /** Each templated string, split once into literals and variable lookups. */
  readonly strings: Map<string, (context: RenderContext) => string>;
}

function compileString(text: string): (context: RenderContext) => string {
  const pieces: (string | ((context: RenderContext) => string))[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    pieces.push(text.slice(last, match.index));
    pieces.push(POD_VARIABLES[match[1] ?? ''] ?? (() => match[0]));
    last = match.index + match[0].length;
  }
  pieces.push(text.slice(last));
  return (context) => {
    let out = '';
    for (const piece of pieces) out += typeof piece === 'string' ? piece : piece(context);
    return out;
  };
}

/** Records every object or array on a path to a string with a placeholder. */
function markDynamic(value: JsonValue | undefined, dynamic: WeakSet<object>): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (value === null || typeof value !== 'object') return false;
  let found = false;
  for (const item of Object.values(value)) if (markDynamic(item, dynamic)) found = true;
  if (found) dynamic.add(value);
  return found;
}

function renderDynamic<T extends JsonValue>(value: T, compiled: Compiled, context: RenderContext): T {
  if (typeof value === 'string') {
    let render = compiled.strings.get(value);
    if (!render) compiled.strings.set(value, (render = compileString(value)));
    return render(context) as T;
  }
  if (value === null || typeof value !== 'object' || !compiled.dynamic.has(value)) return value;
  if (Array.isArray(value)) return value.map((item: JsonValue) => renderDynamic(item, compiled, context)) as unknown as T;
  const copy: Record<string, JsonValue> = {};
  for (const key in value) {
    const item = (value as Record<string, JsonValue | undefined>)[key];
    if (item !== undefined) copy[key] = renderDynamic(item, compiled, context);
  }
  return copy as T;
}

function visitStrings(value: JsonValue | undefined, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, index) => visitStrings(item, `${path}[${index}]`, visit));
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) visitStrings(item, path ? `${path}.${key}` : key, visit);
}

function mapStrings<T extends JsonValue>(value: T, map: (text: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((item: JsonValue) => mapStrings(item, map)) as unknown as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) copy[key] = mapStrings(item, map);
    return copy as T;
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
