/** The webhook's TLS identity as stored on disk or in a Secret (PEM throughout). */
export interface TlsState {
  /** CA certificates, newest first: the bundle the apiserver trusts. More than one only while a new CA rolls out. */
  readonly caCertificates: readonly string[];
  /** Key of the newest CA; absent when certificates come from files this service did not make. */
  readonly caKey?: string;
  readonly certificate: string;
  readonly key: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function splitPemBundle(bundle: string): string[] {
  return bundle.match(PEM_CERTIFICATE)?.map((pem) => `${pem}\n`) ?? [];
}

export function joinPemBundle(certificates: readonly string[]): string {
  return certificates.map((pem) => pem.trim() + '\n').join('');
}
