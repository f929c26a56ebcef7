import type { SecureContextOptions, TlsOptions } from 'node:tls';

/**
 * TLS 1.3 suites and the TLS 1.2 AEAD suites with forward secrecy (Mozilla "intermediate").
 * Go's apiserver client offers all of these.
 */
export const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * The complete option set for a certificate. `setSecureContext` resets every option it is
 * not given, so the server is created and every later swap is made from this one function.
 */
export function tlsOptions(certificate: string, key: string): TlsOptions & SecureContextOptions {
  return { cert: certificate, key, minVersion: 'TLSv1.2', ciphers: CIPHERS, honorCipherOrder: true };
}
