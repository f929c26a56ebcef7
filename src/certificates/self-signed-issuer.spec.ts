import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { reconcileSelfSigned } from './self-signed-issuer.ts';
import { caOverlapMs, type SelfSignedSettings } from './self-signed-plan.ts';
import type { TlsState } from './tls-state.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2030, 0, 1);
const settings: SelfSignedSettings = { hostnames: ['injector.platform.svc', '127.0.0.1'], certValidityMs: 10 * DAY, caValidityMs: 30 * DAY, renewBeforeMs: 4 * DAY };

interface Step {
  readonly at: number;
  readonly state: TlsState;
  readonly changes: readonly string[];
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

function issuerOf(state: TlsState): X509Certificate | undefined {
  const leaf = new X509Certificate(state.certificate);
  return state.caCertificates.map((pem) => new X509Certificate(pem)).find((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
}

/** Runs the issuer the way the source does: reconcile, sleep until the check it asks for, repeat. */
async function simulate(until: number): Promise<Step[]> {
  const steps: Step[] = [];
  let state: TlsState | undefined;
  let now = T0;
  while (now < until) {
    const result = await reconcileSelfSigned(state, settings, now);
    expect(result.defects).toEqual([]);
    expect(result.nextCheckAt).toBeGreaterThan(now);
    state = result.state;
    steps.push({ at: now, state, changes: result.changes });
    now = result.nextCheckAt;
  }
  return steps;
}

/** The CA bundle in effect at a moment: the last one published at or before it. */
function bundleAt(steps: readonly Step[], at: number): readonly string[] {
  return (
    [...steps]
      .reverse()
      .find((step) => step.at <= at)
      ?.state.caCertificates.map(fingerprint) ?? []
  );
}

describe(reconcileSelfSigned.name, () => {
  it('makes a CA and a serving certificate from nothing, then keeps them', async () => {
    const first = await reconcileSelfSigned(undefined, settings, T0);
    expect(first.changes).toEqual(['no certificate yet']);
    expect(first.defects).toEqual([]);
    expect(issuerOf(first.state)?.ca).toBe(true);
    const again = await reconcileSelfSigned(first.state, settings, T0 + DAY);
    expect(again).toMatchObject({ changes: [], state: first.state });
  });

  it('reports a defect it replaced, keeping the CA when only the serving certificate was bad', async () => {
    const { state } = await reconcileSelfSigned(undefined, settings, T0);
    const repaired = await reconcileSelfSigned({ ...state, certificate: 'garbage' }, settings, T0 + 1_000);
    expect(repaired.defects).toEqual(['the serving certificate cannot be parsed']);
    expect(repaired.state.caCertificates).toEqual(state.caCertificates);
    expect(issuerOf(repaired.state)).toBeDefined();
  });

  describe('over 75 days with a 30-day CA, 10-day certificates and TLS_RENEW_BEFORE=4d', { timeout: 30_000 }, () => {
    let steps: Step[];
    const overlap = caOverlapMs(settings);

    it('goes through every kind of renewal', async () => {
      steps = await simulate(T0 + 75 * DAY);
      const changes = steps.flatMap((step) => step.changes);
      expect(changes).toContain('the serving certificate is due for renewal');
      expect(changes.filter((change) => change === 'the CA is due for renewal')).toHaveLength(2);
      expect(changes).toContain('the new CA has rolled out; moving the serving certificate to it');
      expect(changes).toContain('the previous CA has expired; dropping it from the bundle');
    });

    it('always serves a certificate that is valid and chains to a CA in the bundle', () => {
      for (const step of steps) {
        const leaf = new X509Certificate(step.state.certificate);
        expect(Date.parse(leaf.validFrom)).toBeLessThanOrEqual(step.at);
        expect(Date.parse(leaf.validTo)).toBeGreaterThan(step.at);
        expect(issuerOf(step.state)).toBeDefined();
      }
    });

    it('never lets a serving certificate outlive its CA', () => {
      for (const step of steps) {
        expect(Date.parse(new X509Certificate(step.state.certificate).validTo)).toBeLessThanOrEqual(Date.parse(issuerOf(step.state)!.validTo));
      }
    });

    it('holds the old and the new CA in the bundle while the new one rolls out, newest first', () => {
      const rotations = steps.filter((step) => step.changes.includes('the CA is due for renewal'));
      for (const rotation of rotations) {
        const [newest, previous] = rotation.state.caCertificates.map((pem) => new X509Certificate(pem));
        expect(rotation.state.caCertificates).toHaveLength(2);
        expect(Date.parse(newest!.validTo)).toBeGreaterThan(Date.parse(previous!.validTo));
        // The serving certificate still comes from the previous CA at this point.
        expect(issuerOf(rotation.state)!.fingerprint256).toBe(previous!.fingerprint256);
      }
      expect(Math.max(...steps.map((step) => step.state.caCertificates.length))).toBe(2);
    });

    it('signs with a new CA only once it has been published for the overlap', () => {
      // A client that fetched the bundle `overlap` ago must trust whatever is served now.
      for (const step of steps.filter((step) => step.at - overlap >= T0)) {
        expect(bundleAt(steps, step.at - overlap)).toContain(issuerOf(step.state)!.fingerprint256);
      }
    });

    it('drops the previous CA as soon as it has expired, and never an unexpired one in use', () => {
      for (const step of steps) {
        for (const pem of step.state.caCertificates) expect(Date.parse(new X509Certificate(pem).validTo)).toBeGreaterThan(step.at);
      }
      const drop = steps.find((step) => step.changes.includes('the previous CA has expired; dropping it from the bundle'))!;
      expect(drop.state.caCertificates).toHaveLength(1);
      expect(steps[steps.indexOf(drop) - 1]!.state.caCertificates).toHaveLength(2);
    });
  });
});
