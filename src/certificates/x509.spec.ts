import { X509Certificate, generateKeyPairSync, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCaCertificate, createServingCertificate, generateRsaKey, keyFromPem, keyToPem, serialNumberHex } from './x509.ts';

const NOT_BEFORE = new Date('2030-01-01T00:00:00Z');
const NOT_AFTER = new Date('2031-01-01T00:00:00Z');
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

let caKey: KeyObject;
let leafKey: KeyObject;
let caPem: string;
let leafPem: string;

beforeAll(async () => {
  [caKey, leafKey] = await Promise.all([generateRsaKey(), generateRsaKey()]);
  caPem = createCaCertificate(caKey, { commonName: 'sidecar-injector-ca-1893456000', notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
  leafPem = createServingCertificate(leafKey, {
    commonName: 'injector.platform.svc',
    hostnames: ['injector.platform.svc', 'localhost', '127.0.0.1', '::1'],
    notBefore: NOT_BEFORE,
    notAfter: new Date('2030-06-01T00:00:00Z'),
    caCertificatePem: caPem,
    caKey,
  });
});

type KeyUsage = { digitalSignature?: boolean; keyEncipherment?: boolean; keyCertSign?: boolean; cRLSign?: boolean; critical?: boolean };

function keyUsage(pem: string): KeyUsage {
  return forge.pki.certificateFromPem(pem).getExtension('keyUsage') as KeyUsage;
}

describe('x509', () => {
  it('makes 2048-bit RSA keys that survive a PEM round trip', () => {
    expect(leafKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(keyFromPem(keyToPem(leafKey)).equals(leafKey)).toBe(true);
  });

  it('makes a self-signed CA with the CA flag and the right to sign certificates', () => {
    const ca = new X509Certificate(caPem);
    expect(ca.ca).toBe(true);
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.checkPrivateKey(caKey)).toBe(true);
    expect(keyUsage(caPem)).toMatchObject({ keyCertSign: true, cRLSign: true, critical: true });
  });

  it('makes a serving certificate whose chain verifies against the CA', () => {
    const ca = new X509Certificate(caPem);
    const leaf = new X509Certificate(leafPem);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(leafKey)).toBe(true);
    expect(leaf.issuer).toBe(ca.subject);
  });

  it('puts every DNS name and IP address in the SANs, each with its own type', () => {
    const leaf = new X509Certificate(leafPem);
    expect(leaf.subjectAltName).toBe('DNS:injector.platform.svc, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(leaf.checkHost('injector.platform.svc')).toBe('injector.platform.svc');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('injector.other.svc')).toBeUndefined();
  });

  it('limits the serving certificate to server authentication with a signing key', () => {
    expect(new X509Certificate(leafPem).keyUsage).toEqual([SERVER_AUTH]);
    expect(keyUsage(leafPem)).toMatchObject({ digitalSignature: true, keyEncipherment: true, critical: true });
    expect(keyUsage(leafPem).keyCertSign).toBeFalsy();
  });

  it('keeps the requested validity to the second', () => {
    const leaf = new X509Certificate(leafPem);
    expect(new Date(leaf.validFrom).toISOString()).toBe(NOT_BEFORE.toISOString());
    expect(new Date(leaf.validTo).toISOString()).toBe('2030-06-01T00:00:00.000Z');
  });

  it('encodes the subject CN as a UTF8String, which Go (the apiserver) parses whatever the characters', () => {
    const field = forge.pki.certificateFromPem(caPem).subject.getField('CN') as { valueTagClass: number; value: string };
    expect(field).toMatchObject({ value: 'sidecar-injector-ca-1893456000', valueTagClass: forge.asn1.Type.UTF8 });
  });

  it.each([
    ['a zero first byte', Buffer.alloc(16, 0)],
    ['a high first byte', Buffer.alloc(16, 0xff)],
    ['a low first byte', Buffer.from('00010203040506070809101112131415', 'hex')],
  ])('gives a positive, minimally encoded serial from random bytes with %s', (_name, random) => {
    const serial = serialNumberHex(random);
    expect(serial).toHaveLength(32);
    expect(Number.parseInt(serial.slice(0, 2), 16)).toBeGreaterThanOrEqual(0x40);
    expect(Number.parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
  });

  it('makes certificates that OpenSSL parses every time (a padding bug once failed 1 in 512)', () => {
    for (let index = 0; index < 300; index++) {
      const pem = createCaCertificate(caKey, { commonName: 'x', notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
      expect(() => new X509Certificate(pem)).not.toThrow();
    }
  });

  it('refuses keys that are not RSA rather than making a certificate Node cannot sign the same way', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createCaCertificate(privateKey, { commonName: 'x', notBefore: NOT_BEFORE, notAfter: NOT_AFTER })).toThrow('certificates here carry RSA keys, not ec');
  });
});
