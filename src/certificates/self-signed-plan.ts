import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
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
  | {
      readonly action: 'renew';
      readonly ca: CaChange;
      readonly newCertificate: boolean;
      readonly reason: string;
      /** The stored identity was bad (corrupt, mismatched, expired, wrong SAN), not merely due. */
      readonly defect: boolean;
    };

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
  if (!state) return renew('replace', true, 'no certificate yet', false);
  const cas = parseAll(state.caCertificates);
  const newestCa = cas?.[0];
  if (!cas || !newestCa) return renew('replace', true, 'the stored CA certificate cannot be parsed', true);
  if (!state.caKey || !keyMatches(newestCa, state.caKey)) return renew('replace', true, 'the stored CA key does not match the CA certificate', true);
  const caExpiry = Date.parse(newestCa.validTo);
  if (caExpiry <= now) return renew('replace', true, 'the CA has expired', true);
  if (caExpiry - now <= settings.renewBeforeMs) return renew('rotate', false, 'the CA is due for renewal', false);

  const problem = servingProblem(state, cas, settings.hostnames, now);
  if (problem) return renew('none', true, problem, true);
  const leaf = new X509Certificate(state.certificate);
  const leafExpiry = Date.parse(leaf.validTo);

  if (!leaf.checkIssued(newestCa)) {
    const caTrustedAt = issuedAt(newestCa) + caOverlapMs(settings);
    if (caTrustedAt <= now) return renew('none', true, 'the new CA has rolled out; moving the serving certificate to it', false);
    // Even when due, the current certificate outlasts the overlap (it was renewed on time), and
    // one signed now by the new CA would fail at every apiserver that has not seen the new bundle.
    if (leafExpiry > caTrustedAt) return { action: 'keep', nextCheckAt: caTrustedAt };
    return renew('none', true, 'the serving certificate expires before the new CA has rolled out', false);
  }

  const leafRenewAt = leafExpiry - settings.renewBeforeMs;
  if (leafRenewAt <= now) return renew('none', true, 'the serving certificate is due for renewal', false);
  const olderCaExpiries = cas.slice(1).map((ca) => Date.parse(ca.validTo));
  if (olderCaExpiries.some((expiry) => expiry <= now)) return renew('none', false, 'the previous CA has expired; dropping it from the bundle', false);
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
  if (Date.parse(leaf.validTo) <= now) return `the serving certificate expired at ${new Date(leaf.validTo).toISOString()}`;
  if (Date.parse(leaf.validFrom) > now) return `the serving certificate is not valid before ${new Date(leaf.validFrom).toISOString()}`;
  if (cas.length > 0 && !cas.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey))) return 'the serving certificate was not issued by the CA';
  const missing = uncovered(leaf, hostnames);
  if (missing.length > 0) return `the serving certificate does not cover ${missing.join(', ')}`;
  return undefined;
}

/** The names and IP addresses among `hostnames` that the certificate does not cover. */
export function uncovered(certificate: X509Certificate, hostnames: readonly string[]): string[] {
  return hostnames.filter((name) => !covers(certificate, name));
}

/**
 * When a certificate was made: this service back-dates notBefore by the clock-skew
 * allowance, and X.509 keeps whole seconds, so one second is added back to err late.
 */
export function issuedAt(certificate: X509Certificate): number {
  return Date.parse(certificate.validFrom) + CLOCK_SKEW_MS + 1_000;
}

export function parseAll(pems: readonly string[]): X509Certificate[] | undefined {
  try {
    return pems.map((pem) => new X509Certificate(pem));
  } catch {
    return undefined;
  }
}

function covers(certificate: X509Certificate, name: string): boolean {
  // checkIP throws on a DNS name and checkHost ignores IP SANs, so each gets its own check.
  return (isIP(name) ? certificate.checkIP(name) : certificate.checkHost(name)) !== undefined;
}

function keyMatches(certificate: X509Certificate, keyPem: string): boolean {
  try {
    return certificate.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function renew(ca: CaChange, newCertificate: boolean, reason: string, defect: boolean): RenewalPlan {
  return { action: 'renew', ca, newCertificate, reason, defect };
}
