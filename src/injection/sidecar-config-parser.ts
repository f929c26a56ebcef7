import { createHash } from 'node:crypto';
import { parseDocument } from 'yaml';
import type { Container, EnvVar, JsonObject, JsonValue, Volume, VolumeMount } from './kubernetes-types.ts';
import type { Sidecar, SidecarConfig, SidecarParts } from './sidecar-config.ts';
import { compileTemplate, findPlaceholders, TEMPLATE_VARIABLES } from './template-rendering.ts';
import { INJECTOR_ANNOTATION_PREFIX } from './annotations.ts';

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

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENTRY_FIELDS = new Set(['name', 'default', 'native', 'containers', 'initContainers', 'volumes', 'volumeMounts', 'env', 'annotations']);
/** core/v1 Container as of Kubernetes 1.37; anything else is probably a typo, but may be newer API. */
const CONTAINER_FIELDS = new Set([
  'args', 'command', 'env', 'envFrom', 'image', 'imagePullPolicy', 'lifecycle', 'livenessProbe', 'name', 'ports',
  'readinessProbe', 'resizePolicy', 'resources', 'restartPolicy', 'restartPolicyRules', 'securityContext',
  'startupProbe', 'stdin', 'stdinOnce', 'terminationMessagePath', 'terminationMessagePolicy', 'tty', 'volumeDevices',
  'volumeMounts', 'workingDir',
]);
/** Guards against YAML alias bombs: a ConfigMap has no business expanding aliases much. */
const MAX_ALIAS_COUNT = 100;

/** Parses and validates the sidecar templates file (YAML; JSON is YAML too). */
export function parseSidecarConfig(text: string, source = 'sidecar config'): SidecarConfig {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new SidecarConfigError(source, document.errors.map((error) => error.message.split('\n')[0] ?? error.message));
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
    hash: digest(sidecars.map((sidecar) => `${sidecar.name}=${sidecar.hash}:${String(sidecar.isDefault)}`).join(',')),
    warnings: findings.warnings,
  };
}

class Findings {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  error(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }
  warn(path: string, message: string): void {
    this.warnings.push(`${path}: ${message}`);
  }
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
    const sidecar = readSidecar(entry, path, findings);
    if (sidecar) sidecars.push(sidecar);
  });
  return sidecars;
}

function readSidecar(entry: unknown, path: string, findings: Findings): Sidecar | undefined {
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
  const native = readBoolean(entry, 'native', path, findings);
  const containers = readList(entry, 'containers', path, findings, (item, at) => readContainer(item, at, findings, native ? 'native' : 'container'));
  const initContainers = readList(entry, 'initContainers', path, findings, (item, at) => readContainer(item, at, findings, 'init'));
  const volumes = readList(entry, 'volumes', path, findings, (item, at) => readVolume(item, at, findings));
  const volumeMounts = readList(entry, 'volumeMounts', path, findings, (item, at) => readVolumeMount(item, at, findings));
  const env = readList(entry, 'env', path, findings, (item, at) => readEnvVar(item, at, findings));
  const annotations = readAnnotations(entry['annotations'], `${path}.annotations`, findings);

  checkUnique([...containers, ...initContainers].map((c) => c.name), `${path}.containers/initContainers`, 'container name', findings);
  checkUnique(volumes.map((v) => v.name), `${path}.volumes`, 'volume name', findings);
  checkUnique(volumeMounts.map((m) => m.mountPath), `${path}.volumeMounts`, 'mountPath', findings);
  checkUnique(env.map((e) => e.name), `${path}.env`, 'variable', findings);
  const volumeNames = new Set(volumes.map((v) => v.name));
  volumeMounts.forEach((mount, index) => {
    if (!volumeNames.has(mount.name)) findings.error(`${path}.volumeMounts[${index}].name`, `"${mount.name}" is not one of this sidecar's volumes`);
  });
  checkPlaceholders(entry, path, findings);
  if (findings.errors.length > before || typeof name !== 'string') return undefined;

  const parts: SidecarParts = {
    containers: native ? [] : containers,
    initContainers: [...initContainers, ...(native ? containers.map((c) => ({ ...c, restartPolicy: 'Always' })) : [])],
    volumes,
    volumeMounts,
    env,
    annotations,
  };
  return {
    name,
    isDefault,
    hash: digest(canonicalJson(entry as JsonValue)),
    render: compileTemplate(parts as unknown as JsonObject, name) as unknown as Sidecar['render'],
  };
}

type ContainerRole = 'container' | 'native' | 'init';

function readContainer(item: unknown, path: string, findings: Findings, role: ContainerRole): Container | undefined {
  if (!isRecord(item)) return void findings.error(path, 'must be a Container mapping');
  const { name, image, restartPolicy } = item;
  if (typeof name !== 'string' || !isDnsLabel(name)) findings.error(`${path}.name`, 'must be a DNS label');
  if (typeof image !== 'string' || image.trim() === '') findings.error(`${path}.image`, 'must be a non-empty string');
  if (restartPolicy !== undefined) {
    if (role === 'container') findings.error(`${path}.restartPolicy`, 'is only allowed on init containers; set "native: true" to run the sidecar as a native sidecar');
    else if (restartPolicy !== 'Always') findings.error(`${path}.restartPolicy`, 'may only be "Always" (a native sidecar)');
  }
  for (const key of Object.keys(item)) if (!CONTAINER_FIELDS.has(key)) findings.warn(`${path}.${key}`, 'not a core/v1 Container field known to this version; passed through as written');
  if (item['env'] !== undefined) readList(item, 'env', path, findings, (env, at) => readEnvVar(env, at, findings));
  if (item['volumeMounts'] !== undefined) readList(item, 'volumeMounts', path, findings, (mount, at) => readVolumeMount(mount, at, findings));
  return typeof name === 'string' ? (item as Container) : undefined;
}

function readVolume(item: unknown, path: string, findings: Findings): Volume | undefined {
  if (!isRecord(item)) return void findings.error(path, 'must be a Volume mapping');
  if (typeof item['name'] !== 'string' || !isDnsLabel(item['name'])) return void findings.error(`${path}.name`, 'must be a DNS label');
  if (Object.keys(item).length < 2) findings.error(path, 'needs a volume source (emptyDir, configMap, secret, ...)');
  return item as Volume;
}

function readVolumeMount(item: unknown, path: string, findings: Findings): VolumeMount | undefined {
  if (!isRecord(item)) return void findings.error(path, 'must be a VolumeMount mapping');
  const { name, mountPath } = item;
  if (typeof name !== 'string' || name === '') findings.error(`${path}.name`, 'must name a volume');
  if (typeof mountPath !== 'string' || !mountPath.startsWith('/')) findings.error(`${path}.mountPath`, 'must be an absolute path');
  return typeof name === 'string' && typeof mountPath === 'string' ? (item as VolumeMount) : undefined;
}

function readEnvVar(item: unknown, path: string, findings: Findings): EnvVar | undefined {
  if (!isRecord(item)) return void findings.error(path, 'must be an EnvVar mapping');
  const { name, value, valueFrom } = item;
  if (typeof name !== 'string' || name === '' || name.includes('=')) return void findings.error(`${path}.name`, 'must be a non-empty string without "="');
  if (value !== undefined && typeof value !== 'string') findings.error(`${path}.value`, 'must be a string (quote numbers and booleans)');
  if (value !== undefined && valueFrom !== undefined) findings.error(path, 'may set value or valueFrom, not both');
  if (valueFrom !== undefined && !isRecord(valueFrom)) findings.error(`${path}.valueFrom`, 'must be a mapping');
  return item as EnvVar;
}

function readAnnotations(raw: unknown, path: string, findings: Findings): Readonly<Record<string, string>> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    findings.error(path, 'must be a mapping of strings');
    return {};
  }
  for (const [key, value] of Object.entries(raw)) {
    if (!isQualifiedKey(key)) findings.error(`${path}.${key}`, 'is not a valid annotation key ([prefix/]name)');
    if (key.startsWith(INJECTOR_ANNOTATION_PREFIX)) findings.error(`${path}.${key}`, `keys under ${INJECTOR_ANNOTATION_PREFIX} are the injector's own`);
    if (typeof value !== 'string') findings.error(`${path}.${key}`, 'value must be a string (quote numbers and booleans)');
  }
  return raw as Record<string, string>;
}

function checkPlaceholders(entry: Readonly<Record<string, unknown>>, path: string, findings: Findings): void {
  for (const placeholder of findPlaceholders(entry as JsonObject)) {
    const at = `${path}.${placeholder.path}`;
    if (!TEMPLATE_VARIABLES.includes(placeholder.variable)) {
      findings.error(at, `unknown template variable "{{ ${placeholder.variable} }}" (known: ${TEMPLATE_VARIABLES.join(', ')})`);
    } else if (/\.image$/.test(placeholder.path)) {
      // An image is the operator's decision alone; nothing about the pod may change it.
      findings.error(at, 'template variables are not allowed in an image');
    }
  }
}

function readList<T>(
  entry: Readonly<Record<string, unknown>>,
  field: string,
  path: string,
  findings: Findings,
  read: (item: unknown, path: string) => T | undefined,
): T[] {
  const raw = entry[field];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    findings.error(`${path}.${field}`, 'must be a list');
    return [];
  }
  return raw.map((item: unknown, index) => read(item, `${path}.${field}[${index}]`)).filter((item): item is T => item !== undefined);
}

function readBoolean(entry: Readonly<Record<string, unknown>>, field: string, path: string, findings: Findings): boolean {
  const value = entry[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') findings.error(`${path}.${field}`, 'must be true or false');
  return value === true;
}

function checkUnique(values: readonly string[], path: string, what: string, findings: Findings): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) findings.error(path, `duplicate ${what} "${value}"`);
    seen.add(value);
  }
}

/** YAML can express values JSON cannot (.inf, .nan); a pod patch must be plain JSON. */
function checkJson(value: unknown, path: string, findings: Findings): void {
  if (typeof value === 'number' && !Number.isFinite(value)) findings.error(path, 'must be a finite number');
  else if (Array.isArray(value)) value.forEach((item: unknown, index) => checkJson(item, `${path}[${index}]`, findings));
  else if (isRecord(value)) for (const [key, item] of Object.entries(value)) checkJson(item, `${path}.${key}`, findings);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}

function isQualifiedKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
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
