import { X509Certificate } from 'node:crypto';
import { planSelfSigned, type RenewalPlan, type SelfSignedSettings } from './self-signed-plan.ts';
import type { TlsState } from './tls-state.ts';
import { CLOCK_SKEW_MS, createCaCertificate, createServingCertificate, generateRsaKey, keyFromPem, keyToPem } from './x509.ts';

const CA_COMMON_NAME = 'sidecar-injector-ca';
/** Plans are applied until one says "keep"; three steps cover replace-CA → issue → done. */
const MAX_STEPS = 4;

export interface SelfSignedResult {
  readonly state: TlsState;
  /** What was done, for the log; empty when the state was already good. */
  readonly changes: readonly string[];
  readonly nextCheckAt: number;
}

/** Brings a self-signed identity up to date: loads what is good, renews what is due. */
export async function reconcileSelfSigned(current: TlsState | undefined, settings: SelfSignedSettings, now: number): Promise<SelfSignedResult> {
  let state = current;
  const changes: string[] = [];
  for (let step = 0; step < MAX_STEPS; step++) {
    const plan = planSelfSigned(state, settings, now);
    if (plan.action === 'keep') return { state: state!, changes, nextCheckAt: plan.nextCheckAt };
    changes.push(plan.reason);
    state = await applyPlan(state, plan, settings, now);
  }
  throw new Error(`certificate renewal did not settle: ${changes.join('; ')}`);
}

async function applyPlan(state: TlsState | undefined, plan: Extract<RenewalPlan, { action: 'renew' }>, settings: SelfSignedSettings, now: number): Promise<TlsState> {
  let caCertificates = state?.caCertificates ?? [];
  let caKeyPem = state?.caKey;
  if (plan.ca !== 'none') {
    const caKey = await generateRsaKey();
    const ca = createCaCertificate(caKey, { commonName: `${CA_COMMON_NAME}-${Math.floor(now / 1000)}`, ...validity(now, settings.caValidityMs) });
    caCertificates = plan.ca === 'rotate' ? [ca, ...caCertificates.filter((pem) => Date.parse(new X509Certificate(pem).validTo) > now).slice(0, 1)] : [ca];
    caKeyPem = keyToPem(caKey);
  }
  if (!plan.newCertificate && state) return { ...state, caCertificates, caKey: caKeyPem! };

  const newestCa = caCertificates[0]!;
  const key = await generateRsaKey();
  const period = validity(now, settings.certValidityMs);
  // A certificate must not outlive the CA that vouches for it.
  const caExpiry = new Date(Date.parse(new X509Certificate(newestCa).validTo));
  const certificate = createServingCertificate(key, {
    commonName: settings.hostnames[0] ?? 'sidecar-injector',
    hostnames: settings.hostnames,
    notBefore: period.notBefore,
    notAfter: period.notAfter < caExpiry ? period.notAfter : caExpiry,
    caCertificatePem: newestCa,
    caKey: keyFromPem(caKeyPem!),
  });
  return { caCertificates, caKey: caKeyPem!, certificate, key: keyToPem(key) };
}

function validity(now: number, validityMs: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + validityMs) };
}
