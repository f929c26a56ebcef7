import type { Pki } from './pki.ts';

/** envtest's etcd flags, on two given loopback ports. */
export function etcdArgs(dataDir: string, clientPort: number, peerPort: number): string[] {
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    `--data-dir=${dataDir}`,
    `--listen-client-urls=http://127.0.0.1:${clientPort}`,
    `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    // Throwaway data: fsync would only slow down every write the tests make.
    '--unsafe-no-fsync=true',
  ];
}

/**
 * envtest's kube-apiserver flags. Admission plugins stay at their defaults, so
 * ServiceAccount and MutatingAdmissionWebhook run as on a real cluster.
 */
export function kubeApiserverArgs(etcdUrl: string, port: number, pki: Pki): string[] {
  return [
    `--etcd-servers=${etcdUrl}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // v1.37's lease endpoint reconciler refuses a loopback advertise address and exits;
    // nothing here needs the `kubernetes` Service's endpoints, which is all it maintains.
    '--endpoint-reconciler-type=none',
    `--cert-dir=${pki.dir}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--token-auth-file=${pki.tokenAuthFile}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=https://127.0.0.1:${port}/`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
  ];
}
