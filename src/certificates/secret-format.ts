import type { V1Secret } from '@kubernetes/client-node';
import { TLS_FILES } from './tls-dir.ts';
import { joinPemBundle, readPemBundle, type TlsState } from './tls-state.ts';

/** Labels that let an operator find the Secret (`kubectl get secret -l app.kubernetes.io/name=sidecar-injector`). */
export const SECRET_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'sidecar-injector',
  'app.kubernetes.io/component': 'webhook-tls',
  'app.kubernetes.io/managed-by': 'sidecar-injector',
};

/** kubernetes.io/tls, so tools that understand TLS Secrets read it; Opaque ones made by hand are accepted too. */
export const SECRET_TYPE = 'kubernetes.io/tls';

/**
 * The identity a Secret holds. Missing or garbled keys come back empty or as they are,
 * for the planner to call out and replace: a Secret that exists is never "no identity",
 * or a replica would try to create it again.
 */
export function stateFromSecret(secret: V1Secret): TlsState {
  const data = secret.data ?? {};
  const text = (key: string): string | undefined => (data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
  const caKey = text(TLS_FILES.caKey);
  return {
    caCertificates: readPemBundle(text(TLS_FILES.caCertificates)),
    ...(caKey ? { caKey } : {}),
    certificate: text(TLS_FILES.certificate) ?? '',
    key: text(TLS_FILES.key) ?? '',
  };
}

/**
 * The Secret to write: `base` (the version read, when replacing) keeps its type,
 * annotations and others' labels; the data is ours entirely.
 */
export function secretFor(name: string, namespace: string, state: TlsState, base?: V1Secret): V1Secret {
  const data: Record<string, string> = {
    [TLS_FILES.caCertificates]: base64(joinPemBundle(state.caCertificates)),
    [TLS_FILES.certificate]: base64(state.certificate),
    [TLS_FILES.key]: base64(state.key),
  };
  if (state.caKey) data[TLS_FILES.caKey] = base64(state.caKey);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: base?.type ?? SECRET_TYPE,
    metadata: { ...base?.metadata, name, namespace, labels: { ...base?.metadata?.labels, ...SECRET_LABELS } },
    data,
  };
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
