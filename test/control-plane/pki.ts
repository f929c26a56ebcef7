import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createCertificateAuthority, generateRsaKeyPair, issueServingCertificate } from './certs.ts';

export interface Pki {
  readonly dir: string;
  /** PEM of the CA behind the serving certificate: the kubeconfig's certificate-authority-data. */
  readonly caPem: string;
  /** Bearer token of `admin`, a member of system:masters. */
  readonly adminToken: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPublicKey: string;
  readonly tokenAuthFile: string;
}

/** Writes kube-apiserver's serving certificate, service-account key pair and static admin token into `dir`. */
export async function writePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const ca = await createCertificateAuthority('test-control-plane-ca');
  const [serving, serviceAccount] = await Promise.all([issueServingCertificate(ca, { commonName: 'kube-apiserver', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] }), generateRsaKeyPair()]);
  const pki: Pki = {
    dir,
    caPem: ca.certPem,
    adminToken: randomBytes(32).toString('hex'),
    servingCert: path.join(dir, 'apiserver.crt'),
    servingKey: path.join(dir, 'apiserver.key'),
    serviceAccountKey: path.join(dir, 'sa.key'),
    serviceAccountPublicKey: path.join(dir, 'sa.pub'),
    tokenAuthFile: path.join(dir, 'tokens.csv'),
  };
  const secret = { mode: 0o600 };
  await writeFile(pki.servingCert, serving.certPem, secret);
  await writeFile(pki.servingKey, serving.keyPem, secret);
  await writeFile(pki.serviceAccountKey, serviceAccount.privateKeyPem, secret);
  await writeFile(pki.serviceAccountPublicKey, serviceAccount.publicKeyPem, secret);
  // token,user,uid,groups: system:masters makes admin a cluster-admin under RBAC.
  await writeFile(pki.tokenAuthFile, `${pki.adminToken},admin,admin,system:masters\n`, secret);
  return pki;
}
