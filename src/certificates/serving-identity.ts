import { createHash, X509Certificate } from 'node:crypto';
import { joinPemBundle, type TlsState } from './tls-state.ts';

/** What the HTTPS server serves and what the webhook configuration must trust. */
export interface ServingIdentity {
  readonly certificate: string;
  readonly key: string;
  /** PEM bundle for the webhook's caBundle; undefined when another tool (e.g. cert-manager's cainjector) owns it. */
  readonly caBundle: string | undefined;
  readonly notAfter: Date;
  /** SHA-256 of the serving certificate, for logs and change detection. */
  readonly fingerprint: string;
  /** Set while a stand-in serves in place of the shared identity, saying why. */
  readonly provisional?: string;
}

export function toServingIdentity(state: TlsState, provisional?: string): ServingIdentity {
  const leaf = new X509Certificate(state.certificate);
  return {
    certificate: state.certificate,
    key: state.key,
    caBundle: state.caCertificates.length > 0 ? joinPemBundle(state.caCertificates) : undefined,
    notAfter: new Date(leaf.validTo),
    fingerprint: createHash('sha256').update(leaf.raw).digest('hex'),
    ...(provisional === undefined ? {} : { provisional }),
  };
}
