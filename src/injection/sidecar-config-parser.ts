import { createHash } from 'node:crypto';
import { parseDocument } from 'yaml';
import { readInitPlacement } from './init-placement.ts';
import type { JsonObject, JsonValue } from './kubernetes-types.ts';
import { readNamespaceScope } from './namespace-scope.ts';
import type { Sidecar, SidecarConfig, SidecarParts } from './sidecar-config.ts';
import { readParameters, type Parameter, type ParameterValues } from './template-parameters.ts';
import { compileTemplate, findPlaceholders, PARAMS_VARIABLE_PREFIX, TEMPLATE_VARIABLES } from './template-rendering.ts';
import { checkJson, checkUnique, Findings, isDnsLabel, isRecord, readAnnotations, readBoolean, readContainer, readEnvVar, readList, readVolume, readVolumeMount } from './template-fields.ts';

/** An operator's file that cannot be used; every problem names the entry and field. */
export class SidecarConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is invalid: ${problems.join('; ')}`);
    this.name = 'SidecarConfigError';
  }
}

/** Guards against YAML alias bombs: a ConfigMap has no business expanding aliases much. */
const MAX_ALIAS_COUNT = 100;
const ENTRY_FIELDS = new Set(['name', 'default', 'required', 'native', 'namespaces', 'parameters', 'initPlacement', 'containers', 'initContainers', 'volumes', 'volumeMounts', 'env', 'annotations']);
const NO_VALUES: ParameterValues = Object.freeze({});

/** Parses and validates the sidecar templates file (YAML; JSON is YAML too). */
export function parseSidecarConfig(text: string, source = 'sidecar config'): SidecarConfig {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new SidecarConfigError(
      source,
      document.errors.map((error) => error.message.split('\n')[0] ?? error.message),
    );
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new SidecarConfigError(source, [(error as Error).message]);
  }
  const findings = new Findings();
  const sidecars = readSidecars(raw, findings);
  if (findings.errors.length > 0) throw new SidecarConfigError(source, findings.errors);

  const byName = new Map<string, Sidecar>();
  for (const entry of sidecars) byName.set(entry.name, entry);
  return {
    sidecars: byName,
    defaults: sidecars.filter((sidecar) => sidecar.isDefault).map((sidecar) => sidecar.name),
    // Every field of every entry, comments aside: a reload that changes only who gets a sidecar is still a new version.
    hash: digest(canonicalJson(raw as JsonValue)),
    warnings: findings.warnings,
  };
}

function readSidecars(raw: unknown, findings: Findings): Sidecar[] {
  if (!isRecord(raw)) {
    findings.error('(top level)', 'must be a mapping with a "sidecars" list');
    return [];
  }
  for (const key of Object.keys(raw)) if (key !== 'sidecars') findings.error(key, 'unknown field (expected only "sidecars")');
  const list = raw['sidecars'];
  if (!Array.isArray(list)) {
    findings.error('sidecars', 'must be a list of sidecar templates');
    return [];
  }
  const seen = new Set<string>();
  const sidecars: Sidecar[] = [];
  list.forEach((entry: unknown, index) => {
    const name = isRecord(entry) && typeof entry['name'] === 'string' ? entry['name'] : undefined;
    const path = name === undefined ? `sidecars[${index}]` : `sidecars[${index}] (${name})`;
    if (name !== undefined && seen.has(name)) findings.error(`${path}.name`, `duplicate sidecar name "${name}"`);
    if (name !== undefined) seen.add(name);
    const sidecar = readSidecar(entry, path, sidecars.length, findings);
    if (sidecar) sidecars.push(sidecar);
  });
  return sidecars;
}

function readSidecar(entry: unknown, path: string, index: number, findings: Findings): Sidecar | undefined {
  if (!isRecord(entry)) {
    findings.error(path, 'must be a mapping');
    return undefined;
  }
  const before = findings.errors.length;
  for (const key of Object.keys(entry)) if (!ENTRY_FIELDS.has(key)) findings.error(`${path}.${key}`, `unknown field (allowed: ${[...ENTRY_FIELDS].join(', ')})`);
  checkJson(entry, path, findings);

  const name = entry['name'];
  if (typeof name !== 'string' || !isDnsLabel(name)) findings.error(`${path}.name`, 'must be a DNS label: lowercase letters, digits and "-", at most 63 characters');
  const isDefault = readBoolean(entry, 'default', path, findings);
  const required = entry['required'] === undefined || entry['required'] === null ? true : readBoolean(entry, 'required', path, findings);
  const native = readBoolean(entry, 'native', path, findings);
  const parameters = readParameters(entry['parameters'], typeof name === 'string' ? name : '', `${path}.parameters`, findings);
  const namespaces = readNamespaceScope(entry['namespaces'], `${path}.namespaces`, findings);
  const containers = readList(entry, 'containers', path, findings, (item, at) => readContainer(item, at, findings, native ? 'native' : 'container'));
  const initContainers = readList(entry, 'initContainers', path, findings, (item, at) => readContainer(item, at, findings, 'init'));
  const volumes = readList(entry, 'volumes', path, findings, (item, at) => readVolume(item, at, findings));
  const volumeMounts = readList(entry, 'volumeMounts', path, findings, (item, at) => readVolumeMount(item, at, findings));
  const env = readList(entry, 'env', path, findings, (item, at) => readEnvVar(item, at, findings));
  const annotations = readAnnotations(entry['annotations'], `${path}.annotations`, findings);
  const initPlacement = readInitPlacement(entry['initPlacement'], initContainers.length > 0, `${path}.initPlacement`, findings);

  checkUnique(
    [...containers, ...initContainers].map((c) => c.name),
    `${path}.containers/initContainers`,
    'container name',
    findings,
  );
  checkUnique(
    volumes.map((v) => v.name),
    `${path}.volumes`,
    'volume name',
    findings,
  );
  checkUnique(
    volumeMounts.map((m) => m.mountPath),
    `${path}.volumeMounts`,
    'mountPath',
    findings,
  );
  checkUnique(
    env.map((e) => e.name),
    `${path}.env`,
    'variable',
    findings,
  );
  const volumeNames = new Set(volumes.map((v) => v.name));
  volumeMounts.forEach((mount, index) => {
    if (!volumeNames.has(mount.name)) findings.error(`${path}.volumeMounts[${index}].name`, `"${mount.name}" is not one of this sidecar's volumes`);
  });
  const placeholders = checkPlaceholders(entry, parameters, path, findings);
  if (findings.errors.length > before || typeof name !== 'string') return undefined;

  const parts: SidecarParts = {
    containers: native ? [] : containers,
    initContainers,
    nativeSidecars: native ? containers.map((c) => ({ ...c, restartPolicy: 'Always' })) : [],
    volumes,
    volumeMounts,
    env,
    annotations,
  };
  const defaultParameters: ParameterValues = Object.freeze(Object.fromEntries([...parameters.values()].map((parameter) => [parameter.name, parameter.default])));
  return {
    name,
    index,
    isDefault,
    required,
    hash: digest(canonicalJson(injectedContent(entry))),
    parameters,
    defaultParameters,
    namespaces,
    initPlacement,
    // Container names are DNS labels as written, so never templated: a pod is seen to carry a sidecar by these.
    containerNames: [...containers, ...initContainers].map((c) => c.name),
    keysVaryByPod: placeholders.some((placeholder) => /(^|\.)(env\[\d+\]\.name|mountPath)$/.test(placeholder.path)),
    render: compileRenderer(parts, name, parameters, defaultParameters),
  };
}

/**
 * Two renderers: one with every parameter at its default, folded at load (what most pods
 * get, as cheap as a template without parameters), and one for pods that set some.
 */
function compileRenderer(parts: SidecarParts, name: string, parameters: ReadonlyMap<string, Parameter>, defaults: ParameterValues): Sidecar['render'] {
  const parameterTypes = new Map([...parameters.values()].map((parameter) => [parameter.name, parameter.type]));
  const template = parts as unknown as JsonObject;
  const renderAny = compileTemplate(template, { sidecarName: name, parameterTypes });
  const renderDefaults = parameters.size === 0 ? renderAny : compileTemplate(template, { sidecarName: name, parameterTypes, fixedParameters: defaults });
  return (context, values) => (values === undefined ? renderDefaults(context, NO_VALUES) : renderAny(context, values)) as unknown as SidecarParts;
}

function checkPlaceholders(entry: Readonly<Record<string, unknown>>, parameters: ReadonlyMap<string, Parameter>, path: string, findings: Findings) {
  const placeholders = findPlaceholders(entry as JsonObject).filter((placeholder) => !placeholder.path.startsWith('parameters.'));
  const known = [...TEMPLATE_VARIABLES, ...[...parameters.keys()].map((parameter) => PARAMS_VARIABLE_PREFIX + parameter)];
  for (const placeholder of placeholders) {
    const at = `${path}.${placeholder.path}`;
    if (!known.includes(placeholder.variable)) {
      const hint = placeholder.variable.startsWith(PARAMS_VARIABLE_PREFIX) ? ' (declare it under parameters)' : '';
      findings.error(at, `unknown template variable "{{ ${placeholder.variable} }}"${hint} (known: ${known.join(', ')})`);
    } else if (placeholder.path.endsWith('.image')) {
      // An image is the operator's decision alone; nothing about the pod may change it.
      findings.error(at, 'template variables are not allowed in an image');
    }
  }
  return placeholders;
}

function canonicalJson(value: JsonValue | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as JsonObject)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * What a pod carries from an entry, for the hash in its status annotation: everything but who
 * gets the sidecar (`default`, `namespaces`) and what happens when it cannot be injected
 * (`required`). Editing those changes no injected pod, so `report` must not call them outdated.
 */
function injectedContent(entry: Readonly<Record<string, unknown>>): JsonValue {
  const { default: _default, namespaces: _namespaces, required: _required, ...content } = entry;
  return content as JsonValue;
}
