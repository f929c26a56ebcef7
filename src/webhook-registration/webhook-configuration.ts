import type { V1LabelSelector, V1LabelSelectorRequirement, V1MutatingWebhook, V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import type { WebhookConfig } from '../config/app-config.ts';
import type { LabelSelector } from '../config/label-selector.ts';
import { INJECT_KEY } from '../injection/annotations.ts';
import { protectedNamespaces } from '../injection/protected-namespaces.ts';

export const FIELD_MANAGER = 'sidecar-injector';
export const WEBHOOK_PATH = '/inject';

/**
 * The MutatingWebhookConfiguration this service owns, as an apply configuration: only the
 * fields it means to own, so server-side apply leaves others' fields alone (a cainjector's
 * caBundle when `caBundle` is undefined, labels added by hand).
 *
 * Two entries, as Istio has: `namespace.<name>` for pods in selected namespaces (minus
 * those labelled inject=false), `object.<name>` for pods labelled inject=true anywhere
 * else. A pod matched by both is injected once: the second call sees the status annotation.
 */
export function buildWebhookConfiguration(webhook: WebhookConfig, ownNamespace: string, caBundlePem: string | undefined): V1MutatingWebhookConfiguration {
  const exclusion: V1LabelSelectorRequirement = { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...protectedNamespaces(ownNamespace)] };
  const clientConfig = {
    ...(webhook.url ? { url: webhook.url } : { service: { name: webhook.serviceName, namespace: webhook.serviceNamespace, port: webhook.servicePort, path: WEBHOOK_PATH } }),
    ...(caBundlePem ? { caBundle: Buffer.from(caBundlePem).toString('base64') } : {}),
  };
  const common: Omit<V1MutatingWebhook, 'name' | 'namespaceSelector' | 'objectSelector'> = {
    clientConfig,
    rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
    failurePolicy: webhook.failurePolicy,
    matchPolicy: 'Equivalent',
    // Events are written for real admissions, never for dry runs (src/events/pod-event.ts).
    sideEffects: 'NoneOnDryRun',
    admissionReviewVersions: ['v1', 'v1beta1'],
    timeoutSeconds: webhook.timeoutSeconds,
    reinvocationPolicy: webhook.reinvocationPolicy,
  };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: webhook.name, labels: { 'app.kubernetes.io/name': 'sidecar-injector', 'app.kubernetes.io/managed-by': FIELD_MANAGER } },
    webhooks: [
      {
        ...common,
        name: `namespace.${webhook.name}`,
        namespaceSelector: withRequirement(webhook.namespaceSelector, exclusion),
        objectSelector: { matchExpressions: [{ key: INJECT_KEY, operator: 'NotIn', values: ['false'] }] },
      },
      {
        ...common,
        name: `object.${webhook.name}`,
        namespaceSelector: { matchExpressions: [exclusion] },
        objectSelector: { matchLabels: { [INJECT_KEY]: 'true' } },
      },
    ],
  };
}

function withRequirement(selector: LabelSelector, requirement: V1LabelSelectorRequirement): V1LabelSelector {
  return {
    ...(selector.matchLabels ? { matchLabels: { ...selector.matchLabels } } : {}),
    matchExpressions: [...(selector.matchExpressions ?? []).map(({ key, operator, values }) => ({ key, operator, ...(values ? { values: [...values] } : {}) })), requirement],
  };
}

/**
 * What differs between what this service applies and what the apiserver holds, in
 * words for the log; undefined when every field it owns is as it should be. Fields the
 * apiserver or others add are ignored.
 */
export function findDrift(desired: V1MutatingWebhookConfiguration, actual: V1MutatingWebhookConfiguration | undefined): string | undefined {
  if (!actual) return 'the configuration does not exist';
  for (const webhook of desired.webhooks ?? []) {
    const current = actual.webhooks?.find((candidate) => candidate.name === webhook.name);
    if (!current) return `webhook ${webhook.name} is missing`;
    if (webhook.clientConfig.caBundle !== undefined && current.clientConfig.caBundle !== webhook.clientConfig.caBundle) return `the caBundle of ${webhook.name} differs`;
    const field = firstDifference(webhook as unknown as Json, current as unknown as Json, '');
    if (field) return `${webhook.name}${field} differs`;
  }
  return undefined;
}

type Json = string | number | boolean | null | undefined | Json[] | { [key: string]: Json };

/** Path of the first field of `desired` that `actual` lacks or holds differently. */
function firstDifference(desired: Json, actual: Json, path: string): string | undefined {
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return path;
    for (const [index, item] of desired.entries()) {
      const difference = firstDifference(item, actual[index], `${path}[${index}]`);
      if (difference) return difference;
    }
    return undefined;
  }
  if (desired !== null && typeof desired === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return path;
    for (const [key, value] of Object.entries(desired)) {
      const difference = firstDifference(value, actual[key], `${path}.${key}`);
      if (difference) return difference;
    }
    return undefined;
  }
  return desired === actual ? undefined : path;
}
