import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { TlsState } from './tls-state.ts';
import { CLOCK_SKEW_MS } from './x509.ts';

export interface SelfSignedSettings {
  /** Names and IPs the serving certificate must cover. */
  readonly hostnames: readonly string[];
  readonly certValidityMs: number;
  readonly caValidityMs: number;
  readonly renewBeforeMs: number;
}

/** `rotate` makes a new CA and keeps the old one in the bundle; `replace` discards an unusable one. */
export type CaChange = 'none' | 'rotate' | 'replace';

export type RenewalPlan =
  | { readonly action: 'keep'; readonly nextCheckAt: number }
  | { readonly action: 'renew'; readonly ca: CaChange; readonly newCertificate: boolean; readonly reason: string };

/**
 * How long a new CA sits in the published bundle before it signs the serving
 * certificate, so every apiserver trusts it before it is needed.
 */
export function caOverlapMs(settings: SelfSignedSettings): number {
  return settings.renewBeforeMs / 2;
}

/**
 * Decides what a self-signed identity needs now: nothing (and when to look again),
 * a new serving certificate, or a new CA. Pure, so every rule here is tested directly.
 */
export function planSelfSigned(state: TlsState | undefined, settings: SelfSignedSettings, now: number): RenewalPlan {
  if (!state) return renew('replace', true, 'no certificate yet');
  const cas = parseAll(state.caCertificates);
  const newestCa = cas?.[0];
  if (!cas || !newestCa) return renew('replace', true, 'the stored CA certificate cannot be parsed');
  if (!state.caKey || !keyMatches(newestCa, state.caKey)) return renew('replace', true, 'the stored CA key does not match the CA certificate');
  const caExpiry = Date.parse(newestCa.validTo);
  if (caExpiry <= now) return renew('replace', true, 'the CA has expired');
  if (caExpiry - now <= settings.renewBeforeMs) return renew('rotate', false, 'the CA is due for renewal');

  const problem = servingProblem(state, cas, settings.hostnames, now);
  if (problem) return renew('none', true, problem);
  const leaf = new X509Certificate(state.certificate);
  const leafRenewAt = Date.parse(leaf.validTo) - settings.renewBeforeMs;
  if (leafRenewAt <= now) return renew('none', true, 'the serving certificate is due for renewal');

  const caTrustedAt = issuedAt(newestCa) + caOverlapMs(settings);
  if (!leaf.checkIssued(newestCa)) {
    if (caTrustedAt <= now) return renew('none', true, 'the new CA has rolled out; moving the serving certificate to it');
    return { action: 'keep', nextCheckAt: Math.min(caTrustedAt, leafRenewAt) };
  }
  const olderCaExpiries = cas.slice(1).map((ca) => Date.parse(ca.validTo));
  return { action: 'keep', nextCheckAt: Math.min(leafRenewAt, caExpiry - settings.renewBeforeMs, ...olderCaExpiries) };
}

/** Why the serving certificate cannot be used as it is, if it cannot. */
export function servingProblem(state: TlsState, cas: readonly X509Certificate[], hostnames: readonly string[], now: number): string | undefined {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(state.certificate);
  } catch {
    return 'the serving certificate cannot be parsed';
  }
  if (!keyMatches(leaf, state.key)) return 'the serving key does not match the serving certificate';
  if (Date.parse(leaf.validTo) <= now) return 'the serving certificate has expired';
  if (Date.parse(leaf.validFrom) > now) return 'the serving certificate is not valid yet';
  if (cas.length > 0 && !cas.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey))) return 'the serving certificate was not issued by the CA';
  const missing = hostnames.filter((name) => (leaf.checkHost(name) ?? leaf.checkIP(name)) === undefined);
  if (missing.length > 0) return `the serving certificate does not cover ${missing.join(', ')}`;
  return undefined;
}

/** When a certificate was made: this service back-dates notBefore by the clock-skew allowance. */
export function issuedAt(certificate: X509Certificate): number {
  return Date.parse(certificate.validFrom) + CLOCK_SKEW_MS;
}

export function parseAll(pems: readonly string[]): X509Certificate[] | undefined {
  try {
    return pems.map((pem) => new X509Certificate(pem));
  } catch {
    return undefined;
  }
}

function keyMatches(certificate: X509Certificate, keyPem: string): boolean {
  try {
    return certificate.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function renew(ca: CaChange, newCertificate: boolean, reason: string): RenewalPlan {
  return { action: 'renew', ca, newCertificate, reason };
}
