import { existsSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvReader } from './env-reader.ts';
import { parseLabelSelector, type LabelSelector } from './label-selector.ts';

/** Dependency-injection token of the validated configuration. */
export const APP_CONFIG = Symbol('AppConfig');

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The repository (or image) root: two levels above this file in src/ and in dist/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_SIDECAR_CONFIG = join(PACKAGE_ROOT, 'config', 'sidecars.yaml');

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface TlsConfig {
  readonly mode: 'self-signed' | 'files';
  readonly dir: string;
  /** Extra SANs beyond the webhook Service's own DNS names. */
  readonly hostnames: readonly string[];
  readonly certValidityMs: number;
  readonly caValidityMs: number;
  readonly renewBeforeMs: number;
  /** Secret holding the shared CA and certificate (self-signed mode); undefined keeps them on disk only. */
  readonly secretName: string | undefined;
}

export interface WebhookConfig {
  readonly registration: 'auto' | 'enabled' | 'disabled';
  /** Name of the MutatingWebhookConfiguration; its webhooks are `namespace.<name>` and `object.<name>`. */
  readonly name: string;
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly servicePort: number;
  /** Set for out-of-cluster use: the apiserver calls this URL instead of the Service. */
  readonly url: string | undefined;
  readonly namespaceSelector: LabelSelector;
  readonly failurePolicy: 'Fail' | 'Ignore';
  readonly timeoutSeconds: number;
  readonly reinvocationPolicy: 'Never' | 'IfNeeded';
  readonly cleanupOnShutdown: boolean;
}

export interface AppConfig {
  readonly port: number;
  readonly healthPort: number;
  readonly sidecarConfigPath: string;
  readonly podNamespace: string;
  readonly podName: string;
  readonly inCluster: boolean;
  /** KUBECONFIG, for running out of cluster; undefined falls back to ~/.kube/config. */
  readonly kubeconfig: string | undefined;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  readonly tls: TlsConfig;
  readonly webhook: WebhookConfig;
}

/** Thrown when the environment is wrong; its message is the one line the process prints before exiting. */
export class ConfigError extends Error {
  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Validates the environment into the typed configuration, or throws a ConfigError naming every bad variable. */
export function loadAppConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  const read = new EnvReader(env);
  const inCluster = env['KUBERNETES_SERVICE_HOST'] !== undefined && existsSync(join(SERVICE_ACCOUNT_DIR, 'token'));
  const podNamespace = read.string('POD_NAMESPACE', serviceAccountNamespace() ?? 'sidecar-injector');
  if (!DNS_LABEL.test(podNamespace)) read.reject('POD_NAMESPACE', podNamespace, 'a namespace name (DNS label)');

  const serviceName = read.string('WEBHOOK_SERVICE_NAME', 'sidecar-injector');
  const serviceNamespace = read.string('WEBHOOK_SERVICE_NAMESPACE', podNamespace);
  const name = read.string('WEBHOOK_NAME', 'sidecar-injector.io');
  if (!DNS_NAME.test(name) || name.length > 200) read.reject('WEBHOOK_NAME', name, 'a DNS name with at least two segments, such as sidecar-injector.io');
  const url = read.optionalString('WEBHOOK_URL');
  if (url !== undefined && !isHttpsUrl(url)) read.reject('WEBHOOK_URL', url, 'an https:// URL without user info, query or fragment');
  const selectorText = read.string('NAMESPACE_SELECTOR', 'sidecar-injector=enabled');
  const namespaceSelector = parseLabelSelector(selectorText);
  if (typeof namespaceSelector === 'string') read.reject('NAMESPACE_SELECTOR', selectorText, `a label selector such as sidecar-injector=enabled or env in (prod,staging) (${namespaceSelector})`);
  const tlsMode = read.oneOf('TLS_MODE', ['self-signed', 'files'], 'self-signed');

  const config: AppConfig = {
    port: read.integer('PORT', 9443, 1, 65535),
    healthPort: read.integer('HEALTH_PORT', 8081, 1, 65535),
    sidecarConfigPath: read.string('SIDECAR_CONFIG', DEFAULT_SIDECAR_CONFIG),
    podNamespace,
    podName: read.string('POD_NAME', hostname()),
    inCluster,
    kubeconfig: read.optionalString('KUBECONFIG'),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownTimeoutMs: read.duration('SHUTDOWN_TIMEOUT', 20_000, 1_000),
    tls: {
      mode: tlsMode,
      dir: read.string('TLS_DIR', join(tmpdir(), 'sidecar-injector', 'tls')),
      hostnames: read.list('TLS_HOSTNAMES', ['localhost', '127.0.0.1']),
      certValidityMs: read.duration('TLS_CERT_VALIDITY', 8760 * 3_600_000, 1_000),
      caValidityMs: read.duration('TLS_CA_VALIDITY', 10 * 8760 * 3_600_000, 1_000),
      renewBeforeMs: read.duration('TLS_RENEW_BEFORE', 720 * 3_600_000, 1_000),
      secretName: read.optionalString('TLS_SECRET_NAME') ?? (inCluster && tlsMode === 'self-signed' ? 'sidecar-injector-tls' : undefined),
    },
    webhook: {
      registration: read.oneOf('WEBHOOK_REGISTRATION', ['auto', 'enabled', 'disabled'], 'auto'),
      name,
      serviceName,
      serviceNamespace,
      servicePort: read.integer('WEBHOOK_SERVICE_PORT', 443, 1, 65535),
      url,
      namespaceSelector: typeof namespaceSelector === 'string' ? {} : namespaceSelector,
      failurePolicy: read.oneOf('WEBHOOK_FAILURE_POLICY', ['Fail', 'Ignore'], 'Fail'),
      timeoutSeconds: read.integer('WEBHOOK_TIMEOUT_SECONDS', 10, 1, 30),
      reinvocationPolicy: read.oneOf('WEBHOOK_REINVOCATION_POLICY', ['Never', 'IfNeeded'], 'Never'),
      cleanupOnShutdown: read.boolean('WEBHOOK_CLEANUP_ON_SHUTDOWN', false),
    },
  };
  if (config.port === config.healthPort) read.reject('HEALTH_PORT', String(config.healthPort), `a port other than PORT (${config.port})`);
  if (config.tls.renewBeforeMs >= config.tls.certValidityMs) {
    read.reject('TLS_RENEW_BEFORE', env['TLS_RENEW_BEFORE'] ?? '720h', `a duration shorter than TLS_CERT_VALIDITY`);
  }
  // A new CA is published for half of TLS_RENEW_BEFORE before it signs; a shorter-lived CA would fall due again before it is trusted.
  if (config.tls.caValidityMs < 2 * config.tls.renewBeforeMs) {
    read.reject('TLS_CA_VALIDITY', env['TLS_CA_VALIDITY'] ?? '87600h', `a duration at least twice TLS_RENEW_BEFORE`);
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

function serviceAccountNamespace(): string | undefined {
  try {
    return readFileSync(join(SERVICE_ACCOUNT_DIR, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}
