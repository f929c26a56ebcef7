import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SIDECAR_CONFIG, loadAppConfig } from './app-config.ts';

function errorOf(env: Record<string, string>): string {
  try {
    loadAppConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(loadAppConfig.name, () => {
  it('has defaults that run with no environment at all', () => {
    const config = loadAppConfig({});
    expect(config).toMatchObject({
      port: 9443,
      healthPort: 8081,
      sidecarConfigPath: DEFAULT_SIDECAR_CONFIG,
      tls: { mode: 'self-signed', hostnames: ['localhost', '127.0.0.1'], secretName: undefined },
      webhook: { registration: 'auto', failurePolicy: 'Fail', timeoutSeconds: 10, namespaceSelector: { matchLabels: { 'sidecar-injector': 'enabled' } } },
    });
  });

  it('reads every variable it documents', () => {
    const config = loadAppConfig({
      PORT: '8443',
      HEALTH_PORT: '9090',
      TLS_MODE: 'files',
      TLS_CERT_VALIDITY: '90s',
      TLS_RENEW_BEFORE: '30s',
      WEBHOOK_REGISTRATION: 'disabled',
      WEBHOOK_FAILURE_POLICY: 'ignore',
      WEBHOOK_URL: 'https://host.docker.internal:8443/inject',
      POD_NAMESPACE: 'platform',
      SHUTDOWN_TIMEOUT: '5s',
    });
    expect(config).toMatchObject({
      port: 8443,
      healthPort: 9090,
      podNamespace: 'platform',
      shutdownTimeoutMs: 5_000,
      tls: { mode: 'files', certValidityMs: 90_000, renewBeforeMs: 30_000 },
      webhook: { registration: 'disabled', failurePolicy: 'Ignore', url: 'https://host.docker.internal:8443/inject', serviceNamespace: 'platform' },
    });
  });

  it('names the variable and what is allowed, in one line', () => {
    const message = errorOf({ PORT: 'https' });
    expect(message).toBe('invalid configuration: PORT="https" is invalid: expected an integer from 1 to 65535');
    expect(message).not.toContain('\n');
  });

  it('reports every bad variable at once', () => {
    const message = errorOf({ TLS_MODE: 'cert-manager', WEBHOOK_REGISTRATION: 'maybe', WEBHOOK_URL: 'http://x/inject' });
    expect(message).toContain('TLS_MODE="cert-manager" is invalid: expected one of self-signed, files');
    expect(message).toContain('WEBHOOK_REGISTRATION="maybe" is invalid: expected one of auto, enabled, disabled');
    expect(message).toContain('WEBHOOK_URL="http://x/inject" is invalid: expected an https:// URL');
  });

  it('takes the full label-selector grammar for NAMESPACE_SELECTOR, and says in one line what is wrong with a bad one', () => {
    expect(loadAppConfig({ NAMESPACE_SELECTOR: 'env in (prod,staging),!legacy' }).webhook.namespaceSelector).toEqual({
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    });
    expect(errorOf({ NAMESPACE_SELECTOR: 'env in (prod' })).toBe(
      'invalid configuration: NAMESPACE_SELECTOR="env in (prod" is invalid: expected a label selector such as sidecar-injector=enabled or env in (prod,staging) (the values of "env in (…" lack a closing ")")',
    );
  });

  it.each([
    [{ HEALTH_PORT: '9443' }, 'HEALTH_PORT="9443" is invalid: expected a port other than PORT (9443)'],
    [{ TLS_RENEW_BEFORE: '9000h' }, 'TLS_RENEW_BEFORE="9000h" is invalid: expected a duration shorter than TLS_CERT_VALIDITY'],
    [{ SHUTDOWN_TIMEOUT: '20' }, 'SHUTDOWN_TIMEOUT="20" is invalid: expected a duration of at least 1s'],
    [{ NAMESPACE_SELECTOR: 'a b' }, 'NAMESPACE_SELECTOR="a b" is invalid'],
    [{ WEBHOOK_NAME: 'injector' }, 'WEBHOOK_NAME="injector" is invalid'],
    [{ LOG_LEVEL: 'trace' }, 'LOG_LEVEL="trace" is invalid: expected one of debug, info, warn, error'],
  ])('rejects %j', (env, expected) => {
    expect(errorOf(env)).toContain(expected);
  });
});
