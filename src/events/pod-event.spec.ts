import { describe, expect, it } from 'vitest';
import type { ReviewOutcome } from '../admission/injection.service.ts';
import type { AdmissionRequest } from '../injection/admission-review.ts';
import type { InjectionDecision } from '../injection/injector.ts';
import { podEventFor } from './pod-event.ts';

const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f', uid: 'rs-uid', controller: true };

function outcome(decision: InjectionDecision, metadata: Record<string, unknown>, extra: Partial<AdmissionRequest> = {}): ReviewOutcome {
  const request: AdmissionRequest = {
    uid: 'u',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'shop',
    object: { metadata, spec: { containers: [{ name: 'app' }] } } as never,
    ...extra,
  };
  return { request, decision, durationSeconds: 0.001 };
}

const injected: InjectionDecision = { outcome: 'injected', sidecars: ['log-agent', 'proxy'], patch: [] };

describe(podEventFor.name, () => {
  it('records an injection on the pod controller, naming pod and sidecars', () => {
    expect(podEventFor(outcome(injected, { generateName: 'web-7d9f-', ownerReferences: [owner] }))).toEqual({
      regarding: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f', namespace: 'shop', uid: 'rs-uid' },
      type: 'Normal',
      reason: 'Injected',
      note: 'Injected sidecars log-agent, proxy into pod web-7d9f-*',
    });
  });

  it('records a refusal as a warning on a named pod without owner', () => {
    const refused: InjectionDecision = { outcome: 'refused', reason: 'unknown-sidecar', message: 'unknown sidecar "x"' };
    expect(podEventFor(outcome(refused, { name: 'debug' }))).toEqual({
      regarding: { apiVersion: 'v1', kind: 'Pod', name: 'debug', namespace: 'shop' },
      type: 'Warning',
      reason: 'InjectionRefused',
      note: 'Refused pod debug: unknown sidecar "x"',
    });
  });

  it('tells about opt-outs but not about routine skips', () => {
    const skip = (reason: 'opted-out' | 'already-injected' | 'protected-namespace' | 'not-a-pod-create') => podEventFor(outcome({ outcome: 'skipped', reason, message: 'why' }, { name: 'p' }));
    expect(skip('opted-out')?.reason).toBe('InjectionSkipped');
    expect(skip('already-injected')).toBeUndefined();
    expect(skip('protected-namespace')).toBeUndefined();
    expect(skip('not-a-pod-create')).toBeUndefined();
  });

  it('records nothing for dry runs, which must have no side effects', () => {
    expect(podEventFor(outcome(injected, { name: 'p' }, { dryRun: true }))).toBeUndefined();
  });

  it('records nothing when there is no object to attach it to', () => {
    expect(podEventFor(outcome(injected, { generateName: 'orphan-' }))).toBeUndefined();
  });

  it('ignores owner references and names that are not what the API says, rather than throwing on them', () => {
    const refused: InjectionDecision = { outcome: 'refused', reason: 'invalid-pod', message: 'bad' };
    expect(podEventFor(outcome(refused, { name: 'p', ownerReferences: [null, 7, { controller: true, kind: {}, name: 'x', apiVersion: 'v1' }] }))?.regarding).toEqual({ apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'shop' });
    expect(podEventFor(outcome(refused, { name: { toString: 1 }, generateName: 'web-' }))).toBeUndefined();
    expect(podEventFor(outcome(refused, { name: { toString: 1 }, ownerReferences: [owner] }))?.note).toBe('Refused pod (unnamed): bad');
  });

  it('keeps notes within the apiserver limit', () => {
    const refused: InjectionDecision = { outcome: 'refused', reason: 'invalid-pod', message: 'x'.repeat(5_000) };
    expect(podEventFor(outcome(refused, { name: 'p' }))!.note).toHaveLength(1024);
  });
});
