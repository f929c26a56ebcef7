import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/**
 * Certificates are assembled with node-forge but keyed and signed by Node's native
 * crypto: pure-JS RSA key generation takes seconds and a pure-JS signature stalls the
 * event loop for tens of milliseconds, both on the path of a rotation under load.
 */

/** Back-dated validity absorbs clock skew between this pod and the apiserver. */
export const CLOCK_SKEW_MS = 60_000;

export interface CertificateRequest {
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export function generateRsaKey(): Promise<KeyObject> {
  return new Promise((resolve, reject) => generateKeyPair('rsa', { modulusLength: 2048 }, (error, _publicKey, privateKey) => (error ? reject(error) : resolve(privateKey))));
}

export function keyToPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function keyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

export function createCaCertificate(key: KeyObject, request: CertificateRequest): string {
  const certificate = baseCertificate(key, request);
  certificate.setIssuer(certificate.subject.attributes);
  certificate.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }, { name: 'subjectKeyIdentifier' }]);
  return signWith(certificate, key);
}

export interface ServingRequest extends CertificateRequest {
  readonly hostnames: readonly string[];
  readonly caCertificatePem: string;
  readonly caKey: KeyObject;
}

export function createServingCertificate(key: KeyObject, request: ServingRequest): string {
  const certificate = baseCertificate(key, request);
  const ca = forge.pki.certificateFromPem(request.caCertificatePem);
  certificate.setIssuer(ca.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: request.hostnames.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  return signWith(certificate, request.caKey);
}

function baseCertificate(key: KeyObject, request: CertificateRequest): forge.pki.Certificate {
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`certificates here carry RSA keys, not ${key.asymmetricKeyType ?? 'unknown'}`);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString());
  certificate.serialNumber = serialNumberHex(randomBytes(16));
  certificate.validity.notBefore = request.notBefore;
  certificate.validity.notAfter = request.notAfter;
  // UTF8String: forge defaults to PrintableString, which Go's x509 parser (the apiserver's) rejects for characters like "@".
  certificate.setSubject([{ name: 'commonName', value: request.commonName, valueTagClass: forge.asn1.Type.UTF8 } as unknown as forge.pki.CertificateField]);
  return certificate;
}

/**
 * A positive serial whose DER encoding is minimal, from 16 random bytes (126 bits of them
 * survive). A "00" prefix is not enough: forge strips one leading zero byte, so random bytes
 * that begin with 0x00 gave "illegal padding", which OpenSSL and Go refuse (1 in 512 certificates).
 */
export function serialNumberHex(random: Buffer): string {
  const bytes = Buffer.from(random);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}

/** Fills in forge's signature fields with a native RSA-SHA256 signature over the TBS bytes. */
function signWith(certificate: forge.pki.Certificate, key: KeyObject): string {
  const sha256WithRsa = forge.pki.oids['sha256WithRSAEncryption']!;
  const mutable = certificate as forge.pki.Certificate & { siginfo: { algorithmOid: string }; signatureOid: string; tbsCertificate: forge.asn1.Asn1; signature: string };
  mutable.siginfo.algorithmOid = sha256WithRsa;
  mutable.signatureOid = sha256WithRsa;
  mutable.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(certificate);
  const tbs = Buffer.from(forge.asn1.toDer(mutable.tbsCertificate).getBytes(), 'binary');
  mutable.signature = sign('sha256', tbs, key).toString('binary');
  return forge.pki.certificateToPem(certificate);
}
