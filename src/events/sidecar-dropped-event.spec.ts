import { describe, expect, it } from 'vitest';
import type { ReviewOutcome } from '../admission/injection.service.ts';
import type { AdmissionRequest } from '../injection/admission-review.ts';
import type { InjectionDecision } from '../injection/injector.ts';
import { podEventFor } from './pod-event.ts';

function outcome(decision: InjectionDecision, dryRun = false): ReviewOutcome {
  const request: AdmissionRequest = { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'shop', dryRun, object: { metadata: { name: 'web-1' }, spec: { containers: [{ name: 'app' }] } } as never };
  return { request, decision, durationSeconds: 0.001 };
}

const dropped = [{ name: 'statsd', reason: 'the pod already has a container named "statsd" (in spec.containers)' }];

describe('SidecarDropped events (optional sidecars left out)', () => {
  it('warn on an injection that left an optional sidecar out, naming it and why', () => {
    expect(podEventFor(outcome({ outcome: 'injected', sidecars: ['log-agent'], patch: [], dropped }))).toMatchObject({
      type: 'Warning',
      reason: 'SidecarDropped',
      note: 'Injected sidecars log-agent into pod web-1; left out optional sidecars statsd (the pod already has a container named "statsd" (in spec.containers))',
    });
  });

  it('warn when every sidecar was left out', () => {
    expect(podEventFor(outcome({ outcome: 'skipped', reason: 'all-dropped', message: 'every sidecar ...', dropped }))).toMatchObject({
      type: 'Warning',
      reason: 'SidecarDropped',
      note: expect.stringMatching(/^No sidecars for pod web-1: left out optional sidecars statsd \(/),
    });
  });

  it('are not recorded for dry runs', () => {
    expect(podEventFor(outcome({ outcome: 'injected', sidecars: ['log-agent'], patch: [], dropped }, true))).toBeUndefined();
  });
});
