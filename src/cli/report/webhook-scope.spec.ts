import { describe, expect, it } from 'vitest';
import { buildWebhookConfiguration } from '../../webhook-registration/webhook-configuration.ts';
import { WebhookScope, type RegisteredWebhookConfiguration } from './webhook-scope.ts';

/** The configuration the service registers, built by its own code. */
const registered = buildWebhookConfiguration(
  {
    registration: 'enabled',
    name: 'sidecar-injector.io',
    serviceName: 'sidecar-injector',
    serviceNamespace: 'sidecar-injector',
    servicePort: 443,
    url: undefined,
    namespaceSelector: { matchLabels: { 'sidecar-injector': 'enabled' } },
    failurePolicy: 'Fail',
    timeoutSeconds: 10,
    reinvocationPolicy: 'Never',
    cleanupOnShutdown: false,
  },
  'sidecar-injector',
  undefined,
) as RegisteredWebhookConfiguration;
const scope = new WebhookScope(registered);
const selected = { 'sidecar-injector': 'enabled', 'kubernetes.io/metadata.name': 'shop' };
const other = { 'kubernetes.io/metadata.name': 'other' };

describe(WebhookScope.name, () => {
  it('selects pods of a labelled namespace unless they opt out by label', () => {
    expect(scope.selectsPod(selected, {})).toBe(true);
    expect(scope.selectsPod(selected, { 'sidecar-injector.io/inject': 'false' })).toBe(false);
  });

  it('selects pods labelled inject=true anywhere but the protected namespaces', () => {
    expect(scope.selectsPod(other, {})).toBe(false);
    expect(scope.selectsPod(other, { 'sidecar-injector.io/inject': 'true' })).toBe(true);
    expect(scope.selectsPod({ 'kubernetes.io/metadata.name': 'kube-system' }, { 'sidecar-injector.io/inject': 'true' })).toBe(false);
    expect(scope.selectsNamespace({ 'kubernetes.io/metadata.name': 'sidecar-injector', 'sidecar-injector': 'enabled' })).toBe(false);
  });

  it('ignores webhooks that are not called for pod creation', () => {
    const configuration: RegisteredWebhookConfiguration = {
      webhooks: [
        { name: 'deployments.example.com', rules: [{ apiGroups: ['apps'], resources: ['deployments'], operations: ['CREATE'] }] },
        { name: 'updates.example.com', rules: [{ apiGroups: [''], resources: ['pods'], operations: ['UPDATE'] }] },
      ],
    };
    expect(new WebhookScope(configuration).webhooks).toEqual([]);
    expect(new WebhookScope({ webhooks: [{ name: 'all.example.com', rules: [{ apiGroups: ['*'], resources: ['*'], operations: ['*'] }] }] }).webhooks).toHaveLength(1);
  });

  it('names webhooks whose matchConditions it cannot evaluate', () => {
    const configuration: RegisteredWebhookConfiguration = { webhooks: [{ name: 'cel.example.com', rules: [{ apiGroups: [''], resources: ['pods'], operations: ['CREATE'] }], matchConditions: [{ name: 'x', expression: 'true' }] }] };
    expect(new WebhookScope(configuration).unevaluatedConditions).toEqual(['cel.example.com']);
  });
});
