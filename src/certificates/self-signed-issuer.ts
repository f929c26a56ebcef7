import { X509Certificate, type KeyObject } from 'node:crypto';
import { planSelfSigned, type RenewalPlan, type SelfSignedSettings } from './self-signed-plan.ts';
import type { TlsState } from './tls-state.ts';
import { CLOCK_SKEW_MS, createCaCertificate, createServingCertificate, generateRsaKey, keyFromPem, keyToPem } from './x509.ts';

const CA_COMMON_NAME = 'sidecar-injector-ca';
/** Plans are applied until one says "keep"; the longest path is replace-CA → issue → keep. */
const MAX_STEPS = 4;

export interface SelfSignedResult {
  readonly state: TlsState;
  /** What was done, for the log; empty when the state was already good. */
  readonly changes: readonly string[];
  /** The subset of `changes` that replaced bad input rather than renewing on schedule. */
  readonly defects: readonly string[];
  readonly nextCheckAt: number;
}

/** Brings a self-signed identity up to date: loads what is good, renews what is due. */
export async function reconcileSelfSigned(current: TlsState | undefined, settings: SelfSignedSettings, now: number): Promise<SelfSignedResult> {
  let state = current;
  const changes: string[] = [];
  const defects: string[] = [];
  for (let step = 0; step < MAX_STEPS; step++) {
    const plan = planSelfSigned(state, settings, now);
    if (plan.action === 'keep') return { state: state!, changes, defects, nextCheckAt: plan.nextCheckAt };
    changes.push(plan.reason);
    if (plan.defect) defects.push(plan.reason);
    state = await applyPlan(state, plan, settings, now);
  }
  throw new Error(`certificate renewal did not settle: ${changes.join('; ')}`);
}

async function applyPlan(state: TlsState | undefined, plan: Extract<RenewalPlan, { action: 'renew' }>, settings: SelfSignedSettings, now: number): Promise<TlsState> {
  // Both keys at once when both are needed: each takes a thread-pool thread for ~100 ms.
  const [caKey, key] = await Promise.all([plan.ca === 'none' ? undefined : generateRsaKey(), plan.newCertificate ? generateRsaKey() : undefined]);
  // A replaced CA is unusable, so nothing of it is read; the planner has parsed any other.
  let caCertificates = plan.ca === 'replace' ? [] : unexpired(state?.caCertificates ?? [], now);
  let caKeyPem = plan.ca === 'replace' ? undefined : state?.caKey;
  if (caKey) {
    const ca = createCaCertificate(caKey, { commonName: `${CA_COMMON_NAME}-${Math.floor(now / 1000)}`, ...validity(now, settings.caValidityMs) });
    caCertificates = [ca, ...caCertificates.slice(0, 1)];
    caKeyPem = keyToPem(caKey);
  }
  if (!caKeyPem) throw new Error('no CA key to sign with');
  if (!key) return { ...state!, caCertificates, caKey: caKeyPem };
  return { caCertificates, caKey: caKeyPem, ...issueServing(key, caCertificates[0]!, caKeyPem, settings, now) };
}

function issueServing(key: KeyObject, caPem: string, caKeyPem: string, settings: SelfSignedSettings, now: number): { certificate: string; key: string } {
  const period = validity(now, settings.certValidityMs);
  // A certificate must not outlive the CA that vouches for it.
  const caExpiry = new Date(Date.parse(new X509Certificate(caPem).validTo));
  const certificate = createServingCertificate(key, {
    commonName: settings.hostnames[0] ?? 'sidecar-injector',
    hostnames: settings.hostnames,
    notBefore: period.notBefore,
    notAfter: period.notAfter < caExpiry ? period.notAfter : caExpiry,
    caCertificatePem: caPem,
    caKey: keyFromPem(caKeyPem),
  });
  return { certificate, key: keyToPem(key) };
}

/** Nothing signed by an expired CA can still be valid, so it leaves the bundle at every change. */
function unexpired(caCertificates: readonly string[], now: number): string[] {
  return caCertificates.filter((pem) => Date.parse(new X509Certificate(pem).validTo) > now);
}

function validity(now: number, validityMs: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + validityMs) };
}
