import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { V1Secret } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CertificatesService } from '../../src/certificates/certificates.service.ts';
import { SecretTlsStore } from '../../src/certificates/secret-tls-store.ts';
import { reconcileSelfSigned } from '../../src/certificates/self-signed-issuer.ts';
import { createServingCertificate, generateRsaKey, keyFromPem, keyToPem } from '../../src/certificates/x509.ts';
import { servingHostnames } from '../../src/certificates/hostnames.ts';
import { discoverKubernetes } from '../../src/kubernetes/kube-clients.ts';
import { testCluster } from '../control-plane/test-cluster.ts';
import { startService, type RunningService } from '../support/service.ts';

const cluster = testCluster();
const SECRET = 'injector-tls';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function replica(namespace: string, env: Record<string, string> = {}): Promise<RunningService> {
  const service = await startService({ KUBECONFIG: cluster.info.kubeconfigPath, POD_NAMESPACE: namespace, TLS_SECRET_NAME: SECRET, WEBHOOK_REGISTRATION: 'disabled', ...env });
  cleanups.push(() => service.close());
  return service;
}

function certificates(service: RunningService): CertificatesService {
  return service.app.get(CertificatesService);
}

function secretText(secret: V1Secret, key: string): string {
  return Buffer.from(secret.data?.[key] ?? '', 'base64').toString();
}

function readSecret(namespace: string): Promise<V1Secret> {
  return cluster.core.readNamespacedSecret({ name: SECRET, namespace });
}

/** The certificate a replica actually serves, as a TLS client sees it. */
function servedFingerprint(service: RunningService): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: service.port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase());
      socket.end();
    });
    socket.on('error', reject);
  });
}

async function store(namespace: string): Promise<SecretTlsStore> {
  const access = await discoverKubernetes({ inCluster: false, kubeconfig: cluster.info.kubeconfigPath });
  if (!access.clients) throw new Error(access.reason);
  return new SecretTlsStore(access.clients, namespace, SECRET);
}

const settings = { hostnames: ['localhost', '127.0.0.1'], certValidityMs: 3_600_000, caValidityMs: 36_000_000, renewBeforeMs: 600_000 };

describe('the TLS identity shared through a Secret', () => {
  it('settles an AlreadyExists race and a stale replace on the real apiserver: one write wins, the other is told so', async () => {
    const namespace = await cluster.createNamespace('certificates');
    const [first, second] = [await store(namespace), await store(namespace)];
    expect(await Promise.all([first.load(), second.load()])).toEqual([undefined, undefined]);
    const [mine, theirs] = await Promise.all([reconcileSelfSigned(undefined, settings, Date.now()), reconcileSelfSigned(undefined, settings, Date.now())]);
    const outcomes = await Promise.all([first.save(mine.state, undefined), second.save(theirs.state, undefined)]);
    expect([...outcomes].sort()).toEqual(['conflict', 'saved']);

    const [loadedByFirst, loadedBySecond] = await Promise.all([first.load(), second.load()]);
    expect(loadedByFirst).toEqual(loadedBySecond);
    const renewed = await reconcileSelfSigned(undefined, settings, Date.now());
    expect(await first.save(renewed.state, loadedByFirst!.version)).toBe('saved');
    expect(await second.save(renewed.state, loadedBySecond!.version)).toBe('conflict');
  });

  it('has two replicas started at once serve certificates from one CA, kept in one labelled Secret', async () => {
    const namespace = await cluster.createNamespace('certificates');
    const [a, b] = await Promise.all([replica(namespace), replica(namespace)]);
    const secret = await readSecret(namespace);
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(secret.metadata?.labels).toMatchObject({ 'app.kubernetes.io/name': 'sidecar-injector', 'app.kubernetes.io/managed-by': 'sidecar-injector' });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    for (const service of [a, b]) {
      const identity = certificates(service).current()!;
      expect(identity.provisional).toBeUndefined();
      expect(identity.caBundle).toBe(secretText(secret, 'ca.crt'));
      expect(identity.certificate).toBe(secretText(secret, 'tls.crt'));
      expect(await servedFingerprint(service)).toBe(identity.fingerprint);
      // The copy in TLS_DIR is what a restart without an apiserver serves.
      expect(readFileSync(join(service.tlsDir, 'ca.crt'), 'utf8')).toBe(identity.caBundle);
    }
    const secrets = await cluster.core.listNamespacedSecret({ namespace });
    expect(secrets.items.map((item) => item.metadata?.name)).toEqual([SECRET]);
    // Both found no Secret and made an identity (key generation keeps the window wide); the create that lost adopted the winner's.
    const adopted = [...a.logs, ...b.logs].filter((line) => (line['reasons'] as string[] | undefined)?.includes(`another replica saved Secret ${namespace}/${SECRET} first; using its certificate`));
    expect(adopted).toHaveLength(1);
  });

  it('brings a renewal made by another replica to every replica within seconds, through the watch', async () => {
    const namespace = await cluster.createNamespace('certificates');
    const [a, b] = await Promise.all([replica(namespace), replica(namespace)]);
    const before = certificates(a).current()!;
    // Another replica renews: it reads the Secret and, finding the certificate due, saves a new one.
    const other = await store(namespace);
    const loaded = (await other.load())!;
    const key = await generateRsaKey();
    const certificate = createServingCertificate(key, {
      commonName: 'sidecar-injector',
      hostnames: servingHostnames(a.config),
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + a.config.tls.certValidityMs),
      caCertificatePem: loaded.state.caCertificates[0]!,
      caKey: keyFromPem(loaded.state.caKey!),
    });
    expect(await other.save({ ...loaded.state, certificate, key: keyToPem(key) }, loaded.version)).toBe('saved');

    for (const service of [a, b]) {
      await vi.waitFor(() => expect(certificates(service).current()!.certificate).toBe(certificate), { timeout: 5_000, interval: 50 });
      expect(await servedFingerprint(service)).not.toBe(before.fingerprint);
      expect(await servedFingerprint(service)).toBe(certificates(service).current()!.fingerprint);
    }
  });

  it('keeps two replicas on one certificate while both renew every ~2 s', { timeout: 40_000 }, async () => {
    const namespace = await cluster.createNamespace('certificates');
    const env = { TLS_CERT_VALIDITY: '6s', TLS_RENEW_BEFORE: '4s' };
    const [a, b] = await Promise.all([replica(namespace, env), replica(namespace, env)]);
    const versions = new Set<string>();
    // Until three versions were seen (about 4 s), not for a fixed time: a loaded machine renews later.
    const deadline = Date.now() + 25_000;
    while (versions.size < 3 && Date.now() < deadline) {
      versions.add((await readSecret(namespace)).metadata!.resourceVersion!);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(versions.size).toBeGreaterThanOrEqual(3);
    const secret = await readSecret(namespace);
    for (const service of [a, b]) {
      await vi.waitFor(
        async () => {
          const latest = secretText(await readSecret(namespace), 'tls.crt');
          expect(certificates(service).current()!.certificate).toBe(latest);
        },
        { timeout: 3_000, interval: 50 },
      );
    }
    expect(secretText(secret, 'ca.crt')).toBe(certificates(a).current()!.caBundle);
  });

  it('replaces a corrupted Secret, says so in one line, and every replica moves to the replacement', async () => {
    const namespace = await cluster.createNamespace('certificates');
    const [a, b] = await Promise.all([replica(namespace), replica(namespace)]);
    const before = certificates(a).current()!;
    const secret = await readSecret(namespace);
    await cluster.core.replaceNamespacedSecret({ name: SECRET, namespace, body: { ...secret, data: { ...secret.data, 'ca.crt': Buffer.from('garbage').toString('base64') } } });

    for (const service of [a, b]) {
      await vi.waitFor(() => expect(certificates(service).current()!.caBundle).not.toBe(before.caBundle), { timeout: 5_000, interval: 50 });
    }
    await vi.waitFor(async () => expect(certificates(a).current()!.caBundle).toBe(secretText(await readSecret(namespace), 'ca.crt')), { timeout: 5_000 });
    expect(certificates(b).current()!.caBundle).toBe(certificates(a).current()!.caBundle);
    const reports = [...a.logs, ...b.logs].filter((line) => line['level'] === 'warn' && String(line['msg']).startsWith('replaced a bad certificate'));
    expect(reports.map((line) => line['msg'])).toContain(`replaced a bad certificate: Secret ${namespace}/${SECRET}: the stored CA certificate cannot be parsed`);
  });

  it('puts a deleted Secret back with the identity being served, so the registered CA bundle stays valid', async () => {
    const namespace = await cluster.createNamespace('certificates');
    const [a, b] = await Promise.all([replica(namespace), replica(namespace)]);
    const served = certificates(a).current()!;
    await cluster.core.deleteNamespacedSecret({ name: SECRET, namespace });
    await vi.waitFor(async () => expect(secretText(await readSecret(namespace), 'ca.crt')).toBe(served.caBundle), { timeout: 5_000, interval: 100 });
    expect(secretText(await readSecret(namespace), 'tls.crt')).toBe(served.certificate);
    for (const service of [a, b]) expect(certificates(service).current()!.fingerprint).toBe(served.fingerprint);
    expect([...a.logs, ...b.logs].some((line) => (line['reasons'] as string[] | undefined)?.includes(`Secret ${namespace}/${SECRET} was missing; restored the certificate being served`))).toBe(true);
  });

  describe('with the apiserver unreachable at start', () => {
    /**
     * A TCP relay to the apiserver that the test switches on, so the same kubeconfig first
     * fails, then works. It holds its port from the start (dropping every connection until
     * opened), so no other process can take it in between.
     */
    async function relay(): Promise<{ kubeconfig: string; open(): Promise<void> }> {
      const upstream = new URL(cluster.info.server);
      let relaying = false;
      const server: Server = createServer((client) => {
        if (!relaying) return void client.destroy();
        const target = createConnection(Number(upstream.port), upstream.hostname);
        client.pipe(target).pipe(client);
        client.on('error', () => target.destroy());
        target.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => {
        server.close();
      });
      const port = (server.address() as { port: number }).port;
      const dir = mkdtempSync(join(tmpdir(), 'certificates-relay-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, readFileSync(cluster.info.kubeconfigPath, 'utf8').replace(cluster.info.server, `https://127.0.0.1:${port}`));
      return {
        kubeconfig,
        open: async () => {
          relaying = true;
        },
      };
    }

    it('serves a stand-in, publishes no CA bundle, then moves to the Secret when the apiserver answers', async () => {
      const namespace = await cluster.createNamespace('certificates');
      const apiserver = await relay();
      const service = await replica(namespace, { KUBECONFIG: apiserver.kubeconfig });
      const published: (string | undefined)[] = [];
      const subscription = certificates(service).caBundle$.subscribe((bundle) => published.push(bundle));
      cleanups.push(() => subscription.unsubscribe());
      expect(certificates(service).current()!.provisional).toMatch(/^cannot load or renew the certificate in Secret .*: cannot reach the apiserver/);
      expect(published).toEqual([]);

      await apiserver.open();
      await vi.waitFor(() => expect(certificates(service).current()!.provisional).toBeUndefined(), { timeout: 15_000, interval: 100 });
      const secret = await readSecret(namespace);
      expect(published).toEqual([secretText(secret, 'ca.crt')]);
      expect(certificates(service).current()!.certificate).toBe(secretText(secret, 'tls.crt'));
      expect(await servedFingerprint(service)).toBe(certificates(service).current()!.fingerprint);
      expect(readFileSync(join(service.tlsDir, 'tls.crt'), 'utf8')).toBe(secretText(secret, 'tls.crt'));
    });

    it('restarts on the shared identity cached in TLS_DIR, which the apiserver already trusts', async () => {
      const namespace = await cluster.createNamespace('certificates');
      const dir = mkdtempSync(join(tmpdir(), 'certificates-cache-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const first = await startService({ KUBECONFIG: cluster.info.kubeconfigPath, POD_NAMESPACE: namespace, TLS_SECRET_NAME: SECRET, TLS_DIR: dir });
      const shared = certificates(first).current()!;
      await first.close();

      const apiserver = await relay();
      const restarted = await replica(namespace, { KUBECONFIG: apiserver.kubeconfig, TLS_DIR: dir });
      expect(certificates(restarted).current()).toMatchObject({ fingerprint: shared.fingerprint, caBundle: shared.caBundle, provisional: expect.any(String) });
      await apiserver.open();
      await vi.waitFor(() => expect(certificates(restarted).current()!.provisional).toBeUndefined(), { timeout: 15_000, interval: 100 });
      expect(certificates(restarted).current()!.fingerprint).toBe(shared.fingerprint);
      expect(restarted.logs.map((line) => line['msg'])).toContain('the shared certificate is reachable again and the same as the stand-in; publishing its CA bundle');
    });
  });
});
