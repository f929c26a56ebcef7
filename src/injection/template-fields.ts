import type { Container, EnvVar, Volume, VolumeMount } from './kubernetes-types.ts';
import { INJECTOR_ANNOTATION_PREFIX } from './annotations.ts';

/**
 * Readers for the core/v1 pieces a sidecar template holds. Each checks what injection
 * relies on, records problems with the path of the field, and passes the rest through
 * as written (the apiserver validates it in full when a pod is created).
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** core/v1 Container as of Kubernetes 1.37; anything else is probably a typo, but may be newer API. */
const CONTAINER_FIELDS = new Set([
  'args',
  'command',
  'env',
  'envFrom',
  'image',
  'imagePullPolicy',
  'lifecycle',
  'livenessProbe',
  'name',
  'ports',
  'readinessProbe',
  'resizePolicy',
  'resources',
  'restartPolicy',
  'restartPolicyRules',
  'securityContext',
  'startupProbe',
  'stdin',
  'stdinOnce',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'tty',
  'volumeDevices',
  'volumeMounts',
  'workingDir',
]);

/** Problems (stop the load) and warnings (logged), each prefixed with where it was found. */
export class Findings {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  error(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }
  warn(path: string, message: string): void {
    this.warnings.push(`${path}: ${message}`);
  }
}

export type ContainerRole = 'container' | 'native' | 'init';

export function readContainer(item: unknown, path: string, findings: Findings, role: ContainerRole): Container | undefined {
  if (!isRecord(item)) return void findings.error(path, 'must be a Container mapping');
  const { name, image, restartPolicy } = item;
  if (typeof name !== 'string' || !isDnsLabel(name)) findings.error(`${path}.name`, 'must be a DNS label');
  if (typeof image !== 'string' || image.trim() === '') findings.error(`${path}.image`, 'must be a non-empty string');
  if (restartPolicy !== undefined) {
    if (role === 'container') findings.error(`${path}.restartPolicy`, 'is only allowed on init containers; set "native: true" to run the sidecar as a native sidecar');
    else if (restartPolicy !== 'Always') findings.error(`${path}.restartPolicy`, 'may only be "Always" (a native sidecar)');
  }
  for (const key of Object.keys(item)) if (!CONTAINER_FIELDS.has(key)) findings.warn(`${path}.${key}`, 'not a core/v1 Container field known to this version; passed through as written');
  const env = readList(item, 'env', path, findings, (variable, at) => readEnvVar(variable, at, findings));
  const mounts = readList(item, 'volumeMounts', path, findings, (mount, at) => readVolumeMount(mount, at, findings));
  // The apiserver refuses a container with either twice; better at load than on every pod.
  checkUnique(
    env.map((variable) => variable.name),
    `${path}.env`,
    'variable',
    findings,
  );
  checkUnique(
    mounts.map((mount) => mount.mountPath),
    `${path}.volumeMounts`,
    'mountPath',
    findings,
  );
  return typeof name === 'string' ? (item as Container) : undefined;
}

export function readVolume(item: unknown, path: string, findings: Findings): Volume | undefined {
  if (!isRecord(item)) return void findings.error(path, 'must be a Volume mapping');
  if (typeof item['name'] !== 'string' || !isDnsLabel(item['name'])) return void findings.error(`${path}.name`, 'must be a DNS label');
  if (Object.keys(item).length < 2) findings.error(path, 'needs a volume source (emptyDir, configMap, secret, ...)');
  return item as Volume;
}

export function readVolumeMount(item: unknown, path: string, findings: Findings): VolumeMount | undefined {
  if (!isRecord(item)) return void findings.error(path, 'must be a VolumeMount mapping');
  const { name, mountPath } = item;
  if (typeof name !== 'string' || name === '') findings.error(`${path}.name`, 'must name a volume');
  if (typeof mountPath !== 'string' || !mountPath.startsWith('/')) findings.error(`${path}.mountPath`, 'must be an absolute path');
  return typeof name === 'string' && typeof mountPath === 'string' ? (item as VolumeMount) : undefined;
}

export function readEnvVar(item: unknown, path: string, findings: Findings): EnvVar | undefined {
  if (!isRecord(item)) return void findings.error(path, 'must be an EnvVar mapping');
  const { name, value, valueFrom } = item;
  if (typeof name !== 'string' || name === '' || name.includes('=')) return void findings.error(`${path}.name`, 'must be a non-empty string without "="');
  if (value !== undefined && typeof value !== 'string') findings.error(`${path}.value`, 'must be a string (quote numbers and booleans)');
  if (value !== undefined && valueFrom !== undefined) findings.error(path, 'may set value or valueFrom, not both');
  if (valueFrom !== undefined && !isRecord(valueFrom)) findings.error(`${path}.valueFrom`, 'must be a mapping');
  return item as EnvVar;
}

export function readAnnotations(raw: unknown, path: string, findings: Findings): Readonly<Record<string, string>> {
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

export function readList<T>(entry: Readonly<Record<string, unknown>>, field: string, path: string, findings: Findings, read: (item: unknown, path: string) => T | undefined): T[] {
  const raw = entry[field];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    findings.error(`${path}.${field}`, 'must be a list');
    return [];
  }
  return raw.map((item: unknown, index) => read(item, `${path}.${field}[${index}]`)).filter((item): item is T => item !== undefined);
}

export function readBoolean(entry: Readonly<Record<string, unknown>>, field: string, path: string, findings: Findings): boolean {
  const value = entry[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') findings.error(`${path}.${field}`, 'must be true or false');
  return value === true;
}

export function checkUnique(values: readonly string[], path: string, what: string, findings: Findings): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) findings.error(path, `duplicate ${what} "${value}"`);
    seen.add(value);
  }
}

/** YAML can express values JSON cannot (.inf, .nan); a pod patch must be plain JSON. */
export function checkJson(value: unknown, path: string, findings: Findings): void {
  if (typeof value === 'number' && !Number.isFinite(value)) findings.error(path, 'must be a finite number');
  else if (Array.isArray(value)) value.forEach((item: unknown, index) => checkJson(item, `${path}[${index}]`, findings));
  else if (isRecord(value)) for (const [key, item] of Object.entries(value)) checkJson(item, `${path}.${key}`, findings);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}

function isQualifiedKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}
