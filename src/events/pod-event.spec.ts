import { describe, expect, it } from 'vitest';
import type { ReviewOutcome } from '../admission/injection.service.ts';
import type { AdmissionRequest } from '../injection/admission-review.ts';
import type { InjectionDecision } from '../injection/injector.ts';
import { eventName, podEventFor } from './pod-event.ts';

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

  it.each([
    ['a long refusal', 'x'],
    ['a refusal in two-byte characters', 'é'],
    ['a refusal in four-byte characters', '😀'],
  ])('keeps the note of %s within the apiserver limit of 1,024 bytes, cut between characters', (_name, unit) => {
    const refused: InjectionDecision = { outcome: 'refused', reason: 'unknown-sidecar', message: `unknown sidecar "${unit.repeat(5_000)}"` };
    const note = podEventFor(outcome(refused, { name: 'p' }))!.note;
    expect(Buffer.byteLength(note, 'utf8')).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(note, 'utf8')).toBeGreaterThan(1020);
    expect(note).toMatch(/^Refused pod p: unknown sidecar ".*…$/u);
    expect(Buffer.from(note, 'utf8').toString('utf8')).toBe(note);
  });

  it('keeps what it echoes of a pod short, whatever the pod sent', () => {
    const huge = 'n'.repeat(4_000_000);
    const refused: InjectionDecision = { outcome: 'refused', reason: 'invalid-pod', message: 'bad' };
    const event = podEventFor(outcome(refused, { name: huge }))!;
    expect(event.regarding.name.length).toBeLessThan(300);
    expect(event.note.length).toBeLessThan(600);
    const owned = podEventFor(outcome(refused, { generateName: 'web-', ownerReferences: [{ ...owner, name: huge, kind: huge, apiVersion: huge, uid: huge }] }))!;
    expect(JSON.stringify(owned.regarding).length).toBeLessThan(1_200);
    expect(podEventFor(outcome(refused, { name: 'p' }, { namespace: huge }))).toBeUndefined();
  });
});

describe(eventName.name, () => {
  const SUFFIX = '0123456789abcdef';
  const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

  it('is the subject name and a unique suffix, as client-go names events', () => {
    expect(eventName('web-7d9f', SUFFIX)).toBe(`web-7d9f.${SUFFIX}`);
  });

  it.each([
    ['a name of the longest valid length', 'a'.repeat(253)],
    ['a name far too long', 'web-'.repeat(1_000_000)],
    ['a name with non-ASCII letters', 'café-ünïcödé-😀'],
    ['a name of upper case and punctuation', 'Web_Pod..--x.-'],
    ['a name of nothing valid', '😀😀'],
    ['a name that is all dots and dashes', '.-.-.'],
  ])('is a DNS subdomain of at most 253 characters for %s', (_name, subject) => {
    const name = eventName(subject, SUFFIX);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(DNS_SUBDOMAIN);
    expect(name.endsWith(`.${SUFFIX}`) || name === SUFFIX).toBe(true);
  });
});
