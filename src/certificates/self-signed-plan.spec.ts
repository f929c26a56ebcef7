import { X509Certificate, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { caOverlapMs, issuedAt, planSelfSigned, type RenewalPlan, type SelfSignedSettings } from './self-signed-plan.ts';
import type { TlsState } from './tls-state.ts';
import { CLOCK_SKEW_MS, createCaCertificate, createServingCertificate, generateRsaKey, keyToPem } from './x509.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2030, 0, 1);
const settings: SelfSignedSettings = {
  hostnames: ['injector.platform.svc', 'localhost', '127.0.0.1'],
  certValidityMs: 10 * DAY,
  caValidityMs: 100 * DAY,
  renewBeforeMs: 4 * DAY,
};

let caKey: KeyObject;
let otherCaKey: KeyObject;
let leafKey: KeyObject;
let otherLeafKey: KeyObject;

beforeAll(async () => {
  [caKey, otherCaKey, leafKey, otherLeafKey] = await Promise.all([generateRsaKey(), generateRsaKey(), generateRsaKey(), generateRsaKey()]);
});

/** A CA issued at `at` the way the issuer makes one (notBefore back-dated by the skew allowance). */
function ca(key: KeyObject, at: number, validityMs = settings.caValidityMs): string {
  return createCaCertificate(key, { commonName: `test-ca-${at}`, notBefore: new Date(at - CLOCK_SKEW_MS), notAfter: new Date(at + validityMs) });
}

function leaf(caPem: string, signer: KeyObject, at: number, options: { validityMs?: number; hostnames?: readonly string[]; key?: KeyObject } = {}): string {
  return createServingCertificate(options.key ?? leafKey, {
    commonName: 'injector',
    hostnames: options.hostnames ?? settings.hostnames,
    notBefore: new Date(at - CLOCK_SKEW_MS),
    notAfter: new Date(at + (options.validityMs ?? settings.certValidityMs)),
    caCertificatePem: caPem,
    caKey: signer,
  });
}

/** A CA and a serving certificate both made at T0: what a fresh start stores. */
function fresh(): TlsState {
  const caPem = ca(caKey, T0);
  return { caCertificates: [caPem], caKey: keyToPem(caKey), certificate: leaf(caPem, caKey, T0), key: keyToPem(leafKey) };
}

function expiry(pem: string): number {
  return Date.parse(new X509Certificate(pem).validTo);
}

function renewal(plan: RenewalPlan) {
  expect(plan.action).toBe('renew');
  return plan as Extract<RenewalPlan, { action: 'renew' }>;
}

describe(planSelfSigned.name, () => {
  it('makes a CA and a certificate when nothing is stored, which is not a defect', () => {
    expect(planSelfSigned(undefined, settings, T0)).toEqual({ action: 'renew', ca: 'replace', newCertificate: true, reason: 'no certificate yet', defect: false });
  });

  it('keeps a fresh identity and looks again when the serving certificate falls due', () => {
    const state = fresh();
    expect(planSelfSigned(state, settings, T0 + 1_000)).toEqual({ action: 'keep', nextCheckAt: expiry(state.certificate) - settings.renewBeforeMs });
  });

  it.each([
    ['garbage', ['not a certificate']],
    ['an empty bundle', []],
    ['a truncated PEM', ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n']],
  ])('replaces a CA that cannot be parsed (%s)', (_name, caCertificates) => {
    expect(planSelfSigned({ ...fresh(), caCertificates }, settings, T0)).toMatchObject({ action: 'renew', ca: 'replace', newCertificate: true, defect: true, reason: 'the stored CA certificate cannot be parsed' });
  });

  it('replaces a CA whose stored key is another key, or missing', () => {
    const expected = { action: 'renew', ca: 'replace', newCertificate: true, defect: true, reason: 'the stored CA key does not match the CA certificate' };
    expect(planSelfSigned({ ...fresh(), caKey: keyToPem(otherCaKey) }, settings, T0)).toMatchObject(expected);
    const { caKey: _dropped, ...withoutKey } = fresh();
    expect(planSelfSigned(withoutKey, settings, T0)).toMatchObject(expected);
    expect(planSelfSigned({ ...fresh(), caKey: 'garbage' }, settings, T0)).toMatchObject(expected);
  });

  it('replaces an expired CA outright: nothing it signed can be valid', () => {
    const state = fresh();
    expect(planSelfSigned(state, settings, expiry(state.caCertificates[0]!))).toMatchObject({ action: 'renew', ca: 'replace', newCertificate: true, defect: true, reason: 'the CA has expired' });
  });

  it('rotates a CA that is due, without a new serving certificate yet', () => {
    const caPem = ca(caKey, T0);
    const due = expiry(caPem) - settings.renewBeforeMs;
    const state: TlsState = { caCertificates: [caPem], caKey: keyToPem(caKey), certificate: leaf(caPem, caKey, due - DAY), key: keyToPem(leafKey) };
    expect(planSelfSigned(state, settings, due - 1)).toEqual({ action: 'keep', nextCheckAt: due });
    expect(planSelfSigned(state, settings, due)).toEqual({ action: 'renew', ca: 'rotate', newCertificate: false, reason: 'the CA is due for renewal', defect: false });
  });

  describe('while a new CA rolls out', () => {
    /** The moment the old CA fell due: the new CA is first in the bundle, the old one still signs the serving certificate. */
    function rollingOut(options: { leafIssuedAt?: number; leafValidityMs?: number } = {}) {
      const oldCa = ca(otherCaKey, T0);
      const rotatedAt = expiry(oldCa) - settings.renewBeforeMs;
      const newCa = ca(caKey, rotatedAt);
      const leafIssuedAt = options.leafIssuedAt ?? rotatedAt - 7 * DAY;
      const state: TlsState = {
        caCertificates: [newCa, oldCa],
        caKey: keyToPem(caKey),
        certificate: leaf(oldCa, otherCaKey, leafIssuedAt, { validityMs: options.leafValidityMs ?? settings.certValidityMs }),
        key: keyToPem(leafKey),
      };
      return { state, rotatedAt, trustedAt: issuedAt(new X509Certificate(newCa)) + caOverlapMs(settings) };
    }

    it('publishes the new CA for half of TLS_RENEW_BEFORE before it signs', () => {
      expect(caOverlapMs(settings)).toBe(2 * DAY);
      const { rotatedAt, trustedAt } = rollingOut();
      expect(trustedAt - rotatedAt).toBeGreaterThanOrEqual(caOverlapMs(settings));
      expect(trustedAt - rotatedAt).toBeLessThanOrEqual(caOverlapMs(settings) + 1_000);
    });

    it('does not sign with the new CA before the overlap has passed, even for a certificate that is due', () => {
      const { state, rotatedAt, trustedAt } = rollingOut();
      expect(expiry(state.certificate) - settings.renewBeforeMs).toBeLessThan(rotatedAt);
      expect(planSelfSigned(state, settings, rotatedAt)).toEqual({ action: 'keep', nextCheckAt: trustedAt });
      expect(planSelfSigned(state, settings, trustedAt - 1)).toEqual({ action: 'keep', nextCheckAt: trustedAt });
    });

    it('moves the serving certificate to the new CA once the overlap has passed', () => {
      const { state, trustedAt } = rollingOut();
      expect(planSelfSigned(state, settings, trustedAt)).toMatchObject({
        action: 'renew',
        ca: 'none',
        newCertificate: true,
        defect: false,
        reason: 'the new CA has rolled out; moving the serving certificate to it',
      });
    });

    it('signs with the new CA at once only when the old certificate would expire before the overlap ends', () => {
      const { state, rotatedAt } = rollingOut({ leafIssuedAt: T0 + 95.5 * DAY, leafValidityMs: 1 * DAY });
      expect(expiry(state.certificate)).toBeLessThan(rotatedAt + caOverlapMs(settings));
      expect(renewal(planSelfSigned(state, settings, rotatedAt + 1_000)).reason).toBe('the serving certificate expires before the new CA has rolled out');
    });
  });

  it('renews a serving certificate that is due, under the same CA', () => {
    const state = fresh();
    const due = expiry(state.certificate) - settings.renewBeforeMs;
    expect(planSelfSigned(state, settings, due)).toEqual({ action: 'renew', ca: 'none', newCertificate: true, reason: 'the serving certificate is due for renewal', defect: false });
  });

  it.each([
    ['a DNS name', 'injector-v2.platform.svc'],
    ['an IP address', '10.0.0.7'],
  ])('replaces a serving certificate that does not cover %s it must serve', (_kind, name) => {
    const wider = { ...settings, hostnames: [...settings.hostnames, name] };
    expect(planSelfSigned(fresh(), wider, T0 + 1_000)).toMatchObject({ action: 'renew', ca: 'none', newCertificate: true, defect: true, reason: `the serving certificate does not cover ${name}` });
  });

  it.each<[string, (state: TlsState) => TlsState, string | RegExp]>([
    ['cannot be parsed', (state) => ({ ...state, certificate: 'garbage' }), 'the serving certificate cannot be parsed'],
    ['has another key', (state) => ({ ...state, key: keyToPem(otherLeafKey) }), 'the serving key does not match the serving certificate'],
    ['has an unparseable key', (state) => ({ ...state, key: 'garbage' }), 'the serving key does not match the serving certificate'],
    ['was issued by a stranger', (state) => ({ ...state, certificate: leaf(ca(otherCaKey, T0), otherCaKey, T0) }), 'the serving certificate was not issued by the CA'],
    ['has expired', (state) => ({ ...state, certificate: leaf(state.caCertificates[0]!, caKey, T0 - 20 * DAY) }), /^the serving certificate expired at 2029-12-22T00:00:00\.000Z$/],
    ['is not valid yet', (state) => ({ ...state, certificate: leaf(state.caCertificates[0]!, caKey, T0 + 5 * DAY) }), /^the serving certificate is not valid before /],
  ])('replaces a serving certificate that %s, under the same CA', (_name, spoil, reason) => {
    const plan = renewal(planSelfSigned(spoil(fresh()), settings, T0 + 1_000));
    expect(plan).toMatchObject({ ca: 'none', newCertificate: true, defect: true });
    expect(plan.reason).toMatch(reason);
  });

  it('drops the previous CA from the bundle once it has expired', () => {
    const oldCa = ca(otherCaKey, T0 - 95 * DAY);
    const newCa = ca(caKey, T0);
    const state: TlsState = { caCertificates: [newCa, oldCa], caKey: keyToPem(caKey), certificate: leaf(newCa, caKey, T0), key: keyToPem(leafKey) };
    expect(planSelfSigned(state, settings, T0 + 1_000)).toEqual({ action: 'keep', nextCheckAt: expiry(oldCa) });
    expect(planSelfSigned(state, settings, expiry(oldCa))).toEqual({
      action: 'renew',
      ca: 'none',
      newCertificate: false,
      reason: 'the previous CA has expired; dropping it from the bundle',
      defect: false,
    });
  });

  it('looks again at the earliest of: serving certificate due, CA due, previous CA expiry', () => {
    const shortCa = ca(caKey, T0, 12 * DAY);
    const state: TlsState = { caCertificates: [shortCa], caKey: keyToPem(caKey), certificate: leaf(shortCa, caKey, T0, { validityMs: 10 * DAY }), key: keyToPem(leafKey) };
    expect(planSelfSigned(state, settings, T0 + 1_000)).toEqual({ action: 'keep', nextCheckAt: Math.min(expiry(state.certificate), expiry(shortCa)) - settings.renewBeforeMs });
  });
});
