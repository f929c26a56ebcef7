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

/**
 * The certificates of a stored bundle. Text that holds none is kept as it is, so that
 * validation reports it as unparseable instead of it passing for "no CA".
 */
export function readPemBundle(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [];
  const certificates = splitPemBundle(text);
  return certificates.length > 0 ? certificates : [text];
}

export function joinPemBundle(certificates: readonly string[]): string {
  return certificates.map((pem) => pem.trim() + '\n').join('');
}
