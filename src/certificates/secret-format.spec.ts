import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { SECRET_LABELS, SECRET_TYPE, secretFor, stateFromSecret } from './secret-format.ts';
import type { TlsState } from './tls-state.ts';

const CA_A = '-----BEGIN CERTIFICATE-----\nQUFB\n-----END CERTIFICATE-----\n';
const CA_B = '-----BEGIN CERTIFICATE-----\nQkJC\n-----END CERTIFICATE-----\n';
const state: TlsState = { caCertificates: [CA_B, CA_A], caKey: 'ca key', certificate: 'leaf', key: 'leaf key' };

function decoded(secret: V1Secret): Record<string, string> {
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
}

describe(secretFor.name, () => {
  it('writes the four keys of the kubernetes.io/tls layout, the bundle newest first, and labels the Secret', () => {
    const secret = secretFor('injector-tls', 'platform', state);
    expect(secret).toMatchObject({ type: SECRET_TYPE, metadata: { name: 'injector-tls', namespace: 'platform', labels: SECRET_LABELS } });
    expect(decoded(secret)).toEqual({ 'ca.crt': CA_B + CA_A, 'ca.key': 'ca key', 'tls.crt': 'leaf', 'tls.key': 'leaf key' });
  });

  it('keeps the type, annotations and foreign labels of the version it replaces', () => {
    const base: V1Secret = { type: 'Opaque', metadata: { name: 'injector-tls', namespace: 'platform', resourceVersion: '7', labels: { team: 'platform' }, annotations: { note: 'hand-made' } } };
    expect(secretFor('injector-tls', 'platform', state, base)).toMatchObject({
      type: 'Opaque',
      metadata: { resourceVersion: '7', labels: { team: 'platform', ...SECRET_LABELS }, annotations: { note: 'hand-made' } },
    });
  });
});

describe(stateFromSecret.name, () => {
  it('reads back what secretFor wrote', () => {
    expect(stateFromSecret(secretFor('injector-tls', 'platform', state))).toEqual(state);
  });

  it('turns a Secret without our keys into an empty identity for the planner to replace, never into "no Secret"', () => {
    expect(stateFromSecret({ metadata: { name: 'x' } })).toEqual({ caCertificates: [], certificate: '', key: '' });
  });

  it('keeps a garbled CA bundle as it is, so it is reported as unparseable', () => {
    const garbled = { data: { 'ca.crt': Buffer.from('not pem').toString('base64') } };
    expect(stateFromSecret(garbled).caCertificates).toEqual(['not pem']);
  });
});
