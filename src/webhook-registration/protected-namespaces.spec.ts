import { describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../config/app-config.ts';
import type { AdmissionRequest } from '../injection/admission-review.ts';
import { decideInjection } from '../injection/injector.ts';
import { protectedNamespaces } from '../injection/protected-namespaces.ts';
import { parseSidecarConfig } from '../injection/sidecar-config-parser.ts';
import { buildWebhookConfiguration } from './webhook-configuration.ts';

const OWN = 'injector-home';
const webhook: WebhookConfig = {
  registration: 'enabled',
  url: undefined,
  cleanupOnShutdown: false,
  name: 'sidecar-injector.io',
  serviceName: 'sidecar-injector',
  serviceNamespace: OWN,
  servicePort: 443,
  failurePolicy: 'Fail',
  timeoutSeconds: 10,
  reinvocationPolicy: 'Never',
  namespaceSelector: { matchLabels: { 'sidecar-injector': 'enabled' } },
};

describe('protected namespaces', () => {
  const registration = buildWebhookConfiguration(webhook, OWN, undefined);
  const excludedBy = (entry: string) => registration.webhooks?.find((candidate) => candidate.name === entry)?.namespaceSelector?.matchExpressions?.find((requirement) => requirement.key === 'kubernetes.io/metadata.name')?.values;

  it('are excluded by both webhook entries and skipped by the engine, from one list', () => {
    const config = parseSidecarConfig('sidecars:\n  - { name: a, default: true, containers: [{ name: a, image: busybox }] }\n');
    const policy = { protectedNamespaces: new Set(protectedNamespaces(OWN)) };
    for (const namespace of protectedNamespaces(OWN)) {
      expect(excludedBy(`namespace.${webhook.name}`)).toContain(namespace);
      expect(excludedBy(`object.${webhook.name}`)).toContain(namespace);
      const request = { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace, object: { spec: { containers: [{ name: 'app' }] } } } as AdmissionRequest;
      expect(decideInjection(request, config, policy)).toMatchObject({ outcome: 'skipped', reason: 'protected-namespace' });
    }
    expect(protectedNamespaces(OWN)).toEqual(expect.arrayContaining(['kube-system', 'kube-public', 'kube-node-lease', OWN]));
  });
});
