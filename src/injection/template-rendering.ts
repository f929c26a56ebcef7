import type { JsonValue } from './kubernetes-types.ts';
import type { RenderContext } from './sidecar-config.ts';
import type { ParameterType, ParameterValue, ParameterValues } from './template-parameters.ts';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]*?)\s*\}\}$/;

/**
 * The whole template language: a fixed set of names, substituted into strings. Pod values
 * come from the apiserver's view of the pod; the only free-form values a pod can give are
 * its sidecars' declared parameters, each checked against the operator's type and bounds
 * before it gets here.
 */
const POD_VARIABLES: Readonly<Record<string, (context: RenderContext) => string>> = {
  'pod.name': (context) => context.podName,
  'pod.namespace': (context) => context.namespace,
  'pod.serviceAccountName': (context) => context.serviceAccountName,
};
const SIDECAR_NAME = 'sidecar.name';
export const PARAMS_VARIABLE_PREFIX = 'params.';

export const TEMPLATE_VARIABLES: readonly string[] = [...Object.keys(POD_VARIABLES), SIDECAR_NAME];

/** Every template string path that Kubernetes types as a string, where a parameter is always text. */
const TEXT_FIELDS = new Set(['name', 'mountPath', 'subPath', 'subPathExpr', 'workingDir', 'image']);

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

export type Renderer<T> = (context: RenderContext, parameters: ParameterValues) => T;

export interface CompileOptions {
  readonly sidecarName: string;
  /** Declared parameters by name: a string that is exactly `{{ params.x }}` keeps x's type when it is an integer or boolean. */
  readonly parameterTypes: ReadonlyMap<string, ParameterType>;
  /** Parameter values known at load (the defaults), folded in so the hot path does not render them. */
  readonly fixedParameters?: ParameterValues;
}

/**
 * Turns a validated template into a renderer, once, at load. Everything that does not
 * depend on the pod is folded into shared, frozen values (a template without pod
 * variables renders to one frozen value and costs nothing per pod); only the branches
 * that hold a pod variable or a pod-set parameter are rebuilt on each render.
 */
export function compileTemplate<T extends JsonValue>(value: T, options: CompileOptions): Renderer<T> {
  const node = compileNode(value, [], options);
  if ('constant' in node) {
    const constant = node.constant as T;
    return () => constant;
  }
  return node.render as Renderer<T>;
}

type Node = { readonly constant: JsonValue } | { readonly render: Renderer<JsonValue> };
type Path = readonly (string | number)[];

function compileNode(value: JsonValue, path: Path, options: CompileOptions): Node {
  if (typeof value === 'string') return compileString(value, path, options);
  if (value === null || typeof value !== 'object') return { constant: value };
  if (Array.isArray(value)) {
    const items = value.map((item: JsonValue, index) => compileNode(item, [...path, index], options));
    if (items.every(isConstant)) return { constant: deepFreeze(items.map((item) => item.constant)) };
    const parts = items.map(toRenderer);
    return { render: (context, parameters) => parts.map((part) => part(context, parameters)) };
  }
  const entries: [string, Node][] = [];
  for (const [key, item] of Object.entries(value)) if (item !== undefined) entries.push([key, compileNode(item, [...path, key], options)]);
  if (entries.every(([, node]) => isConstant(node))) {
    return { constant: deepFreeze(Object.fromEntries(entries.map(([key, node]) => [key, (node as { constant: JsonValue }).constant]))) };
  }
  const fields = entries.map(([key, node]) => [key, toRenderer(node)] as const);
  return {
    render: (context, parameters) => {
      const copy: Record<string, JsonValue> = {};
      for (const [key, render] of fields) copy[key] = render(context, parameters);
      return copy;
    },
  };
}

type Piece = string | ((context: RenderContext, parameters: ParameterValues) => string);

function compileString(text: string, path: Path, options: CompileOptions): Node {
  if (!text.includes('{{')) return { constant: text };
  const whole = WHOLE_PLACEHOLDER.exec(text)?.[1];
  if (whole?.startsWith(PARAMS_VARIABLE_PREFIX) && !isTextPosition(path)) {
    const name = whole.slice(PARAMS_VARIABLE_PREFIX.length);
    const type = options.parameterTypes.get(name);
    if (type === 'integer' || type === 'boolean') {
      const fixed = options.fixedParameters?.[name];
      return fixed !== undefined ? { constant: fixed } : { render: (_context, parameters) => parameters[name] as ParameterValue };
    }
  }
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    pieces.push(text.slice(last, match.index));
    pieces.push(compileVariable(match[1] ?? '', match[0], options));
    last = match.index + match[0].length;
  }
  pieces.push(text.slice(last));
  const merged = mergeLiterals(pieces);
  if (merged.length === 1 && typeof merged[0] === 'string') return { constant: merged[0] };
  return {
    render: (context, parameters) => {
      let out = '';
      for (const piece of merged) out += typeof piece === 'string' ? piece : piece(context, parameters);
      return out;
    },
  };
}

function compileVariable(variable: string, written: string, options: CompileOptions): Piece {
  if (variable === SIDECAR_NAME) return options.sidecarName;
  const pod = POD_VARIABLES[variable];
  if (pod) return pod;
  if (variable.startsWith(PARAMS_VARIABLE_PREFIX)) {
    const name = variable.slice(PARAMS_VARIABLE_PREFIX.length);
    const fixed = options.fixedParameters?.[name];
    if (fixed !== undefined) return String(fixed);
    if (options.parameterTypes.has(name)) return (_context, parameters) => String(parameters[name]);
  }
  // Unknown names are refused at load; this keeps the text as written if one slips through.
  return written;
}

function mergeLiterals(pieces: readonly Piece[]): Piece[] {
  const merged: Piece[] = [];
  for (const piece of pieces) {
    const previous = merged.length - 1;
    if (typeof piece === 'string' && typeof merged[previous] === 'string') merged[previous] += piece;
    else if (piece !== '') merged.push(piece);
  }
  return merged.length === 0 ? [''] : merged;
}

/**
 * Fields Kubernetes types as strings, where `{{ params.port }}` must stay text: env values,
 * command and args items, annotation values, names and paths.
 */
function isTextPosition(path: Path): boolean {
  const last = path[path.length - 1];
  if (path[0] === 'annotations' && path.length === 2) return true;
  if (typeof last === 'number') return path[path.length - 2] === 'command' || path[path.length - 2] === 'args';
  if (last === 'value') return path[path.length - 3] === 'env';
  return last !== undefined && TEXT_FIELDS.has(last);
}

function isConstant(node: Node): node is { readonly constant: JsonValue } {
  return 'constant' in node;
}

function toRenderer(node: Node): Renderer<JsonValue> {
  if ('render' in node) return node.render;
  const constant = node.constant;
  return () => constant;
}

function visitStrings(value: JsonValue | undefined, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, index) => visitStrings(item, `${path}[${index}]`, visit));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) visitStrings(item, path ? `${path}.${key}` : key, visit);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
