import { PARAMS_PREFIX } from './annotations.ts';
import { clipText } from './clip-text.ts';
import { compareQuantities, parseQuantity, type Quantity } from './quantity.ts';
import { Findings, isRecord } from './template-fields.ts';

/**
 * The knobs an operator lets a pod turn on one sidecar, declared in the templates file
 * with a type, bounds and a default, and set by the pod with the annotation
 * `sidecar-injector.io/params.<sidecar>.<parameter>`. Everything a pod may say is checked
 * against a declaration compiled once, at load.
 */
export type ParameterType = 'string' | 'integer' | 'quantity' | 'boolean';
export type ParameterValue = string | number | boolean;
export type ParameterValues = Readonly<Record<string, ParameterValue>>;

export interface Parameter {
  readonly name: string;
  readonly type: ParameterType;
  readonly default: ParameterValue;
  /** The pod annotation that sets it. */
  readonly annotation: string;
  /** What a pod may write, for messages: "an integer from 1024 to 65535". */
  readonly allowed: string;
  /** As declared (quantities as written), for tools that try the extremes: `validate --server`, tests. */
  readonly min?: ParameterValue;
  readonly max?: ParameterValue;
  readonly enum?: readonly ParameterValue[];
  /** Reads a pod's value; a problem says what is wrong with it (without the annotation). */
  read(text: string): { readonly value: ParameterValue } | { readonly problem: string };
}

export const PARAMETER_TYPES: readonly ParameterType[] = ['string', 'integer', 'quantity', 'boolean'];
/** Longer strings have no business in a container's arguments, and would bloat messages. */
export const MAX_STRING_PARAMETER = 256;
const PARAMETER_NAME = /^[A-Za-z]([-A-Za-z0-9_]*[A-Za-z0-9])?$/;
/** Annotation names (the part after the prefix's "/") are at most 63 characters. */
const MAX_ANNOTATION_NAME = 63;
// A string parameter ends up in a container's spec: control characters are what this refuses.
// oxlint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const DECLARATION_FIELDS: Readonly<Record<ParameterType, readonly string[]>> = {
  string: ['type', 'default', 'enum', 'description'],
  integer: ['type', 'default', 'enum', 'min', 'max', 'description'],
  quantity: ['type', 'default', 'min', 'max', 'description'],
  boolean: ['type', 'default', 'description'],
};

export function parameterAnnotation(sidecar: string, parameter: string): string {
  return `${PARAMS_PREFIX}${sidecar}.${parameter}`;
}

/** Reads a template's `parameters` mapping; problems go to `findings` under `path`. */
export function readParameters(raw: unknown, sidecar: string, path: string, findings: Findings): ReadonlyMap<string, Parameter> {
  const parameters = new Map<string, Parameter>();
  if (raw === undefined || raw === null) return parameters;
  if (!isRecord(raw)) {
    findings.error(path, 'must be a mapping of parameter name to declaration');
    return parameters;
  }
  for (const [name, declaration] of Object.entries(raw)) {
    const at = `${path}.${name}`;
    const annotation = parameterAnnotation(sidecar, name);
    if (!PARAMETER_NAME.test(name)) {
      findings.error(at, 'parameter names start with a letter and hold letters, digits, "-" and "_"');
      continue;
    }
    if (annotation.length - annotation.indexOf('/') - 1 > MAX_ANNOTATION_NAME) {
      findings.error(at, `the annotation ${annotation} would be longer than Kubernetes allows (63 characters after the "/"); use a shorter name`);
      continue;
    }
    const parameter = readDeclaration(declaration, name, annotation, at, findings);
    if (parameter) parameters.set(name, parameter);
  }
  return parameters;
}

function readDeclaration(raw: unknown, name: string, annotation: string, path: string, findings: Findings): Parameter | undefined {
  if (!isRecord(raw)) return void findings.error(path, `must be a mapping with a type (${PARAMETER_TYPES.join(', ')}) and a default`);
  const type = raw['type'] as ParameterType;
  if (!PARAMETER_TYPES.includes(type)) return void findings.error(`${path}.type`, `must be one of ${PARAMETER_TYPES.join(', ')}`);
  const before = findings.errors.length;
  for (const key of Object.keys(raw)) {
    if (!DECLARATION_FIELDS[type].includes(key)) findings.error(`${path}.${key}`, `unknown field for a ${type} parameter (allowed: ${DECLARATION_FIELDS[type].join(', ')})`);
  }
  if (raw['description'] !== undefined && typeof raw['description'] !== 'string') findings.error(`${path}.description`, 'must be a string');
  if (raw['default'] === undefined || raw['default'] === null) findings.error(`${path}.default`, 'is required: the value used when a pod does not set the parameter');
  if (findings.errors.length > before) return undefined;
  const checker = CHECKERS[type](raw, path, findings);
  if (!checker) return undefined;
  const fallback = checker.readDeclared(raw['default'], `${path}.default`, findings);
  if (fallback === undefined) return undefined;
  const problem = checker.check(fallback);
  if (problem) return void findings.error(`${path}.default`, problem);
  return {
    name,
    type,
    default: fallback,
    annotation,
    allowed: checker.allowed,
    ...checker.declared,
    read(text) {
      const parsed = checker.parse(text);
      if ('problem' in parsed) return parsed;
      const outside = checker.check(parsed.value);
      return outside ? { problem: outside } : parsed;
    },
  };
}

/** One type's rules, built from its declaration. */
interface Checker {
  readonly allowed: string;
  readonly declared?: { readonly min?: ParameterValue; readonly max?: ParameterValue; readonly enum?: readonly ParameterValue[] };
  /** A value as written in the templates file (YAML may give numbers or booleans). */
  readDeclared(raw: unknown, path: string, findings: Findings): ParameterValue | undefined;
  /** A value as written in a pod annotation. */
  parse(text: string): { readonly value: ParameterValue } | { readonly problem: string };
  /** Bounds and enum; undefined when allowed. */
  check(value: ParameterValue): string | undefined;
}

const CHECKERS: Readonly<Record<ParameterType, (raw: Readonly<Record<string, unknown>>, path: string, findings: Findings) => Checker | undefined>> = {
  string: (raw, path, findings) => {
    const choices = readEnum(raw, path, findings, (item) => (typeof item === 'string' && isAllowedString(item) ? item : undefined));
    if (choices === null) return undefined;
    const readDeclared = (value: unknown, at: string, into: Findings) =>
      typeof value === 'string' && isAllowedString(value) ? value : void into.error(at, `must be a string of at most ${MAX_STRING_PARAMETER} characters, without control characters`);
    return {
      allowed: choices ? `one of ${choices.join(', ')}` : `a string of at most ${MAX_STRING_PARAMETER} characters`,
      declared: choices ? { enum: choices } : {},
      readDeclared,
      parse: (text) => (isAllowedString(text) ? { value: text } : { problem: `is not a string of at most ${MAX_STRING_PARAMETER} characters without control characters` }),
      check: (value) => (choices && !choices.includes(value as string) ? `${quoteValue(value)} is not one of ${choices.join(', ')}` : undefined),
    };
  },

  integer: (raw, path, findings) => {
    const readDeclared = (value: unknown, at: string, into: Findings) => (Number.isSafeInteger(value) ? (value as number) : void into.error(at, 'must be an integer'));
    const choices = readEnum(raw, path, findings, (item) => (Number.isSafeInteger(item) ? (item as number) : undefined));
    const min = raw['min'] === undefined ? undefined : readDeclared(raw['min'], `${path}.min`, findings);
    const max = raw['max'] === undefined ? undefined : readDeclared(raw['max'], `${path}.max`, findings);
    if (choices === null || (raw['min'] !== undefined && min === undefined) || (raw['max'] !== undefined && max === undefined)) return undefined;
    if (min !== undefined && max !== undefined && min > max) return void findings.error(path, `min (${min}) is greater than max (${max})`);
    return {
      allowed: choices ? `one of ${choices.join(', ')}` : `an integer${range(min, max)}`,
      declared: { ...(choices ? { enum: choices } : {}), ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) },
      readDeclared,
      parse: (text) => {
        const trimmed = text.trim();
        const value = /^[+-]?\d{1,16}$/.test(trimmed) ? Number(trimmed) : NaN;
        return Number.isSafeInteger(value) ? { value } : { problem: `${quoteValue(text)} is not an integer` };
      },
      check: (value) => {
        if (choices && !choices.includes(value as number)) return `${value} is not one of ${choices.join(', ')}`;
        if (min !== undefined && (value as number) < min) return `${value} is below the minimum ${min}`;
        if (max !== undefined && (value as number) > max) return `${value} is above the maximum ${max}`;
        return undefined;
      },
    };
  },

  quantity: (raw, path, findings) => {
    const readDeclared = (value: unknown, at: string, into: Findings): string | undefined => {
      // YAML reads `max: 1` as a number; a quantity is its text.
      const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
      if (typeof text === 'string' && text.length <= MAX_STRING_PARAMETER && parseQuantity(text)) return text;
      return void into.error(at, 'must be a Kubernetes quantity, e.g. "250m", "1.5", "64Mi"');
    };
    const bound = (field: 'min' | 'max'): { text: string; quantity: Quantity } | null | undefined => {
      if (raw[field] === undefined) return undefined;
      const text = readDeclared(raw[field], `${path}.${field}`, findings);
      return text === undefined ? null : { text, quantity: parseQuantity(text)! };
    };
    const min = bound('min');
    const max = bound('max');
    if (min === null || max === null) return undefined;
    if (min && max && compareQuantities(min.quantity, max.quantity) > 0) return void findings.error(path, `min (${min.text}) is greater than max (${max.text})`);
    return {
      allowed: `a quantity${range(min?.text, max?.text)}`,
      declared: { ...(min ? { min: min.text } : {}), ...(max ? { max: max.text } : {}) },
      readDeclared,
      parse: (text) => {
        const trimmed = text.trim();
        return trimmed.length <= MAX_STRING_PARAMETER && parseQuantity(trimmed) ? { value: trimmed } : { problem: `${quoteValue(text)} is not a Kubernetes quantity` };
      },
      check: (value) => {
        const quantity = parseQuantity(value as string)!;
        if (min && compareQuantities(quantity, min.quantity) < 0) return `${value} is below the minimum ${min.text}`;
        if (max && compareQuantities(quantity, max.quantity) > 0) return `${value} is above the maximum ${max.text}`;
        return undefined;
      },
    };
  },

  boolean: () => ({
    allowed: 'true or false',
    readDeclared: (value, at, into) => (typeof value === 'boolean' ? value : void into.error(at, 'must be true or false')),
    parse: (text) => {
      const trimmed = text.trim();
      return trimmed === 'true' || trimmed === 'false' ? { value: trimmed === 'true' } : { problem: `${quoteValue(text)} is not true or false` };
    },
    check: () => undefined,
  }),
};

/** undefined: no enum; null: an invalid one (reported). */
function readEnum<T extends ParameterValue>(raw: Readonly<Record<string, unknown>>, path: string, findings: Findings, read: (item: unknown) => T | undefined): readonly T[] | null | undefined {
  const list = raw['enum'];
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length === 0) {
    findings.error(`${path}.enum`, 'must be a non-empty list');
    return null;
  }
  const choices: T[] = [];
  list.forEach((item: unknown, index) => {
    const value = read(item);
    if (value === undefined) findings.error(`${path}.enum[${index}]`, `must be a value of the parameter's type`);
    else if (choices.includes(value)) findings.error(`${path}.enum[${index}]`, `duplicate value ${String(value)}`);
    else choices.push(value);
  });
  return choices.length === list.length ? choices : null;
}

function range(min: number | string | undefined, max: number | string | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

function isAllowedString(value: string): boolean {
  return value.length <= MAX_STRING_PARAMETER && !CONTROL_CHARACTER.test(value);
}

/** A pod's value inside a message: quoted, and short, whatever the pod sent. */
export function quoteValue(value: ParameterValue): string {
  return JSON.stringify(clipText(String(value), 32));
}
